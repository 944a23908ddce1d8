// The wire protocol at its edges: startup-phase requests, version negotiation, FunctionCall,
// framing across chunk boundaries, and malformed input (a clean FATAL, and nothing else breaks).
import { serialize } from 'pg-protocol';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startHarness, type Harness } from './harness.js';
import {
  names,
  openSession,
  RawConnection,
  startupPacket,
  startupRequest,
  type Message,
} from './raw-client.js';

let harness: Harness;
let port: number;

beforeAll(async () => {
  harness = await startHarness();
  port = harness.listener.address.port;
});

afterAll(async () => {
  await harness?.close();
});

const sslRequestCode = 80877103;
const gssEncRequestCode = 80877104;
const cancelRequestCode = 80877102;

function typedMessage(type: string, body: Buffer, length = body.length + 4): Buffer {
  const header = Buffer.alloc(5);
  header.write(type, 0, 'latin1');
  header.writeUInt32BE(length, 1);
  return Buffer.concat([header, body]);
}

function untypedPacket(code: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header.writeInt32BE(8 + payload.length, 0);
  header.writeInt32BE(code, 4);
  return Buffer.concat([header, payload]);
}

async function fatalOf(connection: RawConnection): Promise<Message> {
  const messages = await connection.until('error');
  const error = messages.at(-1)!;
  expect(error.name).toBe('error');
  await connection.waitClosed();
  return error;
}

/** The listener still serves a normal client after whatever the test did. */
async function stillServing(): Promise<void> {
  const client = harness.client();
  await client.connect();
  expect((await client.query('SELECT 1 AS alive')).rows).toEqual([{ alive: 1 }]);
  await client.end();
}

describe('startup phase', () => {
  test('protocol 3.2 with _pq_ options is negotiated down to 3.0', async () => {
    const connection = await RawConnection.open(port);
    connection.write(
      startupPacket(
        { user: 'agent', database: 'pg-test', '_pq_.compression': 'on' },
        (3 << 16) | 2,
      ),
    );
    const negotiation = await connection.readRaw(1 + 4 + 8 + '_pq_.compression\0'.length);
    expect(negotiation.toString('latin1', 0, 1)).toBe('v');
    expect(negotiation.readInt32BE(5)).toBe(0); // newest minor version: 0
    expect(negotiation.readInt32BE(9)).toBe(1);
    expect(negotiation.toString('latin1', 13)).toBe('_pq_.compression\0');
    expect(names(await connection.until('authenticationCleartextPassword'))).toEqual([
      'authenticationCleartextPassword',
    ]);
    connection.write(serialize.password(harness.tokens.agent));
    expect((await connection.until('readyForQuery')).at(-1)!.name).toBe('readyForQuery');
    connection.write(serialize.query('SELECT 1'));
    expect(names(await connection.until('readyForQuery'))).toEqual([
      'rowDescription',
      'dataRow',
      'commandComplete',
      'readyForQuery',
    ]);
    connection.end();
  });

  test('an unsupported protocol version gets a clear FATAL', async () => {
    const connection = await RawConnection.open(port);
    connection.write(startupPacket({ user: 'agent' }, 2 << 16));
    const error = await fatalOf(connection);
    expect(error).toMatchObject({
      severity: 'FATAL',
      code: '0A000',
      message: 'unsupported frontend protocol 2.0: Warden supports 3.0',
    });
  });

  test('GSSENCRequest and, without TLS configured, SSLRequest are declined; startup continues', async () => {
    const connection = await RawConnection.open(port);
    connection.write(startupRequest(gssEncRequestCode));
    expect((await connection.readRaw(1)).toString()).toBe('N');
    connection.write(startupRequest(sslRequestCode));
    expect((await connection.readRaw(1)).toString()).toBe('N');
    connection.write(startupPacket({ user: 'agent', database: 'pg-test' }));
    expect(names(await connection.until('authenticationCleartextPassword'))).toEqual([
      'authenticationCleartextPassword',
    ]);
    connection.end();
  });

  test('a CancelRequest with a key nobody holds is ignored', async () => {
    const connection = await RawConnection.open(port);
    connection.write(startupRequest(cancelRequestCode, 12345, 67890));
    await connection.waitClosed();
    await stillServing();
  });
});

describe('malformed input', () => {
  const cases: Array<[string, () => Buffer[], RegExp]> = [
    [
      'a startup packet shorter than its header',
      () => [Buffer.from([0, 0, 0, 3, 0, 0, 0, 0])],
      /invalid length 3 in startup packet/,
    ],
    [
      'a startup packet over 10 KB',
      () => [Buffer.from([0, 0, 0x4e, 0x20, 0, 3, 0, 0])],
      /startup packet of 20000 bytes is larger than the 10000 allowed/,
    ],
    [
      'startup parameters without their terminator',
      () => [untypedPacket(3 << 16, Buffer.from('user\0agent'))],
      /malformed startup message/,
    ],
    [
      'a query instead of the password',
      () => [startupPacket({ user: 'agent', database: 'pg-test' }), serialize.query('SELECT 1')],
      /expected a password message/,
    ],
  ];
  test.each(cases)('%s: FATAL 08P01, connection closed', async (_name, bytes, message) => {
    const connection = await RawConnection.open(port);
    for (const chunk of bytes()) connection.write(chunk);
    const error = await fatalOf(connection);
    expect(error).toMatchObject({
      severity: 'FATAL',
      code: '08P01',
      message: expect.stringMatching(message),
    });
    await stillServing();
  });

  const sessionCases: Array<[string, Buffer, RegExp]> = [
    [
      'an unknown message type',
      typedMessage('Z', Buffer.alloc(0)),
      /invalid frontend message type 90 \("Z"\)/,
    ],
    [
      'a Bind cut short',
      typedMessage('B', Buffer.from('\0\0\0\x01', 'latin1')),
      /malformed Bind message/,
    ],
    [
      'a Query without its terminator',
      typedMessage('Q', Buffer.from('SELECT 1')),
      /malformed Query message/,
    ],
  ];
  test.each(sessionCases)(
    'in a session, %s: FATAL 08P01, recorded as an error ending',
    async (_name, bytes, message) => {
      const connection = await openSession(port, harness.tokens.agent, 'pg-test');
      connection.write(bytes);
      const error = await fatalOf(connection);
      expect(error).toMatchObject({
        severity: 'FATAL',
        code: '08P01',
        message: expect.stringMatching(message),
      });
      const end = await harness.journal.waitFor(
        (event) =>
          event.type === 'session.end' && message.test(event.outcome?.error?.message ?? ''),
      );
      expect(end.totals?.endReason).toBe('error');
      await stillServing();
    },
  );
});

describe('the session', () => {
  test('a message larger than listeners.postgres.maxMessageBytes: FATAL 54000 naming it', async () => {
    const connection = await openSession(port, harness.tokens.agent, 'pg-test');
    // Only the header is sent: the length alone is refused, before any of the body is held.
    connection.write(typedMessage('Q', Buffer.alloc(0), 0x7fffffff));
    expect(await fatalOf(connection)).toMatchObject({
      severity: 'FATAL',
      code: '54000',
      message:
        'message "Q" of 2147483647 bytes is larger than the 67108864 this listener takes ' +
        '(listeners.postgres.maxMessageBytes)',
    });
    await stillServing();
  });

  test('a message arriving one byte at a time is framed correctly', async () => {
    const connection = await openSession(port, harness.tokens.agent, 'pg-test');
    connection.socket.setNoDelay(true);
    for (const byte of serialize.query("SELECT 'assembled' AS framing")) {
      connection.write(Buffer.from([byte]));
      await new Promise((resolve) => setImmediate(resolve));
    }
    const messages = await connection.until('readyForQuery');
    expect(messages.find((message) => message.name === 'dataRow')).toMatchObject({
      fields: ['assembled'],
    });
    connection.end();
  });

  test('FunctionCall (fast path) is forwarded and recorded', async () => {
    const admin = await harness.admin();
    const oid = Number(
      (await admin.query("SELECT 'int4pl(integer, integer)'::regprocedure::oid AS oid")).rows[0]
        .oid,
    );
    await admin.end();
    const connection = await openSession(port, harness.tokens.agent, 'pg-test');
    const [first, second] = [Buffer.from('40'), Buffer.from('2')];
    const body = Buffer.alloc(4 + 2 + 2 + 2 + 4 + first.length + 4 + second.length + 2);
    let at = body.writeInt32BE(oid, 0);
    at = body.writeInt16BE(1, at); // one format code for all arguments: text
    at = body.writeInt16BE(0, at);
    at = body.writeInt16BE(2, at); // two arguments
    at = body.writeInt32BE(first.length, at);
    at += first.copy(body, at);
    at = body.writeInt32BE(second.length, at);
    at += second.copy(body, at);
    body.writeInt16BE(0, at); // text result
    connection.write(typedMessage('F', body));
    const messages = await connection.until('readyForQuery');
    expect(messages.at(-1)!.name).toBe('readyForQuery');
    connection.end();
    const recorded = await harness.journal.waitFor(
      (event) => event.type === 'db.query' && event.request?.protocol === 'fastpath',
    );
    expect(recorded.request).toMatchObject({
      command: `function call (oid ${oid})`,
      params: ['40', '2'],
    });
    expect(recorded.response?.sample).toBe('42');
    expect(recorded.outcome?.result).toBe('success');
  });
});
