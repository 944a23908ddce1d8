// What the stand-ins for identity providers' log APIs (Okta's System Log, Microsoft Graph's audit
// logs) share beyond any HTTP stand-in: a token endpoint with faults of its own, form bodies for
// it, opaque bearer tokens, RFC 7523 client assertions, JSON answers, virtual backlogs made from
// their index on demand, and the seeded random source their generators draw from.
import { randomBytes } from 'node:crypto';
import { errors, jwtVerify, type CryptoKey, type JWTHeaderParameters, type KeyObject } from 'jose';
import { Faults, HttpStandIn, type ReceivedRequest, type ReceiverAnswer } from './http-receiver.js';

export interface LogApiAnswer {
  status: number;
  /** An array value is sent as separate header lines (Okta's `Link`). */
  headers?: Record<string, string | string[]>;
  /** Serialized as JSON, unless it is JsonText already. */
  body: unknown;
}

/** A body serialized as JSON already: sent as it is. */
export class JsonText {
  constructor(readonly text: string | Buffer) {}
}

export abstract class LogApiServer extends HttpStandIn {
  /** Faults for the token endpoint's requests, in order (`faults` are the log API's). */
  readonly tokenFaults = new Faults();
  /** The access tokens the token endpoint issued. */
  readonly tokens = new BearerTokens();

  /** Whether `request` goes to the token endpoint (its faults are `tokenFaults`). */
  protected abstract isTokenRequest(request: ReceivedRequest): boolean;

  /** The service's answer; `form` is the body of an `application/x-www-form-urlencoded` post. */
  protected abstract reply(
    request: ReceivedRequest,
    form: URLSearchParams,
  ): LogApiAnswer | Promise<LogApiAnswer>;

  /** The service's own answer with `status` when a fault takes the place of its answer. */
  protected abstract faultAnswer(status: number, request: ReceivedRequest): LogApiAnswer;

  protected override faultsFor(request: ReceivedRequest): Faults {
    return this.isTokenRequest(request) ? this.tokenFaults : this.faults;
  }

  protected async answer(request: ReceivedRequest): Promise<ReceiverAnswer> {
    const isForm = /^application\/x-www-form-urlencoded\b/i.test(
      request.headers['content-type'] ?? '',
    );
    const form = new URLSearchParams(isForm ? request.raw.toString('utf8') : '');
    return asJson(await this.reply(request, form));
  }

  protected errorAnswer(status: number, request: ReceivedRequest): ReceiverAnswer {
    return asJson(this.faultAnswer(status, request));
  }
}

function asJson({ body, ...answer }: LogApiAnswer): ReceiverAnswer {
  return { ...answer, body: body instanceof JsonText ? body.text : JSON.stringify(body) };
}

export interface IssuedToken {
  /** Whom the token was issued to (a client id). */
  subject: string;
  scopes: string[];
  expiresAt: number;
}

/** Opaque random bearer tokens, as an authorization server that keeps them would issue. */
export class BearerTokens {
  private readonly issued = new Map<string, IssuedToken>();

  issue(subject: string, scopes: string[], lifetimeSeconds: number): string {
    const token = randomBytes(32).toString('base64url');
    this.issued.set(token, { subject, scopes, expiresAt: Date.now() + lifetimeSeconds * 1000 });
    return token;
  }

  /** The token of an `Authorization: Bearer …` header: null when it was not issued here. */
  lookup(authorization: string | undefined): IssuedToken | 'expired' | null {
    const token = /^Bearer +(\S+)$/i.exec(authorization ?? '')?.[1];
    const issued = token === undefined ? undefined : this.issued.get(token);
    if (!issued) return null;
    return issued.expiresAt > Date.now() ? issued : 'expired';
  }

  /** Every token issued so far expires now: clients must get a new one. */
  expireAll(): void {
    const now = Date.now();
    for (const token of this.issued.values()) token.expiresAt = Math.min(token.expiresAt, now);
  }
}

/** A key as jose takes it (a Uint8Array only ever for HMAC, which no service here allows). */
export type AssertionKey = CryptoKey | KeyObject | Uint8Array;

/** Why a client assertion was refused; each service words it its own way. */
export type AssertionFailure =
  | 'malformed'
  | 'unknown-key'
  | 'signature'
  | 'expired'
  | 'not-yet-valid'
  | 'lifetime'
  | 'audience'
  | 'issuer'
  | 'replayed';

export interface AssertionExpectations {
  clientId: string;
  /** The token endpoint's URL. */
  audience: string;
  algorithms: string[];
  requiredClaims: string[];
  /** How far in the future `exp` may be; null for no limit. */
  maxLifetimeSeconds: number | null;
  /** The client's key for the assertion's header; throw UnknownAssertionKey when it has none. */
  key(header: JWTHeaderParameters): Promise<AssertionKey>;
}

export class UnknownAssertionKey extends Error {}

/**
 * Client authentication with a signed JWT (RFC 7523, OAuth `private_key_jwt`): iss = sub = the
 * client id, aud = the token endpoint, a signature by the client's key, exp in the future, and a
 * jti that is never accepted twice.
 */
export class ClientAssertions {
  /** jti → when its assertion expires (after which it cannot be replayed anyway). */
  private readonly seen = new Map<string, number>();

  async verify(
    assertion: string,
    expected: AssertionExpectations,
  ): Promise<AssertionFailure | null> {
    let payload;
    try {
      ({ payload } = await jwtVerify(assertion, (header) => expected.key(header), {
        algorithms: expected.algorithms,
        audience: expected.audience,
        issuer: expected.clientId,
        subject: expected.clientId,
        requiredClaims: expected.requiredClaims,
      }));
    } catch (error) {
      return assertionFailure(error);
    }
    const now = Date.now();
    const expiresAt = (payload.exp ?? 0) * 1000;
    if (
      expected.maxLifetimeSeconds !== null &&
      expiresAt - now > expected.maxLifetimeSeconds * 1000
    )
      return 'lifetime';
    for (const [jti, until] of this.seen) if (until <= now) this.seen.delete(jti);
    if (payload.jti === undefined || this.seen.has(payload.jti)) return 'replayed';
    this.seen.set(payload.jti, expiresAt);
    return null;
  }
}

function assertionFailure(error: unknown): AssertionFailure {
  if (error instanceof UnknownAssertionKey) return 'unknown-key';
  if (error instanceof errors.JWTExpired) return 'expired';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'signature';
  if (error instanceof errors.JWTClaimValidationFailed && error.reason === 'check_failed') {
    if (error.claim === 'aud') return 'audience';
    if (error.claim === 'iss' || error.claim === 'sub') return 'issuer';
    if (error.claim === 'nbf') return 'not-yet-valid';
  }
  return 'malformed';
}

/**
 * `count` entries at `startMs + index × stepMs`, each made from its index when asked for: the
 * benchmark's million events are never held at once. Times never decrease with the index.
 */
export class VirtualBacklog<T> {
  constructor(
    readonly count: number,
    readonly startMs: number,
    readonly stepMs: number,
    private readonly make: (index: number, time: Date) => T,
  ) {
    if (!Number.isSafeInteger(count) || count < 0) throw new Error(`backlog count ${count}`);
    if (!Number.isSafeInteger(stepMs) || stepMs < 0) throw new Error(`backlog stepMs ${stepMs}`);
  }

  timeOf(index: number): number {
    return this.startMs + index * this.stepMs;
  }

  at(index: number): T {
    return this.make(index, new Date(this.timeOf(index)));
  }

  /** The first index whose time is at or after `ms` (`count` when none is). */
  firstAtOrAfter(ms: number): number {
    return firstIndex(0, this.count, (index) => this.timeOf(index) >= ms);
  }
}

/**
 * A virtual backlog serialized once, up front: a page of it is then slices of that text, where it
 * would otherwise be made and serialized entry by entry. For the benchmark, so that the stand-in
 * takes as little as it can of the machine the collector is measured on (a provider's own servers
 * are not on it). The text is kept in buffers of CHUNK_ENTRIES entries: Node 20 writes nothing
 * into a buffer larger than 2 GiB.
 */
export class RenderedBacklog {
  private constructor(
    private readonly chunks: RenderedChunk[],
    private readonly count: number,
    private readonly chunkEntries: number,
  ) {}

  static of<T>(backlog: VirtualBacklog<T>, chunkEntries = CHUNK_ENTRIES): RenderedBacklog {
    const chunks: RenderedChunk[] = [];
    for (let first = 0; first < backlog.count; first += chunkEntries) {
      chunks.push(renderChunk(backlog, first, Math.min(backlog.count, first + chunkEntries)));
    }
    return new RenderedBacklog(chunks, backlog.count, chunkEntries);
  }

  /** The JSON list of the entries from `from` up to (not including) `to`. */
  list(from: number, to: number): JsonText {
    const end = Math.min(to, this.count);
    if (from >= end) return new JsonText('[]');
    const parts: Buffer[] = [OPEN_LIST];
    for (let index = from; index < end;) {
      const chunk = this.chunks[Math.floor(index / this.chunkEntries)] as RenderedChunk;
      const last = Math.min(end, chunk.first + this.chunkEntries);
      const starts = chunk.starts;
      parts.push(chunk.text.subarray(starts[index - chunk.first], starts[last - chunk.first]));
      index = last;
    }
    // Each entry is followed by a comma: the last one's goes.
    const lastPart = parts.pop() as Buffer;
    parts.push(lastPart.subarray(0, lastPart.length - 1), CLOSE_LIST);
    return new JsonText(Buffer.concat(parts));
  }
}

const CHUNK_ENTRIES = 100_000;
const OPEN_LIST = Buffer.from('[');
const CLOSE_LIST = Buffer.from(']');

interface RenderedChunk {
  /** The index of its first entry. */
  first: number;
  /** Its entries' JSON, each followed by a comma. */
  text: Buffer<ArrayBuffer>;
  /** Where each entry starts in `text`, then where the last one ends. */
  starts: Float64Array;
}

function renderChunk<T>(backlog: VirtualBacklog<T>, first: number, end: number): RenderedChunk {
  const starts = new Float64Array(end - first + 1);
  let text = Buffer.allocUnsafe(0);
  let length = 0;
  for (let index = first; index < end; index++) {
    const json = `${JSON.stringify(backlog.at(index))},`;
    const needed = length + Buffer.byteLength(json);
    if (needed > text.length) {
      // Grown to what the entries so far say the chunk takes, with a margin.
      const estimate = Math.ceil((needed / (index - first + 1)) * (end - first) * 1.1);
      const grown = Buffer.allocUnsafe(Math.max(needed, estimate));
      text.copy(grown, 0, 0, length);
      text = grown;
    }
    starts[index - first] = length;
    length += text.write(json, length);
  }
  starts[end - first] = length;
  return { first, text: text.subarray(0, length), starts };
}

/** The first index in [from, to) for which `holds` (which never turns false again) is true; `to` when none. */
export function firstIndex(from: number, to: number, holds: (index: number) => boolean): number {
  let low = from;
  let high = to;
  while (low < high) {
    const middle = Math.floor((low + high) / 2);
    if (holds(middle)) high = middle;
    else low = middle + 1;
  }
  return low;
}

/** Up to `count` items of two sequences sorted the same way, merged; `before(a, b)` when a goes first. */
export function takeMerged<T>(
  first: Iterator<T>,
  second: Iterator<T>,
  before: (a: T, b: T) => boolean,
  count: number,
): T[] {
  const taken: T[] = [];
  let a = first.next();
  let b = second.next();
  while (taken.length < count && !(a.done && b.done)) {
    if (!a.done && (b.done || before(a.value, b.value))) {
      taken.push(a.value);
      a = first.next();
    } else if (!b.done) {
      taken.push(b.value);
      b = second.next();
    }
  }
  return taken;
}

/** A time in ISO 8601 with an offset (RFC 3339), in epoch ms; null when it is not one. */
export function parseTimestamp(text: string): number | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/i.test(text))
    return null;
  // Date.parse takes at most millisecond digits everywhere: drop the rest.
  const ms = Date.parse(text.replace(/(\.\d{3})\d+/, '$1'));
  return Number.isNaN(ms) ? null : ms;
}

/** A position only the server makes and reads back (clients must not craft it): parts, encoded. */
export function opaqueCursor(parts: (string | number)[]): string {
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

/** The parts of a cursor made by opaqueCursor; null for anything else. */
export function readOpaqueCursor(cursor: string): unknown[] | null {
  try {
    const parts: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    return Array.isArray(parts) ? parts : null;
  } catch {
    return null;
  }
}

/**
 * A deterministic random source (mulberry32) seeded by a string such as `okta:<index>`: the
 * generators make the same entry from the same index, in any order, on any run.
 */
export class SeededRandom {
  private state: number;

  constructor(seed: string) {
    // FNV-1a spreads neighbouring seeds ("…:1", "…:2") over unrelated states.
    let hash = 0x811c9dc5;
    for (let i = 0; i < seed.length; i++) hash = Math.imul(hash ^ seed.charCodeAt(i), 0x01000193);
    this.state = hash >>> 0;
  }

  /** In [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** In [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  /** One of `choices`, each as likely as its weight. */
  weighted<T>(choices: readonly (readonly [T, number])[]): T {
    const total = choices.reduce((sum, [, weight]) => sum + weight, 0);
    let roll = this.next() * total;
    for (const [choice, weight] of choices) {
      roll -= weight;
      if (roll < 0) return choice;
    }
    return choices[choices.length - 1]![0];
  }

  chars(alphabet: string, length: number): string {
    let text = '';
    for (let i = 0; i < length; i++) text += alphabet[this.int(alphabet.length)];
    return text;
  }

  hex(length: number): string {
    return this.chars('0123456789abcdef', length);
  }

  /**
   * A version 4 UUID. With `unique` (an entry's index), its last group is that number: two
   * indexes can seed the same 32-bit state, and a backlog of millions would repeat an id.
   */
  uuid(unique?: number): string {
    const variant = '89ab'[this.int(4)];
    const last = unique === undefined ? this.hex(12) : unique.toString(16).padStart(12, '0');
    return `${this.hex(8)}-${this.hex(4)}-4${this.hex(3)}-${variant}${this.hex(3)}-${last}`;
  }
}

export const ALPHANUMERIC = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
