// The server→client messages the gateway writes itself (pg-protocol only serializes the
// client→server direction). Everything else the client receives is the target's own bytes.
import type { ClientFacingError } from './errors.js';

function message(type: string, body: Buffer): Buffer {
  const header = Buffer.allocUnsafe(5);
  header.write(type, 0, 'latin1');
  header.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([header, body]);
}

function int32s(...values: number[]): Buffer {
  const body = Buffer.allocUnsafe(values.length * 4);
  values.forEach((value, index) => body.writeInt32BE(value, index * 4));
  return body;
}

function cstring(text: string): Buffer {
  return Buffer.from(text + '\0', 'utf8');
}

export function authenticationOk(): Buffer {
  return message('R', int32s(0));
}

export function authenticationCleartextPassword(): Buffer {
  return message('R', int32s(3));
}

export function backendKeyData(processId: number, secretKey: number): Buffer {
  return message('K', int32s(processId, secretKey));
}

export type TransactionStatus = 'I' | 'T' | 'E';

export function readyForQuery(status: TransactionStatus): Buffer {
  return message('Z', Buffer.from(status, 'latin1'));
}

export function parameterStatus(name: string, value: string): Buffer {
  return message('S', Buffer.concat([cstring(name), cstring(value)]));
}

/** Tells a client that asked for protocol 3.x (x > 0) or `_pq_.` options what the gateway speaks. */
export function negotiateProtocolVersion(
  newestMinor: number,
  unrecognizedOptions: string[],
): Buffer {
  return message(
    'v',
    Buffer.concat([
      int32s(newestMinor, unrecognizedOptions.length),
      ...unrecognizedOptions.map(cstring),
    ]),
  );
}

export function errorResponse(
  error: Pick<ClientFacingError, 'code' | 'message' | 'severity'>,
): Buffer {
  return noticeOrError('E', error.severity, error.code, error.message);
}

/** A NoticeResponse: told to the client while it waits (psql prints it at once). */
export function noticeResponse(text: string): Buffer {
  return noticeOrError('N', 'NOTICE', '00000', text);
}

function noticeOrError(type: 'E' | 'N', severity: string, code: string, text: string): Buffer {
  const fields: Array<[string, string]> = [
    ['S', severity],
    ['V', severity],
    ['C', code],
    ['M', text],
  ];
  return message(
    type,
    Buffer.concat([...fields.map(([field, value]) => cstring(field + value)), Buffer.from([0])]),
  );
}
