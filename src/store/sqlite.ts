import { Kysely, SqliteDialect } from 'kysely';
import type { Database } from './schema.js';
import { openSqliteDatabase, type SqliteOptions } from './sqlite-connection.js';
import { withStatementCache } from './statement-cache.js';

export type { SqliteOptions } from './sqlite-connection.js';

/** Opens (creating it and its directory if needed) a SQLite database file for Kysely. */
export function openSqlite(path: string, options: SqliteOptions): Kysely<Database> {
  return new Kysely<Database>({
    dialect: new SqliteDialect({ database: withStatementCache(openSqliteDatabase(path, options)) }),
  });
}
