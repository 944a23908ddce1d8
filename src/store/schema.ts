import type { Generated } from 'kysely';

// The tables as Kysely sees them. One definition serves every dialect; migrations.ts creates them.

/**
 * The journal: one row per AuditEvent. `body` is the event's full JSON and the only source of
 * truth; the other columns are copies of body fields, kept so that queries can filter through
 * indexes. verifyJournal checks that they agree with the body.
 */
export interface EventsTable {
  /** Position in the journal, gap-free from 1; assigned by the journal, never by the database. */
  seq: number;
  id: string;
  time: string;
  type: string;
  session_id: string | null;
  actor_subject: string | null;
  actor_name: string | null;
  connection_name: string | null;
  /** `outcome.result`: lets a session's errors be counted without parsing bodies. */
  outcome_result: string | null;
  body: string;
  prev_hash: string;
  hash: string;
}

/**
 * Event types left out of the `events_type_seq` index (migration 0002): the statement events,
 * nearly all rows. A query for another type must say `type NOT IN` these, as literals, for SQLite
 * to use that partial index.
 */
export const TYPES_WITHOUT_TYPE_INDEX = ['db.query.start', 'db.query'] as const;

/** A sink's delivery state (export/). */
export interface SinksTable {
  name: string;
  /** The last seq the destination acknowledged, or skipped by the sink's filter. */
  cursor_seq: number;
  delivered: number;
  last_success_at: string | null;
  last_error: string | null;
  last_error_at: string | null;
  degraded_since: string | null;
  updated_at: string;
}

/** An event a destination refused for good; the event itself stays in the journal. */
export interface SinkDeadLettersTable {
  id: Generated<number>;
  sink: string;
  seq: number;
  event_id: string;
  /** The destination's HTTP status, when it gave one. */
  status: number | null;
  reason: string;
  created_at: string;
  /** Set by `warden sinks redrive`: the delivery worker sends it again. */
  redrive_requested_at: string | null;
}

/** History sent again to one sink, `from_seq` to `until_seq`, with a cursor of its own. */
export interface SinkReplaysTable {
  id: Generated<number>;
  sink: string;
  from_seq: number;
  until_seq: number;
  /** The last seq of the range already sent. */
  cursor_seq: number;
  /** pending | done | cancelled */
  state: string;
  created_at: string;
  finished_at: string | null;
}

export interface Database {
  events: EventsTable;
  sinks: SinksTable;
  sink_dead_letters: SinkDeadLettersTable;
  sink_replays: SinkReplaysTable;
}
