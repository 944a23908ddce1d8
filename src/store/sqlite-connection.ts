import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { StoreConfig } from '../config/types.js';

// Opening a SQLite connection with the store's settings, without Kysely: the journal's writer
// thread imports this file directly (not through index.ts), so that starting it does not load
// Kysely (about 90 ms). Type-only imports are all this file may add.

export interface SqliteOptions {
  synchronous: StoreConfig['synchronous'];
  /** How long a write waits for another connection's lock before failing with SQLITE_BUSY. */
  busyTimeoutMs: number;
}

const PAGE_BYTES = 16384;

const synchronousPragma: Record<StoreConfig['synchronous'], string> = {
  normal: 'NORMAL',
  full: 'FULL',
};

/**
 * Opens (creating it and its directory if needed) a connection to a SQLite database file with
 * the store's settings: WAL, the configured `synchronous`, the busy timeout. Every connection to
 * the store is opened this way, the journal indexer's too (synchronous is a per-connection setting).
 */
export function openSqliteDatabase(path: string, options: SqliteOptions): BetterSqlite3.Database {
  const synchronous = synchronousPragma[options.synchronous];
  if (synchronous === undefined) {
    throw new Error(`store.synchronous: expected normal or full, got "${options.synchronous}"`);
  }
  let database: BetterSqlite3.Database;
  try {
    mkdirSync(dirname(path), { recursive: true });
    // `timeout` is SQLite's busy_timeout.
    database = new BetterSqlite3(path, { timeout: options.busyTimeoutMs });
  } catch (error) {
    throw new Error(`store: cannot open SQLite database "${path}": ${(error as Error).message}`, {
      cause: error,
    });
  }
  // A page size applies when the database is created, before WAL mode is set (a no-op on an
  // existing one). Journal rows are about a kilobyte; with 16 KiB pages the indexer's inserts cost
  // a fifth less than with SQLite's default 4 KiB (fewer page splits and WAL frames per row).
  database.pragma(`page_size = ${PAGE_BYTES}`);
  // WAL lets other processes (`warden verify`, `warden sessions`) read while the gateway writes,
  // and turns a commit into one sequential write. `normal` syncs at checkpoints only: committed
  // events survive a crash of the process; `full` syncs every commit and also survives a power
  // loss.
  const journalMode: unknown = database.pragma('journal_mode = WAL', { simple: true });
  if (journalMode !== 'wal') {
    database.close();
    throw new Error(
      `store: SQLite database "${path}" cannot use WAL mode (got ${String(journalMode)})`,
    );
  }
  database.pragma(`synchronous = ${synchronous}`);
  return database;
}
