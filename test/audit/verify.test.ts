import { randomUUID } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import {
  GENESIS_HASH,
  hashEvent,
  openJournal,
  verifyJournal,
  type AuditEvent,
  type VerifyResult,
} from '../../src/audit/index.js';
import { eventLogDirectory, listSegments } from '../../src/audit/event-log-segments.js';
import { eventRow } from '../../src/audit/event-row.js';
import {
  openTempStore,
  queryDraft,
  tamper,
  withDatabase,
  withTableLocked,
  type TempStore,
} from './fixtures.js';

function storedEvent(db: BetterSqlite3.Database, seq: number): AuditEvent {
  const row = db.prepare('SELECT body FROM events WHERE seq = ?').get(seq) as { body: string };
  return JSON.parse(row.body) as AuditEvent;
}

function storedHash(db: BetterSqlite3.Database, seq: number): string {
  return (db.prepare('SELECT hash FROM events WHERE seq = ?').get(seq) as { hash: string }).hash;
}

/** An event an attacker writes, with a correct hash of its own. */
function forge(base: AuditEvent, seq: number, prevHash: string): AuditEvent {
  const unhashed: Omit<AuditEvent, 'hash'> & { hash?: string } = {
    ...base,
    id: randomUUID(),
    seq,
    prevHash,
    request: { command: 'SELECT 1 -- nothing to see here' },
  };
  delete unhashed.hash;
  return { ...unhashed, hash: hashEvent(unhashed) };
}

function insertRow(db: BetterSqlite3.Database, event: AuditEvent): void {
  const row = eventRow(event, JSON.stringify(event));
  const columns = Object.keys(row);
  db.prepare(
    `INSERT INTO events (${columns.join(', ')}) VALUES (${columns.map((c) => '@' + c).join(', ')})`,
  ).run(row);
}

/** Moves rows from `fromSeq` on by `offset`, in an order that never collides on the key. */
function renumber(db: BetterSqlite3.Database, fromSeq: number, offset: number): void {
  const seqs = (
    db.prepare('SELECT seq FROM events WHERE seq >= ? ORDER BY seq').all(fromSeq) as {
      seq: number;
    }[]
  ).map((row) => row.seq);
  for (const seq of offset > 0 ? seqs.reverse() : seqs) {
    db.prepare('UPDATE events SET seq = ? WHERE seq = ?').run(seq + offset, seq);
  }
}

describe('verifyJournal', () => {
  const temps: TempStore[] = [];
  afterEach(async () => {
    for (const temp of temps.splice(0)) await temp.cleanup();
  });

  /** A journal of `count` events. */
  async function journalOf(count: number): Promise<TempStore> {
    const temp = await openTempStore();
    temps.push(temp);
    const journal = await openJournal(temp.store);
    await journal.appendMany(Array.from({ length: count }, (_, i) => queryDraft(i + 1)));
    await journal.close();
    return temp;
  }

  function failure(result: VerifyResult) {
    expect(result.ok).toBe(false);
    return result as Extract<VerifyResult, { ok: false }>;
  }

  it('passes an intact journal, and an empty one, naming the head', async () => {
    const { store, path } = await journalOf(10);
    const headHash = withDatabase(path, (db) => storedHash(db, 10));
    expect(await verifyJournal(store)).toEqual({
      ok: true,
      events: 10,
      unindexed: 0,
      lastSeq: 10,
      headHash,
      retention: null,
    });
    const empty = await journalOf(0);
    expect(await verifyJournal(empty.store)).toEqual({
      ok: true,
      events: 0,
      unindexed: 0,
      lastSeq: 0,
      headHash: GENESIS_HASH,
      retention: null,
    });
  });

  it('verifies events committed to the event log and not yet indexed, hashes and all', async () => {
    const temp = await openTempStore({ busyTimeoutMs: 50 });
    temps.push(temp);
    // The table is locked while they are written: they stay in the log.
    const events = await withTableLocked(temp, (journal) =>
      journal.appendMany([1, 2, 3].map(queryDraft)),
    );
    expect(await verifyJournal(temp.store)).toEqual({
      ok: true,
      events: 3,
      unindexed: 3,
      lastSeq: 3,
      headHash: events[2]!.hash,
      retention: null,
    });

    const [segment] = listSegments(eventLogDirectory(temp.path));
    writeFileSync(
      segment!.path,
      readFileSync(segment!.path, 'utf8').replace('SELECT 2', 'SELECT 9'),
    );
    expect(failure(await verifyJournal(temp.store))).toMatchObject({
      events: 1,
      firstBadSeq: 2,
      problem: 'altered',
    });
  });

  it('with an anchor, catches a cut tail and a rewritten event the chain alone cannot', async () => {
    const { store, path } = await journalOf(10);
    const anchor = { seq: 8, hash: withDatabase(path, (db) => storedHash(db, 8)) };
    expect((await verifyJournal(store, { anchor })).ok).toBe(true);
    expect(
      failure(await verifyJournal(store, { anchor: { seq: 8, hash: 'f'.repeat(64) } })),
    ).toMatchObject({ firstBadSeq: 8, problem: 'altered' });
    // Cut from the table, and from the event log, where they are still after the indexer copied
    // them (verify would find them there).
    tamper(path, (db) => db.prepare('DELETE FROM events WHERE seq >= 7').run());
    expect(await verifyJournal(store)).toMatchObject({ ok: true, events: 10, unindexed: 4 });
    rmSync(eventLogDirectory(path), { recursive: true });
    expect((await verifyJournal(store)).ok).toBe(true);
    expect(failure(await verifyJournal(store, { anchor }))).toMatchObject({
      events: 6,
      firstBadSeq: 7,
      problem: 'removed',
    });
  });

  it('detects a body edited by one character', async () => {
    const { store, path } = await journalOf(10);
    tamper(path, (db) => {
      const row = db.prepare('SELECT body FROM events WHERE seq = 5').get() as { body: string };
      db.prepare('UPDATE events SET body = ? WHERE seq = 5').run(
        row.body.replace('SELECT 5', 'SELECT 6'),
      );
    });
    expect(failure(await verifyJournal(store))).toEqual({
      ok: false,
      events: 4,
      firstBadSeq: 5,
      problem: 'altered',
      detail: 'the body does not match its hash',
    });
  });

  it('detects an edited hash column', async () => {
    const { store, path } = await journalOf(10);
    tamper(path, (db) =>
      db.prepare(`UPDATE events SET hash = ? WHERE seq = 7`).run('f'.repeat(64)),
    );
    expect(failure(await verifyJournal(store))).toMatchObject({
      firstBadSeq: 7,
      problem: 'altered',
      detail: expect.stringContaining('column hash') as string,
    });
  });

  it('detects an indexed column edited behind the body', async () => {
    const { store, path } = await journalOf(10);
    tamper(path, (db) => db.prepare(`UPDATE events SET type = 'db.cancel' WHERE seq = 3`).run());
    expect(failure(await verifyJournal(store))).toMatchObject({
      firstBadSeq: 3,
      problem: 'altered',
      detail: 'column type is "db.cancel" but the body says "db.query"',
    });
  });

  it('detects an event rewritten with a correct hash of its own, at that event', async () => {
    const { store, path } = await journalOf(10);
    tamper(path, (db) => {
      const original = storedEvent(db, 5);
      const rewritten = forge(original, 5, original.prevHash);
      db.prepare('DELETE FROM events WHERE seq = 5').run();
      insertRow(db, rewritten);
    });
    expect(failure(await verifyJournal(store))).toMatchObject({
      events: 4,
      firstBadSeq: 5,
      problem: 'altered',
    });
  });

  it.each([
    ['a row in the middle', [5], 5, 'seq 5 missing: the next event is seq 6'],
    ['the first row', [1], 1, 'seq 1 missing: the next event is seq 2'],
    ['several rows', [4, 5, 6], 4, 'seqs 4-6 missing: the next event is seq 7'],
  ])('detects %s deleted', async (_what, seqs, firstBadSeq, detail) => {
    const { store, path } = await journalOf(10);
    tamper(path, (db) => {
      for (const seq of seqs) db.prepare('DELETE FROM events WHERE seq = ?').run(seq);
    });
    expect(failure(await verifyJournal(store))).toEqual({
      ok: false,
      events: firstBadSeq - 1,
      firstBadSeq,
      problem: 'removed',
      detail,
    });
  });

  it('detects a row deleted and the rest renumbered to close the gap', async () => {
    const { store, path } = await journalOf(10);
    tamper(path, (db) => {
      db.prepare('DELETE FROM events WHERE seq = 5').run();
      renumber(db, 6, -1);
    });
    expect(failure(await verifyJournal(store))).toMatchObject({
      firstBadSeq: 5,
      problem: 'removed',
      detail: 'seq 5 holds the event written as seq 6: events were removed and the rest renumbered',
    });
  });

  it('detects a row inserted and linked to its predecessor by an attacker who re-hashed only it', async () => {
    const { store, path } = await journalOf(10);
    tamper(path, (db) => {
      const forged = forge(storedEvent(db, 4), 5, storedHash(db, 4));
      renumber(db, 5, 1);
      insertRow(db, forged);
    });
    expect(failure(await verifyJournal(store))).toMatchObject({
      events: 4,
      firstBadSeq: 5,
      problem: 'inserted',
      detail: 'seq 6 links past seq 5 to seq 4',
    });
  });

  it('detects a row inserted without a valid link', async () => {
    const { store, path } = await journalOf(10);
    tamper(path, (db) => {
      const forged = forge(storedEvent(db, 4), 5, 'e'.repeat(64));
      renumber(db, 5, 1);
      insertRow(db, forged);
    });
    expect(failure(await verifyJournal(store))).toMatchObject({
      events: 4,
      firstBadSeq: 5,
      problem: 'inserted',
      detail: 'seq 5 does not link to seq 4, but seq 6 does',
    });
  });

  it('detects a row inserted before the first event', async () => {
    const { store, path } = await journalOf(3);
    tamper(path, (db) => insertRow(db, forge(storedEvent(db, 1), 0, 'e'.repeat(64))));
    expect(failure(await verifyJournal(store))).toMatchObject({
      events: 0,
      firstBadSeq: 0,
      problem: 'inserted',
    });
  });

  it('reads the journal in pages and still sees problems that straddle a page boundary', async () => {
    const { store, path } = await journalOf(10);
    const progress: number[] = [];
    const intact = await verifyJournal(store, { pageSize: 4, onProgress: (n) => progress.push(n) });
    expect(intact).toMatchObject({ ok: true, events: 10, lastSeq: 10 });
    expect(progress).toEqual([4, 8, 10]);

    // Seq 4 is the last row of the first page; telling that it was inserted takes seq 5.
    tamper(path, (db) => {
      const forged = forge(storedEvent(db, 3), 4, 'e'.repeat(64));
      renumber(db, 4, 1);
      insertRow(db, forged);
    });
    expect(failure(await verifyJournal(store, { pageSize: 4 }))).toMatchObject({
      events: 3,
      firstBadSeq: 4,
      problem: 'inserted',
    });
  });

  it('verifies a larger journal page by page', async () => {
    const { store, path } = await journalOf(5000);
    expect(await verifyJournal(store, { pageSize: 128 })).toMatchObject({
      ok: true,
      events: 5000,
      lastSeq: 5000,
    });
    tamper(path, (db) => db.prepare('DELETE FROM events WHERE seq = 4097').run());
    expect(failure(await verifyJournal(store, { pageSize: 128 }))).toMatchObject({
      events: 4096,
      firstBadSeq: 4097,
      problem: 'removed',
    });
  });
});
