// Decoding of the client messages the gateway must understand (the startup packet, the
// password, and what the recorder needs: Query, Parse, Bind, Execute, Close, FunctionCall).
// Everything else is forwarded without being decoded. A malformed message is a
// ProtocolViolation: the gateway never forwards what it could not read.
import { createHash } from 'node:crypto';
import { ProtocolViolation } from './errors.js';

/**
 * Statement text longer than `limit` bytes, as it goes into the record: the first `limit` bytes,
 * then a marker with the full length and the SHA-256 of the full text, so the record stays
 * checkable against what ran without holding (or writing) all of it.
 */
export function recordedText(bytes: Buffer, limit: number): string {
  if (bytes.length <= limit) return bytes.toString('utf8');
  const digest = createHash('sha256').update(bytes).digest('hex');
  // A character cut in two at the limit decodes as U+FFFD.
  return (
    bytes.toString('utf8', 0, limit) +
    `… [Warden: text cut at ${limit} of ${bytes.length} bytes; sha256 ${digest}]`
  );
}

/** Reads the fields of one message body, failing with the message's name when it is short. */
class BodyReader {
  private position = 0;

  constructor(
    private readonly body: Buffer,
    private readonly messageName: string,
  ) {}

  private malformed(): ProtocolViolation {
    return new ProtocolViolation(`malformed ${this.messageName} message`);
  }

  /** A C string, its text cut to `limit` bytes for the record (see recordedText). */
  recordedCstring(limit: number): string {
    const end = this.body.indexOf(0, this.position);
    if (end < 0) throw this.malformed();
    const text = recordedText(this.body.subarray(this.position, end), limit);
    this.position = end + 1;
    return text;
  }

  cstring(): string {
    const end = this.body.indexOf(0, this.position);
    if (end < 0) throw this.malformed();
    const text = this.body.toString('utf8', this.position, end);
    this.position = end + 1;
    return text;
  }

  byte(): number {
    if (this.position + 1 > this.body.length) throw this.malformed();
    return this.body[this.position++]!;
  }

  int16(): number {
    if (this.position + 2 > this.body.length) throw this.malformed();
    const value = this.body.readInt16BE(this.position);
    this.position += 2;
    return value;
  }

  int32(): number {
    if (this.position + 4 > this.body.length) throw this.malformed();
    const value = this.body.readInt32BE(this.position);
    this.position += 4;
    return value;
  }

  bytes(length: number): Buffer {
    if (length < 0 || this.position + length > this.body.length) throw this.malformed();
    const value = this.body.subarray(this.position, this.position + length);
    this.position += length;
    return value;
  }

  count(): number {
    const count = this.int16();
    if (count < 0) throw this.malformed();
    return count;
  }

  end(): void {
    if (this.position !== this.body.length) throw this.malformed();
  }
}

// ---- startup phase --------------------------------------------------------------------------

const startupCodes = {
  sslRequest: 80877103,
  gssEncRequest: 80877104,
  cancelRequest: 80877102,
} as const;

export type StartupPacket =
  | { kind: 'ssl' }
  | { kind: 'gssenc' }
  | { kind: 'cancel'; processId: number; secretKey: number }
  | { kind: 'startup'; major: number; minor: number; parameters: Map<string, string> };

/** The body of an untyped startup-phase packet: the int32 code, then its payload. */
export function decodeStartupPacket(body: Buffer): StartupPacket {
  const reader = new BodyReader(body, 'startup');
  const code = reader.int32() >>> 0;
  if (code === startupCodes.sslRequest || code === startupCodes.gssEncRequest) {
    reader.end();
    return { kind: code === startupCodes.sslRequest ? 'ssl' : 'gssenc' };
  }
  if (code === startupCodes.cancelRequest) {
    const processId = reader.int32();
    const secretKey = reader.int32();
    reader.end();
    return { kind: 'cancel', processId, secretKey };
  }
  const parameters = new Map<string, string>();
  // Pairs of NUL-terminated name and value, ended by an empty name.
  for (;;) {
    const name = reader.cstring();
    if (name === '') break;
    parameters.set(name, reader.cstring());
  }
  reader.end();
  return { kind: 'startup', major: code >>> 16, minor: code & 0xffff, parameters };
}

export function decodePassword(body: Buffer): string {
  const reader = new BodyReader(body, 'password');
  const password = reader.cstring();
  reader.end();
  return password;
}

// ---- after startup --------------------------------------------------------------------------

export function decodeQuery(body: Buffer, textLimit = Infinity): string {
  const reader = new BodyReader(body, 'Query');
  const text = reader.recordedCstring(textLimit);
  reader.end();
  return text;
}

export interface ParseMessage {
  statement: string;
  text: string;
}

export function decodeParse(body: Buffer, textLimit = Infinity): ParseMessage {
  const reader = new BodyReader(body, 'Parse');
  const statement = reader.cstring();
  const text = reader.recordedCstring(textLimit);
  const typeCount = reader.count();
  reader.bytes(typeCount * 4);
  reader.end();
  return { statement, text };
}

/** A parameter value: text as it was sent, binary as `\x` hex, NULL as null. */
export type RecordedValue = string | null;

export interface BindMessage {
  portal: string;
  statement: string;
  params: RecordedValue[];
}

/**
 * Bind, with parameter values rendered for the record. A value longer than `valueLimit` bytes
 * is cut, and says so: the record keeps what ran without holding a copy of every large value.
 */
export function decodeBind(body: Buffer, valueLimit: number): BindMessage {
  const reader = new BodyReader(body, 'Bind');
  const portal = reader.cstring();
  const statement = reader.cstring();
  const formats = readFormats(reader);
  const paramCount = reader.count();
  if (formats.length > 1 && formats.length !== paramCount) {
    throw new ProtocolViolation(
      `Bind message has ${formats.length} parameter formats for ${paramCount} parameters`,
    );
  }
  const params: RecordedValue[] = [];
  for (let index = 0; index < paramCount; index++) {
    const length = reader.int32();
    const binary = (formats.length === 1 ? formats[0] : formats[index]) === 1;
    params.push(length === -1 ? null : renderValue(reader.bytes(length), binary, valueLimit));
  }
  readFormats(reader);
  reader.end();
  return { portal, statement, params };
}

export interface ExecuteMessage {
  portal: string;
  maxRows: number;
}

export function decodeExecute(body: Buffer): ExecuteMessage {
  const reader = new BodyReader(body, 'Execute');
  const portal = reader.cstring();
  const maxRows = reader.int32();
  reader.end();
  return { portal, maxRows };
}

export interface CloseMessage {
  target: 'statement' | 'portal';
  name: string;
}

export function decodeClose(body: Buffer): CloseMessage {
  const reader = new BodyReader(body, 'Close');
  const kind = reader.byte();
  if (kind !== 0x53 && kind !== 0x50) throw new ProtocolViolation('malformed Close message');
  const name = reader.cstring();
  reader.end();
  return { target: kind === 0x53 ? 'statement' : 'portal', name };
}

export interface FunctionCallMessage {
  functionOid: number;
  args: RecordedValue[];
  binaryResult: boolean;
}

export function decodeFunctionCall(body: Buffer, valueLimit: number): FunctionCallMessage {
  const reader = new BodyReader(body, 'FunctionCall');
  const functionOid = reader.int32() >>> 0;
  const formats = readFormats(reader);
  const argCount = reader.count();
  const args: RecordedValue[] = [];
  for (let index = 0; index < argCount; index++) {
    const length = reader.int32();
    const binary = (formats.length === 1 ? formats[0] : formats[index]) === 1;
    args.push(length === -1 ? null : renderValue(reader.bytes(length), binary, valueLimit));
  }
  const binaryResult = reader.int16() === 1;
  reader.end();
  return { functionOid, args, binaryResult };
}

function readFormats(reader: BodyReader): number[] {
  const count = reader.count();
  const formats: number[] = [];
  for (let index = 0; index < count; index++) formats.push(reader.int16());
  return formats;
}

/** Text values as UTF-8, binary values as `\x` hex (bytea's own notation), cut at `limit` bytes. */
export function renderValue(value: Buffer, binary: boolean, limit: number): string {
  const kept = value.length > limit ? value.subarray(0, limit) : value;
  const rendered = binary ? '\\x' + kept.toString('hex') : kept.toString('utf8');
  return value.length > limit ? `${rendered}… [${value.length} bytes, cut]` : rendered;
}
