import type { OktaCollectorConfig } from '../../config/index.js';
import { headerValue, type AnswerHeaders } from '../../http/index.js';
import { ClientCredentials, clientAssertion, readPrivateKey } from '../client-credentials.js';
import { CollectorHalt, CollectorRetry } from '../failures.js';
import { jsonBody, LogApiClient, onBase, type ApiAnswer } from '../log-api-client.js';
import { fetchPage, type PagePolicy } from '../page-fetch.js';
import type {
  CollectedPage,
  CollectedRecord,
  CycleContext,
  LogSource,
  SourcePosition,
} from '../log-source.js';
import { linkOf } from './link-header.js';
import { oktaRecord } from './okta-event.js';

// The Okta System Log read as REFERENCE.md says good collectors read it: polling requests
// (`since` once, `sortOrder=ASCENDING`, `limit=1000`, never `until`), then the `next` link of each
// page, forever: a polling request filters by Okta's persistence time, so late events are not
// skipped, and every page, even an empty one, has a `next` link. A cycle ends at an empty page.

/** Where the collector stands: the `next` link, the newest `published` and the uuids at it. */
export interface OktaPosition extends SourcePosition {
  next: string | null;
  lastPublished: string | null;
  uuidsAtLastPublished: string[];
}

const PAGE_LIMIT = 1000;
/** After a lost cursor, reading starts this long before the newest `published` collected. */
const LOST_CURSOR_OVERLAP_MS = 5 * 60_000;
/** Below this share of the limit left, requests are spread over what remains of the window. */
const LOW_REMAINING_SHARE = 0.1;

export class OktaSource implements LogSource {
  readonly #config: OktaCollectorConfig;
  readonly #base: URL;
  readonly #client: LogApiClient;
  readonly #credentials: ClientCredentials | null;
  readonly #policy: PagePolicy;

  constructor(config: OktaCollectorConfig) {
    this.#config = config;
    this.#base = new URL(config.url ?? `https://${config.domain}`);
    this.#client = new LogApiClient(config.tls, 'Failed to fetch Okta system logs');
    const oauth = config.auth.oauth;
    if (oauth) {
      const tokenUrl = new URL('/oauth2/v1/token', this.#base).toString();
      const signing = { key: readPrivateKey(oauth.privateKey), keyId: oauth.keyId };
      this.#credentials = new ClientCredentials(this.#client, {
        url: tokenUrl,
        provider: 'Okta',
        form: async () => ({
          grant_type: 'client_credentials',
          scope: oauth.scopes.join(' '),
          client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
          client_assertion: await clientAssertion(oauth.clientId, tokenUrl, signing),
        }),
      });
    } else {
      this.#credentials = null;
    }
    this.#policy = {
      client: this.#client,
      credentials: this.#credentials,
      headers: (context) => this.#headers(context),
      throttledFor: (answer) => {
        const resetAtMs = rateLimit(answer.headers).resetAtMs;
        return resetAtMs === null ? 0 : Math.max(0, resetAtMs - Date.now());
      },
      throttledMessage: 'Rate limit exceeded - will retry',
      refuse: (answer) => this.#refuse(answer),
    };
  }

  async *cycle(
    position: SourcePosition | null,
    context: CycleContext,
  ): AsyncGenerator<CollectedPage> {
    let at = (position as OktaPosition | null) ?? {
      next: null,
      lastPublished: null,
      uuidsAtLastPublished: [],
    };
    const firstUrl = at.next ? onBase(at.next, this.#base) : this.#pollingUrl(this.#since(at));
    let request: Promise<ApiAnswer> | null = this.#request(firstUrl, at.next !== null, context);
    while (request !== null) {
      const answer = await request;
      request = null;
      if (answer.status === 400) {
        // The cursor is gone (expired, or Okta no longer knows it): start again from the newest
        // published collected, a little before it; the uuids already stored are dropped.
        context.logger.warn(
          { detail: oktaError(answer) },
          'Okta refused the saved next link; reading again from the last published time',
        );
        yield { records: [], position: { ...at, next: null } };
        return;
      }
      const next = linkOf(answer.headers, 'next');
      const nextUrl = next && onBase(next, this.#base);
      // The next page is asked for before this one is read, so that Okta answers while this one
      // is parsed and committed; an empty page ends the cycle. Should this page fail, the cycle
      // ends and that answer goes unused: its rejection is handled here, not left loose.
      if (nextUrl !== null && !isEmptyList(answer.body)) {
        request = this.#request(nextUrl, true, context);
        request.catch(() => undefined);
      }
      const events = this.#events(answer);
      const records: CollectedRecord[] = [];
      let { lastPublished, uuidsAtLastPublished } = at;
      for (const event of events) {
        const record = oktaRecord(event, this.#config.name);
        if (typeof record === 'string') {
          context.logger.warn(`Okta sent ${record}; skipped`);
          continue;
        }
        records.push(record);
        // oktaRecord dates the draft by `published`, as ISO 8601.
        const published = record.draft.time as string;
        if (lastPublished === null || published > lastPublished) {
          lastPublished = published;
          uuidsAtLastPublished = [record.key];
        } else if (published === lastPublished && !uuidsAtLastPublished.includes(record.key)) {
          uuidsAtLastPublished = [...uuidsAtLastPublished, record.key];
        }
      }
      at = { next: nextUrl, lastPublished, uuidsAtLastPublished };
      yield { records, position: at };
    }
  }

  /**
   * A page and the pause the rate limit asks after it. A 400 to a `next` link says the cursor is
   * lost, which the cycle handles; elsewhere a 400 halts.
   */
  async #request(url: string, followingLink: boolean, context: CycleContext): Promise<ApiAnswer> {
    const answer = await fetchPage(
      url,
      this.#policy,
      context,
      (status) => status === 400 && followingLink,
    );
    await this.#paceBelowLimit(rateLimit(answer.headers), context);
    return answer;
  }

  rereadsFrom(position: SourcePosition | null): number | null {
    const at = position as OktaPosition | null;
    if (!at || at.next !== null || at.lastPublished === null) return null;
    return Date.parse(at.lastPublished) - LOST_CURSOR_OVERLAP_MS;
  }

  async close(): Promise<void> {
    await this.#client.close();
  }

  #since(at: OktaPosition): string {
    if (at.lastPublished !== null)
      return new Date(Date.parse(at.lastPublished) - LOST_CURSOR_OVERLAP_MS).toISOString();
    return this.#config.startFrom ?? new Date().toISOString();
  }

  #pollingUrl(since: string): string {
    const url = new URL('/api/v1/logs', this.#base);
    url.searchParams.set('since', since);
    url.searchParams.set('sortOrder', 'ASCENDING');
    url.searchParams.set('limit', String(PAGE_LIMIT));
    return url.toString();
  }

  /** Okta's answers: what halts, what is retried at the next cycle. */
  #refuse(answer: ApiAnswer): never {
    const detail = oktaError(answer);
    if (answer.status === 400)
      throw new CollectorHalt('Bad request - check API parameters', detail);
    if (answer.status === 401)
      throw new CollectorHalt(
        this.#credentials
          ? 'Authentication failed - check the OAuth service app'
          : 'Authentication failed - check OKTA_API_TOKEN',
        detail,
      );
    if (answer.status === 403)
      throw new CollectorHalt(
        'Authentication failed - the credential lacks the okta.logs.read permission',
        detail,
      );
    throw new CollectorRetry(`Failed to fetch Okta system logs. Status=${answer.status}`, detail);
  }

  async #headers(context: CycleContext): Promise<Record<string, string>> {
    const { auth } = this.#config;
    const value = this.#credentials
      ? `Bearer ${await this.#credentials.token(context)}`
      : `${auth.prefix}${auth.token ?? ''}`;
    return { accept: 'application/json', [auth.header]: value };
  }

  /**
   * Slows down before the limit is hit: with little of the window's allowance left, the requests
   * left are spread over the time until it resets.
   */
  async #paceBelowLimit(limit: RateLimit, context: CycleContext): Promise<void> {
    if (limit.limit === null || limit.remaining === null || limit.resetAtMs === null) return;
    if (limit.remaining > Math.max(1, Math.floor(limit.limit * LOW_REMAINING_SHARE))) return;
    const untilReset = limit.resetAtMs - Date.now();
    if (untilReset <= 0) return;
    await context.wait(Math.ceil(untilReset / (limit.remaining + 1)));
  }

  #events(answer: ApiAnswer): unknown[] {
    const body = jsonBody(answer, 'Okta');
    if (!Array.isArray(body))
      throw new CollectorRetry(
        'Failed to fetch Okta system logs',
        'the answer is not a list of events',
      );
    return body;
  }
}

/** Whether a JSON body is an empty list, without parsing it. */
function isEmptyList(body: string): boolean {
  return body.trim() === '[]';
}

interface RateLimit {
  limit: number | null;
  remaining: number | null;
  resetAtMs: number | null;
}

function rateLimit(headers: AnswerHeaders): RateLimit {
  const number = (name: string) => {
    const text = headerValue(headers, name);
    const value = Number(text);
    return text !== undefined && Number.isFinite(value) ? value : null;
  };
  const reset = number('x-rate-limit-reset');
  return {
    limit: number('x-rate-limit-limit'),
    remaining: number('x-rate-limit-remaining'),
    resetAtMs: reset === null ? null : reset * 1000,
  };
}

/** Okta's error body in a line: `E0000011 Invalid token provided`, with its causes. */
function oktaError(answer: ApiAnswer): string | null {
  try {
    const body = JSON.parse(answer.body) as {
      errorCode?: unknown;
      errorSummary?: unknown;
      errorCauses?: { errorSummary?: unknown }[];
    };
    const causes = Array.isArray(body.errorCauses)
      ? body.errorCauses.map((cause) => cause.errorSummary).filter((s) => typeof s === 'string')
      : [];
    const parts = [body.errorCode, body.errorSummary].filter((part) => typeof part === 'string');
    if (parts.length === 0) return null;
    return [parts.join(' '), ...causes].join('; ');
  } catch {
    return null;
  }
}
