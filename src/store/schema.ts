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

/**
 * Retention's anchor, one row (id 1): every event up to `seq` was removed by retention, and the
 * chain goes on from `hash`, the last removed event's.
 */
export interface RetentionAnchorTable {
  id: number;
  seq: number;
  hash: string;
  /** When the pass that last moved the anchor ran. */
  removed_at: string;
  /** Its ages, as `older than 400d; db.query older than 90d`. */
  reason: string;
  /** The journal.retention event that states this anchor. */
  record_seq: number;
}

/** An event removed by retention after the anchor: enough of it to walk the chain through. */
export interface RetentionLinksTable {
  seq: number;
  hash: string;
  prev_hash: string;
  type: string;
  /** The journal.retention event that lists this seq as removed. */
  record_seq: number;
}

/**
 * How far an age rule has got: every event it covers up to `seq` that was older than its age
 * was removed. `terms` is the rule as it was then (its age and types): a changed rule starts over.
 */
export interface RetentionProgressTable {
  rule: string;
  terms: string;
  seq: number;
}

/** An identity-provider log collector's state (migration 0005); its position is in the journal. */
export interface CollectorsTable {
  name: string;
  /** okta | entra */
  type: string;
  /** running | halted */
  state: string;
  halted_reason: string | null;
  halted_at: string | null;
  /** The fingerprint of the collector's configuration when it halted: a changed one resumes it. */
  halted_config: string | null;
  /** Events collected into the journal, duplicates not counted. */
  collected: number;
  /** The newest provider time (Okta `published`, Entra created/activity time) collected. */
  last_published: string | null;
  /** When a cycle last reached the end of the provider's log. */
  caught_up_at: string | null;
  last_success_at: string | null;
  last_error: string | null;
  last_error_at: string | null;
  /** Set by `warden collectors resume` (or the API); the running collector takes it up. */
  resume_requested_at: string | null;
  updated_at: string;
}

export interface Database {
  events: EventsTable;
  sinks: SinksTable;
  sink_dead_letters: SinkDeadLettersTable;
  sink_replays: SinkReplaysTable;
  retention_anchor: RetentionAnchorTable;
  retention_links: RetentionLinksTable;
  retention_progress: RetentionProgressTable;
  collectors: CollectorsTable;
  identities: IdentitiesTable;
  reviews: ReviewsTable;
  alert_engine: AlertEngineTable;
}

/**
 * An identity the journal has seen act (migration 0006): one row per actor subject, kept current
 * by the journal's indexer in the transaction that adds its events. Statement events are not
 * counted: they are found through their session.
 */
export interface IdentitiesTable {
  subject: string;
  /** The latest non-null value the identity's events carried, in journal order. */
  name: string | null;
  /** The identity provider's name in the gateway's config, or the collector's on idp.* events. */
  provider: string | null;
  /** agent | person */
  kind: string | null;
  /** The OAuth client: Okta `cid`, an Entra app id. */
  client_id: string | null;
  /** Okta's alternateId (an email), an Entra user principal name or app id. */
  alternate_id: string | null;
  /** The earliest and latest event `time` (the provider's time for idp.* events). */
  first_seen: string;
  last_seen: string;
  /** The last event counted. */
  last_seq: number;
  /** Events other than idp.* and statements. */
  gateway_events: number;
  /** idp.* events. */
  idp_events: number;
}

/**
 * An access request or a command review (migration 0007). The approval rule is kept as it was
 * when the review was asked for; JSON columns hold what is only ever read whole.
 */
export interface ReviewsTable {
  /** UUIDv7. */
  id: string;
  /** access | command */
  kind: string;
  /** pending | approved | denied | expired | withdrawn */
  state: string;
  connection_name: string;
  connection_type: string;
  /** `<connection>.accessApproval` or `<connection>.guardrails.<name>`. */
  rule: string;
  requester_subject: string;
  requester_provider: string;
  /** The requester as an event's actor (JSON). */
  requester: string;
  /** Where the request came from, as an event's source (JSON). */
  source: string | null;
  /** The session whose statement waits (command reviews). */
  session_id: string | null;
  command: string | null;
  /** The statement's parameters (JSON). */
  params: string | null;
  /** GroupRef[] (JSON). */
  approver_groups: string;
  approvals_required: number;
  /** The approvals given so far (JSON). */
  approvals: string;
  /** How long an approved access request lets its identity connect. */
  grant_ms: number | null;
  created_at: string;
  /** When an open review expires. */
  expires_at: string;
  decided_at: string | null;
  /** The name of who decided: the last approver, or the one who denied. */
  decided_by: string | null;
  reason: string | null;
  /** Until when an approved access request lets its identity connect. */
  granted_until: string | null;
}

/** Where the alert rules stand in the journal (migration 0008): one row, id 1. */
export interface AlertEngineTable {
  id: number;
  /** The last event the rules evaluated; the first start sets it to the journal's head. */
  cursor_seq: number;
  updated_at: string;
}
