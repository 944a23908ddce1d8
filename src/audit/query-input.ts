import { AuditQueryError } from './errors.js';
import { toIsoTime } from './time.js';

// Checks for reader filters: a malformed one is an AuditQueryError naming the filter, which the
// API turns into a 400 rather than a query that silently means something else.

export const DEFAULT_PAGE_LIMIT = 100;
export const MAX_PAGE_LIMIT = 1000;

/** The page size: absent → the default, above the maximum → the maximum. */
export function pageLimit(limit: number | undefined, defaultLimit = DEFAULT_PAGE_LIMIT): number {
  if (limit === undefined) return defaultLimit;
  if (!Number.isInteger(limit) || limit < 1) {
    throw new AuditQueryError('limit', `expected a positive integer, got ${String(limit)}`);
  }
  return Math.min(limit, MAX_PAGE_LIMIT);
}

export function timeFilter(field: string, value: string): string {
  const time = toIsoTime(value);
  if (time === null) {
    throw new AuditQueryError(field, `expected an ISO 8601 time, got "${value}"`);
  }
  return time;
}

export function seqFilter(field: string, value: number): number {
  if (!Number.isInteger(value) || value < 0) {
    throw new AuditQueryError(field, `expected a seq (an integer ≥ 0), got ${String(value)}`);
  }
  return value;
}
