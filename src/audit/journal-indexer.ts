// The journal's indexer: copies committed events from the event log (event-log.ts) into the
// store's events table, where the readers, `warden verify` and the API find them, and deletes the
// segments it has copied. It runs on a thread of its own (journal-indexer-worker.ts), a few
// milliseconds behind the commits, so that each transaction carries many events: the pages of the
// table and its indexes are written once for all of them, not once per group commit.
//
// It reads no further than the log has published as committed, checks that each event continues
// the chain of the one before (seq and prevHash) and stops, saying where, when one does not.
// In the same transaction it brings the identities table up to date with those events
// (identity-rollup.ts).
//
// Its SQL is compiled by the store's Kysely on the main thread (journal.ts) and run here on a
// better-sqlite3 connection of its own, directly: this thread runs the same few statements only,
// and not loading Kysely keeps its start short.
import { closeSync, fsyncSync, openSync, unlinkSync } from 'node:fs';
import type BetterSqlite3 from 'better-sqlite3';
import type { EventsTable, StoreSpec } from '../store/index.js';
// Not through store/index.ts, which loads Kysely: see sqlite-connection.ts.
import { openSqliteDatabase } from '../store/sqlite-connection.js';
import { GENESIS_HASH } from './chain.js';
import { EventInserter, type InsertStatements } from './event-insert.js';
import { COMMITTED_SEQ, INDEXED_SEQ, LIVE_SEGMENT } from './event-log.js';
import { EventLogReader } from './event-log-reader.js';
import { listSegments, segmentLimit, type ChainHead } from './event-log-segments.js';
import { eventRow, type IndexedEvent } from './event-row.js';
import { IdentityRollup } from './identity-rollup.js';

export interface IndexerSql {
  /** Selects `seq` and `hash` of the last event: where the table ends. */
  chainHead: { sql: string; parameters: readonly unknown[] };
  inserts: InsertStatements;
  /** Adds one subject's merged events to the identities table (compileIdentityUpsert). */
  identityUpsert: string;
}

/** Events per transaction at most, and bytes of their bodies: bounds the thread's memory. */
const MAX_ROWS_PER_TRANSACTION = 4096;
const MAX_BYTES_PER_TRANSACTION = 16 * 1024 * 1024;

/**
 * Announced events kept at most: while the indexer is behind by more (the table locked, say),
 * later ones are not kept, and their lines are parsed instead.
 */
const MAX_ANNOUNCED = 16_384;

export class JournalIndexer {
  readonly #database: BetterSqlite3.Database;
  readonly #inserter: EventInserter;
  readonly #identityUpsert: BetterSqlite3.Statement;
  readonly #begin: BetterSqlite3.Statement;
  readonly #commit: BetterSqlite3.Statement;
  readonly #rollback: BetterSqlite3.Statement;
  readonly #spec: StoreSpec;
  readonly #directory: string;
  readonly #shared: BigInt64Array;
  /** The last event in the table. */
  #indexed: ChainHead;
  /** Reads on from the table's end; replaced after a failed transaction. */
  #reader: EventLogReader | null = null;
  /** The segment the reader was in at the last removal: the log is listed again once it moves. */
  #removedAt: number | null = null;
  /**
   * What the journal said of the events it sealed, by seq: their lines need not be parsed for
   * their rows (parsing was most of the thread's work after the inserts).
   */
  readonly #announced = new Map<number, IndexedEvent>();

  static open(
    spec: StoreSpec,
    sql: IndexerSql,
    directory: string,
    shared: BigInt64Array,
  ): JournalIndexer {
    const database = openSqliteDatabase(spec.path, spec);
    try {
      return new JournalIndexer(database, spec, sql, directory, shared);
    } catch (error) {
      database.close();
      throw error;
    }
  }

  private constructor(
    database: BetterSqlite3.Database,
    spec: StoreSpec,
    sql: IndexerSql,
    directory: string,
    shared: BigInt64Array,
  ) {
    this.#database = database;
    this.#spec = spec;
    this.#directory = directory;
    this.#shared = shared;
    this.#inserter = new EventInserter(sql.inserts, (text) => {
      const statement = database.prepare(text);
      return (parameters) => statement.run(parameters);
    });
    this.#identityUpsert = database.prepare(sql.identityUpsert);
    this.#begin = database.prepare('BEGIN IMMEDIATE');
    this.#commit = database.prepare('COMMIT');
    this.#rollback = database.prepare('ROLLBACK');
    const row = database.prepare(sql.chainHead.sql).get(sql.chainHead.parameters) as
      Pick<EventsTable, 'seq' | 'hash'> | undefined;
    this.#indexed = row ? { seq: Number(row.seq), hash: row.hash } : { seq: 0, hash: GENESIS_HASH };
    Atomics.store(shared, INDEXED_SEQ, BigInt(this.#indexed.seq));
    // Segments indexed before the last stop (the one then being written, say) go now.
    this.#removeIndexedSegments();
  }

  /** The seq of the last event in the table. */
  get indexedSeq(): number {
    return this.#indexed.seq;
  }

  /** Takes what the journal says of events it sealed (and is committing). */
  announce(events: IndexedEvent[]): void {
    for (const event of events) {
      if (this.#announced.size >= MAX_ANNOUNCED) return;
      if (event.seq > this.#indexed.seq) this.#announced.set(event.seq, event);
    }
  }

  /**
   * Copies every event committed by now into the table, in transactions of many events. Throws
   * when it cannot (the table is locked, the log is damaged); what it copied before stays, and
   * the next pass starts from there.
   */
  pass(): void {
    const committed = Number(Atomics.load(this.#shared, COMMITTED_SEQ));
    while (this.#indexed.seq < committed) {
      const reader = (this.#reader ??= new EventLogReader(this.#directory, this.#indexed, () =>
        Number(Atomics.load(this.#shared, LIVE_SEGMENT)),
      ));
      const { rows, identities, stop } = collect(reader, committed, this.#announced);
      try {
        this.#insert(rows, identities);
      } catch (error) {
        // Read again from the table's end next time.
        reader.close();
        this.#reader = null;
        throw error;
      }
      for (let seq = this.#indexed.seq + 1; seq <= reader.head.seq; seq++) {
        this.#announced.delete(seq);
      }
      this.#indexed = reader.head;
      Atomics.store(this.#shared, INDEXED_SEQ, BigInt(this.#indexed.seq));
      // Segments are done with only when the reader has left one: no listing on every pass.
      if (reader.segmentNumber !== this.#removedAt) {
        this.#removeIndexedSegments();
        this.#removedAt = reader.segmentNumber;
      }
      if (stop !== null) throw new Error(stop);
    }
  }

  close(): void {
    this.#reader?.close();
    this.#database.close();
  }

  /**
   * Removes the segments all of whose committed events are in the table, but for the newest (it
   * is being written). In `normal` mode a commit of the table is not synced; the log's events
   * must not be gone from the disk before they are on it: the table's log is synced first.
   */
  #removeIndexedSegments(): void {
    const segments = listSegments(this.#directory);
    const indexed = segments.filter((segment) => {
      const limit = segmentLimit(segments, segment);
      return limit !== null && limit <= this.#indexed.seq + 1;
    });
    if (indexed.length === 0) return;
    if (this.#spec.synchronous === 'normal') {
      try {
        syncFile(`${this.#spec.path}-wal`);
      } catch {
        // Housekeeping only: the segments stay until a later pass can sync.
        return;
      }
    }
    for (const segment of indexed) {
      try {
        unlinkSync(segment.path);
      } catch {
        // Left for the next pass, which tries again.
      }
    }
  }

  #insert(rows: EventsTable[], identities: IdentityRollup): void {
    try {
      this.#begin.run();
      this.#inserter.insert(rows);
      for (const parameters of identities.parameters()) this.#identityUpsert.run(parameters);
      this.#commit.run();
    } catch (error) {
      if (this.#database.inTransaction) this.#rollback.run();
      throw error;
    }
  }
}

/**
 * The next committed events as rows, up to a transaction's worth, with their identities merged,
 * and why it stopped short of `committed` if the log does not hold them as it should.
 */
function collect(
  reader: EventLogReader,
  committed: number,
  announced: Map<number, IndexedEvent>,
): { rows: EventsTable[]; identities: IdentityRollup; stop: string | null } {
  const rows: EventsTable[] = [];
  const identities = new IdentityRollup();
  const announcedEvent = (seq: number) => announced.get(seq);
  let bytes = 0;
  while (rows.length < MAX_ROWS_PER_TRANSACTION && bytes < MAX_BYTES_PER_TRANSACTION) {
    const read = reader.next(committed, announcedEvent);
    if (read.kind === 'event') {
      const event = read.event as IndexedEvent;
      rows.push(eventRow(event, read.text));
      identities.add(event);
      bytes += read.text.length;
      continue;
    }
    if (read.kind === 'broken') return { rows, identities, stop: read.reason };
    const stop =
      reader.head.seq < committed
        ? `event log: event ${reader.head.seq + 1} is committed but not in the log: ${read.reason}`
        : null;
    return { rows, identities, stop };
  }
  return { rows, identities, stop: null };
}

function syncFile(path: string): void {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    // No log: everything is in the database file, which SQLite synced when it removed the log.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
