import type { Store } from '../store/index.js';
import {
  EVENT_SCAN_ROWS,
  eventsEndCursor,
  listEvents,
  type EventFilter,
  type EventPage,
} from './events-query.js';
import { listIdentities, type IdentityFilter, type IdentityPage } from './identities.js';
import {
  getSession,
  listSessions,
  type SessionDetail,
  type SessionEventsFilter,
  type SessionFilter,
  type SessionPage,
} from './sessions.js';
import { timeline, type Timeline, type TimelineFilter } from './timeline.js';

/** Read access to the journal, for the API, the CLI and the console. */
export interface AuditReader {
  listEvents(filter?: EventFilter): Promise<EventPage>;
  /** The cursor of the journal's end: events listed after it are those committed later. */
  eventsEndCursor(): Promise<string>;
  listSessions(filter?: SessionFilter): Promise<SessionPage>;
  getSession(id: string, filter?: SessionEventsFilter): Promise<SessionDetail | null>;
  /** The identities seen, newest activity first. */
  listIdentities(filter?: IdentityFilter): Promise<IdentityPage>;
  /**
   * What the identity known as `key` (subject, client id or alternate id) did and what its
   * identity provider logged about it, in time order; null if no identity is known as `key`.
   */
  timeline(key: string, filter?: TimelineFilter): Promise<Timeline | null>;
}

export interface AuditReaderOptions {
  /**
   * Awaited before each read. The gateway passes its journal's `indexed`, so that a read sees
   * every event committed before it, not only those the indexer has reached.
   */
  settle?: () => Promise<void>;
  /** Rows a page of events reads at most (EVENT_SCAN_ROWS by default). */
  eventScanRows?: number;
}

export function createAuditReader(store: Store, options: AuditReaderOptions = {}): AuditReader {
  const settle = options.settle ?? (() => Promise.resolve());
  const eventScanRows = options.eventScanRows ?? EVENT_SCAN_ROWS;
  return {
    listEvents: async (filter) => {
      await settle();
      return listEvents(store.db, filter, eventScanRows);
    },
    eventsEndCursor: async () => {
      await settle();
      return eventsEndCursor(store.db);
    },
    listSessions: async (filter) => {
      await settle();
      return listSessions(store.db, filter);
    },
    getSession: async (id, filter) => {
      await settle();
      return getSession(store.db, id, filter);
    },
    listIdentities: async (filter) => {
      await settle();
      return listIdentities(store.db, filter);
    },
    timeline: async (key, filter) => {
      await settle();
      return timeline(store.db, key, filter);
    },
  };
}
