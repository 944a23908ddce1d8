import type BetterSqlite3 from 'better-sqlite3';
import type { SqliteDatabase } from 'kysely';

/** Prepared statements kept; the journal's inserts use a handful, readers a few dozen. */
const CACHED_STATEMENTS = 128;

/**
 * Kysely's SQLite driver prepares every query anew. Preparing a multi-row INSERT costs about as
 * much as a tenth of executing it, on the journal's hot path, so statements are kept by SQL
 * text and reused (least recently used ones are dropped). Reuse is safe because Kysely gives the
 * single SQLite connection to one query or transaction at a time.
 */
export function withStatementCache(database: BetterSqlite3.Database): SqliteDatabase {
  const statements = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => database.close(),
    prepare(sql) {
      let statement = statements.get(sql);
      if (statement === undefined) {
        statement = database.prepare(sql);
        if (statements.size === CACHED_STATEMENTS) {
          // A Map iterates in insertion order: the first key is the least recently used.
          statements.delete(statements.keys().next().value as string);
        }
      } else {
        statements.delete(sql);
      }
      statements.set(sql, statement);
      return statement;
    },
  };
}
