// The readers' queries must find their rows through indexes, whatever the journal's size: each
// query the readers send is captured from Kysely's log and run through EXPLAIN QUERY PLAN.
import { Kysely, SqliteDialect, type LogEvent } from 'kysely';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createAuditReader,
  openJournal,
  type AuditReader,
  type EventFilter,
  type TimelineFilter,
} from '../../src/audit/index.js';
import type { Database, Store } from '../../src/store/index.js';
import { analyst, billingAgent, openTempStore, sessionDrafts, type TempStore } from './fixtures.js';

interface Captured {
  sql: string;
  parameters: readonly unknown[];
}

describe('reader query plans', () => {
  let temp: TempStore;
  let database: BetterSqlite3.Database;
  let captured: Captured[] = [];
  let reader: AuditReader;
  let secondPage: string | null = null;
  let secondTimelinePage: string | null = null;
  let secondIdentitiesPage: string | null = null;

  beforeAll(async () => {
    temp = await openTempStore();
    // Sessions with and without an end, so that the readers run their follow-up queries too.
    const journal = await openJournal(temp.store);
    const ended = sessionDrafts({ sessionId: 's-1', startedAt: '2026-01-05T09:00:00.000Z' });
    const running = sessionDrafts({ sessionId: 's-2', actor: analyst });
    await journal.appendMany([
      ended.start(),
      ended.statementStart(1, 'SELECT 1'),
      ended.statementResult(1, 'SELECT 1'),
      running.start(),
      running.statementStart(1, 'SELECT 2'),
      ended.end({ statements: 1, errors: 0 }),
      { type: 'authz.denied', actor: analyst },
    ]);
    await journal.close();
    database = new BetterSqlite3(temp.path);
    const db = new Kysely<Database>({
      dialect: new SqliteDialect({ database }),
      log: (event: LogEvent) => {
        if (event.level === 'query') {
          captured.push({ sql: event.query.sql, parameters: event.query.parameters });
        }
      },
    });
    reader = createAuditReader({ ...temp.store, db } satisfies Store);
    secondPage = (await reader.listSessions({ limit: 1 })).nextCursor;
    secondTimelinePage = (await reader.timeline(billingAgent.subject, { limit: 1 }))!.nextCursor;
    secondIdentitiesPage = (await reader.listIdentities({ limit: 1 })).nextCursor;
  });

  afterAll(async () => {
    database.close();
    await temp.cleanup();
  });

  /** The plan of every query `read` sends, one line per query. */
  async function plans(read: () => Promise<unknown>): Promise<string[]> {
    captured = [];
    await read();
    return captured.map(({ sql, parameters }) =>
      (
        database.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...(parameters as unknown[])) as {
          detail: string;
        }[]
      )
        .map((row) => row.detail)
        .join('; '),
    );
  }

  const sessionQueries = [
    'SCAN events USING INDEX events_session_start',
    'SEARCH events USING INDEX events_session_end (session_id=?)',
    'SEARCH events USING INDEX events_session_id_seq (session_id=?)',
  ];

  const endedOnly = sessionQueries.slice(0, 2);

  // Each case: the queries' plans in the order the reader sends them, as SQLite words them.
  const cases: [string, (reader: AuditReader) => Promise<unknown>, string[]][] = [
    ['sessions', (r) => r.listSessions(), sessionQueries],
    // s-1 only, whose session.end carries its totals: nothing to count.
    ['sessions by identity', (r) => r.listSessions({ identity: 'billing-agent' }), endedOnly],
    ['sessions by connection', (r) => r.listSessions({ connection: 'pg-prod' }), sessionQueries],
    ['sessions since', (r) => r.listSessions({ since: '2026-01-05T09:00:00Z' }), sessionQueries],
    ['sessions until', (r) => r.listSessions({ until: '2026-01-05T10:00:00Z' }), endedOnly],
    [
      'sessions after a cursor',
      (r) => r.listSessions({ limit: 1, cursor: secondPage }),
      [
        'SEARCH events USING INDEX events_session_start (seq<?)',
        'SEARCH events USING INDEX events_session_end (session_id=?)',
      ],
    ],
    [
      'session detail',
      (r) => r.getSession('s-1'),
      [
        'SEARCH events USING INDEX events_session_id_seq (session_id=? AND seq>?)',
        'SEARCH events USING INDEX events_session_end (session_id=?)',
      ],
    ],
  ];

  it.each(cases)('%s', async (_name, read, expected) => {
    const found = await plans(() => read(reader));
    expect(found.map((plan) => plan.split('; ')[0])).toEqual(
      expected.map((plan) => expect.stringContaining(plan)),
    );
  });

  // A page of events reads a bounded window through the primary key (or, for a type other than
  // the statement events, the partial type index), whatever the filters: the last seq, the
  // binary search for a time and the listing itself are all searches, none a scan of the table.
  const inSeqOrder = 'SEARCH events USING INTEGER PRIMARY KEY (rowid>? AND rowid<?)';
  const eventCases: [string, EventFilter, string][] = [
    ['events', {}, inSeqOrder],
    ['events after a cursor', { after: '2' }, inSeqOrder],
    ['events since', { since: '2026-01-05T09:00:00Z' }, inSeqOrder],
    ['events until', { until: '2026-01-05T10:00:00Z' }, inSeqOrder],
    [
      'events by type',
      { type: 'authz.denied', actor: 'ana@example.com' },
      'SEARCH events USING INDEX events_type_seq (type=? AND seq>? AND seq<?)',
    ],
    // Statement events are most rows: scanning in seq order finds a page of them at once.
    ['events by statement type', { type: 'db.query', after: '2' }, inSeqOrder],
    ['events by type prefix', { type: 'session.*' }, inSeqOrder],
    [
      'events by actor, group, connection, result and text',
      {
        actor: 'billing-agent',
        group: 'agents-db',
        connection: 'pg-prod',
        result: 'success',
        q: 'select',
      },
      inSeqOrder,
    ],
  ];

  it.each(eventCases)('%s', async (_name, filter, listing) => {
    const found = await plans(() => reader.listEvents(filter));
    for (const plan of found) expect(plan).toMatch(/^SEARCH events/);
    expect(found.at(-1)).toContain(listing);
  });

  it.each([
    [
      'identities',
      () => reader.listIdentities(),
      'SCAN identities USING INDEX identities_last_seen',
    ],
    [
      'identities after a cursor, by text',
      () => reader.listIdentities({ after: secondIdentitiesPage!, q: 'ana' }),
      'SEARCH identities USING INDEX identities_last_seen ((last_seen,subject)<(?,?))',
    ],
  ])('%s', async (_name, read, listing) => {
    const found = await plans(read);
    expect(found.at(-1)).toContain(listing);
  });

  // The identity by any of its names; its own events and its sessions through the identity's
  // partial index in time order (a session that ended before the page's start is left out through
  // the session.end index); their statements through the session index from the page's start
  // (found by the binary search over seq); the page's bodies by seq. Nothing is scanned.
  const identityByName =
    'MULTI-INDEX OR; INDEX 1; SEARCH identities USING INDEX sqlite_autoindex_identities_1 ' +
    '(subject=?); INDEX 2; SEARCH identities USING INDEX identities_client_id (client_id=?); ' +
    'INDEX 3; SEARCH identities USING INDEX identities_alternate_id (alternate_id=?)';
  const statementsAndBodies = [
    'SEARCH events USING INDEX events_session_id_seq (session_id=? AND seq>?)',
    'SEARCH events USING INTEGER PRIMARY KEY (rowid=?)',
  ];
  const endedBefore = 'CORRELATED SCALAR SUBQUERY 1; SEARCH ended USING INDEX events_session_end';
  const timelineCases: [string, () => TimelineFilter, string[]][] = [
    [
      'timeline',
      () => ({}),
      [
        identityByName,
        'SEARCH events USING INDEX events_actor_subject_time (actor_subject=?)',
        'SEARCH opened USING INDEX events_actor_subject_time (actor_subject=?)',
        ...statementsAndBodies,
      ],
    ],
    [
      'timeline since, until',
      () => ({ since: '2026-01-05T08:00:00Z', until: '2030-01-01T00:00:00Z' }),
      [
        identityByName,
        'SEARCH events USING INDEX events_actor_subject_time (actor_subject=? AND time>? AND time<?)',
        `SEARCH opened USING INDEX events_actor_subject_time (actor_subject=? AND time>? AND time<?); ${endedBefore}`,
        ...statementsAndBodies,
      ],
    ],
    [
      'timeline after a cursor',
      () => ({ limit: 1, after: secondTimelinePage! }),
      [
        identityByName,
        'SEARCH events USING INDEX events_actor_subject_time (actor_subject=? AND time>?)',
        `SEARCH opened USING INDEX events_actor_subject_time (actor_subject=? AND time>?); ${endedBefore}`,
        ...statementsAndBodies,
      ],
    ],
  ];

  /** The plans of seqAtTime's binary search (the last seq, then probes by seq). */
  const seqSearch = (plan: string) =>
    plan === 'SEARCH events' || plan === 'SEARCH events USING INTEGER PRIMARY KEY (rowid>?)';

  it.each(timelineCases)('%s', async (_name, filter, expected) => {
    const found = await plans(() => reader.timeline(billingAgent.subject, filter()));
    for (const plan of found) expect(plan).not.toMatch(/(^|; )SCAN /);
    expect(found.filter((plan) => !seqSearch(plan))).toEqual(
      expected.map((plan) => expect.stringContaining(plan)),
    );
  });
});
