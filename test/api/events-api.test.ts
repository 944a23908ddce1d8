// The audit-log pull API and its live stream, over real journals, a real HTTP server and tokens
// from the real OpenID provider sandbox.
import { get as httpGet, type IncomingMessage } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { eventCursor, type AuditEvent, type EventDraft } from '../../src/audit/index.js';
import type { OidcSandbox } from '../../src/sandbox/oidc-provider.js';
import { analyst, billingAgent, pastHour, queryDraft, sessionDrafts } from '../audit/fixtures.js';
import { startApiOidc, startJournalApi, type JournalApi } from './journal-api.js';

let oidc: OidcSandbox;
let adminToken: string;
const apis: JournalApi[] = [];

/** A journal in a fresh store, served by the API; `scanRows` bounds the rows a page reads. */
async function startApi(scanRows: number): Promise<JournalApi> {
  const api = await startJournalApi(oidc, { eventScanRows: scanRows });
  apis.push(api);
  return api;
}

interface Page {
  events: AuditEvent[];
  next: string | null;
}

async function get(api: JournalApi, path: string, token: string | null = adminToken) {
  const response = await fetch(`${api.url}${path}`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  return {
    status: response.status,
    link: response.headers.get('link'),
    body: (await response.json()) as Page & { error: { code: string; message: string } },
  };
}

/**
 * Follows next links from `path` to the end: until there is none (with until) or a page asked
 * for the position it was given (a poll that found nothing new).
 */
async function follow(
  api: JournalApi,
  path: string,
): Promise<{ events: AuditEvent[]; pages: Page[] }> {
  const pages: Page[] = [];
  let next: string | null = path;
  while (next !== null) {
    const page = await get(api, next);
    expect(page.status).toBe(200);
    expect(page.link).toBe(page.body.next === null ? null : `<${page.body.next}>; rel="next"`);
    pages.push(page.body);
    next = page.body.next === next ? null : page.body.next;
  }
  return { events: pages.flatMap((page) => page.events), pages };
}

const seqs = (events: AuditEvent[]) => events.map((event) => event.seq);

beforeAll(async () => {
  ({ oidc, adminToken } = await startApiOidc());
});

afterAll(async () => {
  for (const api of apis) await api.close();
  await oidc?.close();
});

describe('GET /api/v1/events', () => {
  let api: JournalApi;
  /** Recorded a minute apart, two days ago; the API reads at most 4 rows a page. */
  let recorded: AuditEvent[];
  const minute = (n: number) => new Date(pastHour + n * 60_000).toISOString();

  beforeAll(async () => {
    api = await startApi(4);
    const billing = sessionDrafts({ sessionId: 'billing' });
    const analytics = sessionDrafts({
      sessionId: 'analytics',
      actor: analyst,
      connection: 'pg-analytics',
    });
    const script: [number, EventDraft][] = [
      [0, billing.start()],
      [1, billing.statementStart(1, 'SELECT 100% FROM orders')],
      [1, billing.statementResult(1, 'SELECT 100% FROM orders')],
      [2, analytics.start()],
      [3, billing.statementStart(2, 'DELETE FROM orders_2 WHERE id = $1', ['42'])],
      [3, billing.statementResult(2, 'DELETE FROM orders_2 WHERE id = $1', 'failure')],
      [
        4,
        {
          type: 'authz.denied',
          actor: { ...analyst, name: 'marketing-agent' },
          outcome: { result: 'denied', error: { message: 'no access' } },
        },
      ],
      [5, analytics.statementStart(1, 'SELECT 1000 FROM orders12')],
      // A statement of five minutes: its result is dated when it started.
      [10, { ...analytics.statementResult(1, 'SELECT 1000 FROM orders12'), time: minute(5) }],
      [11, billing.end({ statements: 2, errors: 1 })],
      [12, analytics.end({ statements: 1, errors: 0 })],
    ];
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      recorded = [];
      for (const [at, draft] of script) {
        vi.setSystemTime(pastHour + at * 60_000);
        recorded.push(await api.journal.append(draft));
      }
    } finally {
      vi.useRealTimers();
    }
  });

  /** Seqs of the recorded events that `keep` selects. */
  const expected = (keep: (event: AuditEvent) => boolean) => seqs(recorded.filter(keep));

  it('pages through everything a window at a time, and keeps a next link at the end', async () => {
    const { events, pages } = await follow(api, '/api/v1/events?limit=3');
    expect(seqs(events)).toEqual(expected(() => true));
    expect(events).toEqual(recorded);
    // At the end: an empty page whose next link is the position it was asked for.
    const last = pages.at(-1)!;
    expect(last.events).toEqual([]);
    expect(last.next).toEqual(expect.stringContaining('after='));
  });

  it.each([
    ['type=db.query', (e: AuditEvent) => e.type === 'db.query'],
    ['type=db.*', (e: AuditEvent) => e.type.startsWith('db.')],
    ['type=session.*', (e: AuditEvent) => e.type.startsWith('session.')],
    ['type=authz.denied', (e: AuditEvent) => e.type === 'authz.denied'],
    ['actor=billing-agent', (e: AuditEvent) => e.sessionId === 'billing'],
    [`actor=${billingAgent.subject}`, (e: AuditEvent) => e.sessionId === 'billing'],
    ['group=analysts', (e: AuditEvent) => e.actor?.provider === analyst.provider],
    ['connection=pg-analytics', (e: AuditEvent) => e.sessionId === 'analytics'],
    ['result=failure', (e: AuditEvent) => e.outcome?.result === 'failure'],
    ['result=denied', (e: AuditEvent) => e.type === 'authz.denied'],
    // Case-insensitive, and % and _ are the characters themselves.
    ['q=select%20100%25', (e: AuditEvent) => e.request?.command === 'SELECT 100% FROM orders'],
    ['q=ORDERS_2', (e: AuditEvent) => e.request?.command.startsWith('DELETE') === true],
    ['type=db.query&actor=ana@example.com', (e: AuditEvent) => e.seq === 9],
  ])('filters by %s', async (query, keep) => {
    const { events } = await follow(api, `/api/v1/events?${query}&limit=2`);
    expect(seqs(events)).toEqual(expected(keep));
    expect(events.length).toBeGreaterThan(0);
  });

  it('filters by time: since inclusive, until exclusive, and ends a bounded listing', async () => {
    const since = await follow(api, `/api/v1/events?since=${minute(3)}`);
    expect(seqs(since.events)).toEqual(expected((e) => e.time >= minute(3)));
    // The result dated 09:05 and recorded at 09:10 is in.
    expect(seqs(since.events)).toContain(9);

    const until = await follow(api, `/api/v1/events?until=${minute(3)}&limit=2`);
    expect(seqs(until.events)).toEqual([1, 2, 3, 4]);
    expect(until.pages.at(-1)!.next).toBeNull();

    const window = await follow(api, `/api/v1/events?since=${minute(1)}&until=${minute(4)}`);
    expect(seqs(window.events)).toEqual([2, 3, 4, 5, 6]);
    expect(window.pages.at(-1)!.next).toBeNull();
  });

  it('stops reading at until where the journal recorded it', async () => {
    // Dated 09:05 but recorded at 09:10: in a listing up to 09:11, not in one up to 09:10.
    const upTo10 = await follow(api, `/api/v1/events?since=${minute(5)}&until=${minute(10)}`);
    expect(seqs(upTo10.events)).toEqual([8]);
    const upTo11 = await follow(api, `/api/v1/events?since=${minute(5)}&until=${minute(11)}`);
    expect(seqs(upTo11.events)).toEqual([8, 9]);
  });

  it('moves on through a sparse filter: a page reads a bounded window, its cursor says how far', async () => {
    const { events, pages } = await follow(api, '/api/v1/events?result=denied');
    expect(seqs(events)).toEqual([7]);
    // 11 events, 4 rows a page: pages end after 4, 8, 11 and then at the end.
    expect(pages.map((page) => page.events.length)).toEqual([0, 1, 0, 0]);
    expect(new Set(pages.map((page) => page.next)).size).toBe(3);
  });

  it('takes a bare seq in after, as before cursors', async () => {
    const page = await get(api, '/api/v1/events?after=3&limit=2');
    expect(seqs(page.body.events)).toEqual([4, 5]);
    const rest = await follow(api, page.body.next!);
    expect(seqs(rest.events)).toEqual(seqs(recorded).slice(5));
  });

  it.each([
    [
      'after=garbage',
      'after: expected a cursor from a next link or an event id (or a seq), got "garbage"',
    ],
    ['after=-1', 'after: expected a cursor'],
    ['type=db*', 'type: expected an event type (db.query) or a prefix pattern (db.*), got "db*"'],
    ['result=maybe', 'result: expected success, failure, denied, unknown, got "maybe"'],
    ['limit=0', 'querystring.limit'],
    ['limit=1001', 'querystring.limit'],
    ['since=yesterday', 'querystring.since'],
    [`since=${minute(5)}&until=${minute(4)}`, 'until: expected a time after since'],
    ['actor=', 'querystring.actor'],
    [`q=${'x'.repeat(1001)}`, 'querystring.q'],
    ['colour=red', 'querystring.colour: unknown parameter'],
  ])('answers %s with 400 naming the parameter', async (query, message) => {
    const response = await get(api, `/api/v1/events?${query}`);
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('invalid_request');
    expect(response.body.error.message).toContain(message);
  });

  it('refuses a missing token and a non-admin', async () => {
    expect((await get(api, '/api/v1/events', null)).status).toBe(401);
    const agent = await oidc.clientCredentialsToken('agent', 'b');
    expect((await get(api, '/api/v1/events', agent)).status).toBe(403);
  });

  it('describes both routes in the OpenAPI document', async () => {
    const spec = (await get(api, '/api/v1/openapi.json')).body as unknown as {
      paths: Record<
        string,
        { get: { parameters: { name: string; in: string }[]; responses: object } }
      >;
    };
    const list = spec.paths['/api/v1/events']!.get;
    expect(list.parameters.map((p) => p.name).sort()).toEqual([
      'actor',
      'after',
      'connection',
      'group',
      'limit',
      'q',
      'result',
      'since',
      'type',
      'until',
    ]);
    const stream = spec.paths['/api/v1/events/stream']!.get;
    expect(stream.parameters).toContainEqual(
      expect.objectContaining({ name: 'last-event-id', in: 'header' }),
    );
    expect(JSON.stringify(stream.responses)).toContain('text/event-stream');
  });
});

describe('polling the pull API while events are appended', () => {
  it('can be followed forever without gaps or repeats', async () => {
    const api = await startApi(16);
    const appended: AuditEvent[] = [];
    let writing = true;

    // Sessions appending at once, some in group commits, with refusals among them.
    // The writer goes on only once the clients have read a few pages since its last round, so
    // that appends and reads interleave however fast either side is.
    let pagesRead = 0;
    let wakeWriter: (() => void) | null = null;
    const pageRead = () => {
      pagesRead++;
      wakeWriter?.();
    };
    const readersMoved = async (pages: number) => {
      const target = pagesRead + pages;
      while (pagesRead < target) await new Promise<void>((wake) => (wakeWriter = wake));
    };

    const writer = (async () => {
      for (let round = 0; round < 120; round++) {
        const drafts = Array.from({ length: 1 + (round % 4) }, (_, i) =>
          (round + i) % 7 === 0
            ? ({ type: 'authz.denied', actor: analyst } satisfies EventDraft)
            : queryDraft(round * 10 + i),
        );
        const batches = await Promise.all([
          api.journal.appendMany(drafts),
          api.journal.append(queryDraft(round)),
        ]);
        appended.push(...batches.flat());
        await readersMoved(4);
      }
      writing = false;
    })();

    /** Follows next links from `path` until the writer is done and a page finds nothing new. */
    const poll = async (path: string): Promise<AuditEvent[]> => {
      const seen: AuditEvent[] = [];
      let next = path;
      for (;;) {
        const wasWriting = writing;
        const page = await get(api, next);
        pageRead();
        expect(page.status).toBe(200);
        seen.push(...page.body.events);
        const moved = page.body.next !== next;
        next = page.body.next!;
        if (!moved && !wasWriting) return seen;
      }
    };

    /** Clients that start at the beginning while events come in, each following to the end. */
    const restarts = (async () => {
      const rounds: { committedBefore: number; seen: number[] }[] = [];
      while (writing) {
        const committedBefore = Math.max(0, ...seqs(appended));
        const { events } = await follow(api, '/api/v1/events?limit=50');
        rounds.push({ committedBefore, seen: seqs(events) });
      }
      return rounds;
    })();

    const [all, bigPages, denied, statements, rounds] = await Promise.all([
      poll('/api/v1/events?limit=7'),
      poll('/api/v1/events?limit=1000'),
      poll('/api/v1/events?type=authz.denied&limit=3'),
      poll('/api/v1/events?type=db.*&limit=5'),
      restarts,
      writer,
    ]);

    const everything = seqs(appended).sort((a, b) => a - b);
    expect(everything).toEqual(Array.from({ length: everything.length }, (_, i) => i + 1));
    expect(seqs(all)).toEqual(everything);
    expect(seqs(bigPages)).toEqual(everything);
    const ofType = (type: string) =>
      appended
        .filter((e) => e.type === type)
        .map((e) => e.seq)
        .sort((a, b) => a - b);
    expect(seqs(denied)).toEqual(ofType('authz.denied'));
    expect(seqs(statements)).toEqual(ofType('db.query'));
    // Each client that started over saw a gap-free run from 1, with everything committed before it.
    expect(rounds.length).toBeGreaterThan(0);
    for (const { committedBefore, seen } of rounds) {
      expect(seen).toEqual(Array.from({ length: seen.length }, (_, i) => i + 1));
      expect(seen.length).toBeGreaterThanOrEqual(committedBefore);
    }
  });
});

interface SseMessage {
  id?: string;
  event?: string;
  data?: string;
}

/** A Server-Sent Events client over node:http, keeping every message it received. */
interface SseClient {
  response: IncomingMessage;
  messages: SseMessage[];
  /** The events (messages with data), parsed. */
  events(): AuditEvent[];
  /** The last id received, as EventSource keeps it for Last-Event-ID. */
  lastId(): string | undefined;
  ended: Promise<void>;
  close(): void;
}

function openStream(api: JournalApi, path: string, headers: Record<string, string> = {}) {
  return new Promise<SseClient>((resolve, reject) => {
    const request = httpGet(
      `${api.url}${path}`,
      { agent: false, headers: { authorization: `Bearer ${adminToken}`, ...headers } },
      (response) => {
        const messages: SseMessage[] = [];
        let buffer = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          buffer += chunk;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) !== -1) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const message: SseMessage = {};
            for (const line of block.split('\n')) {
              if (line.startsWith(':')) continue;
              const colon = line.indexOf(': ');
              const field = line.slice(0, colon) as keyof SseMessage;
              message[field] = line.slice(colon + 2);
            }
            if (Object.keys(message).length > 0) messages.push(message);
          }
        });
        const ended = new Promise<void>((done) => response.on('close', done));
        resolve({
          response,
          messages,
          events: () =>
            messages
              .filter((m) => m.data !== undefined)
              .map((m) => JSON.parse(m.data!) as AuditEvent),
          lastId: () => messages.findLast((m) => m.id !== undefined)?.id,
          ended,
          close: () => request.destroy(),
        });
      },
    );
    request.on('error', reject);
  });
}

const activeTimers = () =>
  process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;

describe('GET /api/v1/events/stream', () => {
  let api: JournalApi;

  beforeAll(async () => {
    api = await startApi(16);
    await api.journal.appendMany([queryDraft(1), queryDraft(2)]);
  });

  it('checks the token and the filters before the stream starts', async () => {
    const anonymous = await fetch(`${api.url}/api/v1/events/stream`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('content-type')).toContain('application/json');
    const badType = await openStream(api, '/api/v1/events/stream?type=db*');
    expect(badType.response.statusCode).toBe(400);
    badType.close();
    const badId = await openStream(api, '/api/v1/events/stream', { 'last-event-id': 'nonsense' });
    expect(badId.response.statusCode).toBe(400);
    badId.close();
  });

  it('streams events as they are committed, and resumes after Last-Event-ID', async () => {
    const timersBefore = activeTimers();
    const first = await openStream(api, '/api/v1/events/stream');
    expect(first.response.statusCode).toBe(200);
    expect(first.response.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    // It starts at the end of the journal: only what is committed from now on.
    const appended = await api.journal.appendMany([queryDraft(3), queryDraft(4), queryDraft(5)]);
    await vi.waitFor(() => expect(first.events()).toHaveLength(3), { timeout: 10_000 });
    expect(first.events()).toEqual(appended);
    expect(first.messages.every((m) => m.data === undefined || m.event === 'audit')).toBe(true);
    // While it streams, its keepalive timer runs; once the client has gone, it is released and
    // none is left. (Other timers come and go meanwhile, so the counts are compared as they settle.)
    const timersWhileStreaming = activeTimers();
    first.close();
    await first.ended;
    const settled = () => activeTimers() < timersWhileStreaming && activeTimers() <= timersBefore;
    for (let turn = 0; turn < 500 && !settled(); turn++) await sleep(10);
    expect(activeTimers()).toBeLessThan(timersWhileStreaming);
    expect(activeTimers()).toBeLessThanOrEqual(timersBefore);

    // Committed while no one listens, and while the next client reads.
    const missed = await api.journal.appendMany(
      Array.from({ length: 40 }, (_, i) => queryDraft(i)),
    );
    const second = await openStream(api, '/api/v1/events/stream', {
      'last-event-id': first.lastId()!,
    });
    const meanwhile = await api.journal.appendMany([queryDraft(50), queryDraft(51)]);
    await vi.waitFor(() => expect(second.events()).toHaveLength(42), { timeout: 10_000 });
    expect(second.events()).toEqual([...missed, ...meanwhile]);
    second.close();
  });

  it('moves a filtered stream past what it leaves out, so that a resume does not read it again', async () => {
    const denied = await openStream(api, '/api/v1/events/stream?type=authz.denied');
    const appended = await api.journal.appendMany([
      ...Array.from({ length: 30 }, (_, i) => queryDraft(i)),
      { type: 'authz.denied', actor: analyst },
      queryDraft(31),
    ]);
    await vi.waitFor(
      () => {
        expect(denied.events()).toEqual([appended[30]]);
        // An id alone took its position past the statement after the refusal.
        expect(denied.lastId()).toBe(eventCursor(appended.at(-1)!.seq));
      },
      { timeout: 10_000 },
    );
    denied.close();
    const resumed = await openStream(api, '/api/v1/events/stream?type=authz.denied', {
      'last-event-id': denied.lastId()!,
    });
    const later = await api.journal.append({ type: 'authz.denied', actor: analyst });
    await vi.waitFor(() => expect(resumed.events()).toEqual([later]), { timeout: 10_000 });
    resumed.close();
  });

  it('ends open streams when the server closes', async () => {
    const open = await openStream(api, '/api/v1/events/stream');
    expect(open.response.statusCode).toBe(200);
    await api.close();
    await open.ended;
    apis.splice(apis.indexOf(api), 1);
  });
});
