import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { openJournal, type EventDraft, type Journal } from '../../src/audit/index.js';
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

export async function openTempStore(
  options: OpenStoreOptions & { synchronous?: 'normal' | 'full' } = {},
): Promise<TempStore> {
  const dir = mkdtempSync(join(tmpdir(), 'warden-audit-'));
  const path = join(dir, 'journal.db');
  const { synchronous = 'normal', ...storeOptions } = options;
  const open = () => openStore({ url: `sqlite:${path}`, synchronous }, storeOptions);
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
 * Runs `write` on a journal of the store while another connection holds the table's write lock:
 * the events are committed to the event log but stay out of the table. The journal is closed
 * (its last index pass fails too) before the lock is let go.
 */
export async function withTableLocked<T>(
  opened: TempStore,
  write: (journal: Journal) => Promise<T>,
  segmentBytes?: number,
): Promise<T> {
  const locker = new BetterSqlite3(opened.path);
  locker.exec('BEGIN IMMEDIATE');
  const journal = await openJournal(opened.store, { segmentBytes });
  try {
    return await write(journal);
  } finally {
    await journal.close();
    locker.exec('ROLLBACK');
    locker.close();
  }
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

let idpIds = 0;

/** An event of an identity-provider log collector (`okta-prod`, `entra-prod`), as they write them. */
export function idpEventDraft(
  provider: 'okta' | 'entra',
  time: string,
  actor: { subject: string; name: string; kind: 'agent' | 'person' },
  eventType: string,
  names: { clientId?: string; alternateId?: string } = {},
): EventDraft {
  const id = `${provider}-${++idpIds}`;
  const collector = `${provider}-prod`;
  return {
    type: `idp.${provider}`,
    time,
    actor: {
      ...actor,
      provider: collector,
      groups: [],
      clientId: names.clientId ?? null,
      alternateId: names.alternateId ?? null,
    },
    outcome: { result: 'success', error: null },
    idp: { collector, provider, id, eventType },
    raw: { uuid: id, eventType },
  } as EventDraft;
}

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

/** Runs `change` on its own connection to the journal file, as someone with file access would. */
export function tamper(path: string, change: (db: BetterSqlite3.Database) => void): void {
  const db = new BetterSqlite3(path);
  try {
    db.transaction(() => change(db))();
  } finally {
    db.close();
  }
}
