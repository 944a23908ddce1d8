import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AuditQueryError,
  createAuditReader,
  openJournal,
  type AuditReader,
  type Journal,
} from '../../src/audit/index.js';
import {
  analyst,
  billingAgent,
  openTempStore,
  queryDraft,
  sessionDrafts,
  type TempStore,
} from './fixtures.js';

const T1 = '2026-01-05T09:00:00.000Z';
const T2 = '2026-01-05T10:00:00.000Z';
const T3 = '2026-01-05T11:00:00.000Z';

describe('audit reader', () => {
  let temp: TempStore;
  let reader: AuditReader;

  /**
   * Three sessions and a refused connection:
   * - ended: billing-agent on pg-prod from T1, three statements (one failing), ended with totals;
   * - running: ana on pg-analytics from T2, one statement done and one in flight, no end yet;
   * - cut: billing-agent on pg-prod from T3, one failing statement, an end without totals.
   */
  beforeAll(async () => {
    temp = await openTempStore();
    const journal: Journal = await openJournal(temp.store);
    const ended = sessionDrafts({ sessionId: 'ended', startedAt: T1 });
    const running = sessionDrafts({
      sessionId: 'running',
      actor: analyst,
      connection: 'pg-analytics',
      startedAt: T2,
    });
    const cut = sessionDrafts({ sessionId: 'cut', startedAt: T3 });
    const steps = [
      ended.start(),
      ended.statementStart(1, 'SELECT item FROM orders'),
      ended.statementResult(1, 'SELECT item FROM orders'),
      running.start(),
      ended.statementStart(2, 'DELETE FROM orders WHERE id = $1', ['42']),
      ended.statementResult(2, 'DELETE FROM orders WHERE id = $1'),
      running.statementStart(1, 'SELECT count(*) FROM visits'),
      running.statementResult(1, 'SELECT count(*) FROM visits'),
      ended.statementStart(3, 'SELECT * FROM missing'),
      ended.statementResult(3, 'SELECT * FROM missing', 'failure'),
      ended.end({ statements: 3, errors: 1 }, '2026-01-05T09:01:30.000Z'),
      { type: 'authz.denied', actor: { ...analyst, name: 'marketing-agent' }, time: T2 },
      running.statementStart(2, 'SELECT pg_sleep(3600)'),
      cut.start(),
      cut.statementStart(1, 'SELECT * FROM missing'),
      cut.statementResult(1, 'SELECT * FROM missing', 'failure'),
      cut.end(undefined, '2026-01-05T11:00:02.500Z'),
    ];
    for (const step of steps) await journal.append(step);
    await journal.close();
    reader = createAuditReader(temp.store);
  });

  afterAll(async () => {
    await temp.cleanup();
  });

  describe('listSessions', () => {
    it('lists sessions newest first with who, what and why', async () => {
      const { sessions, nextCursor } = await reader.listSessions();
      expect(sessions.map((session) => session.id)).toEqual(['cut', 'running', 'ended']);
      expect(nextCursor).toBeNull();
      expect(sessions[2]).toEqual({
        id: 'ended',
        startedAt: T1,
        endedAt: '2026-01-05T09:01:30.000Z',
        actor: billingAgent,
        source: { ip: '10.0.0.7', client: 'psql' },
        connection: { name: 'pg-prod', type: 'postgres' },
        authorization: { group: 'agents-db', rule: 'pg-prod.allow[0]' },
        statements: 3,
        errors: 1,
        endReason: 'client_terminated',
        durationMs: 90_000,
      });
    });

    it('counts statements and errors from the events when session.end has no totals', async () => {
      const { sessions } = await reader.listSessions();
      const [cut, running] = sessions;
      expect(running).toMatchObject({
        statements: 2,
        errors: 0,
        endedAt: null,
        endReason: null,
        durationMs: null,
      });
      expect(cut).toMatchObject({ statements: 1, errors: 1, endReason: null, durationMs: 2500 });
    });

    it('pages with an opaque cursor', async () => {
      const first = await reader.listSessions({ limit: 2 });
      expect(first.sessions.map((session) => session.id)).toEqual(['cut', 'running']);
      expect(first.nextCursor).toEqual(expect.any(String));
      const second = await reader.listSessions({ limit: 2, cursor: first.nextCursor });
      expect(second.sessions.map((session) => session.id)).toEqual(['ended']);
      expect(second.nextCursor).toBeNull();
    });

    it.each([
      [{ identity: 'billing-agent' }, ['cut', 'ended']],
      [{ identity: analyst.subject }, ['running']],
      [{ identity: 'nobody' }, []],
      [{ connection: 'pg-analytics' }, ['running']],
      [{ since: T2 }, ['cut', 'running']],
      [{ until: T2 }, ['ended']],
      [{ since: '2026-01-05T10:30:00+01:00', until: '2026-01-05T10:30:00Z' }, ['running']],
      [{ identity: 'billing-agent', since: T2 }, ['cut']],
    ])('filters by %o', async (filter, ids) => {
      const { sessions } = await reader.listSessions(filter);
      expect(sessions.map((session) => session.id)).toEqual(ids);
    });

    it.each([
      [{ cursor: 'not-a-cursor' }, 'cursor: not a cursor returned by this listing'],
      [{ since: 'last tuesday' }, 'since: expected an ISO 8601 time, got "last tuesday"'],
      [{ until: '' }, 'until: expected an ISO 8601 time, got ""'],
      [{ limit: 0 }, 'limit: expected a positive integer, got 0'],
      [{ limit: 2.5 }, 'limit: expected a positive integer, got 2.5'],
    ])('refuses %o with an AuditQueryError naming the filter', async (filter, message) => {
      const attempt = reader.listSessions(filter);
      await expect(attempt).rejects.toBeInstanceOf(AuditQueryError);
      await expect(attempt).rejects.toThrow(message);
    });
  });

  describe('getSession', () => {
    it('returns the session, its events in order, and each statement with its result', async () => {
      const detail = await reader.getSession('ended');
      expect(detail?.session.id).toBe('ended');
      expect(detail?.events.map((event) => event.type)).toEqual([
        'session.start',
        'db.query.start',
        'db.query',
        'db.query.start',
        'db.query',
        'db.query.start',
        'db.query',
        'session.end',
      ]);
      const seqs = detail?.events.map((event) => event.seq) ?? [];
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      const statements = detail?.statements ?? [];
      expect(statements.map((s) => [s.index, s.command, s.params])).toEqual([
        [1, 'SELECT item FROM orders', null],
        [2, 'DELETE FROM orders WHERE id = $1', ['42']],
        [3, 'SELECT * FROM missing', null],
      ]);
      expect(statements[1]?.result?.response?.rows).toBe(1);
      expect(statements[2]?.result?.outcome?.error?.code).toBe('42P01');
      expect(statements[0]?.startedAt).toBe(detail?.events[1]?.time);
    });

    it('shows a statement with no recorded result as such', async () => {
      const detail = await reader.getSession('running');
      expect(detail?.statements.map((s) => [s.index, s.result === null])).toEqual([
        [1, false],
        [2, true],
      ]);
    });

    it('returns null for a session it does not know', async () => {
      expect(await reader.getSession('missing')).toBeNull();
    });

    it('pages a session with an opaque cursor, the summary on every page', async () => {
      const first = await reader.getSession('ended', { limit: 3 });
      expect(first?.events.map((event) => event.type)).toEqual([
        'session.start',
        'db.query.start',
        'db.query',
      ]);
      expect(first?.nextCursor).toEqual(expect.any(String));
      const types: string[] = [...(first?.events.map((event) => event.type) ?? [])];
      let cursor = first?.nextCursor ?? null;
      while (cursor !== null) {
        const page = await reader.getSession('ended', { limit: 3, cursor });
        expect(page?.session).toEqual(first?.session);
        expect(page?.events.length).toBeLessThanOrEqual(3);
        types.push(...(page?.events.map((event) => event.type) ?? []));
        cursor = page?.nextCursor ?? null;
      }
      const whole = await reader.getSession('ended');
      expect(types).toEqual(whole?.events.map((event) => event.type));
      expect(whole?.nextCursor).toBeNull();
      await expect(reader.getSession('ended', { cursor: 'not-a-cursor' })).rejects.toThrow(
        AuditQueryError,
      );
    });
  });

  describe('listEvents', () => {
    it('lists raw events in journal order, filtered by type', async () => {
      const denied = await reader.listEvents({ type: 'authz.denied' });
      expect(denied.events.map((event) => event.actor?.name)).toEqual(['marketing-agent']);
      const all = await reader.listEvents();
      expect(all.events.map((event) => event.seq)).toEqual(
        Array.from({ length: 17 }, (_, i) => i + 1),
      );
    });

    it('filters by time and pages with the next cursor', async () => {
      const starts = await reader.listEvents({ type: 'session.start', since: T2 });
      expect(starts.events.map((event) => event.sessionId)).toEqual(['running', 'cut']);
      const first = await reader.listEvents({ limit: 5 });
      const next = await reader.listEvents({ limit: 5, after: first.nextCursor ?? undefined });
      expect(next.events.map((event) => event.seq)).toEqual([6, 7, 8, 9, 10]);
      // A bare seq, as clients sent before cursors.
      const end = await reader.listEvents({ after: '17' });
      expect(end.events).toEqual([]);
      expect(end.nextCursor).toEqual(expect.any(String));
    });

    it('refuses a malformed filter', async () => {
      await expect(reader.listEvents({ after: '-1' })).rejects.toThrow(
        'after: expected a cursor from a next link or an event id (or a seq), got "-1"',
      );
      await expect(reader.listEvents({ since: 'soon' })).rejects.toBeInstanceOf(AuditQueryError);
    });
  });
});

describe('audit reader page sizes', () => {
  let temp: TempStore;

  beforeAll(async () => {
    temp = await openTempStore();
    const journal = await openJournal(temp.store);
    await journal.appendMany(Array.from({ length: 1001 }, (_, i) => queryDraft(i + 1)));
    await journal.close();
  });

  afterAll(async () => {
    await temp.cleanup();
  });

  it('returns 100 events by default and never more than 1000', async () => {
    const reader = createAuditReader(temp.store);
    expect((await reader.listEvents()).events).toHaveLength(100);
    expect((await reader.listEvents({ limit: 5000 })).events).toHaveLength(1000);
  });
});
