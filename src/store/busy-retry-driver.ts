import { setTimeout as sleep } from 'node:timers/promises';
import type {
  CompiledQuery,
  DatabaseConnection,
  Driver,
  QueryCompiler,
  QueryResult,
  SqliteDriver,
} from 'kysely';

// SQLite's busy timeout waits for another connection's write lock by sleeping in the thread that
// asked. On the main thread that stops every session proxied there: under pgbench, the alert
// engine saving its cursor while the journal's indexer held the lock slept 31 times in 5 s, 1 to
// 5 ms each, 4% of the time. So the main thread's connection is opened without a busy timeout,
// and this driver tries a statement refused with SQLITE_BUSY again after an asynchronous wait,
// at SQLite's own intervals, until the store's busy timeout has passed.

/** SQLite's busy handler's waits (sqlite3.c, sqliteDefaultBusyCallback), the last one repeated. */
const WAITS_MS = [1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100];

/** A statement that may succeed if tried again once the other connection lets go of its lock. */
function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  // Not SQLITE_BUSY_SNAPSHOT: the transaction read a state that another connection has since
  // changed, and only starting it over helps (SQLite's busy handler does not retry it either).
  return code === 'SQLITE_BUSY' || code === 'SQLITE_BUSY_RECOVERY';
}

export class BusyRetryDriver implements Driver {
  readonly #driver: SqliteDriver;
  readonly #timeoutMs: number;
  readonly #connections = new WeakMap<DatabaseConnection, DatabaseConnection>();

  /** @param timeoutMs how long a statement may wait for a lock in all */
  constructor(driver: SqliteDriver, timeoutMs: number) {
    this.#driver = driver;
    this.#timeoutMs = timeoutMs;
  }

  init(): Promise<void> {
    return this.#driver.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const connection = await this.#driver.acquireConnection();
    let retrying = this.#connections.get(connection);
    if (retrying === undefined) {
      retrying = {
        executeQuery: <R>(query: CompiledQuery): Promise<QueryResult<R>> =>
          this.#retry(() => connection.executeQuery<R>(query)),
        streamQuery: <R>(query: CompiledQuery, chunkSize?: number) =>
          connection.streamQuery<R>(query, chunkSize),
      };
      this.#connections.set(connection, retrying);
    }
    return retrying;
  }

  // Given the retrying connection: the SQLite driver begins, commits and savepoints through it.
  // SQLite has no transaction settings (isolation levels, access modes) to pass on.
  beginTransaction(connection: DatabaseConnection): Promise<void> {
    return this.#driver.beginTransaction(connection);
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.#driver.commitTransaction(connection);
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.#driver.rollbackTransaction(connection);
  }

  savepoint(
    connection: DatabaseConnection,
    name: string,
    compile: QueryCompiler['compileQuery'],
  ): Promise<void> {
    return this.#driver.savepoint(connection, name, compile);
  }

  rollbackToSavepoint(
    connection: DatabaseConnection,
    name: string,
    compile: QueryCompiler['compileQuery'],
  ): Promise<void> {
    return this.#driver.rollbackToSavepoint(connection, name, compile);
  }

  releaseSavepoint(
    connection: DatabaseConnection,
    name: string,
    compile: QueryCompiler['compileQuery'],
  ): Promise<void> {
    return this.#driver.releaseSavepoint(connection, name, compile);
  }

  releaseConnection(): Promise<void> {
    return this.#driver.releaseConnection();
  }

  destroy(): Promise<void> {
    return this.#driver.destroy();
  }

  async #retry<T>(run: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.#timeoutMs;
    for (let attempt = 0; ; attempt++) {
      try {
        return await run();
      } catch (error) {
        const left = deadline - Date.now();
        if (!isBusy(error) || left <= 0) throw error;
        await sleep(Math.min(WAITS_MS[Math.min(attempt, WAITS_MS.length - 1)] as number, left));
      }
    }
  }
}
