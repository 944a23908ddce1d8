import type { Kysely } from 'kysely';
import type { Database, EventsTable } from '../store/index.js';

// Writing journal rows, the indexer's main work. Building a multi-row INSERT through Kysely's query
// builder costs more per row than hashing the event, and the SQL depends only on the number of
// rows. So the statements are compiled once, one per row count, when the journal opens, and the
// indexer thread prepares each once and runs it with new parameters. Row counts are powers of two
// up to MAX_ROWS_PER_INSERT, which keeps them few. This file imports Kysely's types only: the
// indexer thread loads it without loading Kysely.

/**
 * Rows per INSERT statement at most: keeps each statement under the bound-parameter limits
 * (SQLite 32766, PostgreSQL 65535) with room for columns added later.
 */
const MAX_ROWS_PER_INSERT = 512;

/**
 * Every column of the events table, in the order parameters are bound. `satisfies` makes a column
 * added to EventsTable but not here (or the reverse) a compile error.
 */
const COLUMNS = Object.keys({
  seq: true,
  id: true,
  time: true,
  type: true,
  session_id: true,
  actor_subject: true,
  actor_name: true,
  connection_name: true,
  outcome_result: true,
  body: true,
  prev_hash: true,
  hash: true,
} satisfies Record<keyof EventsTable, true>) as (keyof EventsTable)[];

/** The INSERT statements' SQL by row count. Plain data: it is handed to the indexer thread. */
export type InsertStatements = Record<number, string>;

/** Compiles the INSERT for each row count the inserter uses, with the store's own Kysely. */
export function compileInserts(db: Kysely<Database>): InsertStatements {
  const placeholder = Object.fromEntries(COLUMNS.map((column) => [column, null]));
  const statements: InsertStatements = {};
  for (let rows = 1; rows <= MAX_ROWS_PER_INSERT; rows *= 2) {
    statements[rows] = db
      .insertInto('events')
      // A failing row fails the journal's whole transaction anyway (every append of the batch is
      // refused): OR ROLLBACK says so, and spares SQLite the statement journal it would keep to
      // undo this statement alone, which costs several percent of an append.
      .orRollback()
      .values(Array.from({ length: rows }, () => placeholder as unknown as EventsTable))
      .compile().sql;
  }
  return statements;
}

/** A prepared statement of the connection the rows go to, run with its parameters. */
export type PreparedStatement = (parameters: unknown[]) => void;

export class EventInserter {
  readonly #statements = new Map<number, PreparedStatement>();

  /**
   * @param sql the statements compileInserts made
   * @param prepare prepares SQL on the connection that runs it
   */
  constructor(
    private readonly sql: InsertStatements,
    private readonly prepare: (sql: string) => PreparedStatement,
  ) {}

  /** Inserts the rows; the caller holds the transaction they must be part of. */
  insert(rows: EventsTable[]): void {
    let start = 0;
    while (start < rows.length) {
      const count = largestPowerOfTwoUpTo(Math.min(rows.length - start, MAX_ROWS_PER_INSERT));
      const parameters: unknown[] = [];
      for (let index = start; index < start + count; index++) {
        const row = rows[index] as EventsTable;
        for (const column of COLUMNS) parameters.push(row[column]);
      }
      this.#statement(count)(parameters);
      start += count;
    }
  }

  #statement(rows: number): PreparedStatement {
    let statement = this.#statements.get(rows);
    if (statement === undefined) {
      const sql = this.sql[rows];
      if (sql === undefined) throw new Error(`no INSERT compiled for ${rows} rows`);
      statement = this.prepare(sql);
      this.#statements.set(rows, statement);
    }
    return statement;
  }
}

function largestPowerOfTwoUpTo(n: number): number {
  return 2 ** Math.floor(Math.log2(n));
}
