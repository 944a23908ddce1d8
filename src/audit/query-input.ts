import { AuditQueryError } from './errors.js';
import { OUTCOME_RESULTS, type OutcomeResult } from './event.js';
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

/** `since` and `until` checked, and in order: `until` after `since`. */
export function timeRange(
  since: string | undefined,
  until: string | undefined,
): { since: string | undefined; until: string | undefined } {
  const range = {
    since: since === undefined ? undefined : timeFilter('since', since),
    until: until === undefined ? undefined : timeFilter('until', until),
  };
  if (range.since !== undefined && range.until !== undefined && range.until <= range.since) {
    throw new AuditQueryError(
      'until',
      `expected a time after since (${range.since}), got ${range.until}`,
    );
  }
  return range;
}

/** An event type filter: one type, or every type under a prefix (`db.*` → `db.`). */
export type TypePattern = { exact: string } | { prefix: string };

export function typePattern(value: string): TypePattern {
  if (value !== '' && !value.includes('*')) return { exact: value };
  if (/^[^*]+\.\*$/.test(value)) return { prefix: value.slice(0, -1) };
  throw new AuditQueryError(
    'type',
    `expected an event type (db.query) or a prefix pattern (db.*), got "${value}"`,
  );
}

export function outcomeFilter(value: string): OutcomeResult {
  const result = OUTCOME_RESULTS.find((known) => known === value);
  if (result === undefined) {
    throw new AuditQueryError('result', `expected ${OUTCOME_RESULTS.join(', ')}, got "${value}"`);
  }
  return result;
}

/** A filter compared with recorded text: empty would match nothing, or everything. */
export function textFilter(field: string, value: string): string {
  if (value === '') throw new AuditQueryError(field, 'expected a non-empty value');
  return value;
}

/** A LIKE pattern (with `ESCAPE '\'`) for `text` anywhere, its `%`, `_` and `\` taken literally. */
export function likeContaining(text: string): string {
  return `%${text.replace(/[\\%_]/g, '\\$&')}%`;
}

/** A client's value quoted in an error message, cut short: it may be anything. */
export function quoted(value: string): string {
  return `"${value.length > 40 ? `${value.slice(0, 40)}…` : value}"`;
}
