// One HTTP request of a sink, and what its answer means for delivery. Shared by the HTTP sinks
// (webhook, Datadog, Splunk) so that timeouts, Retry-After and status classes are handled alike.
import { request, type Dispatcher } from 'undici';
import { describeNetworkError, readBody, retryAfterMs } from '../http/index.js';
import type { DeliveryOutcome } from './sink.js';

export interface HttpDeliveryRequest {
  url: string;
  headers: Record<string, string>;
  body: string | Buffer;
  timeoutMs: number;
  signal: AbortSignal;
  dispatcher?: Dispatcher;
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** At most 64 KiB of the body, as text: enough for an error message, bounded for a hostile one. */
  body: string;
}

const MAX_ANSWER_BYTES = 64 * 1024;

/** POSTs the body; resolves with the answer, or with an outcome when there was none (network, timeout). */
export async function post(req: HttpDeliveryRequest): Promise<HttpAnswer | DeliveryOutcome> {
  const timeout = AbortSignal.timeout(req.timeoutMs);
  try {
    const response = await request(req.url, {
      method: 'POST',
      headers: req.headers,
      body: req.body,
      signal: AbortSignal.any([req.signal, timeout]),
      headersTimeout: req.timeoutMs,
      bodyTimeout: req.timeoutMs,
      ...(req.dispatcher ? { dispatcher: req.dispatcher } : {}),
    });
    return {
      status: response.statusCode,
      headers: response.headers,
      body: await readBody(response.body, MAX_ANSWER_BYTES, 'truncate'),
    };
  } catch (error) {
    const reason = timeout.aborted
      ? `no answer within ${req.timeoutMs} ms`
      : `request failed: ${describeNetworkError(error)}`;
    return { kind: 'retry', reason };
  }
}

export function isAnswer(value: HttpAnswer | DeliveryOutcome): value is HttpAnswer {
  return 'status' in value;
}

/**
 * The usual meaning of an HTTP answer for delivery: 2xx delivered; 413 split; 408, 429 and 5xx
 * retried (after Retry-After when given); other 4xx refused for good. `reason` names the
 * destination's own words, shortened, so that an operator sees why.
 */
export function classifyAnswer(answer: HttpAnswer, destination: string): DeliveryOutcome {
  const { status } = answer;
  if (status >= 200 && status < 300) return { kind: 'delivered' };
  const reason = `${destination} answered ${status}${answerDetail(answer.body)}`;
  if (status === 413) return { kind: 'split', reason, status };
  if (status === 408 || status === 429 || status >= 500) {
    const after = retryAfterMs(answer.headers);
    return after === null
      ? { kind: 'retry', reason, status }
      : { kind: 'retry', reason, status, retryAfterMs: after };
  }
  return { kind: 'rejected', reason, status, splittable: status === 400 };
}

function answerDetail(body: string): string {
  const text = body.replace(/\s+/g, ' ').trim();
  if (text === '') return '';
  return `: ${text.length > 200 ? `${text.slice(0, 200)}…` : text}`;
}
