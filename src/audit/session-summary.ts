import type { Kysely } from 'kysely';
import type { Database } from '../store/index.js';
import {
  EventTypes,
  type Actor,
  type AuditEvent,
  type EventAuthorization,
  type EventConnection,
  type EventSource,
} from './event.js';
import { eventFromBody } from './event-row.js';

/** A session at a glance: who, from where, to what, why they were let in, and what happened. */
export interface SessionSummary {
  id: string;
  startedAt: string;
  /** Null while the session runs, or if the gateway stopped before recording its end. */
  endedAt: string | null;
  actor: Actor | null;
  source: EventSource | null;
  connection: EventConnection | null;
  authorization: EventAuthorization | null;
  statements: number;
  errors: number;
  endReason: string | null;
  durationMs: number | null;
}

interface LiveCounts {
  statements: number;
  errors: number;
}

/** Outcomes counted as a session's errors. */
const errorResults = ['failure', 'denied'];

/**
 * Summaries of the sessions opened by the given events (their `session.start`, or for a session
 * recorded without one, its first event). Totals come from `session.end` when it carries them;
 * otherwise they are counted from the session's statement events.
 */
export async function summarizeSessions(
  db: Kysely<Database>,
  openings: AuditEvent[],
): Promise<SessionSummary[]> {
  const ids = openings.flatMap((event) => (event.sessionId === null ? [] : [event.sessionId]));
  if (ids.length === 0) return [];
  const ends = await sessionEnds(db, ids);
  const uncounted = ids.filter((id) => !ends.get(id)?.totals);
  const live =
    uncounted.length > 0 ? await countStatements(db, uncounted) : new Map<string, LiveCounts>();
  return openings.flatMap((opening) => {
    const id = opening.sessionId;
    return id === null ? [] : [summary(id, opening, ends.get(id) ?? null, live.get(id))];
  });
}

function summary(
  id: string,
  opening: AuditEvent,
  end: AuditEvent | null,
  live: LiveCounts | undefined,
): SessionSummary {
  const totals = end?.totals ?? null;
  const endedAt = end?.time ?? null;
  return {
    id,
    startedAt: opening.time,
    endedAt,
    actor: opening.actor,
    source: opening.source,
    connection: opening.connection,
    authorization: opening.authorization,
    statements: totals?.statements ?? live?.statements ?? 0,
    errors: totals?.errors ?? live?.errors ?? 0,
    endReason: totals?.endReason ?? null,
    durationMs: endedAt === null ? null : Date.parse(endedAt) - Date.parse(opening.time),
  };
}

async function sessionEnds(db: Kysely<Database>, ids: string[]): Promise<Map<string, AuditEvent>> {
  const rows = await db
    .selectFrom('events')
    .select(['session_id', 'body'])
    .where('type', '=', EventTypes.sessionEnd)
    .where('session_id', 'in', ids)
    .orderBy('seq')
    .execute();
  return new Map(rows.map((row) => [row.session_id as string, eventFromBody(row.body)]));
}

/**
 * Counts in the database, without reading bodies: a session still running may already hold
 * millions of statements. Every statement writes a start before it is forwarded and a result
 * when it completes; the larger of the two counts includes statements still in flight.
 */
async function countStatements(
  db: Kysely<Database>,
  ids: string[],
): Promise<Map<string, LiveCounts>> {
  const rows = await db
    .selectFrom('events')
    .select((eb) => [
      'session_id',
      eb.fn
        .countAll<number | string>()
        .filterWhere('type', '=', EventTypes.dbQueryStart)
        .as('started'),
      eb.fn
        .countAll<number | string>()
        .filterWhere('type', '=', EventTypes.dbQuery)
        .as('completed'),
      eb.fn
        .countAll<number | string>()
        .filterWhere((filter) =>
          filter.and([
            filter('type', '=', EventTypes.dbQuery),
            filter('outcome_result', 'in', errorResults),
          ]),
        )
        .as('errors'),
    ])
    .where('session_id', 'in', ids)
    .where('type', 'in', [EventTypes.dbQueryStart, EventTypes.dbQuery])
    .groupBy('session_id')
    .execute();
  // Counts are numbers in SQLite but strings (bigint) in PostgreSQL.
  return new Map(
    rows.map((row) => [
      row.session_id as string,
      {
        statements: Math.max(Number(row.started), Number(row.completed)),
        errors: Number(row.errors),
      },
    ]),
  );
}
