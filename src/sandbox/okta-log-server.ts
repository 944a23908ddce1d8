// A stand-in for Okta's System Log API (REFERENCE.md, "Okta System Log API"), for the collectors'
// tests, the demo and the benchmark:
// - GET /api/v1/logs with `Authorization: SSWS <api token>` (or the header and prefix it is told
//   to take API tokens in) or `Authorization: Bearer <token of its own token endpoint>` (scope
//   okta.logs.read). Polling requests (no `until`) select by *persistence* order and time, so a
//   late event (published long ago, persisted now) still comes, and always carry a `next` link;
//   bounded requests (`since` and `until`) select by `published`, in finite pages.
// - Okta's per-minute rate limit with its X-Rate-Limit-* headers, its 429 and error bodies.
// - POST /oauth2/v1/token: client credentials with private_key_jwt, as a service app uses.
import { randomUUID } from 'node:crypto';
import { decodeJwt, importJWK, type JWK } from 'jose';
import {
  ClientAssertions,
  firstIndex,
  JsonText,
  LogApiServer,
  opaqueCursor,
  parseTimestamp,
  readOpaqueCursor,
  RenderedBacklog,
  takeMerged,
  VirtualBacklog,
  type AssertionFailure,
  type LogApiAnswer,
} from './log-api-server.js';
import type { ReceivedRequest } from './http-receiver.js';
import type { LoopbackTls } from './loopback-server.js';
import { oktaLogEvent, oktaTokenGrantEvent, type OktaLogEvent } from './okta-log-events.js';

export interface OktaOAuthClient {
  clientId: string;
  /** The public key of the service app's key pair (RSA or EC), which signs its assertions. */
  publicJwk: JWK;
  /** The scopes granted to the app; it may ask for no other. Default: okta.logs.read. */
  scopes?: string[];
}

export interface OktaLogServerOptions {
  /** Accepted as `Authorization: SSWS <token>` (see apiTokenHeader). Default: ['test-okta-token']. */
  apiTokens?: string[];
  /**
   * The header and the prefix before the token that carry API tokens, as a proxy in front of Okta
   * may want them (a collector's `auth.header` and `auth.prefix`); API tokens in any other header
   * or form are refused. Default: `Authorization` and `SSWS ` (as Okta takes them). A prefix
   * ending in a space takes one or more spaces there.
   */
  apiTokenHeader?: { name: string; prefix: string };
  /** Service apps that get tokens with private_key_jwt. */
  oauthClients?: OktaOAuthClient[];
  /** /api/v1/logs requests per minute (the plan's limit); null: unlimited. Default 120. */
  rateLimitPerMinute?: number | null;
  /** Every Nth query answers 500 E0000009, as a query past Okta's 30 s does now and then. */
  timeoutEvery?: number;
  tls?: LoopbackTls | null;
}

const LOGS_PATH = '/api/v1/logs';
const TOKEN_PATH = '/oauth2/v1/token';
const LOGS_SCOPE = 'okta.logs.read';
const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const TOKEN_LIFETIME_SECONDS = 3600;
const DAY_MS = 86_400_000;
/** Without `since`, Okta starts 7 days before `until` (or now). */
const DEFAULT_SPAN_MS = 7 * DAY_MS;
/** Okta returns nothing older. */
const RETENTION_MS = 90 * DAY_MS;
const OLDEST_SINCE_MS = 180 * DAY_MS;
/**
 * How many positions one polling request looks at: with a filter few events match, Okta answers
 * a short (even empty) page with a `next` link rather than search the whole log at once.
 */
const SCAN_LIMIT = 50_000;

interface Stored {
  event: OktaLogEvent;
  position: number;
  publishedMs: number;
  persistedAt: number;
}

type EventTest = (event: OktaLogEvent) => boolean;

interface Selection {
  limit: number;
  /** `filter` and `q`, as given: next links carry them on. */
  filter: string | null;
  q: string | null;
  matches: EventTest;
}

/** Polling resumes at a persistence position; a bounded request after a (published, position). */
type LogQuery =
  | (Selection & { kind: 'polling'; since: number | null; position: number | null })
  | (Selection & {
      kind: 'bounded';
      descending: boolean;
      since: number;
      until: number;
      untilText: string;
      after: [number, number] | null;
    });

export class OktaLogServer extends LogApiServer {
  private readonly apiTokens: Set<string>;
  /** The header (lower case) API tokens come in, and the pattern its value must match. */
  private readonly apiTokenIn: { header: string; pattern: RegExp };
  private readonly oauthClients: Map<string, OktaOAuthClient>;
  private readonly rateLimit: MinuteRateLimit | null;
  private readonly timeoutEvery: number | null;
  private readonly assertions = new ClientAssertions();
  private virtual: VirtualBacklog<OktaLogEvent> | null = null;
  /** The backlog serialized up front (`backlog(…, { rendered: true })`), for the benchmark. */
  private rendered: RenderedBacklog | null = null;
  private readonly persisted: Stored[] = [];
  private queries = 0;

  constructor(options: OktaLogServerOptions = {}) {
    super(options.tls ?? null);
    this.apiTokens = new Set(options.apiTokens ?? ['test-okta-token']);
    const { name, prefix } = options.apiTokenHeader ?? { name: 'Authorization', prefix: 'SSWS ' };
    const spaced = prefix.trimEnd();
    this.apiTokenIn = {
      header: name.toLowerCase(),
      pattern: new RegExp(`^${escapeRegExp(spaced)}${spaced === prefix ? '' : ' +'}(\\S+)$`),
    };
    this.oauthClients = new Map((options.oauthClients ?? []).map((c) => [c.clientId, c]));
    const perMinute = options.rateLimitPerMinute === undefined ? 120 : options.rateLimitPerMinute;
    this.rateLimit = perMinute === null ? null : new MinuteRateLimit(perMinute);
    this.timeoutEvery = options.timeoutEvery ?? null;
  }

  /** The token endpoint, the audience of client assertions. */
  get tokenUrl(): string {
    return `${this.url}${TOKEN_PATH}`;
  }

  /** Events persisted so far: the virtual backlog and every one added. */
  get stored(): number {
    return this.backlogSize + this.persisted.length;
  }

  /**
   * Persists `events` now, in this order, whatever their `published`: an event published before
   * what was persisted earlier is a late event; one added twice is delivered twice.
   */
  add(events: OktaLogEvent[]): void {
    for (const event of events) {
      const publishedMs = parseTimestamp(event.published);
      if (publishedMs === null) throw new Error(`Okta event ${event.uuid}: bad published`);
      // Persistence times never go backwards, even after a backlog that reaches into the future.
      const persistedAt = Math.max(Date.now(), this.lastPersistedAt());
      this.persisted.push({ event, position: this.stored, publishedMs, persistedAt });
    }
  }

  /** `count` events of a realistic mix, persisted now; `published` defaults to now. */
  generate(count: number, options: { published?: (index: number) => Date } = {}): OktaLogEvent[] {
    const first = this.stored;
    const events = Array.from({ length: count }, (_, index) =>
      oktaLogEvent(first + index, options.published?.(index) ?? new Date()),
    );
    this.add(events);
    return events;
  }

  /** A client app's `app.oauth2.as.token.grant.access_token`, persisted now. */
  tokenGrant(clientId: string, appName: string, published = new Date()): OktaLogEvent {
    const event = oktaTokenGrantEvent(this.stored, { clientId, appName }, published);
    this.add([event]);
    return event;
  }

  /**
   * `count` events persisted before any other, each made from its position when asked for (uuid
   * and content fixed by it), published and persisted at `start + position × stepMs`. By default
   * the backlog ends now, one event a second.
   */
  backlog(count: number, options?: { start: Date; stepMs?: number; rendered?: boolean }): void {
    if (this.virtual || this.persisted.length > 0)
      throw new Error('OktaLogServer.backlog() comes first, once');
    const stepMs = options?.stepMs ?? 1000;
    const start = options?.start.getTime() ?? Date.now() - count * stepMs;
    this.virtual = new VirtualBacklog(count, start, stepMs, oktaLogEvent);
    if (options?.rendered) this.rendered = RenderedBacklog.of(this.virtual);
  }

  protected isTokenRequest(request: ReceivedRequest): boolean {
    return request.path === TOKEN_PATH;
  }

  protected reply(
    request: ReceivedRequest,
    form: URLSearchParams,
  ): LogApiAnswer | Promise<LogApiAnswer> {
    const known = request.path === LOGS_PATH || request.path === TOKEN_PATH;
    if (!known) return oktaError(404, 'E0000007', `Not found: Resource not found: ${request.path}`);
    if (request.path === TOKEN_PATH)
      return request.method === 'POST' ? this.token(form) : standardError(405);
    const rate = this.rateLimit?.take() ?? { allowed: true, headers: {} };
    const answer = request.method !== 'GET' ? standardError(405) : this.logs(request, rate.allowed);
    return { ...answer, headers: { ...rate.headers, ...answer.headers } };
  }

  protected faultAnswer(status: number, request: ReceivedRequest): LogApiAnswer {
    if (request.path === TOKEN_PATH && (status === 400 || status === 401))
      return status === 400
        ? oauthError(400, 'invalid_request', 'The request is malformed.')
        : oauthError(401, 'invalid_client', 'Client authentication failed.');
    const answer = standardError(status);
    if (request.path !== LOGS_PATH || !this.rateLimit) return answer;
    const { headers } = this.rateLimit.take();
    if (status === 429) headers['x-rate-limit-remaining'] = '0';
    return { ...answer, headers };
  }

  private get backlogSize(): number {
    return this.virtual?.count ?? 0;
  }

  private lastPersistedAt(): number {
    const last = this.persisted.at(-1);
    if (last) return last.persistedAt;
    return this.virtual && this.virtual.count > 0 ? this.virtual.timeOf(this.virtual.count - 1) : 0;
  }

  private at(position: number): Stored {
    if (position >= this.backlogSize) return this.persisted[position - this.backlogSize]!;
    const time = this.virtual!.timeOf(position);
    return { event: this.virtual!.at(position), position, publishedMs: time, persistedAt: time };
  }

  /** The first position persisted at or after `ms` (`stored` when none is). */
  private firstPersistedAtOrAfter(ms: number): number {
    const inBacklog = this.virtual?.firstAtOrAfter(ms) ?? 0;
    if (inBacklog < this.backlogSize) return inBacklog;
    const persisted = this.persisted;
    return (
      this.backlogSize + firstIndex(0, persisted.length, (i) => persisted[i]!.persistedAt >= ms)
    );
  }

  private logs(request: ReceivedRequest, withinRateLimit: boolean): LogApiAnswer {
    if (!withinRateLimit) return standardError(429);
    const denied = this.authorize(request);
    if (denied) return denied;
    const now = Date.now();
    const query = parseLogQuery(request.query, now);
    if ('status' in query) return query;
    if (this.timeoutEvery && ++this.queries % this.timeoutEvery === 0) return standardError(500);
    const self = `<${this.url}${LOGS_PATH}${request.query.size ? `?${request.query}` : ''}>; rel="self"`;
    const { events, after } =
      query.kind === 'polling' ? this.pollingPage(query, now) : this.boundedPage(query, now);
    const links = [self];
    if (after !== null) links.push(`<${this.nextLink(query, after)}>; rel="next"`);
    return { status: 200, headers: { link: links }, body: events };
  }

  /** In persistence order from the cursor (or `since`); the next link always comes. */
  private pollingPage(
    query: LogQuery & { kind: 'polling' },
    now: number,
  ): { events: OktaLogEvent[] | JsonText; after: string } {
    const from =
      query.position ?? this.firstPersistedAtOrAfter(query.since ?? now - DEFAULT_SPAN_MS);
    let position = Math.max(from, this.firstPersistedAtOrAfter(now - RETENTION_MS));
    const pageEnd = position + query.limit;
    if (this.rendered && query.filter === null && query.q === null && pageEnd <= this.backlogSize) {
      return { events: this.rendered.list(position, pageEnd), after: opaqueCursor(['p', pageEnd]) };
    }
    const end = Math.min(this.stored, position + SCAN_LIMIT);
    const events: OktaLogEvent[] = [];
    while (position < end && events.length < query.limit) {
      const { event } = this.at(position++);
      if (query.matches(event)) events.push(event);
    }
    return { events, after: opaqueCursor(['p', position]) };
  }

  /** By (published, position) within [since, until); a next link only while more remain. */
  private boundedPage(
    query: LogQuery & { kind: 'bounded' },
    now: number,
  ): { events: OktaLogEvent[]; after: string | null } {
    const since = Math.max(query.since, now - RETENTION_MS);
    const direction = query.descending ? -1 : 1;
    const cursor = query.after;
    const beyondCursor = (stored: Stored) =>
      cursor === null || direction * compareKeys(keyOf(stored), cursor) > 0;
    const inRange = (stored: Stored) =>
      stored.publishedMs >= since && stored.publishedMs < query.until && beyondCursor(stored);
    const persisted = this.persisted
      .filter(inRange)
      .sort((a, b) => direction * compareKeys(keyOf(a), keyOf(b)));
    const taken = takeMerged(
      matching(this.boundedBacklog(since, query.until, direction, cursor), query.matches),
      matching(persisted.values(), query.matches),
      (a, b) => direction * compareKeys(keyOf(a), keyOf(b)) < 0,
      query.limit + 1,
    );
    const page = taken.slice(0, query.limit);
    const last = page.at(-1);
    const more = taken.length > query.limit && last !== undefined;
    return {
      events: page.map((stored) => stored.event),
      after: more ? opaqueCursor(['b', query.since, last.publishedMs, last.position]) : null,
    };
  }

  /** The backlog's events within [since, until) beyond the cursor, in the query's direction. */
  private *boundedBacklog(
    since: number,
    until: number,
    direction: number,
    cursor: [number, number] | null,
  ): Generator<Stored> {
    const backlog = this.virtual;
    if (!backlog) return;
    // Keys grow with the position in the backlog: each bound is one binary search.
    const fromCursor = (holds: (comparison: number) => boolean) =>
      cursor === null
        ? null
        : firstIndex(0, backlog.count, (i) => holds(compareKeys([backlog.timeOf(i), i], cursor)));
    let first = backlog.firstAtOrAfter(since);
    let end = backlog.firstAtOrAfter(until);
    if (direction > 0) first = Math.max(first, fromCursor((c) => c > 0) ?? 0);
    else end = Math.min(end, fromCursor((c) => c >= 0) ?? end);
    if (direction > 0) for (let index = first; index < end; index++) yield this.at(index);
    else for (let index = end - 1; index >= first; index--) yield this.at(index);
  }

  private nextLink(query: LogQuery, after: string): string {
    const params = new URLSearchParams({
      limit: String(query.limit),
      sortOrder: query.kind === 'bounded' && query.descending ? 'DESCENDING' : 'ASCENDING',
    });
    if (query.filter !== null) params.set('filter', query.filter);
    if (query.q !== null) params.set('q', query.q);
    if (query.kind === 'bounded') params.set('until', query.untilText);
    params.set('after', after);
    return `${this.url}${LOGS_PATH}?${params}`;
  }

  private authorize(request: ReceivedRequest): LogApiAnswer | null {
    const { authorization } = request.headers;
    const carrier = request.headers[this.apiTokenIn.header];
    const apiToken =
      typeof carrier === 'string' ? this.apiTokenIn.pattern.exec(carrier)?.[1] : undefined;
    if (apiToken !== undefined && this.apiTokens.has(apiToken)) return null;
    const token = this.tokens.lookup(authorization);
    // An unknown API token is refused as such, unless it is an OAuth token (when API tokens are
    // taken as `Authorization: Bearer …` too).
    if (apiToken !== undefined && token === null) return standardError(401);
    if (token === null || token === 'expired') {
      const challenge = this.challenge('invalid_token', 'The access token is invalid.');
      return { ...standardError(401), headers: { 'www-authenticate': challenge } };
    }
    if (token.scopes.includes(LOGS_SCOPE)) return null;
    const challenge = this.challenge(
      'insufficient_scope',
      'The access token provided does not contain the required scopes.',
    );
    return { ...standardError(403), headers: { 'www-authenticate': challenge } };
  }

  private challenge(error: string, description: string): string {
    return (
      `Bearer authorization_uri="${this.url}/oauth2/v1/authorize", realm="IdpPolicy", ` +
      `scope="${LOGS_SCOPE}", error="${error}", error_description="${description}", ` +
      `resource="${LOGS_PATH}"`
    );
  }

  private async token(form: URLSearchParams): Promise<LogApiAnswer> {
    if (form.get('grant_type') !== 'client_credentials')
      return oauthError(
        400,
        'unsupported_grant_type',
        'The authorization grant type is not supported by the authorization server. Configured grant types: [client_credentials].',
      );
    const assertion = form.get('client_assertion');
    if (form.get('client_assertion_type') !== JWT_BEARER || !assertion)
      return oauthError(401, 'invalid_client', 'Client authentication failed.');
    const clientId = form.get('client_id') ?? claimedIssuer(assertion);
    const client = clientId === null ? undefined : this.oauthClients.get(clientId);
    if (!client)
      return oauthError(401, 'invalid_client', "Invalid value for 'client_id' parameter.");
    const failure = await this.assertions.verify(assertion, {
      clientId: client.clientId,
      audience: this.tokenUrl,
      algorithms: ['RS256', 'ES256'],
      requiredClaims: ['exp', 'jti'],
      maxLifetimeSeconds: 3600,
      key: (header) => importJWK(client.publicJwk, header.alg),
    });
    if (failure) return oauthError(401, 'invalid_client', ASSERTION_FAILURES[failure]);
    const requested = (form.get('scope') ?? '').split(' ').filter(Boolean);
    if (requested.length === 0)
      return oauthError(
        400,
        'invalid_scope',
        "The authorization server resource does not have any configured default scopes, 'scope' must be provided.",
      );
    const granted = client.scopes ?? [LOGS_SCOPE];
    const refused = requested.filter((scope) => !granted.includes(scope));
    if (refused.length > 0)
      return oauthError(400, 'invalid_scope', `The following scopes are not allowed: ${refused}`);
    return {
      status: 200,
      headers: { 'cache-control': 'no-store', pragma: 'no-cache' },
      body: {
        token_type: 'Bearer',
        expires_in: TOKEN_LIFETIME_SECONDS,
        access_token: this.tokens.issue(client.clientId, requested, TOKEN_LIFETIME_SECONDS),
        scope: requested.join(' '),
      },
    };
  }
}

/** Okta's per-minute window: it starts with the first request after the last one ended. */
class MinuteRateLimit {
  private windowEnd = 0;
  private used = 0;

  constructor(private readonly limit: number) {}

  /** Counts a request: whether it is within the limit, and the headers that say how far. */
  take(): { allowed: boolean; headers: Record<string, string> } {
    const now = Date.now();
    if (now >= this.windowEnd) {
      this.windowEnd = now + 60_000;
      this.used = 0;
    }
    const allowed = this.used < this.limit;
    if (allowed) this.used++;
    return {
      allowed,
      headers: {
        'x-rate-limit-limit': String(this.limit),
        'x-rate-limit-remaining': String(this.limit - this.used),
        'x-rate-limit-reset': String(Math.ceil(this.windowEnd / 1000)),
      },
    };
  }
}

function keyOf(stored: Stored): [number, number] {
  return [stored.publishedMs, stored.position];
}

function compareKeys(a: [number, number], b: [number, number]): number {
  return a[0] - b[0] || a[1] - b[1];
}

function* matching(stored: Iterator<Stored>, matches: EventTest): Generator<Stored> {
  for (let next = stored.next(); !next.done; next = stored.next())
    if (matches(next.value.event)) yield next.value;
}

/** The query's parameters, checked as Okta checks them; an error answer when they are not valid. */
function parseLogQuery(query: URLSearchParams, now: number): LogQuery | LogApiAnswer {
  const limitText = query.get('limit') ?? '100';
  const limit = /^\d{1,7}$/.test(limitText) ? Number(limitText) : 0;
  if (limit < 1 || limit > 1000) return invalid('limit', 'limit must be between 1 and 1000');
  const sortOrder = query.get('sortOrder') ?? 'ASCENDING';
  if (sortOrder !== 'ASCENDING' && sortOrder !== 'DESCENDING')
    return invalid('sortOrder', 'sortOrder must be ASCENDING or DESCENDING');
  const [sinceText, untilText, after] = [
    query.get('since'),
    query.get('until'),
    query.get('after'),
  ];
  const since = sinceText === null ? null : parseTimestamp(sinceText);
  if (since === null && sinceText !== null) return invalid('since', `Invalid date: ${sinceText}`);
  const until = untilText === null ? null : parseTimestamp(untilText);
  if (until === null && untilText !== null) return invalid('until', `Invalid date: ${untilText}`);
  if (since !== null && after !== null)
    return invalid('after', "'after' cannot be combined with 'since'");
  if (since !== null && since < now - OLDEST_SINCE_MS)
    return oktaError(400, 'E0000053', "Invalid date. 'since' must be later than 180 days ago.");
  const filter = query.get('filter');
  const filterTest = filter === null ? () => true : parseFilter(filter);
  if (filterTest === null) return oktaError(400, 'E0000031', 'Invalid search criteria.');
  const q = query.get('q');
  const keywords = (q ?? '').toLowerCase().split(/\s+/).filter(Boolean);
  if (keywords.length > 10 || keywords.some((keyword) => keyword.length > 40))
    return invalid('q', 'q takes at most 10 keywords of at most 40 characters');
  const matches = (event: OktaLogEvent) => {
    if (!filterTest(event)) return false;
    if (keywords.length === 0) return true;
    const text = JSON.stringify(event).toLowerCase();
    return keywords.every((keyword) => text.includes(keyword));
  };
  const selection = { limit, filter, q, matches };
  const cursor = after === null ? null : readOpaqueCursor(after);
  if (after !== null && cursor === null) return invalid('after', 'Invalid after');
  const numbers = cursor?.slice(1).map((part) => (Number.isSafeInteger(part) ? Number(part) : NaN));
  if (until === null || untilText === null) {
    if (sortOrder === 'DESCENDING')
      return invalid('sortOrder', 'a polling request (without until) is ASCENDING');
    if (cursor === null) return { ...selection, kind: 'polling', since, position: null };
    if (cursor[0] !== 'p' || numbers?.length !== 1 || !(numbers[0]! >= 0))
      return invalid('after', 'Invalid after');
    return { ...selection, kind: 'polling', since: null, position: numbers[0]! };
  }
  const bounded = {
    ...selection,
    kind: 'bounded',
    descending: sortOrder === 'DESCENDING',
    until,
    untilText,
  } as const;
  if (cursor === null) return { ...bounded, since: since ?? until - DEFAULT_SPAN_MS, after: null };
  if (cursor[0] !== 'b' || numbers?.length !== 3 || numbers.some(Number.isNaN))
    return invalid('after', 'Invalid after');
  const [cursorSince, published, position] = numbers as [number, number, number];
  return { ...bounded, since: cursorSince, after: [published, position] };
}

/**
 * Okta's `filter`, a SCIM expression: `attribute eq|ne|co|sw "value"`, `attribute pr`, joined by
 * `and`/`or`, grouped by parentheses; an attribute path crosses arrays (`target.id`). Not on
 * `published` (since/until select by time). Null when it is not such an expression.
 */
function parseFilter(text: string): EventTest | null {
  const tokens = text.match(/\(|\)|"(?:[^"\\]|\\.)*"|[^\s()]+/g) ?? [];
  let at = 0;
  const peek = () => tokens[at]?.toLowerCase();
  const either = (): EventTest | null => {
    let test = both();
    while (test && peek() === 'or') {
      at++;
      const [left, right] = [test, both()];
      test = right && ((event) => left(event) || right(event));
    }
    return test;
  };
  const both = (): EventTest | null => {
    let test = comparison();
    while (test && peek() === 'and') {
      at++;
      const [left, right] = [test, comparison()];
      test = right && ((event) => left(event) && right(event));
    }
    return test;
  };
  const comparison = (): EventTest | null => {
    if (peek() === '(') {
      at++;
      const test = either();
      return tokens[at++] === ')' ? test : null;
    }
    const [path, operator] = [tokens[at++], tokens[at++]?.toLowerCase()];
    if (!path || !/^[A-Za-z]\w*(\.[A-Za-z]\w*)*$/.test(path) || path === 'published') return null;
    const values = (event: OktaLogEvent) => valuesAt(event, path.split('.'));
    if (operator === 'pr') return (event) => values(event).some((v) => v !== null && v !== '');
    const literal = tokens[at++];
    let expected: unknown;
    try {
      expected = literal === undefined ? undefined : JSON.parse(literal);
    } catch {
      return null;
    }
    const wanted = String(expected).toLowerCase();
    switch (operator) {
      case 'eq':
        return (event) => values(event).some((v) => v === expected);
      case 'ne':
        return (event) => !values(event).some((v) => v === expected);
      case 'co':
        return (event) => values(event).some((v) => String(v).toLowerCase().includes(wanted));
      case 'sw':
        return (event) => values(event).some((v) => String(v).toLowerCase().startsWith(wanted));
      default:
        return null;
    }
  };
  const test = either();
  return at === tokens.length ? test : null;
}

function valuesAt(value: unknown, path: string[]): unknown[] {
  if (Array.isArray(value)) return value.flatMap((item) => valuesAt(item, path));
  if (path.length === 0) return [value];
  if (typeof value !== 'object' || value === null) return [];
  return valuesAt((value as Record<string, unknown>)[path[0]!], path.slice(1));
}

function claimedIssuer(assertion: string): string | null {
  try {
    return decodeJwt(assertion).iss ?? null;
  } catch {
    return null;
  }
}

const ASSERTION_FAILURES: Record<AssertionFailure, string> = {
  malformed: 'The client_assertion token is invalid.',
  'unknown-key': 'The client_assertion signature is invalid.',
  signature: 'The client_assertion signature is invalid.',
  expired: 'The client_assertion token is expired.',
  'not-yet-valid': 'The client_assertion token is not yet valid.',
  lifetime: 'The client_assertion token has an expiration too far into the future.',
  audience:
    'The audience claim for client_assertion must be the endpoint invoking the client_assertion.',
  issuer: 'The issuer and subject claims of the client_assertion must be the client id.',
  replayed: 'The client_assertion token has already been used.',
};

/** Okta's error body for a status, as its API answers it. */
function standardError(status: number): LogApiAnswer {
  switch (status) {
    case 400:
      return oktaError(400, 'E0000001', 'Api validation failed');
    case 401:
      return oktaError(401, 'E0000011', 'Invalid token provided');
    case 403:
      return oktaError(
        403,
        'E0000006',
        'You do not have permission to perform the requested action',
      );
    case 404:
      return oktaError(404, 'E0000007', 'Not found: Resource not found');
    case 405:
      return oktaError(405, 'E0000022', 'The endpoint does not support the provided HTTP method');
    case 429:
      return oktaError(429, 'E0000047', 'API call exceeded rate limit due to too many requests.');
    default:
      return status >= 500
        ? oktaError(status, 'E0000009', 'Internal Server Error')
        : oktaError(status, 'E0000001', 'Api validation failed');
  }
}

function invalid(parameter: string, cause: string): LogApiAnswer {
  return oktaError(400, 'E0000001', `Api validation failed: ${parameter}`, [cause]);
}

function oktaError(
  status: number,
  errorCode: string,
  errorSummary: string,
  causes: string[] = [],
): LogApiAnswer {
  return {
    status,
    body: {
      errorCode,
      errorSummary,
      errorLink: errorCode,
      errorId: `oae${randomUUID().replaceAll('-', '').slice(0, 19)}`,
      errorCauses: causes.map((cause) => ({ errorSummary: cause })),
    },
  };
}

function oauthError(status: number, error: string, description: string): LogApiAnswer {
  return {
    status,
    headers: { 'cache-control': 'no-store', pragma: 'no-cache' },
    body: { error, error_description: description },
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
