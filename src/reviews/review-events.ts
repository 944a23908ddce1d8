import { EventTypes, type Actor, type EventDraft, type EventPolicy } from '../audit/event.js';
import type { Principal } from '../identity/principal.js';
import type { ReviewRecord } from './review.js';

// The journal's record of each step of a review. Every event names the review (policy.reviewId)
// and its rule; only review.requested carries the command, the others point to it.

/** EventPolicy but its rule and review, which come from the record. */
type PolicyFields = Pick<EventPolicy, 'action' | 'message'> & Record<string, unknown>;

function reviewEvent(
  type: string,
  record: ReviewRecord,
  actor: Actor,
  policy: PolicyFields,
): EventDraft {
  return {
    type,
    actor,
    connection: record.connection,
    sessionId: record.sessionId,
    policy: { rule: record.rule, reviewId: record.id, ...policy },
  };
}

export function actorOf(principal: Principal): Actor {
  return {
    subject: principal.subject,
    name: principal.name,
    provider: principal.provider,
    groups: principal.groups,
    kind: principal.kind,
    clientId: principal.clientId,
  };
}

export function requestedEvent(record: ReviewRecord): EventDraft {
  return {
    ...reviewEvent(EventTypes.reviewRequested, record, record.requester, {
      action: 'review',
      approvalsRequired: record.approvalsRequired,
      expiresAt: record.expiresAt.toISOString(),
    }),
    source: record.source,
    ...(record.command === null
      ? {}
      : {
          request: {
            command: record.command,
            ...(record.params === null ? {} : { params: record.params }),
          },
        }),
  };
}

/** One yes, more needed. */
export function approvalEvent(
  record: ReviewRecord,
  approver: Principal,
  reason: string | null,
): EventDraft {
  return reviewEvent(EventTypes.reviewApproval, record, actorOf(approver), {
    action: 'approve',
    message: reason,
    approvals: record.approvals.length,
    approvalsRequired: record.approvalsRequired,
  });
}

/** The last yes needed: `record` as approved. */
export function approvedEvent(
  record: ReviewRecord,
  approver: Principal,
  reason: string | null,
): EventDraft {
  return reviewEvent(EventTypes.reviewApproved, record, actorOf(approver), {
    action: 'approve',
    message: reason,
    approvers: record.approvals.map((approval) => approval.name),
    ...(record.grantedUntil ? { grantedUntil: record.grantedUntil.toISOString() } : {}),
  });
}

export function deniedEvent(record: ReviewRecord, approver: Principal, reason: string): EventDraft {
  return reviewEvent(EventTypes.reviewDenied, record, actorOf(approver), {
    action: 'deny',
    message: reason,
  });
}

/** Nobody decided in time, or the statement stopped waiting: told as the requester's. */
export function closedEvent(
  record: ReviewRecord,
  how: 'expired' | 'withdrawn',
  reason: string,
): EventDraft {
  const type = how === 'expired' ? EventTypes.reviewExpired : EventTypes.reviewWithdrawn;
  return {
    ...reviewEvent(type, record, record.requester, {
      action: how === 'expired' ? 'expire' : 'withdraw',
      message: reason,
    }),
    source: record.source,
  };
}

/** Someone tried to decide what they may not: alert rules watch for it. */
export function refusedEvent(
  record: ReviewRecord,
  who: Principal,
  attempted: 'approve' | 'deny',
  why: string,
): EventDraft {
  return {
    ...reviewEvent(EventTypes.reviewRefused, record, actorOf(who), {
      action: 'refuse',
      attempted,
      message: why,
    }),
    outcome: { result: 'denied', error: null },
  };
}
