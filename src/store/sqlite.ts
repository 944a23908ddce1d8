import { Kysely, SqliteDialect, SqliteDriver, type Driver, type SqliteDialectConfig } from 'kysely';
import { BusyRetryDriver } from './busy-retry-driver.js';
import type { Database } from './schema.js';
import { openSqliteDatabase, type SqliteOptions } from './sqlite-connection.js';
import { withStatementCache } from './statement-cache.js';

export type { SqliteOptions } from './sqlite-connection.js';

/**
 * Opens (creating it and its directory if needed) a SQLite database file for Kysely. A statement
 * waits for another connection's lock without blocking the thread (busy-retry-driver.ts), for
 * `busyTimeoutMs` at most.
 */
export function openSqlite(path: string, options: SqliteOptions): Kysely<Database> {
  const database = openSqliteDatabase(path, { ...options, busyTimeoutMs: 0 });
  return new Kysely<Database>({
    dialect: new BusyRetrySqliteDialect(
      { database: withStatementCache(database) },
      options.busyTimeoutMs,
    ),
  });
}

class BusyRetrySqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;
  readonly #timeoutMs: number;

  constructor(config: SqliteDialectConfig, timeoutMs: number) {
    super(config);
    this.#config = config;
    this.#timeoutMs = timeoutMs;
  }

  override createDriver(): Driver {
    return new BusyRetryDriver(new SqliteDriver(this.#config), this.#timeoutMs);
  }
}
