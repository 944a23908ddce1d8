import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  openJournal,
  planRetentionPass,
  RETENTION_EVENT_TYPE,
  runRetentionPass,
  startRetentionSchedule,
  verifyJournal,
  type AuditEvent,
  type EventDraft,
  type Journal,
  type RetentionReport,
  type VerifyResult,
} from '../../src/audit/index.js';
import type { RetentionConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/log/index.js';
import { capturedLogger } from '../support/captured-logger.js';
import { openTempStore, queryDraft, tamper, withDatabase, type TempStore } from './fixtures.js';

const DAY_MS = 86_400_000;

function retention(events: number | null, types: Record<string, number> = {}): RetentionConfig {
  return {
    events: events === null ? null : events * DAY_MS,
    types: Object.fromEntries(Object.entries(types).map(([type, days]) => [type, days * DAY_MS])),
    intervalMs: 3_600_000,
  };
}

/** A draft of `type` for the chain tests. */
function draft(type: string, index: number): EventDraft {
  return { ...queryDraft(index), type };
}

/**
 * Events as the journal would have recorded them `days` ago: the pass finds aged events by when
 * they were recorded (seqAtTime reads it from their ids), then checks their time.
 */
async function appendRecorded(journal: Journal, days: number, drafts: EventDraft[]) {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(Date.now() - days * DAY_MS);
  try {
    return await journal.appendMany(drafts);
  } finally {
    vi.useRealTimers();
  }
}

function seqsIn(path: string, table: 'events' | 'retention_links'): number[] {
  return withDatabase(path, (db) =>
    (db.prepare(`SELECT seq FROM ${table} ORDER BY seq`).all() as { seq: number }[]).map(
      (row) => row.seq,
    ),
  );
}

function intact(result: VerifyResult) {
  expect(result).toMatchObject({ ok: true });
  return result as Extract<VerifyResult, { ok: true }>;
}

function failure(result: VerifyResult) {
  expect(result.ok).toBe(false);
  return result as Extract<VerifyResult, { ok: false }>;
}

describe('retention', () => {
  const temps: TempStore[] = [];
  const journals: Journal[] = [];
  afterEach(async () => {
    for (const journal of journals.splice(0)) await journal.close();
    for (const temp of temps.splice(0)) await temp.cleanup();
  });

  /** A store whose journal holds events recorded `days` ago, its journal left open for retention's records. */
  async function journalOf(
    ...batches: Array<[days: number, drafts: EventDraft[]]>
  ): Promise<TempStore & { journal: Journal }> {
    const temp = await openTempStore();
    temps.push(temp);
    const journal = await openJournal(temp.store);
    journals.push(journal);
    for (const [days, drafts] of batches) await appendRecorded(journal, days, drafts);
    await journal.indexed();
    return Object.assign(temp, { journal });
  }

  /** 30 events from 500 days ago, then 20 from 10 days ago. */
  const oldThenRecent = (): Array<[number, EventDraft[]]> => [
    [500, Array.from({ length: 30 }, (_, i) => draft('db.query', i + 1))],
    [10, Array.from({ length: 20 }, (_, i) => draft('db.query', i + 31))],
  ];

  /** Statements from 100 days ago, db.query.start and db.query in turn, then recent ones. */
  const statements = (): Array<[number, EventDraft[]]> => [
    [
      100,
      Array.from({ length: 20 }, (_, i) =>
        draft(i % 2 === 0 ? 'db.query.start' : 'db.query', i + 1),
      ),
    ],
    [1, Array.from({ length: 4 }, (_, i) => draft('db.query', i + 21))],
  ];

  it('removes the oldest events and verifies the rest from the kept anchor', async () => {
    const { store, journal, path } = await journalOf(...oldThenRecent());
    const report = await runRetentionPass(store, journal, retention(400), {
      rowsPerTransaction: 8,
    });
    expect(report).toMatchObject({
      dryRun: false,
      removed: 30,
      byType: { 'db.query': 30 },
      rules: [{ rule: 'retention.events', age: '400d', removed: 30, firstSeq: 1, lastSeq: 30 }],
      anchor: { seq: 30 },
      // One record per transaction.
      records: 4,
    });
    expect(seqsIn(path, 'events')[0]).toBe(31);
    // Links are kept only after the anchor.
    expect(seqsIn(path, 'retention_links')).toEqual([]);

    await journal.indexed();
    const result = intact(await verifyJournal(store));
    expect(result).toMatchObject({
      events: 24,
      lastSeq: 54,
      retention: {
        keptAnchor: { seq: 30, reason: 'older than 400d' },
        removedByType: {},
        givenAnchorRemoved: false,
      },
    });
    // The records say what went, chained like any event.
    const records = journalRecords(path);
    expect(records.map((record) => record.retention.removed.seqs)).toEqual([
      '1-8',
      '9-16',
      '17-24',
      '25-30',
    ]);
    expect(records.at(-1)!.retention.anchor).toEqual({
      seq: 30,
      hash: result.retention!.keptAnchor!.hash,
    });
  });

  it('removes one type from the middle of the chain, and verify walks through the gaps', async () => {
    const { store, journal, path } = await journalOf(...statements());
    const report = await runRetentionPass(store, journal, retention(null, { 'db.query': 90 }), {
      rowsPerTransaction: 4,
    });
    expect(report).toMatchObject({ removed: 10, byType: { 'db.query': 10 }, anchor: null });
    expect(seqsIn(path, 'retention_links')).toEqual([2, 4, 6, 8, 10, 12, 14, 16, 18, 20]);

    await journal.indexed();
    expect(intact(await verifyJournal(store))).toMatchObject({
      // 10 db.query.start, 4 recent db.query, 3 records.
      events: 17,
      retention: { keptAnchor: null, removedByType: { 'db.query': 10 } },
    });
  });

  it('applies each type its own age, shorter or longer than the one for all events', async () => {
    const { store, journal } = await journalOf(
      [500, [draft('session.start', 1), draft('db.query', 2)]],
      [60, [draft('db.query', 3), draft('session.end', 4)]],
      [1, [draft('db.query', 5)]],
    );
    const report = await runRetentionPass(
      store,
      journal,
      retention(400, { 'session.start': 800, 'db.query': 30 }),
    );
    // session.start is kept (800d); db.query goes after 30 days; the rest after 400.
    expect(report).toMatchObject({ removed: 2, byType: { 'db.query': 2 }, anchor: null });
    await journal.indexed();
    expect(intact(await verifyJournal(store)).retention).toMatchObject({
      removedByType: { 'db.query': 2 },
    });
  });

  it('later passes move the anchor past earlier links, then past the records', async () => {
    const { store, journal, path } = await journalOf(...statements());
    await runRetentionPass(store, journal, retention(null, { 'db.query': 90 }));
    // A thousand days on, everything has aged: all but the table's newest event goes.
    const later = { now: new Date(Date.now() + 1000 * DAY_MS) };
    const config = retention(400, { 'db.query': 90 });
    const head = seqsIn(path, 'events').at(-1)!;
    expect((await runRetentionPass(store, journal, config, later)).anchor?.seq).toBe(head - 1);
    expect(seqsIn(path, 'retention_links')).toEqual([]);
    // The records go once everything before them has gone; the newest event stays.
    const nextHead = seqsIn(path, 'events').at(-1)!;
    expect(await runRetentionPass(store, journal, config, later)).toMatchObject({
      byType: { [RETENTION_EVENT_TYPE]: nextHead - head },
      anchor: { seq: nextHead - 1 },
    });
    await journal.indexed();
    expect(intact(await verifyJournal(store)).retention).toMatchObject({
      keptAnchor: { seq: nextHead - 1 },
      removedByType: {},
    });
  });

  it('checks an anchor given from before retention at the kept anchor and through links', async () => {
    const alternating = (from: number) =>
      Array.from({ length: 10 }, (_, i) =>
        draft(i % 2 === 0 ? 'db.query.start' : 'db.query', from + i),
      );
    const { store, journal, path } = await journalOf(
      [500, alternating(1)],
      [100, alternating(11)],
      [1, [draft('db.query', 21)]],
    );
    const hashOf = (seq: number) =>
      withDatabase(
        path,
        (db) =>
          (db.prepare('SELECT hash FROM events WHERE seq = ?').get(seq) as { hash: string }).hash,
      );
    const given = { 5: hashOf(5), 10: hashOf(10), 12: hashOf(12) };
    await runRetentionPass(store, journal, retention(400, { 'db.query': 90 }));
    // The old statements are gone up to seq 10; the db.query after it are links.
    expect(seqsIn(path, 'retention_links')).toEqual([12, 14, 16, 18, 20]);
    await journal.indexed();

    for (const seq of [10, 12] as const) {
      expect((await verifyJournal(store, { anchor: { seq, hash: given[seq] } })).ok).toBe(true);
      expect(
        failure(await verifyJournal(store, { anchor: { seq, hash: 'f'.repeat(64) } })),
      ).toMatchObject({ firstBadSeq: seq, problem: 'altered' });
    }
    expect(
      intact(await verifyJournal(store, { anchor: { seq: 5, hash: given[5] } })).retention,
    ).toMatchObject({ keptAnchor: { seq: 10 }, givenAnchorRemoved: true });
  });

  it('with --dry-run, says what would go and removes nothing', async () => {
    const { store, path } = await journalOf(...oldThenRecent());
    const before = seqsIn(path, 'events');
    const report = await planRetentionPass(store, retention(400), { rowsPerTransaction: 8 });
    expect(report).toMatchObject({ dryRun: true, removed: 30, anchor: null, records: 0 });
    expect(seqsIn(path, 'events')).toEqual(before);
  });

  it('keeps the newest event of the table, however old, so the journal can go on from it', async () => {
    const { store, journal, path } = await journalOf([
      500,
      Array.from({ length: 5 }, (_, i) => draft('db.query', i + 1)),
    ]);
    expect(await runRetentionPass(store, journal, retention(400))).toMatchObject({
      removed: 4,
      anchor: { seq: 4 },
    });
    expect(seqsIn(path, 'events').slice(0, 1)).toEqual([5]);
    await journal.indexed();
    expect(intact(await verifyJournal(store)).events).toBeGreaterThan(1);
  });

  describe('tampering after retention', () => {
    it('still detects a row deleted by hand, naming its seq', async () => {
      const { store, journal, path } = await journalOf(...statements());
      await runRetentionPass(store, journal, retention(null, { 'db.query': 90 }));
      await journal.indexed();
      tamper(path, (db) => db.prepare('DELETE FROM events WHERE seq = 7').run());
      expect(failure(await verifyJournal(store))).toMatchObject({
        firstBadSeq: 7,
        problem: 'removed',
        detail: 'seq 7 missing: the next event is seq 8',
      });
    });

    it('does not take a link added by hand for a deleted row', async () => {
      const { store, journal, path } = await journalOf(...statements());
      await runRetentionPass(store, journal, retention(null, { 'db.query': 90 }));
      await journal.indexed();
      tamper(path, (db) => {
        const row = db.prepare('SELECT * FROM events WHERE seq = 7').get() as {
          hash: string;
          prev_hash: string;
        };
        const { record_seq } = db
          .prepare('SELECT record_seq FROM retention_links WHERE seq = 6')
          .get() as { record_seq: number };
        db.prepare('DELETE FROM events WHERE seq = 7').run();
        db.prepare("INSERT INTO retention_links VALUES (7, ?, ?, 'db.query', ?)").run(
          row.hash,
          row.prev_hash,
          record_seq,
        );
      });
      expect(failure(await verifyJournal(store))).toMatchObject({
        firstBadSeq: 7,
        problem: 'removed',
        detail: expect.stringContaining('does not list it') as string,
      });
    });

    it('does not take an anchor moved by hand past rows deleted by hand', async () => {
      const { store, journal, path } = await journalOf(...oldThenRecent());
      await runRetentionPass(store, journal, retention(400));
      await journal.indexed();
      tamper(path, (db) => {
        const { hash } = db.prepare('SELECT hash FROM events WHERE seq = 35').get() as {
          hash: string;
        };
        db.prepare('DELETE FROM events WHERE seq <= 35').run();
        db.prepare('UPDATE retention_anchor SET seq = 35, hash = ?').run(hash);
      });
      expect(failure(await verifyJournal(store))).toMatchObject({
        firstBadSeq: 1,
        problem: 'removed',
        detail: expect.stringContaining('a retention anchor is kept at seq 35, but') as string,
      });
    });

    it('still detects an event altered after retention', async () => {
      const { store, journal, path } = await journalOf(...statements());
      await runRetentionPass(store, journal, retention(null, { 'db.query': 90 }));
      await journal.indexed();
      tamper(path, (db) => {
        const row = db.prepare('SELECT body FROM events WHERE seq = 9').get() as { body: string };
        db.prepare('UPDATE events SET body = ? WHERE seq = 9').run(
          row.body.replace('SELECT 9', 'SELECT 0'),
        );
      });
      expect(failure(await verifyJournal(store))).toMatchObject({
        events: 4,
        firstBadSeq: 9,
        problem: 'altered',
      });
    });

    it('still detects a retention record altered to list more', async () => {
      const { store, journal, path } = await journalOf(...statements());
      await runRetentionPass(store, journal, retention(null, { 'db.query': 90 }));
      await journal.indexed();
      const [record] = journalRecords(path);
      tamper(path, (db) => {
        const body = db.prepare('SELECT body FROM events WHERE seq = ?').get(record!.seq) as {
          body: string;
        };
        db.prepare('UPDATE events SET body = ? WHERE seq = ?').run(
          body.body.replace('"seqs":"', '"seqs":"7,'),
          record!.seq,
        );
      });
      expect(failure(await verifyJournal(store))).toMatchObject({
        firstBadSeq: 2,
        problem: 'removed',
        detail: expect.stringContaining('is not intact') as string,
      });
    });
  });

  describe('schedule', () => {
    it('runs a pass at start, and logs a failed one without throwing', async () => {
      const { store, journal } = await journalOf(...oldThenRecent());
      const passes: Array<RetentionReport | Error> = [];
      let passed!: () => void;
      const first = new Promise<void>((resolve) => (passed = resolve));
      const schedule = startRetentionSchedule({
        store,
        journal,
        config: retention(400),
        logger: silentLogger(),
        onPass: (outcome) => {
          passes.push(outcome);
          passed();
        },
      });
      await first;
      await schedule.close();
      expect(passes[0]).toMatchObject({ removed: 30 });

      // The journal is closed: the pass cannot record what it would remove.
      await journal.close();
      const { logger, lines } = capturedLogger();
      const failed = new Promise<void>((resolve) => (passed = resolve));
      const failing = startRetentionSchedule({
        store,
        journal,
        config: retention(1),
        logger,
        onPass: () => passed(),
      });
      await failed;
      await failing.close();
      expect(lines.join('')).toContain('audit retention: the pass failed');
    });
  });
});

/** The journal.retention events of a store, in order. */
function journalRecords(path: string) {
  return withDatabase(path, (db) =>
    (
      db
        .prepare('SELECT body FROM events WHERE type = ? ORDER BY seq')
        .all(RETENTION_EVENT_TYPE) as { body: string }[]
    ).map(
      (row) =>
        JSON.parse(row.body) as AuditEvent & {
          retention: { removed: { seqs: string }; anchor: { seq: number; hash: string } | null };
        },
    ),
  );
}
