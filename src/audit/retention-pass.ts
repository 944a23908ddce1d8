import type { ExpressionBuilder, Kysely } from 'kysely';
import type { RetentionConfig } from '../config/index.js';
import type { Database, EventsTable, Store } from '../store/index.js';
import type { Journal } from './journal.js';
import {
  encodeSeqs,
  RETENTION_EVENT_TYPE,
  retentionDraft,
  type RetentionRecord,
} from './retention-record.js';
import { retentionRules, type AgeRule } from './retention-rules.js';
import { lastSeq, seqAtTime } from './seq-at-time.js';

// A retention pass: removes the events older than their age, a transaction of a few thousand at
// a time, so that the journal's indexer (the other writer of the store) and the event loop wait
// for one short transaction at most. Before each transaction the pass appends a journal.retention
// record stating what it removes (retention-record.ts) and waits until it is indexed; the
// transaction then removes the events, keeps a link (seq, hash, prevHash) for each one after the
// kept anchor, and moves the anchor when the oldest events go. If the pass stops in between, the
// record states a removal that did not happen, which hides nothing: the events are still there.
//
// It never removes the newest event of the table: the journal goes on from it at its next start.
// Events not yet indexed are newer still, so a pass never reaches them.
//
// Each age rule keeps how far it got (retention_progress), so a pass reads only the events that
// aged since the last one. How far aged events reach is found from when events were recorded
// (seqAtTime: every event recorded before a cutoff is dated before it), then each event is judged
// on its own time. An event dated after it was recorded holds its rule's progress back until it
// has aged too, so nothing is missed; one dated well before it was recorded (a provider's event
// collected late) goes once its recording is as old as its age.

/** Events removed per transaction at most. */
const ROWS_PER_TRANSACTION = 2000;

export interface RetentionPassOptions {
  /** The moment ages are measured from; now by default. */
  now?: Date;
  /** Stops the pass between two transactions (the gateway closing). */
  signal?: AbortSignal;
  /** Events removed per transaction at most. */
  rowsPerTransaction?: number;
}

export interface RetentionReport {
  /** Nothing was removed: the report says what would have been. */
  dryRun: boolean;
  /** Events removed (or that would be), in all. */
  removed: number;
  byType: Record<string, number>;
  /** Per rule that removed events. */
  rules: RuleReport[];
  /** The kept anchor after the pass: every event up to its seq is gone. */
  anchor: { seq: number; hash: string } | null;
  /** The journal.retention events appended. */
  records: number;
}

export interface RuleReport {
  rule: string;
  age: string;
  olderThan: string;
  removed: number;
  firstSeq: number;
  lastSeq: number;
}

/** Removes what is older than its age; the journal records each removal. */
export function runRetentionPass(
  store: Store,
  journal: Journal,
  config: RetentionConfig,
  options: RetentionPassOptions = {},
): Promise<RetentionReport> {
  return new RetentionPass(store.db, journal, config, options).run();
}

/** What a pass would remove now, removing nothing. */
export function planRetentionPass(
  store: Store,
  config: RetentionConfig,
  options: RetentionPassOptions = {},
): Promise<RetentionReport> {
  return new RetentionPass(store.db, null, config, options).run();
}

type Candidate = Pick<EventsTable, 'seq' | 'type' | 'time' | 'hash' | 'prev_hash'>;

interface ChainPoint {
  seq: number;
  hash: string;
}

class RetentionPass {
  readonly #db: Kysely<Database>;
  /** Null for a dry run. */
  readonly #journal: Journal | null;
  readonly #rules: ReturnType<typeof retentionRules>;
  readonly #removedAt: string;
  readonly #signal: AbortSignal | undefined;
  readonly #batch: number;
  #anchor: ChainPoint | null = null;
  readonly #report: RetentionReport;

  constructor(
    db: Kysely<Database>,
    journal: Journal | null,
    config: RetentionConfig,
    options: RetentionPassOptions,
  ) {
    const now = options.now ?? new Date();
    this.#db = db;
    this.#journal = journal;
    this.#rules = retentionRules(config, now);
    this.#removedAt = now.toISOString();
    this.#signal = options.signal;
    this.#batch = options.rowsPerTransaction ?? ROWS_PER_TRANSACTION;
    this.#report = {
      dryRun: journal === null,
      removed: 0,
      byType: {},
      rules: [],
      anchor: null,
      records: 0,
    };
  }

  async run(): Promise<RetentionReport> {
    const head = await lastSeq(this.#db);
    this.#anchor =
      (await this.#db.selectFrom('retention_anchor').select(['seq', 'hash']).executeTakeFirst()) ??
      null;
    if (head > 0) {
      for (const rule of this.#rules.rules) await this.#applyRule(rule, head);
      if (this.#rules.records !== null) await this.#sweepRecords(this.#rules.records, head);
    }
    this.#report.anchor = this.#anchor;
    return this.#report;
  }

  get #stopped(): boolean {
    return this.#signal?.aborted ?? false;
  }

  /** Removes the events of the rule's types older than its cutoff, below the table's head. */
  async #applyRule(rule: AgeRule, head: number): Promise<void> {
    const start = await this.#progress(rule);
    const boundary = Math.min(head - 1, (await seqAtTime(this.#db, rule.olderThan)) - 1);
    if (boundary <= start) return;
    const young = await this.#db
      .selectFrom('events')
      .select((eb) => eb.fn.min<number>('seq').as('seq'))
      .where('seq', '>', start)
      .where('seq', '<=', boundary)
      .where((eb) => typesOf(eb, rule))
      .where('time', '>=', rule.olderThan)
      .executeTakeFirst();
    // How far the rule has got once every candidate up to the boundary is removed.
    const done = young?.seq == null ? boundary : young.seq - 1;
    let after = start;
    while (!this.#stopped) {
      const rows = await this.#db
        .selectFrom('events')
        .select(['seq', 'type', 'time', 'hash', 'prev_hash'])
        .where('seq', '>', after)
        .where('seq', '<=', boundary)
        .where((eb) => typesOf(eb, rule))
        .where('time', '<', rule.olderThan)
        .orderBy('seq')
        .limit(this.#batch)
        .execute();
      if (rows.length === 0) break;
      after = (rows.at(-1) as Candidate).seq;
      await this.#remove(rule, rows, Math.min(after, done));
    }
    if (!this.#stopped && this.#journal !== null && done > start) {
      await saveProgress(this.#db, rule, done);
    }
  }

  /**
   * Retention records go only once everything before them has gone: until then, they are what
   * the kept links are checked against. A dry run names those that can go now.
   */
  async #sweepRecords(rule: AgeRule, head: number): Promise<void> {
    while (!this.#stopped) {
      const front = await this.#db
        .selectFrom('events')
        .select(['seq', 'type', 'time', 'hash', 'prev_hash'])
        .where('seq', '>', this.#anchor?.seq ?? 0)
        .where('seq', '<', head)
        .orderBy('seq')
        .limit(this.#batch)
        .execute();
      const end = front.findIndex(
        (row) => row.type !== RETENTION_EVENT_TYPE || row.time >= rule.olderThan,
      );
      const records = end === -1 ? front : front.slice(0, end);
      if (records.length === 0) return;
      await this.#remove(rule, records, null);
      if (this.#journal === null) return;
    }
  }

  /** Where the rule starts: where it got to, unless it changed since, and never below the anchor. */
  async #progress(rule: AgeRule): Promise<number> {
    const saved = await this.#db
      .selectFrom('retention_progress')
      .select(['terms', 'seq'])
      .where('rule', '=', rule.name)
      .executeTakeFirst();
    const got = saved !== undefined && saved.terms === rule.terms ? saved.seq : 0;
    return Math.max(got, this.#anchor?.seq ?? 0);
  }

  /** Removes the rows, or only counts them in a dry run. */
  async #remove(rule: AgeRule, rows: Candidate[], progress: number | null): Promise<void> {
    const byType: Record<string, number> = {};
    for (const row of rows) byType[row.type] = (byType[row.type] ?? 0) + 1;
    if (this.#journal !== null)
      await this.#removeRecorded(this.#journal, rule, rows, byType, progress);
    this.#tally(rule, rows, byType);
  }

  /** One transaction: the rows go, recorded first. `progress` is saved with it for the rule. */
  async #removeRecorded(
    journal: Journal,
    rule: AgeRule,
    rows: Candidate[],
    byType: Record<string, number>,
    progress: number | null,
  ): Promise<void> {
    const seqs = rows.map((row) => row.seq);
    const anchor = await this.#anchorAfter(rows);
    const recordSeq = await this.#append(journal, {
      rule: rule.name,
      age: rule.age,
      olderThan: rule.olderThan,
      removed: { count: rows.length, byType, seqs: encodeSeqs(seqs) },
      anchor,
    });
    const keptFrom = (anchor ?? this.#anchor)?.seq ?? 0;
    const links = rows
      .filter((row) => row.seq > keptFrom)
      .map((row) => ({
        seq: row.seq,
        hash: row.hash,
        prev_hash: row.prev_hash,
        type: row.type,
        record_seq: recordSeq,
      }));
    // Writes only, from the first statement: the transaction takes the write lock at once,
    // waiting for the indexer's (busy timeout) rather than failing on a stale read.
    await this.#db.transaction().execute(async (trx) => {
      if (links.length > 0) await trx.insertInto('retention_links').values(links).execute();
      await trx.deleteFrom('events').where('seq', 'in', seqs).execute();
      if (anchor !== null) {
        const row = {
          id: 1,
          ...anchor,
          removed_at: this.#removedAt,
          reason: this.#rules.reason,
          record_seq: recordSeq,
        };
        await trx
          .insertInto('retention_anchor')
          .values(row)
          .onConflict((conflict) => conflict.column('id').doUpdateSet(row))
          .execute();
        await trx.deleteFrom('retention_links').where('seq', '<=', anchor.seq).execute();
      }
      if (progress !== null) await saveProgress(trx, rule, progress);
    });
    if (anchor !== null) this.#anchor = anchor;
    this.#report.records += 1;
  }

  #tally(rule: AgeRule, rows: Candidate[], byType: Record<string, number>): void {
    const report = this.#report;
    report.removed += rows.length;
    for (const [type, count] of Object.entries(byType)) {
      report.byType[type] = (report.byType[type] ?? 0) + count;
    }
    let ruleReport = report.rules.find((entry) => entry.rule === rule.name);
    if (ruleReport === undefined) {
      ruleReport = {
        rule: rule.name,
        age: rule.age,
        olderThan: rule.olderThan,
        removed: 0,
        firstSeq: (rows[0] as Candidate).seq,
        lastSeq: 0,
      };
      report.rules.push(ruleReport);
    }
    ruleReport.removed += rows.length;
    ruleReport.firstSeq = Math.min(ruleReport.firstSeq, (rows[0] as Candidate).seq);
    ruleReport.lastSeq = Math.max(ruleReport.lastSeq, (rows.at(-1) as Candidate).seq);
  }

  /**
   * The anchor once `rows` are gone: the event before the oldest one left. Null when that does
   * not move it.
   */
  async #anchorAfter(rows: Candidate[]): Promise<ChainPoint | null> {
    const current = this.#anchor?.seq ?? 0;
    const removing = new Set(rows.map((row) => row.seq));
    // The head is never removed: among one more row than are removed, one stays.
    const front = await this.#db
      .selectFrom('events')
      .select('seq')
      .where('seq', '>', current)
      .orderBy('seq')
      .limit(rows.length + 1)
      .execute();
    const oldestLeft = front.find((row) => !removing.has(row.seq));
    if (oldestLeft === undefined) throw new Error('retention: the table would be left empty');
    const seq = oldestLeft.seq - 1;
    if (seq <= current) return null;
    const removed =
      rows.find((row) => row.seq === seq) ??
      (await this.#db
        .selectFrom('retention_links')
        .select('hash')
        .where('seq', '=', seq)
        .executeTakeFirst());
    if (removed === undefined) {
      throw new Error(
        `retention: seq ${seq} is neither in the journal nor among the links kept for removed ` +
          'events, so the anchor cannot move past it; run warden verify',
      );
    }
    return { seq, hash: removed.hash };
  }

  /** Appends the record and waits until it is in the table, where verification looks for it. */
  async #append(journal: Journal, record: RetentionRecord): Promise<number> {
    const event = await journal.append(retentionDraft(record));
    await journal.indexed();
    const indexed = await this.#db
      .selectFrom('events')
      .select('seq')
      .where('seq', '=', event.seq)
      .executeTakeFirst();
    if (indexed === undefined) {
      throw new Error(
        `retention: its record (seq ${event.seq}) is not indexed yet (${journal.status().indexError ?? 'the indexer is behind'}); ` +
          'nothing was removed, the next pass tries again',
      );
    }
    return event.seq;
  }
}

function typesOf(eb: ExpressionBuilder<Database, 'events'>, rule: AgeRule) {
  return 'only' in rule.types
    ? eb('type', '=', rule.types.only)
    : eb('type', 'not in', rule.types.except);
}

async function saveProgress(db: Kysely<Database>, rule: AgeRule, seq: number): Promise<void> {
  const row = { rule: rule.name, terms: rule.terms, seq };
  await db
    .insertInto('retention_progress')
    .values(row)
    .onConflict((conflict) => conflict.column('rule').doUpdateSet(row))
    .execute();
}
