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
  // The reserved fields that are the same for every log, as JSON members.
  const fixedFields = JSON.stringify({
    ddsource: 'warden',
    service: config.service,
    hostname: config.hostname,
    ...(ddtags === '' ? {} : { ddtags }),
  }).slice(1, -1);
  return {
    encode({ event, payload, payloadText }: ExportRecord): string {
      // Epoch milliseconds: Datadog reads `timestamp` as such, without a date format to guess.
      const ownFields = `${fixedFields},"status":"${eventSeverity(event)}","timestamp":${Date.parse(event.time)},"message":${JSON.stringify(describeEvent(event))}`;
      const displaced: Record<string, unknown> = {};
      let clashes = false;
      for (const name in payload) {
        if (RESERVED.has(name)) {
          displaced[name] = payload[name];
          clashes = true;
        }
      }
      // Usually no payload field clashes (never for native events): the payload's own text follows
      // Warden's fields, not stringified again.
      if (!clashes)
        return payloadText === '{}' ? `{${ownFields}}` : `{${ownFields},${payloadText.slice(1)}`;
      const rest: Record<string, unknown> = {};
      for (const name in payload) if (!RESERVED.has(name)) rest[name] = payload[name];
      return `{${ownFields},${JSON.stringify({ ...rest, warden: displaced }).slice(1)}`;
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
