// The sink of each configured type. Each type's module builds a Sink from its config entry.
import type { SinkConfig } from '../../config/index.js';
import type { Sink } from '../sink.js';
import { createDatadogSink } from './datadog.js';
import { createEventBridgeSink } from './eventbridge.js';
import { createFileSink } from './file.js';
import { createSplunkSink } from './splunk.js';
import { createSyslogSink } from './syslog.js';
import { createWebhookSink } from './webhook.js';

export function createSink(config: SinkConfig): Sink {
  switch (config.type) {
    case 'webhook':
      return createWebhookSink(config);
    case 'file':
      return createFileSink(config);
    case 'eventbridge':
      return createEventBridgeSink(config);
    case 'syslog':
      return createSyslogSink(config);
    case 'datadog':
      return createDatadogSink(config);
    case 'splunk':
      return createSplunkSink(config);
  }
}
