import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventDraft } from '../../src/audit/index.js';
import { openStore, type OpenStoreOptions, type Store } from '../../src/store/index.js';

/** A store in a fresh temporary directory, as a gateway would open it. */
export interface TempStore {
  /** The store currently open on the file. */
  readonly store: Store;
  /** The SQLite file: tests open their own connections to it to tamper or to hold locks. */
  path: string;
  /** Closes the store and opens the file again, as a restarted gateway would. */
  reopen(): Promise<Store>;
  /** Closes the store and removes the directory. */
  cleanup(): Promise<void>;
}

export async function openTempStore(options: OpenStoreOptions = {}): Promise<TempStore> {
  const dir = mkdtempSync(join(tmpdir(), 'warden-audit-'));
  const path = join(dir, 'journal.db');
  const open = () => openStore({ url: `sqlite:${path}`, synchronous: 'normal' }, options);
  let store = await open();
  return {
    get store() {
      return store;
    },
    path,
    async reopen() {
      await store.close();
      store = await open();
      return store;
    },
    async cleanup() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Transactions committed to the SQLite database at `path` since its write-ahead log was last
 * reset, read from the log itself: a commit ends with a frame whose "database size" field is set.
 * It watches the journal's writer thread from outside, whatever connection it uses.
 */
export function committedTransactions(path: string): number {
  const walPath = `${path}-wal`;
  if (!existsSync(walPath)) return 0;
  const wal = readFileSync(walPath);
  if (wal.length < 32) return 0;
  const pageSize = wal.readUInt32BE(8);
  const salt1 = wal.readUInt32BE(16);
  const salt2 = wal.readUInt32BE(20);
  let commits = 0;
  // Frames of an earlier generation of the log carry other salts: the log ends at the first one.
  for (let at = 32; at + 24 + pageSize <= wal.length; at += 24 + pageSize) {
    if (wal.readUInt32BE(at + 8) !== salt1 || wal.readUInt32BE(at + 12) !== salt2) break;
    if (wal.readUInt32BE(at + 4) !== 0) commits += 1;
  }
  return commits;
}

export const billingAgent = {
  subject: '0oa-billing',
  name: 'billing-agent',
  provider: 'okta',
  groups: ['agents-db'],
  kind: 'agent' as const,
};

export const analyst = {
  subject: '00u-ana',
  name: 'ana@example.com',
  provider: 'entra',
  groups: ['analysts'],
  kind: 'person' as const,
};

type Actor = typeof billingAgent | typeof analyst;

export interface SessionScript {
  sessionId: string;
  actor?: Actor;
  connection?: string;
  startedAt?: string;
}

/** Drafts a session's producer would write, with the fields the readers look at. */
export function sessionDrafts({
  sessionId,
  actor = billingAgent,
  connection = 'pg-prod',
  startedAt,
}: SessionScript) {
  const common = {
    sessionId,
    actor,
    source: { ip: '10.0.0.7', client: 'psql' },
    connection: { name: connection, type: 'postgres' },
    authorization: { group: actor.groups[0] as string, rule: `${connection}.allow[0]` },
  };
  return {
    start: (): EventDraft => ({ ...common, type: 'session.start', time: startedAt }),
    statementStart: (index: number, command: string, params?: string[]): EventDraft => ({
      ...common,
      type: 'db.query.start',
      request: { command, statementIndex: index, ...(params ? { params } : {}) },
    }),
    statementResult: (
      index: number,
      command: string,
      result: 'success' | 'failure' = 'success',
    ): EventDraft => ({
      ...common,
      type: 'db.query',
      request: { command, statementIndex: index },
      response: {
        rows: result === 'success' ? 1 : 0,
        bytes: 8,
        sample: 'DELETE 1',
        truncated: false,
      },
      outcome: {
        result,
        error:
          result === 'failure'
            ? { code: '42P01', message: 'relation "missing" does not exist' }
            : null,
        durationMs: 0.5,
      },
    }),
    end: (totals?: { statements: number; errors: number }, time?: string): EventDraft => ({
      ...common,
      type: 'session.end',
      time,
      totals: totals
        ? {
            ...totals,
            rows: 0,
            bytesFromClient: 0,
            bytesToClient: 0,
            endReason: 'client_terminated',
          }
        : null,
    }),
  };
}

/** A db.query with nothing session-specific, for tests about the chain itself. */
export function queryDraft(index: number): EventDraft {
  return {
    type: 'db.query',
    sessionId: 'chain-test',
    request: { command: `SELECT ${index}`, statementIndex: index },
  };
}
