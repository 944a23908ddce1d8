// Datadog Logs intake v2: a JSON array of log entries per request, gzip-compressed, with the API
// key in DD-API-KEY. Each entry carries Datadog's reserved fields and the payload's fields at top
// level, so that they facet as @actor.name, @connection.name …
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { DatadogSinkConfig } from '../../config/index.js';
import { describeEvent, eventSeverity } from '../event-message.js';
import { classifyAnswer, isAnswer, post } from '../http-delivery.js';
import { redact } from '../redaction.js';
import type { DeliveryOutcome, Entry, ExportRecord, Sink } from '../sink.js';

const compress = promisify(gzip);

/**
 * Names Datadog reads for itself (and `warden`, where displaced fields go). A payload field with
 * one of these names would change what Datadog shows as the log's status, message, service, host
 * or time, so Warden's values stay and the payload's move to `warden.<name>` (OCSF's `status` and
 * `message` become @warden.status, @warden.message): nothing is lost and nothing is overridden.
 */
const RESERVED = new Set([
  'ddsource',
  'ddtags',
  'hostname',
  'service',
  'message',
  'status',
  'timestamp',
  'warden',
]);

export function createDatadogSink(config: DatadogSinkConfig): Sink {
  const destination = `Datadog ${new URL(config.url).host}`;
  const ddtags = config.tags.join(',');
  return {
    encode({ event, payload }: ExportRecord): string {
      const entry: Record<string, unknown> = {
        ddsource: 'warden',
        service: config.service,
        hostname: config.hostname,
        ...(ddtags === '' ? {} : { ddtags }),
        status: eventSeverity(event),
        // Epoch milliseconds: Datadog reads `timestamp` as such, without a date format to guess.
        timestamp: Date.parse(event.time),
        message: describeEvent(event),
      };
      const displaced: Record<string, unknown> = {};
      for (const [name, value] of Object.entries(payload)) {
        if (RESERVED.has(name)) displaced[name] = value;
        else entry[name] = value;
      }
      if (Object.keys(displaced).length > 0) entry.warden = displaced;
      return JSON.stringify(entry);
    },
    async deliver(entries: readonly Entry[], signal: AbortSignal): Promise<DeliveryOutcome> {
      const json = `[${entries.map((entry) => entry.text).join(',')}]`;
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'dd-api-key': config.apiKey,
        'user-agent': 'warden-datadog',
      };
      if (config.gzip) headers['content-encoding'] = 'gzip';
      const answer = await post({
        url: config.url,
        headers,
        body: config.gzip ? await compress(json) : json,
        timeoutMs: config.timeoutMs,
        signal,
      });
      if (!isAnswer(answer)) return answer;
      // 202 delivered; 400 rejected, splittable; 401/403 rejected; 413 split; 408, 429, 5xx retry.
      return classifyAnswer({ ...answer, body: redact(answer.body, config.apiKey) }, destination);
    },
    close: () => Promise.resolve(),
  };
}
