import type { Store } from '../store/index.js';
import type { AuditEvent } from './event.js';
import { listEvents, type EventFilter } from './events-query.js';
import {
  getSession,
  listSessions,
  type SessionDetail,
  type SessionFilter,
  type SessionPage,
} from './sessions.js';

/** Read access to the journal, for the API, the CLI and the console. */
export interface AuditReader {
  listEvents(filter?: EventFilter): Promise<AuditEvent[]>;
  listSessions(filter?: SessionFilter): Promise<SessionPage>;
  getSession(id: string): Promise<SessionDetail | null>;
}

export function createAuditReader(store: Store): AuditReader {
  return {
    listEvents: (filter) => listEvents(store.db, filter),
    listSessions: (filter) => listSessions(store.db, filter),
    getSession: (id) => getSession(store.db, id),
  };
}
