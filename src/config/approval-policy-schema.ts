import { duration } from './duration.js';
import { readGroupRef } from './group-ref.js';
import { integer, Mapping, nonEmptyListOf, type Read } from './reader.js';
import type { AccessApprovalPolicy, ApprovalPolicy, CommandReviewPolicy } from './policy-types.js';

const APPROVAL_KEYS = ['approverGroups', 'approvals'] as const;

/** Who decides: groups written as in `allow`, and how many different people must say yes. */
function readApprovalPolicy(policy: Mapping): ApprovalPolicy {
  return {
    approverGroups: policy.required(
      'approverGroups',
      nonEmptyListOf(readGroupRef, 'a non-empty list of groups'),
    ),
    approvals: policy.optional('approvals', integer(1, 10), 1),
  };
}

const ONE_MINUTE = 60_000;
const THIRTY_DAYS = 30 * 86_400_000;

/** A connection's `accessApproval`: just-in-time access. */
export const readAccessApproval: Read<AccessApprovalPolicy> = (value, path, context) => {
  const policy = Mapping.read(value, path, context, [...APPROVAL_KEYS, 'duration', 'requestTtl']);
  const within = duration(ONE_MINUTE, THIRTY_DAYS, 'of 1m to 30d');
  return {
    ...readApprovalPolicy(policy),
    durationMs: policy.optional('duration', within, 3_600_000),
    requestTtlMs: policy.optional('requestTtl', within, 86_400_000),
  };
};

/** A guardrail's `review`: the statement waits up to `timeout` for a decision. */
export const readCommandReview: Read<CommandReviewPolicy> = (value, path, context) => {
  const policy = Mapping.read(value, path, context, [...APPROVAL_KEYS, 'timeout']);
  return {
    ...readApprovalPolicy(policy),
    timeoutMs: policy.optional('timeout', duration(1000, 3_600_000, 'of 1s to 1h'), 300_000),
  };
};
