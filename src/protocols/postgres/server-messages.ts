// Decoding of the target's messages the recorder reads: RowDescription, DataRow, CommandComplete,
// ErrorResponse. Bodies may be cut short by the scanner's limit; decoders read what is there.

export const ServerMessageType = {
  rowDescription: 0x54, // T
  dataRow: 0x44, // D
  commandComplete: 0x43, // C
  emptyQuery: 0x49, // I
  portalSuspended: 0x73, // s
  errorResponse: 0x45, // E
  readyForQuery: 0x5a, // Z
  copyInResponse: 0x47, // G
  copyOutResponse: 0x48, // H
  copyBothResponse: 0x57, // W
  copyData: 0x64, // d
  functionCallResponse: 0x56, // V
  notificationResponse: 0x41, // A
  noticeResponse: 0x4e, // N
  parameterStatus: 0x53, // S
  parseComplete: 0x31, // 1
  bindComplete: 0x32, // 2
  closeComplete: 0x33, // 3
} as const;

export interface Column {
  name: string;
  binary: boolean;
}

export function decodeRowDescription(body: Buffer): Column[] {
  const columns: Column[] = [];
  if (body.length < 2) return columns;
  const count = body.readInt16BE(0);
  let position = 2;
  for (let index = 0; index < count; index++) {
    const end = body.indexOf(0, position);
    // name, then table oid (4), column number (2), type oid (4), size (2), modifier (4), format (2)
    if (end < 0 || end + 19 > body.length) break;
    columns.push({
      name: body.toString('utf8', position, end),
      binary: body.readInt16BE(end + 17) === 1,
    });
    position = end + 19;
  }
  return columns;
}

/** A DataRow's values (null for NULL); `complete` is false when the body was cut short. */
export function decodeDataRow(body: Buffer): { values: Array<Buffer | null>; complete: boolean } {
  const values: Array<Buffer | null> = [];
  if (body.length < 2) return { values, complete: false };
  const count = body.readInt16BE(0);
  let position = 2;
  for (let index = 0; index < count; index++) {
    if (position + 4 > body.length) return { values, complete: false };
    const length = body.readInt32BE(position);
    position += 4;
    if (length === -1) {
      values.push(null);
      continue;
    }
    if (position + length > body.length) {
      values.push(body.subarray(position));
      return { values, complete: false };
    }
    values.push(body.subarray(position, position + length));
    position += length;
  }
  return { values, complete: true };
}

export function decodeCommandTag(body: Buffer): string {
  const end = body.indexOf(0);
  return body.toString('utf8', 0, end < 0 ? body.length : end);
}

// Tags whose last word is a row count (INSERT's middle word is an obsolete OID).
const countingTags = new Set([
  'SELECT',
  'INSERT',
  'UPDATE',
  'DELETE',
  'MERGE',
  'COPY',
  'FETCH',
  'MOVE',
]);

/** Rows a CommandComplete tag reports: `SELECT 3` → 3, `INSERT 0 2` → 2, `CREATE TABLE` → 0. */
export function rowsInCommandTag(tag: string): number {
  const words = tag.split(' ');
  if (words.length < 2 || !countingTags.has(words[0]!)) return 0;
  const count = Number(words[words.length - 1]);
  return Number.isSafeInteger(count) ? count : 0;
}

export interface ServerError {
  /** Not localized (the `V` field): ERROR, FATAL or PANIC. */
  severity: string;
  code: string;
  message: string;
}

/** Severity, SQLSTATE and message of an ErrorResponse (fields: type byte, NUL-terminated value). */
export function decodeErrorFields(body: Buffer): ServerError {
  const error: ServerError = { severity: '', code: '', message: '' };
  let position = 0;
  while (position < body.length && body[position] !== 0) {
    const field = body[position]!;
    const end = body.indexOf(0, position + 1);
    const value = body.toString('utf8', position + 1, end < 0 ? body.length : end);
    if (field === 0x43) error.code = value;
    else if (field === 0x4d) error.message = value;
    else if (field === 0x56) error.severity = value;
    if (end < 0) break;
    position = end + 1;
  }
  return error;
}
