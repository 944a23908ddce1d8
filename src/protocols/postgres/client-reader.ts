// Framing of the client→gateway byte stream. pg-protocol parses only server→client messages,
// so the gateway frames client messages itself. On the data path the framer copies nothing in
// the common case: a message that lies inside one received chunk is returned as a view of that
// chunk, and consecutive views are later written to the target as one contiguous slice. Only a
// message split across chunks is assembled into a buffer of its own.
import { ClientFacingError, ProtocolViolation, SqlState } from './errors.js';

/** PostgreSQL's own limit for a startup packet (MAX_STARTUP_PACKET_LENGTH). */
const maxStartupPacketLength = 10_000;
/** A password message carries the access token: PostgreSQL allows 64 KB (PG_MAX_AUTH_TOKEN_LENGTH). */
export const maxPasswordMessageLength = 65_535;

/**
 * PostgreSQL's limit for messages that carry no statement text or data (PQ_SMALL_MESSAGE_LIMIT):
 * all but Query, Parse, Bind, CopyData, FunctionCall and the password/SASL message.
 */
export const maxSmallMessageLength = 10_000;
const largeTypes = new Set('QPBdFp'.split('').map((type) => type.charCodeAt(0)));

/** Message types a client may send after startup (PostgreSQL protocol 3.0, Frontend). */
const frontendTypes = new Set('BCdcfDEHFpPQSX'.split('').map((type) => type.charCodeAt(0)));

export interface ClientMessage {
  /** The type byte as a character; `null` for a startup-phase packet (which has none). */
  type: string | null;
  /** The whole message, header included: what is forwarded. */
  bytes: Buffer;
  /** The payload after the header. */
  body: Buffer;
}

export class ClientMessageReader {
  private chunks: Buffer[] = [];
  /** Read position in chunks[0]. */
  private offset = 0;
  private buffered = 0;
  /** Before and during startup, packets have no type byte. */
  private untyped = true;
  private limit = maxStartupPacketLength;
  private limitSetting: string | null = null;

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
  }

  /**
   * Switch to typed messages (after the startup packet), with the largest length accepted, and
   * the setting it comes from if it is configured.
   */
  expectTypedMessages(limit: number, setting: string | null = null): void {
    this.untyped = false;
    this.limit = limit;
    this.limitSetting = setting;
  }

  /** Bytes received but not yet returned as messages. */
  get pendingBytes(): number {
    return this.buffered;
  }

  /** The next complete message, or null until more bytes arrive. Throws ProtocolViolation. */
  next(): ClientMessage | null {
    const headerLength = this.untyped ? 4 : 5;
    if (this.buffered < headerLength) return null;
    let type: string | null = null;
    let limit = this.limit;
    if (!this.untyped) {
      const typeByte = this.byteAt(0);
      if (!frontendTypes.has(typeByte)) {
        throw new ProtocolViolation(
          `invalid frontend message type ${typeByte} (${describeByte(typeByte)})`,
        );
      }
      type = String.fromCharCode(typeByte);
      if (!largeTypes.has(typeByte)) limit = Math.min(limit, maxSmallMessageLength);
    }
    // The length counts itself but not the type byte.
    const length = this.int32At(headerLength - 4);
    if (length < 4 || (this.untyped && length < 8)) {
      throw new ProtocolViolation(
        `invalid length ${length} in ${type === null ? 'startup packet' : `message "${type}"`}`,
      );
    }
    if (length > limit) {
      if (type !== null && limit === this.limit && this.limitSetting !== null) {
        // A bound of the gateway's, not of the protocol: named, so that it can be raised.
        throw new ClientFacingError(
          SqlState.programLimitExceeded,
          `message "${type}" of ${length} bytes is larger than the ${limit} this listener ` +
            `takes (${this.limitSetting})`,
        );
      }
      throw new ProtocolViolation(
        type === null
          ? `startup packet of ${length} bytes is larger than the ${limit} allowed`
          : `message "${type}" of ${length} bytes is larger than the ${limit} allowed`,
      );
    }
    const total = length + (this.untyped ? 0 : 1);
    if (this.buffered < total) return null;
    const bytes = this.take(total);
    return { type, bytes, body: bytes.subarray(headerLength) };
  }

  private byteAt(position: number): number {
    let index = 0;
    let at = this.offset + position;
    while (at >= this.chunks[index]!.length) {
      at -= this.chunks[index]!.length;
      index++;
    }
    return this.chunks[index]![at]!;
  }

  private int32At(position: number): number {
    return (
      ((this.byteAt(position) << 24) |
        (this.byteAt(position + 1) << 16) |
        (this.byteAt(position + 2) << 8) |
        this.byteAt(position + 3)) >>>
      0
    );
  }

  private take(length: number): Buffer {
    this.buffered -= length;
    const first = this.chunks[0]!;
    if (first.length - this.offset >= length) {
      const view = first.subarray(this.offset, this.offset + length);
      this.advance(length);
      return view;
    }
    const assembled = Buffer.allocUnsafe(length);
    let filled = 0;
    while (filled < length) {
      const chunk = this.chunks[0]!;
      const count = Math.min(length - filled, chunk.length - this.offset);
      chunk.copy(assembled, filled, this.offset, this.offset + count);
      filled += count;
      this.advance(count);
    }
    return assembled;
  }

  private advance(count: number): void {
    this.offset += count;
    if (this.offset === this.chunks[0]!.length) {
      this.chunks.shift();
      this.offset = 0;
    }
  }
}

function describeByte(byte: number): string {
  return byte >= 0x20 && byte < 0x7f
    ? `"${String.fromCharCode(byte)}"`
    : `0x${byte.toString(16).padStart(2, '0')}`;
}

/**
 * Joins message views that sit next to each other in the same received chunk, so a run of
 * messages is written to the target as one slice rather than one write per message.
 */
export function coalesce(pieces: Buffer[]): Buffer[] {
  const joined: Buffer[] = [];
  for (const piece of pieces) {
    const last = joined[joined.length - 1];
    if (
      last &&
      last.buffer === piece.buffer &&
      last.byteOffset + last.length === piece.byteOffset
    ) {
      joined[joined.length - 1] = Buffer.from(
        last.buffer,
        last.byteOffset,
        last.length + piece.length,
      );
    } else {
      joined.push(piece);
    }
  }
  return joined;
}
