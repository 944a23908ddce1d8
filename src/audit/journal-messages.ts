// What the journal (main thread) and its writer thread say to each other. Everything here crosses
// a thread boundary by structured clone: plain data only.
import type { StoreSpec } from '../store/index.js';
import type { UnhashedEvent } from './chain.js';
import type { InsertStatements } from './event-insert.js';

/** What the writer thread is started with. */
export interface WriterData {
  store: StoreSpec;
  /** The writer connection's `wal_autocheckpoint`; absent: SQLite's default. */
  walAutocheckpointPages?: number;
  /** Its SQL, compiled by the store's Kysely on the main thread (the writer does not load Kysely). */
  sql: WriterSql;
}

export interface WriterSql {
  /** Selects `seq` and `hash` of the last event: the chain head. */
  chainHead: { sql: string; parameters: readonly unknown[] };
  inserts: InsertStatements;
}

/** One call to append or appendMany: its events are committed together or not at all. */
export interface AppendRequest {
  /** Chosen by the journal; the writer answers with it. */
  id: number;
  /**
   * Complete events but for their place in the chain: `seq` and `prevHash` are placeholders the
   * writer fills in, and the hash is what the writer computes.
   */
  events: UnhashedEvent[];
}

export type ToWriter =
  /** Requests handed over in one event-loop turn of the main thread, in order. */
  | { kind: 'append'; requests: AppendRequest[] }
  /** Close the connection and stop; sent once every request has been answered. */
  | { kind: 'close' };

/** A group commit that failed: every request in it is refused. */
export interface CommitFailure {
  message: string;
  code: string | null;
  /** Events in the refused batch. */
  events: number;
  /** The seq the first of them would have had. */
  firstSeq: number;
}

/**
 * The requests of one group commit that were committed, in the order they were sent. Packed so
 * that the answer costs the main thread little to receive: a few numbers and one string however
 * large the batch, rather than an object per request (which cost as much as the rest of the
 * journal's main-thread work).
 */
export interface Committed {
  /** Pairs: a committed request's id, then the seq of its first event; its others follow. */
  requests: number[];
  /** The hash of the event before the first committed one. */
  prevHash: string;
  /** Every committed event's hash, HASH_LENGTH hex digits each, in seq order, concatenated. */
  hashes: string;
}

/** Length of an event hash in hex digits (SHA-256). */
export const HASH_LENGTH = 64;

/** A request the writer did not record. */
export interface Refusal {
  id: number;
  /** `seal`: this request's events could not be serialized; `commit`: the batch failed. */
  stage: 'seal' | 'commit';
  message: string;
  /** The driver's error code (e.g. SQLITE_BUSY), when there is one. */
  code: string | null;
}

export type FromWriter =
  /** The connection is open and the chain head read: appends can be taken. */
  | { kind: 'ready' }
  /** The writer could not start. */
  | { kind: 'failed'; message: string }
  /** The answers to the requests of one group commit. */
  | {
      kind: 'results';
      committed: Committed | null;
      refused: Refusal[];
      failure: CommitFailure | null;
    }
  /** Something the journal's logger should say (the writer thread has no logger of its own). */
  | {
      kind: 'log';
      level: 'error' | 'warn';
      message: string;
      fields: Record<string, unknown>;
    };
