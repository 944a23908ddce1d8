import { retryDelay } from '../http/index.js';
import type { ClientCredentials } from './client-credentials.js';
import { CollectorRetry } from './failures.js';
import type { ApiAnswer, LogApiClient } from './log-api-client.js';
import type { CycleContext } from './log-source.js';

// One GET of a log page, as both providers want it: a 429 is waited out (never shorter than the
// provider asks) and tried again, an OAuth token refused with 401 is renewed once, and any other
// refusal is the provider's to classify (halt or retry next cycle).

const THROTTLE_RETRY = { minDelayMs: 1000, maxDelayMs: 300_000 };

export interface PagePolicy {
  client: LogApiClient;
  /** The OAuth token source, null for a static credential. */
  credentials: ClientCredentials | null;
  headers(context: CycleContext): Promise<Record<string, string>>;
  /** How long the provider asks to wait after a 429 (ms), from its headers. */
  throttledFor(answer: ApiAnswer): number;
  /** Logged as a warning at each 429. */
  throttledMessage: string;
  /** Throws the provider's failure for an answer that is neither 200 nor 429. */
  refuse(answer: ApiAnswer): never;
}

/** GETs `url`. Answers 200, and any status `answered` accepts, are returned; the rest throw. */
export async function fetchPage(
  url: string,
  policy: PagePolicy,
  context: CycleContext,
  answered: (status: number) => boolean = () => false,
): Promise<ApiAnswer> {
  let throttled = 0;
  let renewedToken = false;
  for (;;) {
    const answer = await policy.client.get(url, await policy.headers(context), context);
    if (answer.status === 200 || answered(answer.status)) return answer;
    if (answer.status === 429) {
      throttled += 1;
      const asked = policy.throttledFor(answer);
      context.logger.warn({ waitMs: asked, attempt: throttled }, policy.throttledMessage);
      await context.wait(retryDelay(THROTTLE_RETRY, throttled, asked));
      if (context.signal.aborted) throw new CollectorRetry('the collector stopped');
      continue;
    }
    if (answer.status === 401 && policy.credentials && !renewedToken) {
      // A token may be revoked before it expires: one new token, then the refusal stands.
      policy.credentials.forget();
      renewedToken = true;
      continue;
    }
    policy.refuse(answer);
  }
}
