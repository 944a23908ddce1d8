// What the journal (main thread) and its indexer thread say to each other. Everything here
// crosses a thread boundary by structured clone (the shared memory by reference): plain data only.
import type { StoreSpec } from '../store/index.js';
import type { IndexedEvent } from './event-row.js';
import type { IndexerSql } from './journal-indexer.js';

/** What the indexer thread is started with. */
export interface IndexerData {
  store: StoreSpec;
  /** Its SQL, compiled by the store's Kysely on the main thread (the indexer does not load Kysely). */
  sql: IndexerSql;
  /** The event log's directory. */
  directory: string;
  /** The event log's shared memory: how far the indexer may read (see event-log.ts). */
  shared: BigInt64Array;
  /** Between passes over the log. */
  intervalMs: number;
}

export type ToIndexer =
  /** What the journal sealed in a group commit, so that the indexer need not parse their lines. */
  | { kind: 'sealed'; events: IndexedEvent[] }
  /** Index everything committed by now, and answer with the same id. */
  | { kind: 'index'; id: number }
  /** Index everything committed, close the connection and stop. */
  | { kind: 'close' };

export type FromIndexer =
  /** The connection is open: the thread indexes from now on. */
  | { kind: 'ready' }
  /** The indexer could not start. */
  | { kind: 'failed'; message: string }
  /**
   * After a pass asked for (`id`), or one whose outcome changed (`id` null): the last event in the
   * table, and why the pass stopped short, if it did.
   */
  | { kind: 'indexed'; id: number | null; seq: number; error: string | null };
