// One HTTP request of a sink, and what its answer means for delivery. Shared by the HTTP sinks
// (webhook, Datadog, Splunk) so that timeouts, Retry-After and status classes are handled alike.
import {
  answerDetail,
  postOnce,
  retryAfterMs,
  type HttpAnswer,
  type PostRequest,
} from '../http/index.js';
import type { DeliveryOutcome } from './sink.js';

export type { HttpAnswer };

/** POSTs the body; resolves with the answer, or with an outcome when there was none (network, timeout). */
export async function post(req: PostRequest): Promise<HttpAnswer | DeliveryOutcome> {
  const answer = await postOnce(req);
  return 'failure' in answer ? { kind: 'retry', reason: answer.failure } : answer;
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
