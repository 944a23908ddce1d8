import { sql, type Kysely } from 'kysely';
import { TYPES_WITHOUT_TYPE_INDEX, type Database } from '../store/index.js';
import { AuditQueryError } from './errors.js';
import type { AuditEvent } from './event.js';
import { eventFromBody } from './event-row.js';
import {
  likeContaining,
  outcomeFilter,
  pageLimit,
  quoted,
  textFilter,
  timeRange,
  typePattern,
} from './query-input.js';
import { lastSeq, seqAtTime } from './seq-at-time.js';
import { isStatementType } from './statements.js';

export interface EventFilter {
  /** Events whose time is at or after this ISO 8601 time. */
  since?: string;
  /**
   * Events whose time is before this ISO 8601 time. Reading stops where the journal recorded
   * `until`: an event dated before it but recorded after it (the result of a statement still
   * running then) is listed only without `until`, or with a later one.
   */
  until?: string;
  /** An event type (`db.query`) or a prefix pattern (`db.*`). */
  type?: string;
  /** The actor's subject or name. */
  actor?: string;
  /** One of the actor's groups. */
  group?: string;
  /** The connection's name. */
  connection?: string;
  /** `outcome.result`: success, failure, denied or unknown. */
  result?: string;
  /** Text in `request.command`, case-insensitively (ASCII letters). */
  q?: string;
  /** `nextCursor` of the previous page; older clients send the last seq they saw, also taken. */
  after?: string;
  /** Default 100, at most 1000. */
  limit?: number;
}

export interface EventPage {
  /** In journal order (ascending seq). */
  events: AuditEvent[];
  /**
   * Where the next page starts: always given without `until` (a poller follows it forever; a
   * page may be empty and the cursor unchanged). With `until`, null once nothing before it remains.
   */
  nextCursor: string | null;
}

/**
 * Rows a page reads at most, wherever its matches are: a sparse filter over a long journal is
 * answered a window at a time, each page's cursor saying how far it read.
 */
export const EVENT_SCAN_ROWS = 50_000;

/** A time older than this has no appends in flight any more (see untilReached). */
const IN_FLIGHT_MS = 60_000;

/**
 * A page of raw AuditEvents in journal order. The cursor it returns is the position it read up to,
 * not its last event: a page that scanned `scanRows` rows without a match still moves on, and
 * nothing committed below the cursor can appear later, because the table is filled in seq order
 * and a page never reads past the table's last event.
 */
export async function listEvents(
  db: Kysely<Database>,
  filter: EventFilter = {},
  scanRows = EVENT_SCAN_ROWS,
): Promise<EventPage> {
  const checked = checkFilter(filter);
  const { since, until, type } = checked;
  const last = await lastSeq(db);
  const from =
    since === undefined ? checked.after : Math.max(checked.after, (await seqAtTime(db, since)) - 1);
  const untilSeq = until === undefined ? undefined : await seqAtTime(db, until);
  const readTo = untilSeq === undefined ? last : Math.min(untilSeq - 1, last);
  // Statement events are most of the journal: they, and type prefixes (which may match them), are
  // read in seq order. Any other type is read through the partial type index, which SQLite uses
  // only when the query repeats the index's condition, literally.
  const indexedType =
    type !== undefined && 'exact' in type && !isStatementType(type.exact) ? type.exact : null;
  const to = Math.max(
    from,
    indexedType === null
      ? Math.min(readTo, from + scanRows)
      : await typeWindowEnd(db, indexedType, from, readTo, scanRows),
  );

  let query = db
    .selectFrom('events')
    .select(['seq', 'body'])
    .where('seq', '>', from)
    .where('seq', '<=', to)
    .orderBy('seq')
    .limit(checked.limit);
  if (indexedType !== null) {
    query = query.where('type', '=', indexedType).where('type', 'not in', statementTypeLiterals());
  } else if (type !== undefined) {
    query =
      'exact' in type
        ? query.where('type', '=', type.exact)
        : query.where('type', '>=', type.prefix).where('type', '<', prefixEnd(type.prefix));
  }
  if (since !== undefined) query = query.where('time', '>=', since);
  if (until !== undefined) query = query.where('time', '<', until);
  const { actor, connection, result, group, commandLike } = checked;
  if (actor !== undefined) {
    query = query.where((eb) =>
      eb.or([eb('actor_subject', '=', actor), eb('actor_name', '=', actor)]),
    );
  }
  if (connection !== undefined) query = query.where('connection_name', '=', connection);
  if (result !== undefined) query = query.where('outcome_result', '=', result);
  // The conditions on the body come last: they parse its JSON.
  if (group !== undefined) {
    query = query.where(
      sql<boolean>`exists (select 1 from json_each(events.body, '$.actor.groups') where json_each.value = ${group})`,
    );
  }
  if (commandLike !== undefined) {
    query = query.where(
      sql<boolean>`json_extract(events.body, '$.request.command') like ${commandLike} escape '\\'`,
    );
  }

  const rows = await query.execute();
  // A full page stops at its last event; otherwise the whole window was read.
  const reached = (rows.length === checked.limit ? rows.at(-1)?.seq : undefined) ?? to;
  const done =
    until !== undefined &&
    untilSeq !== undefined &&
    reached >= readTo &&
    untilReached(until, untilSeq, last);
  return {
    events: rows.map((row) => eventFromBody(row.body)),
    nextCursor: done ? null : eventCursor(reached),
  };
}

/** Every filter checked before anything is read: a bad one is an AuditQueryError naming it. */
function checkFilter(filter: EventFilter) {
  const optional = <T>(value: string | undefined, check: (value: string) => T) =>
    value === undefined ? undefined : check(value);
  return {
    ...timeRange(filter.since, filter.until),
    type: optional(filter.type, typePattern),
    actor: optional(filter.actor, (value) => textFilter('actor', value)),
    group: optional(filter.group, (value) => textFilter('group', value)),
    connection: optional(filter.connection, (value) => textFilter('connection', value)),
    result: optional(filter.result, outcomeFilter),
    commandLike: optional(filter.q, (value) => likeContaining(textFilter('q', value))),
    after: optional(filter.after, seqFromCursor) ?? 0,
    limit: pageLimit(filter.limit),
  };
}

/** The cursor of the journal's end: listing events after it returns those committed later. */
export async function eventsEndCursor(db: Kysely<Database>): Promise<string> {
  return eventCursor(await lastSeq(db));
}

// A cursor is a journal position: events after that seq come next. It is opaque to clients so
// that what it holds can change without breaking them.

/** The cursor after the event at `seq`: an SSE event's id, a page's next position. */
export function eventCursor(seq: number): string {
  return Buffer.from(`after:${seq}`).toString('base64url');
}

function seqFromCursor(cursor: string): number {
  // A bare seq is what `after` took before it was a cursor.
  if (/^\d{1,15}$/.test(cursor)) return Number(cursor);
  const match = /^after:(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString());
  const seq = match === null ? null : Number(match[1]);
  if (seq === null || eventCursor(seq) !== cursor) {
    throw new AuditQueryError(
      'after',
      `expected a cursor from a next link or an event id (or a seq), got ${quoted(cursor)}`,
    );
  }
  return seq;
}

/**
 * Whether no event dated before `until` can still be recorded below `untilSeq`: once the table
 * holds an event recorded at or after `until`, every event stamped earlier precedes it (ids are
 * stamped in seq order); otherwise once `until` is so long past that no append stamped before it
 * can still be in flight.
 */
function untilReached(until: string, untilSeq: number, last: number): boolean {
  return untilSeq <= last || Date.parse(until) <= Date.now() - IN_FLIGHT_MS;
}

/** The seq of the `scanRows`-th event of `type` after `from`, or `readTo` if there are fewer. */
async function typeWindowEnd(
  db: Kysely<Database>,
  type: string,
  from: number,
  readTo: number,
  scanRows: number,
): Promise<number> {
  const row = await db
    .selectFrom('events')
    .select('seq')
    .where('type', '=', type)
    .where('type', 'not in', statementTypeLiterals())
    .where('seq', '>', from)
    .where('seq', '<=', readTo)
    .orderBy('seq')
    .limit(1)
    .offset(scanRows - 1)
    .executeTakeFirst();
  return row?.seq ?? readTo;
}

/**
 * The statement types as SQL literals: SQLite uses an index that leaves them out (migrations 0002,
 * 0006) only for a query that repeats its condition literally.
 */
export function statementTypeLiterals() {
  return TYPES_WITHOUT_TYPE_INDEX.map((type) => sql.lit(type));
}

/** The least text above every text starting with `prefix`, which ends in a dot. */
function prefixEnd(prefix: string): string {
  return `${prefix.slice(0, -1)}/`;
}
