// The HTTP side of a collector: GETs of log pages and POSTs to token endpoints, with the
// collector's TLS settings, timeouts and a bound on what an answer may hold.
import { readFileSync } from 'node:fs';
import { request, type Dispatcher } from 'undici';
import type { CollectorTls } from '../config/index.js';
import {
  describeNetworkError,
  readBody,
  tlsDispatcher,
  type AnswerHeaders,
} from '../http/index.js';
import { CollectorRetry } from './failures.js';
import type { CycleContext } from './log-source.js';

export interface ApiAnswer {
  status: number;
  headers: AnswerHeaders;
  body: string;
}

/** Okta's queries time out after 30 s on its side: a minute covers that and a slow network. */
const TIMEOUT_MS = 60_000;
/** A page of 1000 events is a few MB; a larger answer is not a log page. */
const MAX_ANSWER_BYTES = 64 * 1024 * 1024;
/** Attempts of one request when the network fails, before the cycle gives up. */
const NETWORK_ATTEMPTS = 3;

export class LogApiClient {
  readonly #dispatcher: Dispatcher | undefined;

  /**
   * @param what the message a network failure is finally reported with (the provider's "failed
   *   to fetch" wording)
   */
  constructor(
    tls: CollectorTls,
    private readonly what: string,
  ) {
    this.#dispatcher = tls.enabled
      ? tlsDispatcher({
          ca: tls.ca && readFileSync(tls.ca, 'utf8'),
          cert: tls.cert && readFileSync(tls.cert, 'utf8'),
          key: tls.key && readFileSync(tls.key, 'utf8'),
          passphrase: tls.keyPassword,
          rejectUnauthorized: tls.verifyCertificate,
          verifyHostname: tls.verifyHostname,
        })
      : undefined;
  }

  get(url: string, headers: Record<string, string>, context: CycleContext): Promise<ApiAnswer> {
    return this.#send(url, { method: 'GET', headers }, context);
  }

  postForm(url: string, form: Record<string, string>, context: CycleContext): Promise<ApiAnswer> {
    return this.#send(
      url,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: new URLSearchParams(form).toString(),
      },
      context,
    );
  }

  async close(): Promise<void> {
    await this.#dispatcher?.close();
  }

  /** Sends, retrying a network failure a few times with a growing pause; then CollectorRetry. */
  async #send(
    url: string,
    options: { method: 'GET' | 'POST'; headers: Record<string, string>; body?: string },
    context: CycleContext,
  ): Promise<ApiAnswer> {
    for (let attempt = 1; ; attempt++) {
      try {
        const response = await request(url, {
          ...options,
          signal: AbortSignal.any([context.signal, AbortSignal.timeout(TIMEOUT_MS)]),
          headersTimeout: TIMEOUT_MS,
          bodyTimeout: TIMEOUT_MS,
          ...(this.#dispatcher ? { dispatcher: this.#dispatcher } : {}),
        });
        return {
          status: response.statusCode,
          headers: response.headers,
          body: await readBody(response.body, MAX_ANSWER_BYTES, 'fail'),
        };
      } catch (error) {
        if (context.signal.aborted) throw new CollectorRetry('the collector stopped');
        const reason = `${new URL(url).origin} could not be reached: ${describeNetworkError(error)}`;
        if (attempt >= NETWORK_ATTEMPTS) throw new CollectorRetry(this.what, reason);
        context.logger.warn({ attempt, reason }, 'collector: request failed, trying again');
        await context.wait(1000 * 2 ** (attempt - 1));
      }
    }
  }
}

/** The answer's JSON body, or CollectorRetry naming what came instead. */
export function jsonBody(answer: ApiAnswer, what: string): unknown {
  try {
    return JSON.parse(answer.body) as unknown;
  } catch {
    throw new CollectorRetry(`${what} answered ${answer.status} with a body that is not JSON`);
  }
}

/**
 * A link the provider sent, on the configured base: its path and query only. Through a proxy
 * (`url`) the provider's links name its own host; and a credential must never go to a host a link
 * names.
 */
export function onBase(link: string, base: URL): string {
  const parsed = new URL(link, base);
  return new URL(parsed.pathname + parsed.search, base).toString();
}
