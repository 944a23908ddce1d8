import { resolve } from 'node:path';
import { Migrator, type Kysely } from 'kysely';
import type { StoreConfig } from '../config/types.js';
import type { StoreDialect } from './dialect.js';
import { migrationProvider } from './migrations.js';
import type { Database } from './schema.js';
import { openSqlite } from './sqlite.js';
import { parseStoreUrl } from './url.js';

export {
  TYPES_WITHOUT_TYPE_INDEX,
  type CollectorsTable,
  type Database,
  type EventsTable,
  type SinkDeadLettersTable,
  type SinkReplaysTable,
  type SinksTable,
} from './schema.js';
export type { StoreDialect } from './dialect.js';
export { workerReady, workerScript } from './worker-thread.js';

/** The database behind the journal and everything else Warden keeps. */
export interface Store {
  db: Kysely<Database>;
  dialect: StoreDialect;
  /** How to open another connection to this store, e.g. from the journal's indexer thread. */
  spec: StoreSpec;
  close(): Promise<void>;
}

/**
 * Where a store lives and how its connections are set up. Plain data: it is handed to worker
 * threads, which open connections of their own (with openSqliteDatabase of sqlite-connection.ts).
 */
export interface StoreSpec {
  dialect: StoreDialect;
  /** For SQLite: the database file, absolute (a worker must not depend on the cwd). */
  path: string;
  synchronous: StoreConfig['synchronous'];
  busyTimeoutMs: number;
}

export interface OpenStoreOptions {
  /** How long a write waits for a lock held by another connection; default 5000 ms. */
  busyTimeoutMs?: number;
}

/** Opens the store named by `config.url` and brings its schema up to date. */
export async function openStore(
  config: StoreConfig,
  options: OpenStoreOptions = {},
): Promise<Store> {
  const location = parseStoreUrl(config.url);
  const spec: StoreSpec = {
    dialect: location.dialect,
    path: resolve(location.path),
    synchronous: config.synchronous,
    busyTimeoutMs: options.busyTimeoutMs ?? 5000,
  };
  const db = openSqlite(spec.path, spec);
  try {
    await migrate(db, location.dialect);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return { db, dialect: location.dialect, spec, close: () => db.destroy() };
}

async function migrate(db: Kysely<Database>, dialect: StoreDialect): Promise<void> {
  const migrator = new Migrator({ db, provider: migrationProvider(dialect) });
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results.find((result) => result.status === 'Error');
    const which = failed ? ` ${failed.migrationName}` : '';
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`store: migration${which} failed: ${reason}`, { cause: error });
  }
}
