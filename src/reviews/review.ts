import type { Actor, EventConnection, EventSource } from '../audit/event.js';
import type { GroupRef } from '../config/types.js';

// What a review is, as the service keeps it and as the API and the CLI show it.

export const REVIEW_KINDS = ['access', 'command'] as const;
/** `access`: an identity asks to use a connection; `command`: a statement waits for a yes. */
export type ReviewKind = (typeof REVIEW_KINDS)[number];

export const REVIEW_STATES = ['pending', 'approved', 'denied', 'expired', 'withdrawn'] as const;
export type ReviewState = (typeof REVIEW_STATES)[number];

/** One approver's yes. */
export interface Approval {
  subject: string;
  provider: string;
  name: string;
  /** ISO 8601. */
  at: string;
  reason: string | null;
}

/** A review with its approval rule as it was when it was asked for. */
export interface ReviewRecord {
  id: string;
  kind: ReviewKind;
  state: ReviewState;
  connection: EventConnection;
  /** `<connection>.accessApproval` or `<connection>.guardrails.<name>`. */
  rule: string;
  requester: Actor;
  source: EventSource | null;
  /** The session whose statement waits (command reviews). */
  sessionId: string | null;
  command: string | null;
  params: (string | null)[] | null;
  approverGroups: GroupRef[];
  approvalsRequired: number;
  approvals: Approval[];
  /** How long an approved access request lets its identity connect. */
  grantMs: number | null;
  createdAt: Date;
  expiresAt: Date;
  decidedAt: Date | null;
  /** The name of who decided: the approver whose yes was the last needed, or who denied. */
  decidedBy: string | null;
  reason: string | null;
  grantedUntil: Date | null;
}

/** A review as the API returns it and the CLI prints it. Never holds a token. */
export interface ReviewView {
  id: string;
  kind: ReviewKind;
  state: ReviewState;
  connection: EventConnection;
  rule: string;
  requester: { subject: string; name: string; provider: string; kind: Actor['kind'] };
  sessionId?: string | null;
  command?: string;
  params?: (string | null)[];
  approverGroups: GroupRef[];
  approvalsRequired: number;
  approvals: {
    subject: string;
    name: string;
    provider: string;
    at: string;
    reason: string | null;
  }[];
  createdAt: string;
  expiresAt: string;
  decidedAt: string | null;
  decidedBy: string | null;
  reason: string | null;
  /** Access requests: until when an approved one lets its identity connect. */
  grantedUntil?: string | null;
}

/** How a command review ended, for the statement that waits on it. */
export type ReviewDecision =
  | { approved: true; approvers: string[] }
  | {
      approved: false;
      outcome: 'denied' | 'expired' | 'withdrawn';
      reason: string;
      /** The name of who denied; null when nobody decided. */
      by: string | null;
    };

/** A command review just opened: its statement waits on `decision`. */
export interface PendingReview {
  id: string;
  expiresAt: Date;
  /** Resolves once approved, denied, expired or withdrawn; never rejects. */
  decision: Promise<ReviewDecision>;
  /** The statement no longer waits (its session ended): the review is closed as withdrawn. */
  withdraw(reason: string): void;
}

/** Whether an identity may use a connection that needs an approved access request. */
export type AccessCheck =
  | { granted: true; reviewId: string; until: Date }
  | {
      granted: false;
      reviewId: string;
      /** Whether this check opened the request (else it was open already). */
      created: boolean;
      expiresAt: Date;
    };

export function toView(record: ReviewRecord): ReviewView {
  const { requester } = record;
  return {
    id: record.id,
    kind: record.kind,
    state: record.state,
    connection: record.connection,
    rule: record.rule,
    requester: {
      subject: requester.subject,
      name: requester.name,
      provider: requester.provider,
      kind: requester.kind,
    },
    ...(record.kind === 'command'
      ? {
          sessionId: record.sessionId,
          command: record.command ?? '',
          ...(record.params ? { params: record.params } : {}),
        }
      : {}),
    approverGroups: record.approverGroups,
    approvalsRequired: record.approvalsRequired,
    approvals: record.approvals.map(({ subject, name, provider, at, reason }) => ({
      subject,
      name,
      provider,
      at,
      reason,
    })),
    createdAt: record.createdAt.toISOString(),
    expiresAt: record.expiresAt.toISOString(),
    decidedAt: record.decidedAt?.toISOString() ?? null,
    decidedBy: record.decidedBy,
    reason: record.reason,
    ...(record.kind === 'access'
      ? { grantedUntil: record.grantedUntil?.toISOString() ?? null }
      : {}),
  };
}
