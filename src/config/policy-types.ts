// The shape of what acts on commands in warden.yaml: guardrails and reviews (per connection),
// masking, recording exclusions, alert rules and the channels that carry notifications. Key
// names are a contract with users: add keys freely, rename none.
import type { OutcomeResult } from '../audit/event.js';
import type { GroupRef } from './types.js';

/**
 * Statement kinds a rule can name. For PostgreSQL they come from the real parser (libpg-query):
 * every statement of a multi-statement string and every statement inside a CTE counts.
 * `ddl` is any schema change (CREATE, ALTER, DROP, COMMENT, ...); `role` creates, alters or drops
 * a role or user; `delete-without-where` and `update-without-where` also match inside a CTE;
 * `unparsed` is a command the parser could not read (the target will refuse it too, but a rule
 * may still want to hold it).
 */
export const STATEMENT_KINDS = [
  'select',
  'insert',
  'update',
  'delete',
  'merge',
  'copy',
  'truncate',
  'create',
  'alter',
  'drop',
  'ddl',
  'grant',
  'revoke',
  'role',
  'transaction',
  'set',
  'call',
  'do',
  'delete-without-where',
  'update-without-where',
  'unparsed',
  'other',
] as const;

export type StatementKind = (typeof STATEMENT_KINDS)[number];

/**
 * What a rule matches in a command. Every condition given must hold; a list holds when any of
 * its entries does. At least one condition is given.
 */
export interface CommandMatch {
  /** Any statement of the command is of one of these kinds. */
  statements: StatementKind[];
  /** The command touches one of these tables (`orders` or `public.orders`; case-insensitive). */
  tables: string[];
  /** One of these regular expressions matches the command text (compiled at load). */
  patterns: RegExp[];
}

/** Who may decide a review, and how many of them must say yes. */
export interface ApprovalPolicy {
  /** Members of any of these groups may approve or deny; never the requester. */
  approverGroups: GroupRef[];
  /** Approvals needed, from different people. */
  approvals: number;
}

export interface CommandReviewPolicy extends ApprovalPolicy {
  /** How long the statement waits for a decision before it is refused. */
  timeoutMs: number;
}

export interface GuardrailRule {
  /** Unique within its connection; the record names it as `<connection>.guardrails.<name>`. */
  name: string;
  match: CommandMatch;
  /** `block`: refused before it reaches the target; `review`: held until approved. */
  action: 'block' | 'review';
  /** Returned to the client when blocked (or denied); a default names the rule. */
  message: string | null;
  /** Set when `action` is `review`. */
  review: CommandReviewPolicy | null;
}

/** Just-in-time access: an identity needs an approved request before it may connect. */
export interface AccessApprovalPolicy extends ApprovalPolicy {
  /** How long an approved request lets its identity connect. */
  durationMs: number;
  /** How long a request stays open for a decision. */
  requestTtlMs: number;
}

export const BUILTIN_DETECTORS = ['email', 'card', 'secrets', 'passwords'] as const;
export type BuiltinDetector = (typeof BUILTIN_DETECTORS)[number];

export interface CustomDetector {
  name: string;
  /** Global regular expression: every match is replaced. */
  pattern: RegExp;
}

export interface MaskingConfig {
  /** Built-in detectors applied to the record (default: all of them). */
  detectors: BuiltinDetector[];
  custom: CustomDetector[];
  /** Also masked in the results the client receives (default: nothing). */
  results: {
    /** Column names (case-insensitive) whose values are replaced whole. */
    columns: string[];
    /** Detectors (built-in or custom names) applied to every value the client receives. */
    detectors: string[];
  };
}

/** Commands left out of the record (still counted in the session's totals). */
export interface RecordingExclusion extends CommandMatch {
  /** Connections it applies to; empty: all. */
  connections: string[];
}

export const ALERT_SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

/** What events an alert rule counts. Every condition given must hold; empty lists do not restrict. */
export interface AlertMatch {
  /** Event types; `db.*` matches every type starting with `db.`. */
  types: string[];
  connections: string[];
  /** Tags of the event's connection (from `connections[].tags`). */
  tags: string[];
  /** Any of the actor's groups. */
  groups: string[];
  kinds: ('agent' | 'person')[];
  /** For events with a command: its statement kinds, tables and patterns, as for guardrails. */
  command: CommandMatch | null;
  outcomes: OutcomeResult[];
}

export interface AlertThreshold {
  /** Matching events needed within the window. */
  count: number;
  windowMs: number;
  /** Counted separately per actor (subject), connection, session or source address. */
  by: 'actor' | 'connection' | 'session' | 'source' | 'all';
}

export interface AlertRule {
  name: string;
  severity: AlertSeverity;
  description: string | null;
  match: AlertMatch;
  /** Null: every matching event raises the alert. */
  threshold: AlertThreshold | null;
  /** Names of `notifications` channels told when the alert is raised. */
  notify: string[];
}

export interface NotificationChannel {
  name: string;
  /** `webhook`: a signed JSON POST (Standard Webhooks); `slack`: a Slack incoming webhook. */
  type: 'webhook' | 'slack';
  /** Never shown (a Slack webhook URL is itself a secret). */
  url: string;
  /** Standard Webhooks secret (`whsec_…`) for `webhook`; null sends unsigned. Never shown. */
  secret: string | null;
  timeoutMs: number;
}

export interface ReviewsConfig {
  /** Channels told of every new access request or command review. */
  notify: string[];
  /** Where reviewers are sent to approve, named in messages (default: the API's address). */
  approveUrl: string | null;
}
