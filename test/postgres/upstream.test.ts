// Warden's own connection to the target: each authentication method, TLS modes, and failures
// that reach the client as 08006 without the credential in them.
import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { PostgresTarget } from '../../src/config/types.js';
import { startPostgres, type PostgresSandbox } from '../../src/sandbox/postgres.js';
import { testCertificate, type TestCertificate } from '../support/tls.js';
import { appTarget, postgresConnection, startHarness, type Harness } from './harness.js';
import { RawConnection, startupPacket } from './raw-client.js';

const targetUser = { name: 'warden_target', password: 'target-password-never-shown' };

let harness: Harness;
let md5Server: PostgresSandbox;
let cleartextServer: PostgresSandbox;
let tlsServer: PostgresSandbox;
let otherCa: TestCertificate;
let impostor: Server;

function targetOf(
  server: PostgresSandbox,
  overrides: Partial<PostgresTarget> = {},
): PostgresTarget {
  return appTarget(server, {
    database: server.database,
    user: targetUser.name,
    password: targetUser.password,
    ...overrides,
  });
}

beforeAll(async () => {
  [md5Server, cleartextServer, tlsServer, otherCa] = await Promise.all([
    startPostgres({ authMethod: 'md5', users: [targetUser] }),
    startPostgres({ authMethod: 'password', users: [targetUser] }),
    startPostgres({ tls: true, users: [targetUser] }),
    testCertificate('elsewhere'),
  ]);
  impostor = await startImpostor();
  harness = await startHarness({
    extraConnections: () => [
      postgresConnection('pg-md5', targetOf(md5Server)),
      postgresConnection('pg-cleartext', targetOf(cleartextServer)),
      postgresConnection(
        'pg-tls-require',
        targetOf(tlsServer, { tls: { mode: 'require', ca: null } }),
      ),
      postgresConnection(
        'pg-tls-verify',
        targetOf(tlsServer, { tls: { mode: 'verify-full', ca: tlsServer.tls!.caFile } }),
      ),
      postgresConnection(
        'pg-tls-wrong-ca',
        targetOf(tlsServer, { tls: { mode: 'verify-full', ca: otherCa.certFile } }),
      ),
      postgresConnection(
        'pg-tls-unsupported',
        targetOf(md5Server, { tls: { mode: 'require', ca: null } }),
      ),
      postgresConnection(
        'pg-wrong-password',
        targetOf(md5Server, { password: 'not-the-password' }),
      ),
      postgresConnection(
        'pg-md5-scram-required',
        targetOf(md5Server, { requireAuth: ['scram-sha-256'] }),
      ),
      postgresConnection(
        'pg-md5-allowed',
        targetOf(md5Server, { requireAuth: ['scram-sha-256', 'md5'] }),
      ),
      postgresConnection('pg-impostor', {
        ...targetOf(md5Server),
        port: (impostor.address() as AddressInfo).port,
      }),
    ],
  });
});

afterAll(async () => {
  await harness?.close();
  impostor?.close();
  await Promise.all([
    md5Server?.stop(),
    cleartextServer?.stop(),
    tlsServer?.stop(),
    otherCa?.remove(),
  ]);
});

async function queryThrough(
  database: string,
  text: string,
  config: Partial<pg.ClientConfig> = {},
): Promise<Record<string, unknown>> {
  const client = harness.client({ database, ...config });
  await client.connect();
  try {
    return (await client.query(text)).rows[0];
  } finally {
    await client.end();
  }
}

async function refusal(database: string): Promise<{ code: string | undefined; message: string }> {
  const client = harness.client({ database });
  client.on('error', () => undefined);
  const error = (await client.connect().then(
    () => client.end().then(() => new Error('connected')),
    (cause: pg.DatabaseError) => cause,
  )) as pg.DatabaseError;
  return { code: error.code, message: error.message };
}

const whoAmI =
  'SELECT current_user AS user, (SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()) AS ssl';

describe('authentication to the target', () => {
  test('SCRAM-SHA-256 (the default target)', async () => {
    expect(await queryThrough('pg-test', whoAmI)).toEqual({ user: 'app_rw', ssl: false });
  });

  test('md5', async () => {
    expect(await queryThrough('pg-md5', whoAmI)).toEqual({ user: targetUser.name, ssl: false });
  });

  test('cleartext password', async () => {
    expect(await queryThrough('pg-cleartext', whoAmI)).toEqual({
      user: targetUser.name,
      ssl: false,
    });
  });

  test('a wrong target password is 08006, and the password is not in the message', async () => {
    const error = await refusal('pg-wrong-password');
    expect(error.code).toBe('08006');
    expect(error.message).toContain(
      'Warden could not open a session on the target pg-wrong-password: password authentication failed',
    );
    expect(error.message).not.toContain('not-the-password');
  });

  test('requireAuth: a target asking for a method not allowed gets no password', async () => {
    const error = await refusal('pg-md5-scram-required');
    expect(error.code).toBe('08006');
    expect(error.message).toContain(
      'the target asked for md5 authentication, and the connection allows only scram-sha-256 (target.requireAuth)',
    );
    expect(await queryThrough('pg-md5-allowed', whoAmI)).toEqual({
      user: targetUser.name,
      ssl: false,
    });
  });

  test('a target that cannot prove it knows the SCRAM password is refused', async () => {
    const error = await refusal('pg-impostor');
    expect(error.code).toBe('08006');
    expect(error.message).toContain('server signature does not match');
  });
});

describe('TLS to the target', () => {
  test('require: encrypted, SCRAM over TLS', async () => {
    expect(await queryThrough('pg-tls-require', whoAmI)).toEqual({
      user: targetUser.name,
      ssl: true,
    });
  });

  test('verify-full with the right CA', async () => {
    expect(await queryThrough('pg-tls-verify', whoAmI)).toEqual({
      user: targetUser.name,
      ssl: true,
    });
  });

  test('verify-full with another CA fails closed', async () => {
    const error = await refusal('pg-tls-wrong-ca');
    expect(error.code).toBe('08006');
    expect(error.message).toContain(
      'Warden could not reach the target pg-tls-wrong-ca: TLS with the target failed',
    );
  });

  test('require against a server without TLS fails closed', async () => {
    const error = await refusal('pg-tls-unsupported');
    expect(error).toMatchObject({
      code: '08006',
      message: expect.stringContaining('the target does not accept TLS connections'),
    });
  });
});

describe('startup parameters', () => {
  test('safe ones reach the target; options and the client user name do not', async () => {
    const row = await queryThrough(
      'pg-test',
      "SELECT current_setting('application_name') AS app, current_setting('search_path') AS path, current_setting('work_mem') AS work_mem, current_user AS user",
      { application_name: 'nightly-report', options: '-c work_mem=77MB', user: 'postgres' },
    );
    expect(row).toEqual({
      app: 'nightly-report',
      path: '"$user", public',
      work_mem: '4MB',
      user: 'app_rw',
    });
  });

  test('a replication connection is refused', async () => {
    const connection = await RawConnection.open(harness.listener.address.port);
    connection.write(
      startupPacket({ user: 'agent', database: 'pg-test', replication: 'database' }),
    );
    const messages = await connection.until('error');
    expect(messages.at(-1)).toMatchObject({
      code: '0A000',
      message: 'Warden does not proxy replication connections',
    });
  });
});

/**
 * A server posing as PostgreSQL that runs SCRAM without knowing the password: it answers the
 * client's proof with a made-up server signature, then claims success.
 */
function startImpostor(): Promise<Server> {
  const server = createServer((socket) => {
    let buffered = Buffer.alloc(0);
    let step = 0;
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      // The startup packet has no type byte; the SASL messages that follow do.
      const headerLength = step === 0 ? 0 : 1;
      if (buffered.length < headerLength + 4) return;
      const total = headerLength + buffered.readInt32BE(headerLength);
      if (buffered.length < total) return;
      const body = buffered.subarray(headerLength + 4, total).toString('latin1');
      buffered = buffered.subarray(total);
      if (step === 0) authentication(socket, 10, 'SCRAM-SHA-256\0\0');
      if (step === 1) {
        const clientNonce = /r=([^,]+)/.exec(body)![1]!;
        const salt = randomBytes(16).toString('base64');
        authentication(socket, 11, `r=${clientNonce}impostor,s=${salt},i=4096`);
      }
      if (step === 2) {
        authentication(socket, 12, `v=${randomBytes(32).toString('base64')}`);
        authentication(socket, 0, '');
      }
      step++;
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function authentication(socket: Socket, code: number, data: string): void {
  const payload = Buffer.from(data, 'latin1');
  const message = Buffer.alloc(9 + payload.length);
  message.write('R', 0, 'latin1');
  message.writeInt32BE(8 + payload.length, 1);
  message.writeInt32BE(code, 5);
  payload.copy(message, 9);
  socket.write(message);
}
