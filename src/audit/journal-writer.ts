// The journal's writer: the one connection that writes events, the chain head, sealing (canonical
// JSON and SHA-256) and the group commit itself. It runs on the journal's writer thread
// (journal-worker.ts), where blocking on SQLite holds up nothing but the next commit.
//
// Its SQL is compiled by the store's Kysely on the main thread (journal.ts) and run here on a
// better-sqlite3 connection of its own, directly: Kysely's executor is asynchronous and costs more
// per statement than the INSERT itself, while this thread only ever runs the same few statements;
// and not loading Kysely here keeps the thread's start short. BEGIN IMMEDIATE, COMMIT and ROLLBACK
// are written out: Kysely builds no transaction control, and they are SQLite's own (IMMEDIATE
// takes the write lock up front, waiting out the busy timeout, rather than failing half-way).
import type BetterSqlite3 from 'better-sqlite3';
import type { EventsTable, StoreSpec } from '../store/index.js';
// Not through store/index.ts, which loads Kysely: see sqlite-connection.ts.
import { openSqliteDatabase } from '../store/sqlite-connection.js';
import { GENESIS_HASH, sealEvent } from './chain.js';
import { EventInserter } from './event-insert.js';
import { eventRow } from './event-row.js';
import type {
  AppendRequest,
  CommitFailure,
  Committed,
  Refusal,
  WriterSql,
} from './journal-messages.js';

interface ChainHead {
  seq: number;
  hash: string;
}

export interface CommitOutcome {
  /** The requests recorded; null when none was. */
  committed: Committed | null;
  /** The requests not recorded. */
  refused: Refusal[];
  /** Set when the transaction failed: then no request of the batch was recorded. */
  failure: CommitFailure | null;
  /** When rolling back a failed transaction failed too (it matters less than the cause). */
  rollbackError: Error | null;
}

export class JournalWriter {
  readonly #database: BetterSqlite3.Database;
  readonly #inserter: EventInserter;
  readonly #begin: BetterSqlite3.Statement;
  readonly #commit: BetterSqlite3.Statement;
  readonly #rollback: BetterSqlite3.Statement;
  /** The last committed event: a failed commit leaves it where it was. */
  #head: ChainHead;

  /** Opens the store's write connection and reads the chain head. */
  static open(spec: StoreSpec, sql: WriterSql, walAutocheckpointPages?: number): JournalWriter {
    const database = openSqliteDatabase(spec.path, { ...spec, walAutocheckpointPages });
    try {
      return new JournalWriter(database, sql);
    } catch (error) {
      database.close();
      throw error;
    }
  }

  private constructor(database: BetterSqlite3.Database, sql: WriterSql) {
    this.#database = database;
    this.#inserter = new EventInserter(sql.inserts, (text) => {
      const statement = database.prepare(text);
      return (parameters) => statement.run(parameters);
    });
    this.#begin = database.prepare('BEGIN IMMEDIATE');
    this.#commit = database.prepare('COMMIT');
    this.#rollback = database.prepare('ROLLBACK');
    const row = database.prepare(sql.chainHead.sql).get(sql.chainHead.parameters) as
      Pick<EventsTable, 'seq' | 'hash'> | undefined;
    this.#head = row ? { seq: Number(row.seq), hash: row.hash } : { seq: 0, hash: GENESIS_HASH };
  }

  /**
   * Gives the requests' events their places in the chain, seals them and writes them all in one
   * transaction. A request whose events cannot be sealed is refused alone; a failed transaction
   * refuses them all. Never throws.
   */
  commit(requests: AppendRequest[]): CommitOutcome {
    const refused: Refusal[] = [];
    const committed: Committed = { requests: [], prevHash: this.#head.hash, hashes: '' };
    const rows: EventsTable[] = [];
    let head = this.#head;
    for (const request of requests) {
      let sealed: { rows: EventsTable[]; hashes: string; head: ChainHead };
      try {
        sealed = this.#seal(request, head);
      } catch (error) {
        refused.push({
          id: request.id,
          stage: 'seal',
          message: (error as Error).message,
          code: null,
        });
        continue;
      }
      committed.requests.push(request.id, head.seq + 1);
      committed.hashes += sealed.hashes;
      for (const row of sealed.rows) rows.push(row);
      head = sealed.head;
    }
    if (rows.length === 0) return { committed: null, refused, failure: null, rollbackError: null };

    try {
      this.#begin.run();
      this.#inserter.insert(rows);
      this.#commit.run();
    } catch (error) {
      const rollbackError = this.#rollbackIfOpen();
      const failure: CommitFailure = {
        message: (error as Error).message,
        code: errorCode(error),
        events: rows.length,
        firstSeq: this.#head.seq + 1,
      };
      for (let index = 0; index < committed.requests.length; index += 2) {
        refused.push({
          id: committed.requests[index] as number,
          stage: 'commit',
          message: failure.message,
          code: failure.code,
        });
      }
      return { committed: null, refused, failure, rollbackError };
    }
    this.#head = head;
    return { committed, refused, failure: null, rollbackError: null };
  }

  close(): void {
    this.#database.close();
  }

  /** The request's rows and their hashes (concatenated), chained after `head`. */
  #seal(
    request: AppendRequest,
    head: ChainHead,
  ): { rows: EventsTable[]; hashes: string; head: ChainHead } {
    const rows: EventsTable[] = [];
    let hashes = '';
    let { seq, hash } = head;
    for (const unhashed of request.events) {
      seq += 1;
      unhashed.seq = seq;
      unhashed.prevHash = hash;
      const { event, body } = sealEvent(unhashed);
      hash = event.hash;
      hashes += hash;
      rows.push(eventRow(event, body));
    }
    return { rows, hashes, head: { seq, hash } };
  }

  #rollbackIfOpen(): Error | null {
    if (!this.#database.inTransaction) return null;
    try {
      this.#rollback.run();
      return null;
    } catch (error) {
      return error as Error;
    }
  }
}

function errorCode(error: unknown): string | null {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : null;
}
