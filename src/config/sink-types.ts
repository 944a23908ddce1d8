// The shape of `sinks:` in warden.yaml: what every sink has, and each type's own settings (in
// sinks/<type>.ts). Key names are a contract with users: add keys freely, rename none.
import type { OutcomeResult } from '../audit/event.js';
import type { DatadogSinkConfig } from './sinks/datadog.js';
import type { EventBridgeSinkConfig } from './sinks/eventbridge.js';
import type { FileSinkConfig } from './sinks/file.js';
import type { SplunkSinkConfig } from './sinks/splunk.js';
import type { SyslogSinkConfig } from './sinks/syslog.js';
import type { WebhookSinkConfig } from './sinks/webhook.js';

export type { DatadogSinkConfig } from './sinks/datadog.js';
export type { EventBridgeSinkConfig } from './sinks/eventbridge.js';
export type { FileSinkConfig } from './sinks/file.js';
export type { SplunkSinkConfig } from './sinks/splunk.js';
export type { SyslogSinkConfig } from './sinks/syslog.js';
export type { WebhookSinkConfig } from './sinks/webhook.js';

export { OUTCOME_RESULTS as sinkOutcomes } from '../audit/event.js';

/** Which events a sink takes. An empty list does not restrict; every list given must match. */
export interface SinkFilter {
  /** Event types; `db.*` matches every type that starts with `db.`. */
  types: string[];
  connections: string[];
  /** Any of the actor's groups. */
  groups: string[];
  outcomes: OutcomeResult[];
}

/** `native`: the AuditEvent as it is; `ocsf`: mapped to OCSF classes. */
export type SinkFormat = 'native' | 'ocsf';

/** Where a sink's cursor starts the first time it runs (afterwards, where it left off). */
export type SinkStart = { from: 'now' } | { from: 'beginning' } | { from: 'time'; time: string };

export interface SinkBatch {
  /** Events per request at most. */
  maxEvents: number;
  /** Bytes of encoded events per request at most. */
  maxBytes: number;
}

export interface SinkRetry {
  /** First wait after a failure; it doubles (with jitter) after each one. */
  minDelayMs: number;
  /** The longest wait between two attempts. */
  maxDelayMs: number;
}

export interface SinkCommon {
  name: string;
  filter: SinkFilter;
  format: SinkFormat;
  start: SinkStart;
  batch: SinkBatch;
  retry: SinkRetry;
}

export type SinkConfig =
  | WebhookSinkConfig
  | FileSinkConfig
  | DatadogSinkConfig
  | SplunkSinkConfig
  | EventBridgeSinkConfig
  | SyslogSinkConfig;
export type SinkType = SinkConfig['type'];
