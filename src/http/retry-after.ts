import { headerValue } from './answer-body.js';

export type AnswerHeaders = Record<string, string | string[] | undefined>;

/**
 * `Retry-After` as milliseconds: seconds, or an HTTP date. Null when absent or unreadable.
 */
export function retryAfterMs(headers: AnswerHeaders, now = Date.now()): number | null {
  const value = headerValue(headers, 'retry-after');
  if (value === undefined) return null;
  if (/^\s*\d+\s*$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}
