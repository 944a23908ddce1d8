// POSTs events as JSON to a URL, signed per Standard Webhooks (src/http/standard-webhooks.ts), with
// the event's id as `webhook-id`: the receiver's idempotency key.
import { createHash } from 'node:crypto';
import type { WebhookSinkConfig } from '../../config/index.js';
import { webhookSigner } from '../../http/index.js';
import { classifyAnswer, isAnswer, post } from '../http-delivery.js';
import type { DeliveryOutcome, Entry, ExportRecord, Sink } from '../sink.js';

export function createWebhookSink(config: WebhookSinkConfig): Sink {
  const sign = webhookSigner(config.secret);
  const destination = `webhook ${new URL(config.url).host}`;
  return {
    maxEventsPerRequest: config.mode === 'event' ? 1 : undefined,
    encode: (record: ExportRecord) => record.payloadText,
    async deliver(entries: readonly Entry[], signal: AbortSignal): Promise<DeliveryOutcome> {
      const body =
        config.mode === 'event'
          ? (entries[0] as Entry).text
          : `[${entries.map((entry) => entry.text).join(',')}]`;
      const headers: Record<string, string> = {
        ...config.headers,
        'content-type': 'application/json',
        'user-agent': 'warden-webhook',
        ...sign(messageId(entries), body),
      };
      const answer = await post({
        url: config.url,
        headers,
        body,
        timeoutMs: config.timeoutMs,
        signal,
      });
      if (!isAnswer(answer)) return answer;
      // 410 asks the sender to disable the endpoint. Warden never switches a sink off by itself:
      // it keeps the events, shows the sink degraded, and retries until someone fixes the URL.
      if (answer.status === 410) {
        return {
          kind: 'retry',
          reason: `${destination} answered 410 Gone: the endpoint was removed`,
          status: 410,
        };
      }
      return classifyAnswer(answer, destination);
    },
    close: () => Promise.resolve(),
  };
}

/**
 * One event: its id. A batch: derived from its events' ids, so a batch sent again after a crash
 * or a timeout carries the same id.
 */
function messageId(entries: readonly Entry[]): string {
  if (entries.length === 1) return (entries[0] as Entry).record.event.id;
  const ids = entries.map((entry) => entry.record.event.id).join(',');
  return `batch_${createHash('sha256').update(ids).digest('hex').slice(0, 32)}`;
}
