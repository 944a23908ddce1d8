import { createHash } from 'node:crypto';
import { appendFileSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
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
import {
  eventLogDirectory,
  listSegments,
  segmentFileName,
} from '../../src/audit/event-log-segments.js';
import { openTempStore, queryDraft, withTableLocked, type TempStore } from './fixtures.js';

const canonicalize = createRequire(import.meta.url)('canonicalize') as (input: unknown) => string;

/**
 * Opens the store again, as a restarted gateway would, appends a third event and checks that it
 * chains on from `second` and that the whole journal verifies.
 */
async function expectThirdEventChainsOn(
  opened: TempStore,
  second: AuditEvent | undefined,
): Promise<void> {
  const store = await opened.reopen();
  const again = await openJournal(store);
  const third = await again.append(queryDraft(3));
  await again.close();
  expect(third).toMatchObject({ seq: 3, prevHash: second?.hash });
  expect(await verifyJournal(store)).toMatchObject({ ok: true, events: 3, lastSeq: 3 });
}

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

  it('commits appends made in the same turn in one write to the log, each resolving after it', async () => {
    const { store, path } = await temp();
    const commits: GroupCommit[] = [];
    const journal = await openJournal(store, { onCommit: (commit) => commits.push(commit) });
    const loggedLines = () =>
      listSegments(eventLogDirectory(path))
        .map((segment) => readFileSync(segment.path, 'utf8'))
        .join('')
        .split('\n')
        .filter(Boolean).length;

    const appends = Array.from({ length: 200 }, (_, i) =>
      journal.append(queryDraft(i + 1)).then((event) => ({ event, logged: loggedLines() })),
    );
    const results = await Promise.all(appends);

    expect(commits).toEqual([{ events: 200, firstSeq: 1, lastSeq: 200 }]);
    // All 200 are in the event log when any of the promises resolves.
    expect(results.every((result) => result.logged === 200)).toBe(true);
    const events = results.map((result) => result.event);
    expect(events.map((event) => event.seq)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    for (const [i, event] of events.entries()) {
      expect(event.prevHash).toBe(i === 0 ? GENESIS_HASH : events[i - 1]?.hash);
    }
    // And another connection sees them in the table once the indexer has copied them.
    await journal.indexed();
    const observer = new BetterSqlite3(path, { readonly: true });
    expect(observer.prepare('SELECT count(*) AS n FROM events').get()).toEqual({ n: 200 });
    observer.close();
    await journal.close();
  });

  it('commits an append nothing waits for with the next group commit, or shortly on its own', async () => {
    const { store } = await temp();
    const commits: GroupCommit[] = [];
    const journal = await openJournal(store, { onCommit: (commit) => commits.push(commit) });
    const background = journal.append(queryDraft(1), { awaited: false });
    await new Promise((resolve) => setImmediate(resolve));
    const awaited = journal.append(queryDraft(2));
    expect([(await background).seq, (await awaited).seq]).toEqual([1, 2]);
    expect(commits).toEqual([{ events: 2, firstSeq: 1, lastSeq: 2 }]);

    const alone = await journal.append(queryDraft(3), { awaited: false });
    expect(alone.seq).toBe(3);
    expect(commits.at(-1)).toEqual({ events: 1, firstSeq: 3, lastSeq: 3 });
    await journal.close();
  });

  it('indexes committed events on its own, within moments', async () => {
    const { store, path } = await temp();
    const journal = await openJournal(store);
    await journal.appendMany([queryDraft(1), queryDraft(2)]);
    const observer = new BetterSqlite3(path, { readonly: true });
    const rows = () =>
      (observer.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n;
    for (let waited = 0; rows() < 2 && waited < 5000; waited += 10) await sleep(10);
    expect(rows()).toBe(2);
    observer.close();
    await journal.close();
  });

  it('with synchronous: full, commits each turn once the log is synced, in order', async () => {
    const { store } = await temp({ synchronous: 'full' });
    const commits: GroupCommit[] = [];
    const journal = await openJournal(store, { onCommit: (commit) => commits.push(commit) });
    const first = journal.append(queryDraft(1));
    // Each of these runs in its own event-loop turn, most while the first sync runs.
    const arriving = [0, 1, 2, 3].map((i) =>
      new Promise((resolve) => setImmediate(resolve)).then(() =>
        i === 3
          ? journal.appendMany([queryDraft(5), queryDraft(6)])
          : journal.append(queryDraft(i + 2)).then((event) => [event]),
      ),
    );
    expect((await first).seq).toBe(1);
    const later = (await Promise.all(arriving)).flat();
    expect(later.map((event) => event.seq)).toEqual([2, 3, 4, 5, 6]);
    expect(commits.map((commit) => commit.lastSeq)).toEqual(
      [...commits.map((commit) => commit.lastSeq)].sort((a, b) => a - b),
    );
    expect(commits.at(-1)?.lastSeq).toBe(6);
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

  it('refuses an event holding a value JSON cannot carry without failing the rest', async () => {
    const { store } = await temp();
    const journal = await openJournal(store);
    const good = journal.append(queryDraft(1));
    const bad = journal.append({ ...queryDraft(2), raw: { callback: () => 1 } });
    const after = journal.append(queryDraft(3));
    await expect(bad).rejects.toBeInstanceOf(JournalWriteError);
    await expect(bad).rejects.toThrow(/audit event cannot be recorded: .*raw\.callback/);
    expect((await good).seq).toBe(1);
    expect((await after).seq).toBe(2);
    await journal.close();
    expect(await verifyJournal(store)).toMatchObject({ ok: true, events: 2, lastSeq: 2 });
  });

  it('refuses the group commit when the log cannot be written, and chains correctly afterwards', async () => {
    const { store, path } = await temp();
    // A segment per group commit, so that the next segment's name is known in advance.
    const journal = await openJournal(store, { segmentBytes: 1 });
    const before = await journal.append(queryDraft(1));

    // The next segment is a device that is always full: every write to it fails with ENOSPC.
    const directory = eventLogDirectory(path);
    const [current] = listSegments(directory).slice(-1);
    symlinkSync('/dev/full', join(directory, segmentFileName(current!.number + 1, 2)));
    const refused = await Promise.allSettled(
      Array.from({ length: 5 }, (_, i) => journal.append(queryDraft(i + 2))),
    );
    for (const outcome of refused) {
      expect(outcome.status).toBe('rejected');
      const error = (outcome as PromiseRejectedResult).reason as JournalWriteError;
      expect(error).toBeInstanceOf(JournalWriteError);
      expect(error.message).toMatch(/audit journal: commit failed: ENOSPC/);
    }
    const after = await journal.append(queryDraft(7));
    await journal.close();

    expect(after.seq).toBe(2);
    expect(after.prevHash).toBe(before.hash);
    expect(await verifyJournal(store)).toMatchObject({ ok: true, events: 2, lastSeq: 2 });
  });

  it('keeps committing while the table is locked, and indexes the events once it is not', async () => {
    const { store, path } = await temp({ busyTimeoutMs: 50 });
    const journal = await openJournal(store);
    const locker = new BetterSqlite3(path);
    locker.exec('BEGIN IMMEDIATE');
    const committed = await journal.appendMany([queryDraft(1), queryDraft(2), queryDraft(3)]);
    expect(committed.map((event) => event.seq)).toEqual([1, 2, 3]);
    await journal.indexed();
    expect(locker.prepare('SELECT count(*) AS n FROM events').get()).toEqual({ n: 0 });
    expect(journal.status()).toEqual({
      committedSeq: 3,
      indexedSeq: 0,
      indexError: expect.stringMatching(/database is locked/),
      stopped: null,
    });
    locker.exec('ROLLBACK');
    locker.close();

    await journal.indexed();
    expect(journal.status()).toEqual({
      committedSeq: 3,
      indexedSeq: 3,
      indexError: null,
      stopped: null,
    });
    expect(await verifyJournal(store)).toMatchObject({ ok: true, events: 3, lastSeq: 3 });
    await journal.close();
  });

  it('indexes at the next start what it could not index before it closed', async () => {
    const opened = await temp({ busyTimeoutMs: 50 });
    const [, second] = await withTableLocked(opened, (journal) =>
      journal.appendMany([queryDraft(1), queryDraft(2)]),
    );
    expect(await verifyJournal(opened.store)).toMatchObject({ ok: true, events: 2, unindexed: 2 });

    await expectThirdEventChainsOn(opened, second);
  });

  it('ignores a line a crash cut short, and continues after the last whole one', async () => {
    const opened = await temp();
    const journal = await openJournal(opened.store);
    const [, second] = await journal.appendMany([queryDraft(1), queryDraft(2)]);
    await journal.close();
    const [last] = listSegments(eventLogDirectory(opened.path)).slice(-1);
    appendFileSync(last!.path, '{"hash":"0123","actor":{"name":"half-writ');

    await expectThirdEventChainsOn(opened, second);
  });

  it('removes the segments it has indexed', async () => {
    const { store, path } = await temp();
    const journal = await openJournal(store, { segmentBytes: 1 });
    for (let i = 1; i <= 5; i++) await journal.append(queryDraft(i));
    await journal.indexed();
    // What is left: the segment being written, and one the indexer has not moved past yet.
    expect(listSegments(eventLogDirectory(path)).length).toBeLessThanOrEqual(2);
    await journal.close();
    expect(await verifyJournal(store)).toMatchObject({ ok: true, events: 5, lastSeq: 5 });
  });

  it('refuses a second journal on the same store in the same process', async () => {
    const { store } = await temp();
    const journal = await openJournal(store);
    await expect(openJournal(store)).rejects.toThrow(
      /audit journal: cannot open the event log: the event log .* is already open in this process/,
    );
    await journal.close();
  });

  it('continues the chain when reopened', async () => {
    const opened = await temp();
    const journal = await openJournal(opened.store);
    const [, second] = await journal.appendMany([queryDraft(1), queryDraft(2)]);
    await journal.close();

    await expectThirdEventChainsOn(opened, second);
  });

  it('fails to open, saying why, when its event log cannot be opened', async () => {
    const { store, path } = await temp();
    // A file where the log's directory would go.
    const broken = { ...store, spec: { ...store.spec, path: `${path}/journal.db` } };
    await expect(openJournal(broken)).rejects.toThrow(
      /audit journal: cannot open the event log: ENOTDIR/,
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
