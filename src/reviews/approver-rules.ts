import type { Principal } from '../identity/principal.js';
import { holdsGroup } from '../policy/index.js';
import type { ReviewRecord } from './review.js';

// Who may see and who may decide a review. An identity is its subject at its provider: the same
// subject from another provider is someone else.

export function sameIdentity(
  a: { subject: string; provider: string },
  b: { subject: string; provider: string },
): boolean {
  return a.subject === b.subject && a.provider === b.provider;
}

function holdsApproverGroup(record: ReviewRecord, principal: Principal): boolean {
  return record.approverGroups.some((ref) => holdsGroup(principal, ref));
}

/** The requester sees their own reviews, an approver those they may decide, an admin all. */
export function mayView(record: ReviewRecord, viewer: Principal, isAdmin: boolean): boolean {
  return isAdmin || sameIdentity(record.requester, viewer) || holdsApproverGroup(record, viewer);
}

/**
 * Why `principal` may not decide the review, or null when they may. The approver groups are not
 * named: knowing them is a step towards getting one's own request through.
 */
export function refusalReason(record: ReviewRecord, principal: Principal): string | null {
  const who = `${principal.name} (${principal.provider})`;
  if (sameIdentity(record.requester, principal)) {
    return `${who} may not decide their own request (review ${record.id})`;
  }
  if (!holdsApproverGroup(record, principal)) {
    return `${who} holds none of the approver groups of review ${record.id}`;
  }
  return null;
}
