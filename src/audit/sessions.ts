import type { Kysely } from 'kysely';
import type { Database } from '../store/index.js';
import { AuditQueryError } from './errors.js';
import { EventTypes, type AuditEvent } from './event.js';
import { eventFromBody } from './event-row.js';
import { pageLimit, timeFilter } from './query-input.js';
import { summarizeSessions, type SessionSummary } from './session-summary.js';
import { pairStatements, type StatementRecord } from './statements.js';

// A session is a view over the journal: the events sharing a sessionId, opened by session.start.

export interface SessionFilter {
  /** The actor's subject or display name. */
  identity?: string;
  /** The connection's name. */
  connection?: string;
  /** Sessions started at or after this ISO 8601 time. */
  since?: string;
  /** Sessions started before this ISO 8601 time. */
  until?: string;
  /** Default 100, at most 1000. */
  limit?: number;
  /** `nextCursor` of the previous page; absent or null for the first page. */
  cursor?: string | null;
}

export interface SessionPage {
  /** Newest first. */
  sessions: SessionSummary[];
  /** Null on the last page. */
  nextCursor: string | null;
}

export interface SessionEventsFilter {
  /** Events per page: default 1000, at most 1000. */
  limit?: number;
  /** `nextCursor` of the previous page; absent or null for the first page. */
  cursor?: string | null;
}

export interface SessionDetail {
  session: SessionSummary;
  /** A page of the session's events, in journal order. */
  events: AuditEvent[];
  /** The statements of these events (one started on an earlier page has only its result here). */
  statements: StatementRecord[];
  /** Null on the last page. */
  nextCursor: string | null;
}

/** Events per page of a session: a long session is read in pages, never at once. */
const SESSION_EVENTS_PAGE = 1000;

export async function listSessions(
  db: Kysely<Database>,
  filter: SessionFilter = {},
): Promise<SessionPage> {
  const limit = pageLimit(filter.limit);
  let query = db
    .selectFrom('events')
    .select(['seq', 'body'])
    .where('type', '=', EventTypes.sessionStart)
    .orderBy('seq', 'desc')
    // One more than asked tells whether another page exists.
    .limit(limit + 1);
  const { identity, connection, since, until, cursor } = filter;
  if (identity !== undefined) {
    query = query.where((eb) =>
      eb.or([eb('actor_subject', '=', identity), eb('actor_name', '=', identity)]),
    );
  }
  if (connection !== undefined) {
    query = query.where('connection_name', '=', connection);
  }
  if (since !== undefined) {
    query = query.where('time', '>=', timeFilter('since', since));
  }
  if (until !== undefined) {
    query = query.where('time', '<', timeFilter('until', until));
  }
  if (cursor !== undefined && cursor !== null) {
    query = query.where('seq', '<', seqFromCursor(cursor));
  }
  const rows = await query.execute();
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    sessions: await summarizeSessions(
      db,
      page.map((row) => eventFromBody(row.body)),
    ),
    nextCursor: rows.length > limit && last ? cursorAfter(last.seq) : null,
  };
}

export async function getSession(
  db: Kysely<Database>,
  id: string,
  filter: SessionEventsFilter = {},
): Promise<SessionDetail | null> {
  const limit = pageLimit(filter.limit, SESSION_EVENTS_PAGE);
  const after = filter.cursor ? seqFromCursor(filter.cursor) : 0;
  const rows = await db
    .selectFrom('events')
    .select(['seq', 'body'])
    .where('session_id', '=', id)
    .where('seq', '>', after)
    .orderBy('seq')
    .limit(limit + 1)
    .execute();
  // The session opens with its first event (its session.start), on the first page.
  const first =
    after === 0
      ? rows[0]
      : await db
          .selectFrom('events')
          .select(['seq', 'body'])
          .where('session_id', '=', id)
          .orderBy('seq')
          .limit(1)
          .executeTakeFirst();
  if (first === undefined) return null;
  const [session] = await summarizeSessions(db, [eventFromBody(first.body)]);
  if (session === undefined) return null;
  const page = rows.slice(0, limit);
  const events = page.map((row) => eventFromBody(row.body));
  const last = page.at(-1);
  return {
    session,
    events,
    statements: pairStatements(events),
    nextCursor: rows.length > limit && last ? cursorAfter(last.seq) : null,
  };
}

// The cursor is the seq of the last session.start returned. It is opaque to clients so that
// what it holds can change without breaking them.

function cursorAfter(seq: number): string {
  return Buffer.from(`seq:${seq}`).toString('base64url');
}

function seqFromCursor(cursor: string): number {
  const match = /^seq:(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (match === null) {
    throw new AuditQueryError('cursor', 'not a cursor returned by this listing');
  }
  return Number(match[1]);
}
