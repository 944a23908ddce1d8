import { hash } from 'node:crypto';
import { canonicalJson as canonicalize, plainCanonicalJson } from './canonical-json.js';
import type { AuditEvent } from './event.js';

// The hash chain: each event's hash covers its content and its predecessor's hash, so altering,
// removing or inserting an event breaks every link after it unless all of them are recomputed.
// The canonical JSON is the `canonicalize` package's (canonical-json.ts writes the same, faster).

/** How every sealed event's stored line begins: its hash comes first (see sealEvent). */
export const SEALED_LINE_PREFIX = '{"hash":"';

/** The prevHash of the first event in a journal. */
export const GENESIS_HASH = '0'.repeat(64);

export type UnhashedEvent = Omit<AuditEvent, 'hash'>;

export interface SealedEvent {
  event: AuditEvent;
  /** The event's JSON as stored. */
  body: string;
}

/** SHA-256, hex, of the RFC 8785 canonical JSON of the event without its `hash` field. */
export function hashEvent(event: UnhashedEvent): string {
  return hash('sha256', canonicalJson(event), 'hex');
}

/**
 * Completes an event with its hash and gives the JSON to store. The body is the canonical text
 * that was hashed with the hash put in front of the other fields: the event is serialized once,
 * not once to hash and again to store. Readers parse it like any JSON; verification re-derives
 * the canonical form from the parsed body rather than relying on this layout.
 */
export function sealEvent(event: UnhashedEvent): SealedEvent {
  const canonical = canonicalJson(event);
  const eventHash = hash('sha256', canonical, 'hex');
  return {
    event: Object.assign(event, { hash: eventHash }),
    // canonical is `{"actor":…}`: an object with at least the journal's own fields.
    body: `${SEALED_LINE_PREFIX}${eventHash}",${canonical.slice(1)}`,
  };
}

function canonicalJson(event: UnhashedEvent): string {
  const plain = plainCanonicalJson(event);
  if (plain !== null) return plain;
  const canonical = canonicalize(event);
  if (canonical === undefined) {
    throw new TypeError('an audit event must be a JSON object');
  }
  // The package writes a function as `undefined`, which is not JSON: an event holding one is
  // refused rather than stored unreadable. Only a text with that word in it needs the check.
  if (canonical.includes('undefined') && !isJson(canonical)) {
    throw new TypeError(`${functionPath(event, 'event') ?? 'event'} is a function, not JSON data`);
  }
  return canonical;
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** Where the first function in `value` is, as `event.raw.callback`; null if there is none. */
function functionPath(value: unknown, path: string): string | null {
  if (typeof value === 'function') return path;
  if (typeof value !== 'object' || value === null) return null;
  for (const [key, member] of Object.entries(value)) {
    const found = functionPath(member, Array.isArray(value) ? `${path}[${key}]` : `${path}.${key}`);
    if (found !== null) return found;
  }
  return null;
}
