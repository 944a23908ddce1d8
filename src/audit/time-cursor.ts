import { AuditQueryError } from './errors.js';
import { quoted } from './query-input.js';
import { toIsoTime } from './time.js';

// The cursor of a listing in time order: the time and the key (a seq, a subject) of the last item
// returned; the key orders items of the same time. It is opaque to clients, as the other
// listings' cursors are, so that what it holds can change without breaking them.

export interface TimePosition<Key extends string | number> {
  time: string;
  key: Key;
}

/** The cursor after the item at (`time`, `key`). */
export function timeCursor(time: string, key: string | number): string {
  return Buffer.from(JSON.stringify([time, key])).toString('base64url');
}

/** The position a cursor of timeCursor holds; anything else is an AuditQueryError on `after`. */
export function timePosition(cursor: string, keyType: 'string'): TimePosition<string>;
export function timePosition(cursor: string, keyType: 'number'): TimePosition<number>;
export function timePosition(
  cursor: string,
  keyType: 'string' | 'number',
): TimePosition<string | number> {
  let decoded: unknown = null;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString());
  } catch {
    // Not a cursor: refused below.
  }
  if (Array.isArray(decoded) && decoded.length === 2) {
    const [time, key] = decoded as unknown[];
    const validKey = keyType === 'number' ? Number.isSafeInteger(key) : typeof key === 'string';
    if (
      typeof time === 'string' &&
      toIsoTime(time) === time &&
      validKey &&
      timeCursor(time, key as string | number) === cursor
    ) {
      return { time, key: key as string | number };
    }
  }
  throw new AuditQueryError('after', `expected a cursor from a next link, got ${quoted(cursor)}`);
}
