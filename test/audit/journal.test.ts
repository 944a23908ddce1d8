import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import {
  GENESIS_HASH,
  JournalWriteError,
  openJournal,
  verifyJournal,
  type AuditEvent,
  type EventDraft,
  type GroupCommit,
} from '../../src/audit/index.js';
import { openTempStore, queryDraft, type TempStore } from './fixtures.js';

const canonicalize = createRequire(import.meta.url)('canonicalize') as (input: unknown) => string;

function expectedHash(event: AuditEvent): string {
  const unhashed: Partial<AuditEvent> = { ...event };
  delete unhashed.hash;
  return createHash('sha256').update(canonicalize(unhashed)).digest('hex');
}

describe('journal', () => {
  const temps: TempStore[] = [];
  afterEach(async () => {
    for (const temp of temps.splice(0)) await temp.cleanup();
  });

  async function temp(options?: Parameters<typeof openTempStore>[0]): Promise<TempStore> {
    const opened = await openTempStore(options);
    temps.push(opened);
    return opened;
  }

  it('chains events: seq from 1, prevHash the previous hash, hash over the canonical JSON', async () => {
    const { store } = await temp();
    const journal = await openJournal(store);
    const first = await journal.append(queryDraft(1));
    const second = await journal.append(queryDraft(2));
    await journal.close();

    expect(first.seq).toBe(1);
    expect(first.prevHash).toBe(GENESIS_HASH);
    expect(first.hash).toBe(expectedHash(first));
    expect(second.seq).toBe(2);
    expect(second.prevHash).toBe(first.hash);
    expect(second.hash).toBe(expectedHash(second));
    expect(first.id).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(first.id).not.toBe(second.id);
  });

  it('stores the event as returned, with every absent optional field null', async () => {
    const { store } = await temp();
    const journal = await openJournal(store);
    const event = await journal.append({ type: 'authn.failure', source: { ip: '10.0.0.9' } });
    await journal.close();

    expect(event).toEqual({
      id: event.id,
      seq: 1,
      time: event.time,
      type: 'authn.failure',
      actor: null,
      source: { ip: '10.0.0.9' },
      connection: null,
      sessionId: null,
      authorization: null,
      request: null,
      response: null,
      outcome: null,
      raw: null,
      totals: null,
      prevHash: GENESIS_HASH,
      hash: event.hash,
    });
    expect(event.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const row = await store.db.selectFrom('events').selectAll().executeTakeFirstOrThrow();
    expect(JSON.parse(row.body)).toEqual(event);
    expect(row).toMatchObject({ seq: 1, id: event.id, type: 'authn.failure', hash: event.hash });
  });

  it('keeps fields a producer adds beyond the AuditEvent, in the body and the hash', async () => {
    const { store } = await temp();
    const journal = await openJournal(store);
    const event = await journal.append({
      ...queryDraft(1),
      guardrail: { rule: 'no-ddl', matched: false },
    } as EventDraft);
    await journal.close();

    expect(event).toMatchObject({ seq: 1, guardrail: { rule: 'no-ddl', matched: false } });
    expect(event.hash).toBe(expectedHash(event));
    const row = await store.db.selectFrom('events').select('body').executeTakeFirstOrThrow();
    expect(JSON.parse(row.body)).toEqual(event);
  });

  it('keeps a time the producer gives, normalized to UTC with milliseconds', async () => {
    const { store } = await temp();
    const journal = await openJournal(store);
    const event = await journal.append({ ...queryDraft(1), time: '2026-11-21T10:12:15+01:00' });
    await expect(journal.append({ ...queryDraft(2), time: 'yesterday' })).rejects.toThrow(
      'event time: expected an ISO 8601 time, got "yesterday"',
    );
    const next = await journal.append(queryDraft(3));
    await journal.close();
    expect(event.time).toBe('2026-11-21T09:12:15.000Z');
    expect(next.seq).toBe(2);
  });

  it('ignores chain fields carried by a draft spread from an existing event', async () => {
    const { store } = await temp();
    const journal = await openJournal(store);
    const first = await journal.append(queryDraft(1));
    const copy = await journal.append({ ...first, type: 'db.query' });
    await journal.close();
    expect(copy).toMatchObject({ seq: 2, prevHash: first.hash });
    expect(copy.id).not.toBe(first.id);
    expect(await verifyJournal(store)).toMatchObject({ ok: true, events: 2, lastSeq: 2 });
  });

  it('commits appends made in the same turn in one transaction, each resolving after it', async () => {
    const { store, path } = await temp();
    const commits: GroupCommit[] = [];
    const journal = await openJournal(store, { onCommit: (commit) => commits.push(commit) });
    const observer = new BetterSqlite3(path, { readonly: true });
    const committedRows = () =>
      (observer.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n;

    const appends = Array.from({ length: 200 }, (_, i) =>
      journal.append(queryDraft(i + 1)).then((event) => ({ event, visible: committedRows() })),
    );
    const results = await Promise.all(appends);

    expect(commits).toEqual([{ events: 200, firstSeq: 1, lastSeq: 200 }]);
    // Another connection already sees all 200 rows when any of the promises resolves.
    expect(results.every((result) => result.visible === 200)).toBe(true);
    const events = results.map((result) => result.event);
    expect(events.map((event) => event.seq)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    for (const [i, event] of events.entries()) {
      expect(event.prevHash).toBe(i === 0 ? GENESIS_HASH : events[i - 1]?.hash);
    }
    observer.close();
    await journal.close();
  });

  it('gathers appends arriving while a commit runs into the next transaction', async () => {
    const { store, path } = await temp();
    const commits: GroupCommit[] = [];
    const journal = await openJournal(store, { onCommit: (commit) => commits.push(commit) });

    // Another connection holds the write lock for 200 ms: the first commit waits for it (within
    // the busy timeout) while the other appends arrive.
    const locker = new BetterSqlite3(path);
    locker.exec('BEGIN IMMEDIATE');
    const unlocked = sleep(200).then(() => locker.exec('ROLLBACK'));
    const first = journal.append(queryDraft(1));
    // Each of these runs in its own event-loop turn while the first commit is still waiting.
    const arriving = [5, 10, 15, 20].map((delay, i) =>
      sleep(delay).then(() =>
        i === 3
          ? journal.appendMany([queryDraft(5), queryDraft(6)])
          : journal.append(queryDraft(i + 2)).then((event) => [event]),
      ),
    );
    expect((await first).seq).toBe(1);
    const later = (await Promise.all(arriving)).flat();
    expect(later.map((event) => event.seq)).toEqual([2, 3, 4, 5, 6]);
    await unlocked;
    locker.close();
    expect(commits).toEqual([
      { events: 1, firstSeq: 1, lastSeq: 1 },
      { events: 5, firstSeq: 2, lastSeq: 6 },
    ]);
    await journal.close();
    expect(await verifyJournal(store)).toMatchObject({ ok: true, events: 6, lastSeq: 6 });
  });

  it('appendMany commits its drafts together, in order', async () => {
    const { store } = await temp();
    const journal = await openJournal(store);
    const single = journal.append(queryDraft(1));
    const many = journal.appendMany([queryDraft(2), queryDraft(3), queryDraft(4)]);
    expect((await single).seq).toBe(1);
    expect((await many).map((event) => event.seq)).toEqual([2, 3, 4]);
    await journal.close();
  });

  it('refuses an event that cannot be serialized without failing the rest of its batch', async () => {
    const { store } = await temp();
    const journal = await openJournal(store);
    const good = journal.append(queryDraft(1));
    const bad = journal.appendMany([
      queryDraft(2),
      { ...queryDraft(3), outcome: { result: 'success', error: null, durationMs: Number.NaN } },
    ]);
    const after = journal.append(queryDraft(4));
    await expect(bad).rejects.toBeInstanceOf(JournalWriteError);
    expect((await good).seq).toBe(1);
    expect((await after).seq).toBe(2);
    await journal.close();
    expect(await verifyJournal(store)).toMatchObject({ ok: true, events: 2, lastSeq: 2 });
  });

  it('refuses an event that cannot cross to the writer thread without failing the rest', async () => {
    const { store } = await temp();
    const journal = await openJournal(store);
    const good = journal.append(queryDraft(1));
    // Structured clone cannot carry a function: only the request holding one is refused.
    const bad = journal.append({ ...queryDraft(2), raw: { callback: () => 1 } });
    const after = journal.append(queryDraft(3));
    await expect(bad).rejects.toBeInstanceOf(JournalWriteError);
    await expect(bad).rejects.toThrow(/audit event cannot be recorded: .*could not be cloned/);
    expect((await good).seq).toBe(1);
    expect((await after).seq).toBe(2);
    await journal.close();
    expect(await verifyJournal(store)).toMatchObject({ ok: true, events: 2, lastSeq: 2 });
  });

  it('rejects the whole batch when the commit fails, and chains correctly afterwards', async () => {
    const { store, path } = await temp({ busyTimeoutMs: 50 });
    const journal = await openJournal(store);
    const before = await journal.append(queryDraft(1));

    // Another connection holds the write lock: the journal's INSERT times out with SQLITE_BUSY.
    const locker = new BetterSqlite3(path);
    locker.exec('BEGIN IMMEDIATE');
    const refused = await Promise.allSettled(
      Array.from({ length: 5 }, (_, i) => journal.append(queryDraft(i + 2))),
    );
    locker.exec('ROLLBACK');
    locker.close();

    for (const outcome of refused) {
      expect(outcome.status).toBe('rejected');
      const error = (outcome as PromiseRejectedResult).reason as JournalWriteError;
      expect(error).toBeInstanceOf(JournalWriteError);
      expect(error.message).toMatch(/audit journal: commit failed: .*locked/);
    }
    const after = await journal.append(queryDraft(7));
    await journal.close();

    expect(after.seq).toBe(2);
    expect(after.prevHash).toBe(before.hash);
    expect(await verifyJournal(store)).toMatchObject({ ok: true, events: 2, lastSeq: 2 });
  });

  it('refuses the whole batch when a row breaks a constraint, and chains correctly afterwards', async () => {
    const { store, path } = await temp();
    const journal = await openJournal(store);
    const before = await journal.append(queryDraft(1));

    // A second writer took seq 2: the journal's INSERT of its next batch fails on the primary key.
    const intruder = new BetterSqlite3(path);
    intruder
      .prepare(
        `INSERT INTO events (seq, id, time, type, body, prev_hash, hash)
         VALUES (2, 'intruder', '2026-01-01T00:00:00.000Z', 'x', '{}', '', '')`,
      )
      .run();
    const refused = await Promise.allSettled([
      journal.append(queryDraft(2)),
      journal.appendMany([queryDraft(3), queryDraft(4)]),
    ]);
    for (const outcome of refused) {
      expect(outcome.status).toBe('rejected');
      expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(JournalWriteError);
      expect(((outcome as PromiseRejectedResult).reason as Error).message).toMatch(
        /audit journal: commit failed: UNIQUE constraint failed: events\.seq/,
      );
    }
    // Nothing of the refused batch was left behind.
    expect(intruder.prepare('SELECT count(*) AS n FROM events').get()).toEqual({ n: 2 });
    intruder.prepare('DELETE FROM events WHERE seq = 2').run();
    intruder.close();

    const after = await journal.append(queryDraft(5));
    await journal.close();
    expect(after).toMatchObject({ seq: 2, prevHash: before.hash });
    expect(await verifyJournal(store)).toMatchObject({ ok: true, events: 2, lastSeq: 2 });
  });

  it('continues the chain when reopened', async () => {
    const opened = await temp();
    const journal = await openJournal(opened.store);
    const [, second] = await journal.appendMany([queryDraft(1), queryDraft(2)]);
    await journal.close();

    const store = await opened.reopen();
    const again = await openJournal(store);
    const third = await again.append(queryDraft(3));
    await again.close();
    expect(third.seq).toBe(3);
    expect(third.prevHash).toBe(second?.hash);
    expect(await verifyJournal(store)).toMatchObject({ ok: true, events: 3, lastSeq: 3 });
  });

  it('fails to open, saying why, when its writer cannot open the store', async () => {
    const { store, path } = await temp();
    // A directory where the database file is: the writer's connection cannot be opened.
    const broken = { ...store, spec: { ...store.spec, path: `${path}/journal.db` } };
    await expect(openJournal(broken)).rejects.toThrow(
      /audit journal: cannot open the journal writer: store: cannot open SQLite database/,
    );
  });

  it('settles pending appends on close and refuses appends after it', async () => {
    const { store } = await temp();
    const journal = await openJournal(store);
    const pending = journal.append(queryDraft(1));
    await journal.close();
    expect((await pending).seq).toBe(1);
    await expect(journal.append(queryDraft(2))).rejects.toThrow('audit journal is closed');
  });
});
