import type { Kysely, SelectQueryBuilder } from 'kysely';
import type { Database } from '../store/index.js';
import { EventTypes, type AuditEvent } from './event.js';
import { eventFromBody } from './event-row.js';
import { statementTypeLiterals } from './events-query.js';
import { identitiesKnownAs, type Identity } from './identities.js';
import { pageLimit, textFilter, timeRange } from './query-input.js';
import { seqAtTime } from './seq-at-time.js';
import { timeCursor, timePosition, type TimePosition } from './time-cursor.js';

// One identity's story in time order: what its identity provider logged about it (idp.* events,
// dated by the provider and recorded later, often after what followed them) and what it did
// through Warden (its events, and the statements of its sessions).
//
// Items are read in (time, seq) order, which is not the journal's seq order, a page at a time:
// - the identity's own events (every type but statements) through events_actor_subject_time,
//   a page's worth per subject, in (time, seq) order;
// - the statement results (db.query) of its sessions that can reach into the page, each session
//   through events_session_id_seq from where the page starts. A session's statements run one at a
//   time and are answered in order, so its db.query events are recorded in the order of their
//   times: read in seq order, they come in time order, and a page's worth is enough.
// The two are merged and the first `limit` make the page.

export interface TimelineFilter {
  /** Items whose time is at or after this ISO 8601 time. */
  since?: string;
  /** Items whose time is before this ISO 8601 time. */
  until?: string;
  /** `nextCursor` of the previous page. */
  after?: string;
  /** Default 100, at most 1000. */
  limit?: number;
}

export interface Timeline {
  /** The identities the key named (subject, client id or alternate id), by subject. */
  identities: Identity[];
  /** Their events and their sessions' statements, in (time, seq) order. */
  items: AuditEvent[];
  /** Null once no item (before `until`) remains. */
  nextCursor: string | null;
}

/**
 * How long before a page's start a session still running in it can have started. A session ends
 * when the token that opened it expires (tokens live an hour or so), so a day is ample; a session
 * opened with a token that never expires and running longer would have its later statements left
 * out. Without this bound every session of the identity would be a candidate on every page.
 */
const SESSION_LOOKBACK_MS = 24 * 3_600_000;

/** An item's place in the timeline. */
interface Placed {
  seq: number;
  time: string;
}

/** Where a page's items may lie: after `after`, at or after `since`, before `until`. */
interface Bounds {
  after: TimePosition<number> | undefined;
  since: string | undefined;
  until: string | undefined;
}

/** The timeline of the identity known as `key`, or null if no identity is known as it. */
export async function timeline(
  db: Kysely<Database>,
  key: string,
  filter: TimelineFilter = {},
): Promise<Timeline | null> {
  const limit = pageLimit(filter.limit);
  const bounds: Bounds = {
    ...timeRange(filter.since, filter.until),
    after: filter.after === undefined ? undefined : timePosition(filter.after, 'number'),
  };
  const identities = await identitiesKnownAs(db, textFilter('subject', key));
  if (identities.length === 0) return null;
  const subjects = identities.map((identity) => identity.subject);

  // limit + 1 tells whether another page exists.
  const wanted = limit + 1;
  const own = inOrder(
    (await Promise.all(subjects.map((subject) => ownEvents(db, subject, bounds, wanted)))).flat(),
  ).slice(0, wanted);
  // With a page's worth of its own events, the page ends at the last of them at the latest.
  const end = own.length === wanted ? own[limit]?.time : undefined;
  const statements = await sessionStatements(db, subjects, bounds, end, wanted);
  const placed = inOrder([...own, ...statements]);
  const page = placed.slice(0, limit);
  const last = page.at(-1);
  return {
    identities,
    items: await bodies(db, page),
    nextCursor: placed.length > limit && last ? timeCursor(last.time, last.seq) : null,
  };
}

/** The subject's events other than statements, in (time, seq) order, `count` at most. */
function ownEvents(
  db: Kysely<Database>,
  subject: string,
  bounds: Bounds,
  count: number,
): Promise<Placed[]> {
  return within(
    db
      .selectFrom('events')
      .select(['seq', 'time'])
      .where('actor_subject', '=', subject)
      // Literally, so that SQLite sees the query within the partial index.
      .where('type', 'not in', statementTypeLiterals()),
    bounds,
  )
    .orderBy('time')
    .orderBy('seq')
    .limit(count)
    .execute();
}

/**
 * The statement results of the subjects' sessions that can have some in the page, `count` at
 * most per session: the sessions started from SESSION_LOOKBACK_MS before the page's start up to
 * its end, but those that ended before its start.
 */
async function sessionStatements(
  db: Kysely<Database>,
  subjects: string[],
  bounds: Bounds,
  end: string | undefined,
  count: number,
): Promise<Placed[]> {
  const start = pageStart(bounds);
  let sessions = db
    .selectFrom('events as opened')
    .select('opened.session_id')
    .where('opened.actor_subject', 'in', subjects)
    .where('opened.type', 'not in', statementTypeLiterals())
    .where('opened.type', '=', EventTypes.sessionStart)
    .where('opened.session_id', 'is not', null);
  if (start !== undefined) {
    const lookback = new Date(Date.parse(start) - SESSION_LOOKBACK_MS).toISOString();
    sessions = sessions
      .where('opened.time', '>=', lookback)
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('events as ended')
              .select('ended.seq')
              .where('ended.type', '=', EventTypes.sessionEnd)
              .whereRef('ended.session_id', '=', 'opened.session_id')
              .where('ended.time', '<', start),
          ),
        ),
      );
  }
  if (end !== undefined) sessions = sessions.where('opened.time', '<=', end);
  else if (bounds.until !== undefined) sessions = sessions.where('opened.time', '<', bounds.until);
  const ids = (await sessions.execute()).map((row) => row.session_id as string);
  if (ids.length === 0) return [];

  // Nothing recorded before the page's start is dated after it (seq-at-time.ts).
  const fromSeq = start === undefined ? 0 : await seqAtTime(db, start);
  const perSession = await Promise.all(
    ids.map((id) =>
      within(
        db
          .selectFrom('events')
          .select(['seq', 'time'])
          .where('session_id', '=', id)
          .where('seq', '>=', fromSeq)
          .where('type', '=', EventTypes.dbQuery),
        bounds,
      )
        .orderBy('seq')
        .limit(count)
        .execute(),
    ),
  );
  return perSession.flat();
}

/** The query restricted to the page's bounds. */
function within(
  query: SelectQueryBuilder<Database, 'events', Placed>,
  bounds: Bounds,
): SelectQueryBuilder<Database, 'events', Placed> {
  let bounded = query;
  const { after, since, until } = bounds;
  if (after !== undefined) {
    bounded = bounded.where((eb) =>
      eb(eb.refTuple('time', 'seq'), '>', eb.tuple(after.time, after.key)),
    );
  }
  if (since !== undefined) bounded = bounded.where('time', '>=', since);
  if (until !== undefined) bounded = bounded.where('time', '<', until);
  return bounded;
}

/** The page's earliest possible time, if it has one. */
function pageStart({ after, since }: Bounds): string | undefined {
  if (after === undefined) return since;
  return since !== undefined && since > after.time ? since : after.time;
}

function inOrder(items: Placed[]): Placed[] {
  return items.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : a.seq - b.seq));
}

/** The page's events, read by seq once the page is known (bodies can be large). */
async function bodies(db: Kysely<Database>, page: Placed[]): Promise<AuditEvent[]> {
  if (page.length === 0) return [];
  const rows = await db
    .selectFrom('events')
    .select(['seq', 'body'])
    .where(
      'seq',
      'in',
      page.map((item) => item.seq),
    )
    .execute();
  const bySeq = new Map(rows.map((row) => [row.seq, row.body]));
  // An event retention removed since its place was read is left out.
  return page.flatMap((item) => {
    const body = bySeq.get(item.seq);
    return body === undefined ? [] : [eventFromBody(body)];
  });
}
