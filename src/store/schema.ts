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

export interface Database {
  events: EventsTable;
}
