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
  /** Closes the store, and removes its temporary directory if it was opened in one. */
  cleanup(): Promise<void>;
}

type TempStoreOptions = OpenStoreOptions & { synchronous?: 'normal' | 'full' };

export async function openTempStore(options: TempStoreOptions = {}): Promise<TempStore> {
  const dir = mkdtempSync(join(tmpdir(), 'warden-audit-'));
  return openStoreFile(join(dir, 'journal.db'), options, dir);
}

/** A store on the SQLite file at `path` (a copy, say); its cleanup removes `dir` if given. */
export async function openStoreFile(
  path: string,
  options: TempStoreOptions = {},
  dir?: string,
): Promise<TempStore> {
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
      if (dir) rmSync(dir, { recursive: true, force: true });
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

/** Two days ago, on the hour: tests date events before they are recorded, as in production. */
export const pastHour = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 2 * 86_400_000;

/** The time `seconds` after `pastHour`. */
export const at = (seconds: number): string => new Date(pastHour + seconds * 1000).toISOString();

/** `draft` dated `seconds` after `pastHour`: the fixtures date statements when they are written. */
export const dated = (seconds: number, draft: EventDraft): EventDraft => ({
  ...draft,
  time: at(seconds),
});

/**
 * billing-agent as the identity tests see it: a session at 10 s with one DELETE, ended at 12 s,
 * and Okta's record of the token it issued at 5 s, which its collector appends after the session.
 */
export function billingAgentStory(): { session: EventDraft[]; token: EventDraft } {
  const billing = sessionDrafts({ sessionId: 'billing' });
  return {
    session: [
      dated(10, billing.start()),
      dated(11, billing.statementStart(1, 'DELETE FROM orders WHERE id = $1', ['42'])),
      dated(11, billing.statementResult(1, 'DELETE FROM orders WHERE id = $1')),
      dated(12, billing.end({ statements: 1, errors: 0 })),
    ],
    token: idpEventDraft('okta', at(5), billingAgent, 'app.oauth2.as.token.grant.access_token', {
      clientId: billingAgent.subject,
      alternateId: 'billing-agent-app',
    }),
  };
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

/** Runs `read` on its own read-only connection to the journal file. */
export function withDatabase<T>(path: string, read: (db: BetterSqlite3.Database) => T): T {
  const db = new BetterSqlite3(path, { readonly: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}
