// The one event model: everything Warden observes is an AuditEvent appended to the journal.
// Field names are the public contract of the pull API, the sinks and the console (DESIGN.md):
// add fields freely, rename none.

export type ActorKind = 'agent' | 'person';

export interface Actor {
  subject: string;
  name: string;
  provider: string;
  groups: string[];
  kind: ActorKind;
  /** The OAuth client the token was issued to (Okta `cid`, Entra `azp`/`appid`, `client_id`). */
  clientId?: string | null;
  /**
   * Another name the identity provider knows the actor by (Okta `alternateId`, an Entra user
   * principal name or app id), on idp.* events.
   */
  alternateId?: string | null;
}

export interface EventSource {
  ip: string;
  port?: number;
  /** The client program, e.g. psql's application_name. */
  client?: string | null;
  /** The user name the client sent (informational: identity comes from the token). */
  user?: string | null;
}

export interface EventConnection {
  name: string;
  type: string;
}

export interface EventAuthorization {
  group: string;
  /** Which allow entry matched, e.g. `pg-prod.allow[0]`. */
  rule: string;
  /** The approved access request that let the session open, when the connection needs one. */
  reviewId?: string | null;
}

export interface EventRequest {
  command: string;
  /** Parameter values of the extended query protocol; binary values as `\x…` hex. */
  params?: (string | null)[];
  /** 1-based position of the statement in its session: pairs `db.query.start` with `db.query`. */
  statementIndex?: number;
  /** `simple` (Query message) or `extended` (Parse/Bind/Execute). */
  protocol?: string;
  [key: string]: unknown;
}

export interface EventResponse {
  rows: number;
  bytes: number;
  sample: string;
  truncated: boolean;
  [key: string]: unknown;
}

/**
 * `unknown`: the identity provider's own result fits none of the others (Okta's CHALLENGE,
 * SKIPPED or UNKNOWN); the event keeps that result in `outcome.providerResult`.
 */
export const OUTCOME_RESULTS = ['success', 'failure', 'denied', 'unknown'] as const;

export type OutcomeResult = (typeof OUTCOME_RESULTS)[number];

export interface EventError {
  /** SQLSTATE or another protocol's code. */
  code?: string | null;
  message: string;
}

export interface EventOutcome {
  result: OutcomeResult;
  error: EventError | null;
  durationMs?: number | null;
  [key: string]: unknown;
}

/**
 * Which rule acted on an event and what it decided: a guardrail, a review (access request or
 * command review) or an alert rule.
 */
export interface EventPolicy {
  /** `<connection>.guardrails.<name>`, `<connection>.accessApproval`, or `alerts.<name>`. */
  rule: string;
  /** block | review | approve | deny | expire | withdraw | refuse | alert */
  action: string;
  /** The review, on `review.*` events and on a statement or session a review let through. */
  reviewId?: string | null;
  /** The rule's message, or the reviewer's reason. */
  message?: string | null;
  [key: string]: unknown;
}

/** Carried by `session.end`: what the session did, and how it ended. */
export interface SessionTotals {
  statements: number;
  errors: number;
  rows: number;
  bytesFromClient: number;
  bytesToClient: number;
  /** Statements left out of the record by `recording.exclude` (counted in `statements`). */
  excluded?: number;
  /** Statements refused by a guardrail or a review (never sent to the target). */
  blocked?: number;
  /** With `masking.results`: values masked in what the client received, by detector. */
  maskedForClient?: Record<string, number>;
  /** client_terminated | client_disconnected | upstream_closed | gateway_shutdown | target_unreachable | error */
  endReason: string;
}

export interface AuditEvent {
  /** UUIDv7, the dedupe key everywhere. */
  id: string;
  /** Position in the journal, gap-free, from 1. */
  seq: number;
  /** ISO 8601 with milliseconds, UTC. For a command: when it started. */
  time: string;
  type: string;
  actor: Actor | null;
  source: EventSource | null;
  connection: EventConnection | null;
  sessionId: string | null;
  authorization: EventAuthorization | null;
  request: EventRequest | null;
  response: EventResponse | null;
  outcome: EventOutcome | null;
  /** The provider's original event, for idp.* events. */
  raw: unknown;
  /** Only on `session.end`. */
  totals?: SessionTotals | null;
  /**
   * What masking replaced before the event was stored: detector name → values masked (across
   * the command, its parameters, the result sample and the error). Absent when nothing was.
   */
  masked?: Record<string, number> | null;
  /** On `guardrail.blocked`, `review.*` and `alert.raised`: what acted, and how. */
  policy?: EventPolicy | null;
  prevHash: string;
  hash: string;
}

/** What a producer hands to the journal; the journal assigns id, seq, time (if absent) and the chain. */
export type EventDraft = Partial<Omit<AuditEvent, 'id' | 'seq' | 'prevHash' | 'hash' | 'type'>> & {
  type: string;
};

/** Event types Warden itself writes (idp.* come from the collectors). */
export const EventTypes = {
  sessionStart: 'session.start',
  sessionEnd: 'session.end',
  /** Written before a statement is forwarded: the write-ahead record that it was sent. */
  dbQueryStart: 'db.query.start',
  /** Written when the statement completed: the command with its result. */
  dbQuery: 'db.query',
  dbCancel: 'db.cancel',
  authnFailure: 'authn.failure',
  authzDenied: 'authz.denied',
  guardrailBlocked: 'guardrail.blocked',
  /** An access request or a command review was opened. */
  reviewRequested: 'review.requested',
  /** One approver said yes, and more approvals are needed. */
  reviewApproval: 'review.approval',
  reviewApproved: 'review.approved',
  reviewDenied: 'review.denied',
  /** Nobody decided in time. */
  reviewExpired: 'review.expired',
  /** The statement's session ended (or the gateway restarted) before a decision. */
  reviewWithdrawn: 'review.withdrawn',
  /** Someone tried to decide a review they may not: their own, or without an approver group. */
  reviewRefused: 'review.refused',
  alertRaised: 'alert.raised',
} as const;
