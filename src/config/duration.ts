import { reportExpected, type Read } from './reader.js';

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/**
 * A duration written with its unit (`500ms`, `30s`, `5m`, `12h`, `400d`) as milliseconds; null
 * when it is none.
 */
export function parseDuration(value: unknown): number | null {
  const match = typeof value === 'string' ? /^\s*(\d+)\s*(ms|s|m|h|d)\s*$/.exec(value) : null;
  return match ? Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS] : null;
}

/**
 * A duration written with its unit, read as milliseconds, within bounds. `min` and `max` are in
 * milliseconds; `expected` says them in words.
 */
export function duration(min: number, max: number, expected: string): Read<number> {
  return (value, path, context) => {
    const ms = parseDuration(value);
    if (ms !== null && ms >= min && ms <= max) return ms;
    reportExpected(context, path, `a duration ${expected} (e.g. 30s, 5m, 12h, 400d)`, value);
    return min;
  };
}

/** How long a request to a destination (a sink, a notification channel) may take. */
export const requestTimeout = duration(100, 300_000, 'of 100ms to 5m');
