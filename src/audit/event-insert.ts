import { CompiledQuery, type Kysely } from 'kysely';
import type { Database, EventsTable } from '../store/index.js';

// Writing journal rows, the gateway's hot path. Building a multi-row INSERT through Kysely's query
// builder costs more per row than hashing the event, and the SQL depends only on the number of
// rows. So the statement is compiled once per row count and reused with new parameters; row
// counts are powers of two up to MAX_ROWS_PER_INSERT, which keeps the templates few.

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

export class EventInserter {
  readonly #templates = new Map<number, CompiledQuery>();

  /** Inserts the rows through `db`: the transaction they must be part of. */
  async insert(db: Kysely<Database>, rows: EventsTable[]): Promise<void> {
    let start = 0;
    while (start < rows.length) {
      const count = largestPowerOfTwoUpTo(Math.min(rows.length - start, MAX_ROWS_PER_INSERT));
      const parameters: unknown[] = [];
      for (let index = start; index < start + count; index++) {
        const row = rows[index] as EventsTable;
        for (const column of COLUMNS) parameters.push(row[column]);
      }
      const { sql } = this.#template(db, count);
      await db.executeQuery(CompiledQuery.raw(sql, parameters));
      start += count;
    }
  }

  #template(db: Kysely<Database>, rows: number): CompiledQuery {
    let template = this.#templates.get(rows);
    if (template === undefined) {
      const placeholder = Object.fromEntries(COLUMNS.map((column) => [column, null]));
      template = db
        .insertInto('events')
        .values(Array.from({ length: rows }, () => placeholder as unknown as EventsTable))
        .compile();
      this.#templates.set(rows, template);
    }
    return template;
  }
}

function largestPowerOfTwoUpTo(n: number): number {
  return 2 ** Math.floor(Math.log2(n));
}
