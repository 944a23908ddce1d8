// A stand-in for Microsoft Entra's token endpoint and Microsoft Graph's audit logs (REFERENCE.md,
// "Microsoft Entra (Graph) sign-in and audit logs"), both on one origin:
// - POST /{tenant}/oauth2/v2.0/token: client credentials with a client secret or a certificate
//   (a client assertion whose header names the certificate's thumbprint), scope
//   https://graph.microsoft.com/.default; Entra's error bodies with their AADSTS codes.
// - GET /v1.0/auditLogs/signIns, /v1.0/auditLogs/directoryAudits, and /beta/auditLogs/signIns
//   (service principal sign-ins with `signInEventTypes/any(t: t eq 'servicePrincipal')`):
//   `$filter` on the time field, `$top` ≤ 1000, newest first, `@odata.nextLink` with an opaque
//   `$skiptoken` over the snapshot of the first page. Entries arrive late: each is visible from
//   its arrival on. Per-app throttling: 429 with Retry-After.
import { createHash, randomUUID, X509Certificate } from 'node:crypto';
import {
  ClientAssertions,
  firstIndex,
  LogApiServer,
  opaqueCursor,
  parseTimestamp,
  readOpaqueCursor,
  takeMerged,
  UnknownAssertionKey,
  VirtualBacklog,
  type AssertionFailure,
  type LogApiAnswer,
} from './log-api-server.js';
import type { ReceivedRequest } from './http-receiver.js';
import type { LoopbackTls } from './loopback-server.js';
import {
  graphDirectoryAudit,
  graphServicePrincipalSignIn,
  graphSignIn,
  type GraphLogEntry,
  type GraphServicePrincipal,
  type GraphServicePrincipalSignIn,
} from './entra-log-entries.js';

export type GraphLog = 'signIns' | 'servicePrincipalSignIns' | 'directoryAudits';

export interface EntraClient {
  clientId: string;
  secret?: string;
  /** The PEM of the client's certificate (public): assertions signed with its key are accepted. */
  certificatePem?: string;
}

export interface EntraGraphServerOptions {
  tenantId: string;
  clients: EntraClient[];
  /** Per client app; default 5 requests per 10 s; null: none. */
  throttle?: { requests: number; perSeconds: number } | null;
  tls?: LoopbackTls | null;
}

const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';
const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const TOKEN_LIFETIME_SECONDS = 3599;
const MAX_TOP = 1000;
const SIGN_IN_EVENT_TYPES = [
  'interactiveUser',
  'nonInteractiveUser',
  'servicePrincipal',
  'managedIdentity',
];

interface Route {
  version: 'v1.0' | 'beta';
  resource: 'signIns' | 'directoryAudits';
}

const ROUTES = new Map<string, Route>(
  (['v1.0', 'beta'] as const).flatMap((version) =>
    (['signIns', 'directoryAudits'] as const).map(
      (resource) => [`/${version}/auditLogs/${resource}`, { version, resource }] as const,
    ),
  ),
);

interface RegisteredClient extends EntraClient {
  certificate: { x509: X509Certificate; sha256: string; sha1: string } | null;
}

/** An entry's place in newest-first order: its time, then its id. */
type Key = [number, string];

export class EntraGraphServer extends LogApiServer {
  readonly tenantId: string;
  private readonly clients: Map<string, RegisteredClient>;
  private readonly throttle: Throttle | null;
  private readonly assertions = new ClientAssertions();
  private readonly logs: Record<GraphLog, GraphLogStore>;

  constructor(options: EntraGraphServerOptions) {
    super(options.tls ?? null);
    this.tenantId = options.tenantId;
    this.clients = new Map(
      options.clients.map((client) => [
        client.clientId,
        { ...client, certificate: certificateOf(client) },
      ]),
    );
    const throttle =
      options.throttle === undefined ? { requests: 5, perSeconds: 10 } : options.throttle;
    this.throttle = throttle && new Throttle(throttle.requests, throttle.perSeconds * 1000);
    this.logs = {
      signIns: new GraphLogStore('createdDateTime', graphSignIn),
      servicePrincipalSignIns: new GraphLogStore('createdDateTime', graphServicePrincipalSignIn),
      directoryAudits: new GraphLogStore('activityDateTime', graphDirectoryAudit),
    };
  }

  /** The token endpoint of the tenant. */
  get tokenUrl(): string {
    return `${this.url}/${this.tenantId}/oauth2/v2.0/token`;
  }

  /**
   * Entries visible from `arrivesAt` (default now) on, whatever their time: an entry whose time is
   * minutes before its arrival is a late one, which a look-back that has already passed misses.
   */
  add(log: GraphLog, entries: object[], options: { arrivesAt?: Date } = {}): void {
    this.logs[log].add(entries as GraphLogEntry[], (options.arrivesAt ?? new Date()).getTime());
  }

  /** `count` realistic entries at `at(index)` (default now), arriving now. */
  generate(
    log: GraphLog,
    count: number,
    options: { at?: (index: number) => Date } = {},
  ): GraphLogEntry[] {
    const store = this.logs[log];
    const first = store.size;
    const entries = Array.from({ length: count }, (_, index) =>
      store.make(first + index, options.at?.(index) ?? new Date()),
    );
    store.add(entries, Date.now());
    return entries;
  }

  /** A successful client credentials sign-in of one application. */
  servicePrincipalSignIn(
    options: GraphServicePrincipal & { at?: Date; arrivesAt?: Date },
  ): GraphServicePrincipalSignIn {
    const store = this.logs.servicePrincipalSignIns;
    const entry = graphServicePrincipalSignIn(store.size, options.at ?? new Date(), options);
    store.add([entry], (options.arrivesAt ?? new Date()).getTime());
    return entry;
  }

  /**
   * `count` entries before any other of `log`, each made from its index when asked for, at
   * `start + index × stepMs` (stepMs ≥ 1, default 1000) and visible from that time on.
   */
  backlog(log: GraphLog, count: number, options: { start: Date; stepMs?: number }): void {
    const stepMs = options.stepMs ?? 1000;
    if (stepMs < 1) throw new Error('EntraGraphServer.backlog(): stepMs is at least 1');
    this.logs[log].setBacklog(count, options.start.getTime(), stepMs);
  }

  protected isTokenRequest(request: ReceivedRequest): boolean {
    return /^\/[^/]+\/oauth2\/v2\.0\/token$/.test(request.path);
  }

  protected reply(
    request: ReceivedRequest,
    form: URLSearchParams,
  ): LogApiAnswer | Promise<LogApiAnswer> {
    if (this.isTokenRequest(request)) return this.token(request, form);
    const route = ROUTES.get(request.path);
    if (!route) {
      const segment = request.path.split('/').pop();
      return graphError(
        request,
        400,
        'BadRequest',
        `Resource not found for the segment '${segment}'.`,
      );
    }
    if (request.method !== 'GET')
      return graphError(
        request,
        405,
        'Request_BadRequest',
        'Specified HTTP method is not allowed for the request target.',
      );
    const token = this.tokens.lookup(request.headers.authorization);
    if (token === null || token === 'expired') {
      const message =
        token === 'expired'
          ? 'Lifetime validation failed, the token is expired.'
          : request.headers.authorization
            ? 'Access token validation failure. Invalid audience.'
            : 'Access token is empty.';
      return graphError(request, 401, 'InvalidAuthenticationToken', message);
    }
    const wait = this.throttle?.take(token.subject) ?? null;
    if (wait !== null)
      return graphError(request, 429, 'TooManyRequests', 'Too many requests', {
        'retry-after': String(wait),
      });
    return this.list(request, route);
  }

  protected faultAnswer(status: number, request: ReceivedRequest): LogApiAnswer {
    if (!this.isTokenRequest(request)) {
      const [code, message] = GRAPH_ERRORS[status] ?? [
        'UnknownError',
        'An unexpected error occurred.',
      ];
      return graphError(
        request,
        status,
        code,
        message,
        status === 429 ? { 'retry-after': '1' } : {},
      );
    }
    if (status === 400)
      return aadError(
        400,
        'invalid_request',
        90014,
        'A required field is missing from the request.',
      );
    if (status === 401)
      return aadError(401, 'invalid_client', 7000215, 'Invalid client secret provided.');
    return aadError(
      status,
      'temporarily_unavailable',
      90033,
      'A transient error has occurred. Please try again.',
    );
  }

  private list(request: ReceivedRequest, route: Route): LogApiAnswer {
    const filterText = request.query.get('$filter');
    const timeField = route.resource === 'signIns' ? 'createdDateTime' : 'activityDateTime';
    const filter = parseFilter(
      filterText,
      timeField,
      route.version === 'beta' && route.resource === 'signIns',
    );
    if (typeof filter === 'string')
      return graphError(request, 400, 'Request_UnsupportedQuery', filter);
    const topText = request.query.get('$top');
    const top = topText === null ? MAX_TOP : /^\d{1,7}$/.test(topText) ? Number(topText) : 0;
    if (top < 1 || top > MAX_TOP)
      return graphError(
        request,
        400,
        'Request_BadRequest',
        `Invalid page size specified: '${topText}'. Must be between 1 and ${MAX_TOP} inclusive.`,
      );
    const log = route.resource === 'directoryAudits' ? 'directoryAudits' : filter.log;
    const skipToken = request.query.get('$skiptoken');
    const store = log === null ? null : this.logs[log];
    const position =
      skipToken === null
        ? { snapshot: store?.snapshot() ?? { at: 0, added: 0 }, after: null }
        : readSkipToken(skipToken, log);
    if (position === null)
      return graphError(request, 400, 'Request_BadRequest', 'The $skiptoken is invalid.');
    const { entries, last } = store
      ? store.page(filter.from, filter.to, position.snapshot, position.after, top)
      : { entries: [], last: null };
    const context = `https://graph.microsoft.com/${route.version}/$metadata#auditLogs/${route.resource}`;
    const body: Record<string, unknown> = { '@odata.context': context, value: entries };
    if (last !== null) {
      const query = [
        ...(topText === null ? [] : [`$top=${top}`]),
        ...(filterText === null ? [] : [`$filter=${encodeURIComponent(filterText)}`]),
        `$skiptoken=${opaqueCursor(['graph', log ?? '', position.snapshot.at, position.snapshot.added, ...last])}`,
      ];
      body['@odata.nextLink'] = `${this.url}${request.path}?${query.join('&')}`;
    }
    return { status: 200, headers: graphHeaders(request), body };
  }

  private async token(request: ReceivedRequest, form: URLSearchParams): Promise<LogApiAnswer> {
    const tenant = request.path.split('/')[1];
    if (tenant !== this.tenantId)
      return aadError(
        400,
        'invalid_request',
        90002,
        `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
      );
    if (request.method !== 'POST')
      return aadError(
        400,
        'invalid_request',
        900561,
        `The endpoint only accepts POST, OPTIONS requests. Received a ${request.method} request.`,
      );
    const missing = ['grant_type', 'client_id'].find((name) => !form.get(name));
    if (missing)
      return aadError(
        400,
        'invalid_request',
        900144,
        `The request body must contain the following parameter: '${missing}'.`,
      );
    const grantType = form.get('grant_type');
    if (grantType !== 'client_credentials')
      return aadError(
        400,
        'unsupported_grant_type',
        70003,
        `The app requested an unsupported grant type '${grantType}'.`,
      );
    const clientId = form.get('client_id')!;
    const client = this.clients.get(clientId);
    if (!client)
      return aadError(
        400,
        'unauthorized_client',
        700016,
        `Application with identifier '${clientId}' was not found in the directory '${this.tenantId}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
      );
    const scope = form.get('scope');
    if (scope !== GRAPH_SCOPE)
      return aadError(
        400,
        'invalid_scope',
        70011,
        scope
          ? `The provided value for the input parameter 'scope' is not valid. The scope ${scope} is not valid.`
          : "The provided request must include a 'scope' input parameter.",
      );
    const denied = await this.authenticate(client, form);
    if (denied) return denied;
    return {
      status: 200,
      headers: { 'cache-control': 'no-store, no-cache', pragma: 'no-cache' },
      body: {
        token_type: 'Bearer',
        expires_in: TOKEN_LIFETIME_SECONDS,
        ext_expires_in: TOKEN_LIFETIME_SECONDS,
        access_token: this.tokens.issue(clientId, [GRAPH_SCOPE], TOKEN_LIFETIME_SECONDS),
      },
    };
  }

  /** The client's secret or client assertion checked: null when it holds, else Entra's answer. */
  private async authenticate(
    client: RegisteredClient,
    form: URLSearchParams,
  ): Promise<LogApiAnswer | null> {
    const assertion = form.get('client_assertion');
    if (assertion && form.get('client_assertion_type') === JWT_BEARER) {
      const failure = await this.assertions.verify(assertion, {
        clientId: client.clientId,
        audience: this.tokenUrl,
        algorithms: ['RS256', 'PS256'],
        requiredClaims: ['exp', 'nbf', 'jti'],
        maxLifetimeSeconds: null,
        key: async (header) => {
          const certificate = client.certificate;
          const thumbprint =
            header['x5t#S256'] !== undefined ? certificate?.sha256 : certificate?.sha1;
          const named = header['x5t#S256'] ?? header.x5t;
          if (!certificate || named === undefined || named !== thumbprint)
            throw new UnknownAssertionKey();
          return certificate.x509.publicKey;
        },
      });
      if (!failure) return null;
      const [code, message] = ASSERTION_FAILURES[failure];
      return aadError(401, 'invalid_client', code, message);
    }
    const secret = form.get('client_secret');
    if (secret === null)
      return aadError(
        401,
        'invalid_client',
        7000218,
        "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
      );
    if (client.secret !== undefined && secret === client.secret) return null;
    return aadError(
      401,
      'invalid_client',
      7000215,
      `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${client.clientId}'.`,
    );
  }
}

interface ListedEntry {
  entry: GraphLogEntry;
  key: Key;
}

interface StoredEntry extends ListedEntry {
  arrivesAt: number;
  /** How many entries were added before this one. */
  sequence: number;
}

/**
 * What a listing's first page saw, which its next pages keep to: entries added later are left
 * out even when they arrive within the same millisecond, so no page repeats or shifts.
 */
interface Snapshot {
  at: number;
  added: number;
}

/** One audit log: a virtual backlog, then entries added, each visible from its arrival on. */
class GraphLogStore {
  private virtual: VirtualBacklog<GraphLogEntry> | null = null;
  /** Newest first. */
  private readonly added: StoredEntry[] = [];

  constructor(
    private readonly timeField: 'createdDateTime' | 'activityDateTime',
    readonly make: (index: number, at: Date) => GraphLogEntry,
  ) {}

  get size(): number {
    return (this.virtual?.count ?? 0) + this.added.length;
  }

  add(entries: GraphLogEntry[], arrivesAt: number): void {
    for (const entry of entries) {
      const record = entry as unknown as Record<string, unknown>;
      const time =
        typeof record[this.timeField] === 'string'
          ? parseTimestamp(record[this.timeField] as string)
          : null;
      if (time === null || typeof record.id !== 'string')
        throw new Error(`a Graph entry needs an id and ${this.timeField} (ISO 8601)`);
      this.added.push({ entry, key: [time, record.id], arrivesAt, sequence: this.added.length });
    }
    this.added.sort((a, b) => compareKeys(b.key, a.key));
  }

  snapshot(): Snapshot {
    return { at: Date.now(), added: this.added.length };
  }

  setBacklog(count: number, start: number, stepMs: number): void {
    if (this.size > 0) throw new Error('EntraGraphServer.backlog() comes first, once per log');
    this.virtual = new VirtualBacklog(count, start, stepMs, this.make);
  }

  /**
   * Up to `top` entries with a time in [from, to] that were there at `snapshot`, newest first,
   * after the key `after`; `last` is the key to go on from, when more remain.
   */
  page(
    from: number,
    to: number,
    snapshot: Snapshot,
    after: Key | null,
    top: number,
  ): { entries: GraphLogEntry[]; last: Key | null } {
    const visible = (stored: StoredEntry) =>
      stored.arrivesAt <= snapshot.at &&
      stored.sequence < snapshot.added &&
      stored.key[0] >= from &&
      stored.key[0] <= to &&
      (after === null || compareKeys(stored.key, after) < 0);
    const taken = takeMerged<ListedEntry>(
      this.backlogPage(from, Math.min(to, snapshot.at), after),
      this.added.filter(visible).values(),
      (a, b) => compareKeys(a.key, b.key) > 0,
      top + 1,
    );
    const page = taken.slice(0, top);
    return {
      entries: page.map((stored) => stored.entry),
      last: taken.length > top ? page[top - 1]!.key : null,
    };
  }

  /** The backlog's entries with a time in [from, to] before `after`, newest first. */
  private *backlogPage(from: number, to: number, after: Key | null): Generator<ListedEntry> {
    const backlog = this.virtual;
    if (!backlog) return;
    // With stepMs ≥ 1 no two backlog entries share a time: keys grow with the index, and an
    // entry is made to compare ids only where the time is the cursor's own.
    const notBefore = (cursor: Key) => (index: number) => {
      const time = backlog.timeOf(index);
      return time !== cursor[0] ? time > cursor[0] : backlog.at(index).id >= cursor[1];
    };
    const first = backlog.firstAtOrAfter(from);
    let end = backlog.firstAtOrAfter(to + 1);
    if (after !== null) end = Math.min(end, firstIndex(0, backlog.count, notBefore(after)));
    for (let index = end - 1; index >= first; index--) {
      const entry = backlog.at(index);
      yield { entry, key: [backlog.timeOf(index), entry.id] };
    }
  }
}

/** Graph's per-app throttling: at most `requests` within any `windowMs`. */
class Throttle {
  private readonly recent = new Map<string, number[]>();

  constructor(
    private readonly requests: number,
    private readonly windowMs: number,
  ) {}

  /** Counts a request of `client`: null when it may go on, else the seconds to wait. */
  take(client: string): number | null {
    const now = Date.now();
    const times = (this.recent.get(client) ?? []).filter((time) => time > now - this.windowMs);
    this.recent.set(client, times);
    if (times.length >= this.requests)
      return Math.max(1, Math.ceil((times[0]! + this.windowMs - now) / 1000));
    times.push(now);
    return null;
  }
}

interface GraphFilter {
  from: number;
  to: number;
  /** Which stored log the sign-in event type selects; null for one kept empty here. */
  log: GraphLog | null;
}

/**
 * `$filter`: comparisons of the time field with `ge`, `gt`, `le`, `lt` and an ISO time, joined by
 * `and`; on beta sign-ins also `signInEventTypes/any(t: t eq '…')`. Else the error message.
 */
function parseFilter(
  text: string | null,
  timeField: string,
  eventTypes: boolean,
): GraphFilter | string {
  const filter: GraphFilter = { from: -Infinity, to: Infinity, log: 'signIns' };
  if (text === null || text.trim() === '') return filter;
  for (const clause of text.trim().split(/\s+and\s+/i)) {
    const comparison = /^(\w+)\s+(ge|gt|le|lt)\s+(\S+)$/i.exec(clause);
    if (comparison && comparison[1]!.toLowerCase() === timeField.toLowerCase()) {
      const time = parseTimestamp(comparison[3]!);
      if (time === null)
        return `Invalid DateTimeOffset value '${comparison[3]}' in the filter clause.`;
      const operator = comparison[2]!.toLowerCase();
      if (operator === 'ge' || operator === 'gt')
        filter.from = Math.max(filter.from, operator === 'gt' ? time + 1 : time);
      else filter.to = Math.min(filter.to, operator === 'lt' ? time - 1 : time);
      continue;
    }
    const eventType = /^signInEventTypes\/any\((\w+):\s*\1\s+eq\s+'(\w+)'\)$/i.exec(clause);
    if (eventType && !eventTypes)
      return "Could not find a property named 'signInEventTypes' on type 'microsoft.graph.signIn'.";
    if (!eventType || !SIGN_IN_EVENT_TYPES.includes(eventType[2]!))
      return `Unsupported or invalid query filter clause specified: '${clause}'.`;
    const type = eventType[2]!;
    filter.log =
      type === 'servicePrincipal'
        ? 'servicePrincipalSignIns'
        : type === 'interactiveUser'
          ? 'signIns'
          : null;
  }
  return filter;
}

function readSkipToken(
  token: string,
  log: GraphLog | null,
): { snapshot: Snapshot; after: Key } | null {
  const parts = readOpaqueCursor(token);
  if (!parts || parts.length !== 6 || parts[0] !== 'graph' || parts[1] !== (log ?? '')) return null;
  const [at, added, time, id] = parts.slice(2);
  if (typeof at !== 'number' || typeof added !== 'number') return null;
  if (typeof time !== 'number' || typeof id !== 'string') return null;
  return { snapshot: { at, added }, after: [time, id] };
}

function certificateOf(client: EntraClient): RegisteredClient['certificate'] {
  if (!client.certificatePem) return null;
  const x509 = new X509Certificate(client.certificatePem);
  const thumbprint = (algorithm: string) =>
    createHash(algorithm).update(x509.raw).digest('base64url');
  return { x509, sha256: thumbprint('sha256'), sha1: thumbprint('sha1') };
}

function compareKeys(a: Key, b: Key): number {
  return a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0);
}

const ASSERTION_FAILURES: Record<AssertionFailure, [number, string]> = {
  malformed: [50027, 'JWT token is invalid or malformed.'],
  'unknown-key': [
    700027,
    'Client assertion contains an invalid signature. [Reason - The key was not found.]',
  ],
  signature: [700027, 'Client assertion failed signature validation.'],
  expired: [700024, 'Client assertion is not within its valid time range.'],
  'not-yet-valid': [700024, 'Client assertion is not within its valid time range.'],
  lifetime: [700024, 'Client assertion is not within its valid time range.'],
  audience: [
    50027,
    'Invalid JWT token. The audience of the client assertion is not the token endpoint.',
  ],
  issuer: [700021, "Client assertion application identifier doesn't match 'client_id' parameter."],
  replayed: [50027, 'Invalid JWT token. The client assertion has already been used (jti).'],
};

const GRAPH_ERRORS: Record<number, [string, string]> = {
  400: ['BadRequest', 'Invalid request.'],
  401: ['InvalidAuthenticationToken', 'Access token validation failure. Invalid audience.'],
  403: ['Authorization_RequestDenied', 'Insufficient privileges to complete the operation.'],
  404: ['Request_ResourceNotFound', 'Resource not found.'],
  429: ['TooManyRequests', 'Too many requests'],
  500: ['UnknownError', 'An unexpected error occurred.'],
  503: ['ServiceUnavailable', 'The service is temporarily unavailable. Please retry later.'],
  504: ['GatewayTimeout', 'The operation timed out.'],
};

/** Graph's request ids: its own, and the client's `client-request-id` echoed (or a new one). */
function graphHeaders(request: ReceivedRequest): Record<string, string> {
  const clientRequestId = request.headers['client-request-id'];
  return {
    'content-type':
      'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8',
    'request-id': randomUUID(),
    'client-request-id': typeof clientRequestId === 'string' ? clientRequestId : randomUUID(),
  };
}

function graphError(
  request: ReceivedRequest,
  status: number,
  code: string,
  message: string,
  extraHeaders: Record<string, string> = {},
): LogApiAnswer {
  const headers = graphHeaders(request);
  const innerError = {
    date: new Date().toISOString().slice(0, 19),
    'request-id': headers['request-id'],
    'client-request-id': headers['client-request-id'],
  };
  return {
    status,
    headers: { ...headers, ...extraHeaders },
    body: { error: { code, message, innerError } },
  };
}

/** Entra's token endpoint error: the AADSTS code in the description and in error_codes. */
function aadError(status: number, error: string, code: number, message: string): LogApiAnswer {
  const traceId = randomUUID();
  const correlationId = randomUUID();
  const timestamp = `${new Date().toISOString().replace('T', ' ').slice(0, 19)}Z`;
  return {
    status,
    headers: { 'cache-control': 'no-store, no-cache', pragma: 'no-cache' },
    body: {
      error,
      error_description: `AADSTS${code}: ${message} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
      error_codes: [code],
      timestamp,
      trace_id: traceId,
      correlation_id: correlationId,
      error_uri: `https://login.microsoftonline.com/error?code=${code}`,
    },
  };
}
