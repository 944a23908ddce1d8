// The journal's indexer: copies committed events from the event log (event-log.ts) into the
// store's events table, where the readers, `warden verify` and the API find them, and deletes the
// segments it has copied. It runs on a thread of its own (journal-indexer-worker.ts), a few
// milliseconds behind the commits, so that each transaction carries many events: the pages of the
// table and its indexes are written once for all of them, not once per group commit.
//
// It reads no further than the log has published as committed, checks that each event continues
// the chain of the one before (seq and prevHash) and stops, saying where, when one does not.
//
// Its SQL is compiled by the store's Kysely on the main thread (journal.ts) and run here on a
// better-sqlite3 connection of its own, directly: this thread runs the same few statements only,
// and not loading Kysely keeps its start short.
import { closeSync, openSync, readSync, unlinkSync } from 'node:fs';
import type BetterSqlite3 from 'better-sqlite3';
import type { EventsTable, StoreSpec } from '../store/index.js';
// Not through store/index.ts, which loads Kysely: see sqlite-connection.ts.
import { openSqliteDatabase } from '../store/sqlite-connection.js';
import { GENESIS_HASH } from './chain.js';
import type { AuditEvent } from './event.js';
import { EventInserter, type InsertStatements } from './event-insert.js';
import { COMMITTED_SEQ, INDEXED_SEQ, LIVE_SEGMENT, type ChainHead } from './event-log.js';
import {
  chainLinkOf,
  listSegments,
  parseLine,
  segmentHolding,
  segmentLimit,
  type Segment,
} from './event-log-segments.js';
import { eventRow } from './event-row.js';

export interface IndexerSql {
  /** Selects `seq` and `hash` of the last event: where the table ends. */
  chainHead: { sql: string; parameters: readonly unknown[] };
  inserts: InsertStatements;
}

/** Events per transaction at most, and bytes of their bodies: bounds the thread's memory. */
const MAX_ROWS_PER_TRANSACTION = 4096;
const MAX_BYTES_PER_TRANSACTION = 16 * 1024 * 1024;
const READ_CHUNK_BYTES = 1024 * 1024;

export class JournalIndexer {
  readonly #database: BetterSqlite3.Database;
  readonly #inserter: EventInserter;
  readonly #begin: BetterSqlite3.Statement;
  readonly #commit: BetterSqlite3.Statement;
  readonly #rollback: BetterSqlite3.Statement;
  readonly #directory: string;
  readonly #shared: BigInt64Array;
  /** The last event in the table. */
  #indexed: ChainHead;
  #reader: SegmentReader | null = null;
  /** Segments read to their end, deleted once what was read from them is committed. */
  #finished: Segment[] = [];

  static open(
    spec: StoreSpec,
    sql: IndexerSql,
    directory: string,
    shared: BigInt64Array,
  ): JournalIndexer {
    const database = openSqliteDatabase(spec.path, spec);
    try {
      return new JournalIndexer(database, sql, directory, shared);
    } catch (error) {
      database.close();
      throw error;
    }
  }

  private constructor(
    database: BetterSqlite3.Database,
    sql: IndexerSql,
    directory: string,
    shared: BigInt64Array,
  ) {
    this.#database = database;
    this.#directory = directory;
    this.#shared = shared;
    this.#inserter = new EventInserter(sql.inserts, (text) => {
      const statement = database.prepare(text);
      return (parameters) => statement.run(parameters);
    });
    this.#begin = database.prepare('BEGIN IMMEDIATE');
    this.#commit = database.prepare('COMMIT');
    this.#rollback = database.prepare('ROLLBACK');
    const row = database.prepare(sql.chainHead.sql).get(sql.chainHead.parameters) as
      Pick<EventsTable, 'seq' | 'hash'> | undefined;
    this.#indexed = row ? { seq: Number(row.seq), hash: row.hash } : { seq: 0, hash: GENESIS_HASH };
    Atomics.store(shared, INDEXED_SEQ, BigInt(this.#indexed.seq));
  }

  /** The seq of the last event in the table. */
  get indexedSeq(): number {
    return this.#indexed.seq;
  }

  /**
   * Copies every event committed by now into the table, in transactions of many events. Throws
   * when it cannot (the table is locked, the log is damaged); what it copied before stays, and
   * the next pass starts from there.
   */
  pass(): void {
    const committed = Number(Atomics.load(this.#shared, COMMITTED_SEQ));
    while (this.#indexed.seq < committed) {
      let rows: EventsTable[];
      let last: ChainHead;
      try {
        ({ rows, last } = this.#collect(committed));
        this.#insert(rows);
      } catch (error) {
        // Read again from the table's end next time.
        this.#reader?.close();
        this.#reader = null;
        this.#finished = [];
        throw error;
      }
      this.#indexed = last;
      Atomics.store(this.#shared, INDEXED_SEQ, BigInt(last.seq));
      for (const segment of this.#finished.splice(0)) removeSegment(segment);
    }
  }

  close(): void {
    this.#reader?.close();
    this.#database.close();
  }

  /** The next committed events after the table's end, as rows, up to a transaction's worth. */
  #collect(committed: number): { rows: EventsTable[]; last: ChainHead } {
    const rows: EventsTable[] = [];
    let bytes = 0;
    let { seq, hash } = this.#indexed;
    while (seq < committed && rows.length < MAX_ROWS_PER_TRANSACTION) {
      if (bytes >= MAX_BYTES_PER_TRANSACTION) break;
      const reader = this.#readerFor(seq + 1);
      const line = reader.peek();
      if (line === null) {
        // The end of what is in this segment: the next event is in a later one.
        this.#moveOn(seq + 1);
        continue;
      }
      const where = `${reader.segment.path} at byte ${line.start}`;
      const event = parseLine(line.text, where);
      const link = chainLinkOf(event, where);
      if (link.seq <= seq) {
        // Copied before the thread last stopped.
        reader.consume(line);
        continue;
      }
      if (reader.limit !== null && link.seq >= reader.limit) {
        // Written by a write that failed: the next segment has the committed events.
        this.#moveOn(seq + 1);
        continue;
      }
      if (link.seq !== seq + 1 || link.prevHash !== hash) {
        throw new Error(
          `event log: ${where} holds seq ${link.seq} (prevHash ${link.prevHash.slice(0, 12)}…) ` +
            `where seq ${seq + 1} following ${hash.slice(0, 12)}… was expected`,
        );
      }
      reader.consume(line);
      rows.push(eventRow(event as AuditEvent, line.text));
      bytes += line.text.length;
      seq = link.seq;
      hash = link.hash;
    }
    return { rows, last: { seq, hash } };
  }

  /** The reader of the segment to read `seq` from, opened if needed. */
  #readerFor(seq: number): SegmentReader {
    const reader = this.#reader;
    if (reader !== null) {
      // A segment started since this one was opened bounds it: see event-log-segments.ts.
      if (
        reader.limit === null &&
        Number(Atomics.load(this.#shared, LIVE_SEGMENT)) > reader.segment.number
      ) {
        reader.limit = segmentLimit(listSegments(this.#directory), reader.segment);
      }
      return reader;
    }
    const segments = listSegments(this.#directory);
    const segment = segmentHolding(segments, seq);
    if (segment === null) {
      throw new Error(`event log: no segment in ${this.#directory} holds event ${seq}`);
    }
    this.#reader = new SegmentReader(segment, segmentLimit(segments, segment));
    return this.#reader;
  }

  /** Leaves the current segment for the one holding `seq`; throws if there is no other. */
  #moveOn(seq: number): void {
    const current = this.#reader as SegmentReader;
    const segments = listSegments(this.#directory);
    const next = segmentHolding(segments, seq);
    if (next === null || next.number <= current.segment.number) {
      throw new Error(
        `event log: event ${seq} is committed but not in ${this.#directory} (it should follow ` +
          `${current.segment.path} at byte ${current.position})`,
      );
    }
    current.close();
    for (const segment of segments) {
      if (segment.number >= current.segment.number && segment.number < next.number) {
        this.#finished.push(segment);
      }
    }
    this.#reader = new SegmentReader(next, segmentLimit(segments, next));
  }

  #insert(rows: EventsTable[]): void {
    try {
      this.#begin.run();
      this.#inserter.insert(rows);
      this.#commit.run();
    } catch (error) {
      if (this.#database.inTransaction) this.#rollback.run();
      throw error;
    }
  }
}

/** A segment whose events are all in the table; one that cannot be removed is skipped next time. */
function removeSegment(segment: Segment): void {
  try {
    unlinkSync(segment.path);
  } catch {
    // At the next start its events are older than the table's end, and passed over.
  }
}

interface Line {
  text: string;
  /** Its first byte's offset in the segment. */
  start: number;
  /** Just after its newline, in the reader's buffer. */
  next: number;
}

/** Reads a segment's complete lines in order; a line is only passed once it is consumed. */
class SegmentReader {
  readonly segment: Segment;
  /** The next segment's base: lines from there on were never committed. Null: not known yet. */
  limit: number | null;
  readonly #fd: number;
  #buffer = Buffer.alloc(0);
  /** Where the unconsumed bytes start in the buffer. */
  #offset = 0;
  /** The segment offset of the buffer's first byte. */
  #bufferStart = 0;

  constructor(segment: Segment, limit: number | null) {
    this.segment = segment;
    this.limit = limit;
    this.#fd = openSync(segment.path, 'r');
  }

  /** The segment offset of the next unconsumed byte. */
  get position(): number {
    return this.#bufferStart + this.#offset;
  }

  /** The next complete line, or null when none has been written yet. */
  peek(): Line | null {
    let end = this.#buffer.indexOf(0x0a, this.#offset);
    while (end === -1) {
      if (!this.#readMore()) return null;
      end = this.#buffer.indexOf(0x0a, this.#offset);
    }
    return {
      text: this.#buffer.toString('utf8', this.#offset, end),
      start: this.position,
      next: end + 1,
    };
  }

  consume(line: Line): void {
    this.#offset = line.next;
  }

  close(): void {
    closeSync(this.#fd);
  }

  /** Appends the next bytes of the file to what is unconsumed; false at the end of the file. */
  #readMore(): boolean {
    const kept = this.#buffer.length - this.#offset;
    const size = Math.max(READ_CHUNK_BYTES, kept * 2);
    const buffer = Buffer.allocUnsafe(kept + size);
    this.#buffer.copy(buffer, 0, this.#offset);
    const read = readSync(this.#fd, buffer, kept, size, this.#bufferStart + this.#buffer.length);
    this.#bufferStart += this.#offset;
    this.#buffer = buffer.subarray(0, kept + read);
    this.#offset = 0;
    return read > 0;
  }
}
