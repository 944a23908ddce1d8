import { request, type Dispatcher } from 'undici';
import { readBody } from './answer-body.js';
import { describeNetworkError } from './network-error.js';
import type { AnswerHeaders } from './retry-after.js';

export interface PostRequest {
  url: string;
  headers: Record<string, string>;
  body: string | Buffer;
  /** For the whole exchange: connecting, the answer's headers and its body. */
  timeoutMs: number;
  /** Aborts the request besides the timeout. */
  signal?: AbortSignal;
  dispatcher?: Dispatcher;
}

export interface HttpAnswer {
  status: number;
  headers: AnswerHeaders;
  /** At most 64 KiB of the body, as text: enough for an error message, bounded for a hostile one. */
  body: string;
}

/** Why a request got no answer: a network failure or the timeout, in a few words. */
export interface NoAnswer {
  failure: string;
}

const MAX_ANSWER_BYTES = 64 * 1024;

/** POSTs the body once; resolves with the answer, or with why there was none. Never throws. */
export async function postOnce(req: PostRequest): Promise<HttpAnswer | NoAnswer> {
  const timeout = AbortSignal.timeout(req.timeoutMs);
  try {
    const response = await request(req.url, {
      method: 'POST',
      headers: req.headers,
      body: req.body,
      signal: req.signal ? AbortSignal.any([req.signal, timeout]) : timeout,
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
    return {
      failure: timeout.aborted
        ? `no answer within ${req.timeoutMs} ms`
        : `request failed: ${describeNetworkError(error)}`,
    };
  }
}
