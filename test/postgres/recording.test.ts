// What Warden records of a PostgreSQL session, and that it records before it forwards.
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { verifyJournal } from '../../src/audit/index.js';
import { startHarness, type Harness } from './harness.js';
import { eventually } from '../support/eventually.js';
import { RawConnection } from './raw-client.js';

let harness: Harness;
let admin: pg.Client;

beforeAll(async () => {
  harness = await startHarness();
  admin = await harness.admin();
  await admin.query('CREATE TABLE probe (id int)');
  await admin.query('ALTER TABLE probe OWNER TO app_rw');
});

afterAll(async () => {
  await admin?.end();
  await harness?.close();
});

beforeEach(() => {
  harness.journal.failWith(null);
});

async function probeCount(): Promise<number> {
  return (await admin.query('SELECT count(*)::int AS n FROM probe')).rows[0].n;
}

async function connected(config: Partial<pg.ClientConfig> = {}): Promise<pg.Client> {
  const client = harness.client(config);
  await client.connect();
  return client;
}

describe('the session record', () => {
  test('session.start names who, why and from where; session.end has the totals', async () => {
    const result = await harness.psql([
      '-c',
      "SELECT 'hello' AS greeting; DELETE FROM probe WHERE id < 0",
    ]);
    expect(result.code).toBe(0);
    const end = await harness.journal.waitFor(
      (event) => event.type === 'session.end' && event.totals?.statements === 1,
    );
    const session = harness.journal.events.filter((event) => event.sessionId === end.sessionId);
    expect(session.map((event) => event.type)).toEqual([
      'session.start',
      'db.query.start',
      'db.query',
      'session.end',
    ]);
    const [start, , query] = session;
    expect(start).toMatchObject({
      actor: { name: 'billing-agent', provider: 'sandbox', groups: ['agents-db'], kind: 'agent' },
      source: { ip: '127.0.0.1', client: 'psql', user: 'agent', port: expect.any(Number) },
      connection: { name: 'pg-test', type: 'postgres' },
      authorization: { group: 'agents-db', rule: 'pg-test.allow[0]' },
    });
    expect(query).toMatchObject({
      request: {
        command: "SELECT 'hello' AS greeting; DELETE FROM probe WHERE id < 0",
        protocol: 'simple',
        statementIndex: 1,
      },
      response: {
        rows: 1,
        tags: ['SELECT 1', 'DELETE 0'],
        sample: 'greeting\nhello\nSELECT 1\nDELETE 0',
        truncated: false,
      },
      outcome: { result: 'success', error: null, durationMs: expect.any(Number) },
      authorization: { group: 'agents-db' },
    });
    expect(end.totals).toMatchObject({
      statements: 1,
      errors: 0,
      rows: 1,
      endReason: 'client_terminated',
    });
    expect(end.totals!.bytesFromClient).toBeGreaterThan(0);
    expect(end.totals!.bytesToClient).toBeGreaterThan(0);
  });

  test('the session reads back from the store as who, what and why, and the chain verifies', async () => {
    const result = await harness.psql(['-c', 'SELECT 40 + 2 AS answer']);
    expect(result.code).toBe(0);
    const query = await harness.journal.waitFor(
      (event) => event.type === 'db.query' && event.request?.command === 'SELECT 40 + 2 AS answer',
    );
    await harness.journal.waitFor(
      (event) => event.type === 'session.end' && event.sessionId === query.sessionId,
    );
    const detail = await harness.reader.getSession(query.sessionId!);
    expect(detail?.events.map((event) => event.type)).toEqual([
      'session.start',
      'db.query.start',
      'db.query',
      'session.end',
    ]);
    expect(detail?.statements).toEqual([
      expect.objectContaining({
        index: 1,
        command: 'SELECT 40 + 2 AS answer',
        result: expect.objectContaining({
          response: expect.objectContaining({ rows: 1, sample: 'answer\n42\nSELECT 1' }),
        }),
      }),
    ]);
    expect(await verifyJournal(harness.store)).toMatchObject({ ok: true });
  });

  test('session.start is committed before Warden connects to the target', async () => {
    const release = harness.journal.hold();
    const client = harness.client();
    const connecting = client.connect();
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      const upstream = await admin.query(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = 'app_rw'",
      );
      expect(upstream.rows[0].n).toBe(0);
    } finally {
      release();
    }
    await connecting;
    await client.end();
  });

  test('db.query.start is committed before the statement runs', async () => {
    const client = await connected();
    try {
      const release = harness.journal.hold();
      const inserting = client.query('INSERT INTO probe VALUES ($1)', [1]);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await probeCount()).toBe(0);
      release();
      await inserting;
      expect(await probeCount()).toBe(1);

      const sleeping = client.query('SELECT pg_sleep(0.5) AS slept');
      await eventually(async () => {
        const activity = await admin.query(
          "SELECT 1 FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(0.5)%' AND state = 'active'",
        );
        return activity.rowCount === 1;
      });
      // While the statement runs on the target, its start is already in the journal and its end is not.
      const recorded = harness.journal.events.filter(
        (event) => event.request?.command === 'SELECT pg_sleep(0.5) AS slept',
      );
      expect(recorded.map((event) => event.type)).toEqual(['db.query.start']);
      await sleeping;
    } finally {
      await client.end();
    }
  });

  test('a statement the journal cannot record is refused, not run, and the session goes on', async () => {
    const client = await connected();
    try {
      const before = await probeCount();
      harness.journal.failWith(new Error('disk full'));
      await expect(client.query('INSERT INTO probe VALUES (2)')).rejects.toMatchObject({
        code: '58000',
        message: 'Warden could not record this statement, so it was not run',
      });
      await expect(client.query('INSERT INTO probe VALUES ($1)', [3])).rejects.toMatchObject({
        code: '58000',
      });
      expect(await probeCount()).toBe(before);

      harness.journal.failWith(null);
      await client.query('INSERT INTO probe VALUES ($1)', [4]);
      expect((await client.query('SELECT count(*)::int AS n FROM probe')).rows[0].n).toBe(
        before + 1,
      );
    } finally {
      await client.end();
    }
    // Through psql (simple protocol), inside a transaction: the refused statement does not
    // abort it (it never reached the target), and the rest commits.
    harness.journal.failWith(
      new Error('disk full'),
      (draft) => draft.request?.command === 'INSERT INTO probe VALUES (5);',
    );
    const refused = await harness.psql(['-f', '-'], {
      stdin:
        '\\set ON_ERROR_STOP 0\nBEGIN;\nINSERT INTO probe VALUES (5);\nINSERT INTO probe VALUES (6);\nCOMMIT;\n',
    });
    expect(refused.stderr).toContain(
      'ERROR:  Warden could not record this statement, so it was not run',
    );
    expect(refused.stdout).toBe('BEGIN\nINSERT 0 1\nCOMMIT\n');
    const kept = await admin.query('SELECT id FROM probe WHERE id IN (5, 6)');
    expect(kept.rows).toEqual([{ id: 6 }]);
  });

  test('the sample is bounded and says when it was cut; row counts stay exact', async () => {
    const listener = await harness.startListener({ responseSample: 64 });
    const client = await connected({ port: listener.address.port });
    try {
      await client.query("SELECT g, repeat('x', 20) AS filler FROM generate_series(1, 100) g");
      await client.query('INSERT INTO probe SELECT generate_series(100, 102)');
    } finally {
      await client.end();
    }
    const big = await harness.journal.waitFor(
      (event) =>
        event.type === 'db.query' &&
        event.request?.command?.includes('generate_series(1, 100)') === true,
    );
    expect(big.response).toMatchObject({ rows: 100, truncated: true });
    expect(Buffer.byteLength(big.response!.sample)).toBeLessThanOrEqual(64);
    expect(big.response!.sample).toMatch(/^g \| filler\n1 \| x{20}\n2 \| x{20}\n/);
    expect(big.response!.bytes).toBeGreaterThan(100 * 30);
    const insert = await harness.journal.waitFor(
      (event) =>
        event.type === 'db.query' &&
        event.request?.command?.startsWith('INSERT INTO probe SELECT') === true,
    );
    expect(insert.response).toMatchObject({ rows: 3, tags: ['INSERT 0 3'], truncated: false });
  });

  test('COPY out and in are recorded with their row counts', async () => {
    const result = await harness.psql(['-f', '-'], {
      stdin:
        'COPY (SELECT generate_series(1, 5) AS n) TO STDOUT;\nCOPY probe FROM STDIN;\n7\n8\n\\.\n',
    });
    expect(result.stdout).toBe('1\n2\n3\n4\n5\nCOPY 2\n');
    const copyOut = await harness.journal.waitFor(
      (event) =>
        event.type === 'db.query' && event.request?.command?.startsWith('COPY (SELECT') === true,
    );
    expect(copyOut.response).toMatchObject({ rows: 5, sample: '1\n2\n3\n4\n5\nCOPY 5' });
    const copyIn = await harness.journal.waitFor(
      (event) => event.type === 'db.query' && event.request?.command === 'COPY probe FROM STDIN;',
    );
    expect(copyIn.response).toMatchObject({ rows: 2, tags: ['COPY 2'] });
  });
});

describe('refusals and endings', () => {
  test('authn.failure never contains the token', async () => {
    const parts = harness.tokens.agent.split('.');
    const tampered = `${parts[0]}.${parts[1]}.${parts[2]!.slice(0, -4)}AAAA`;
    const result = await harness.psql(['-c', 'SELECT 1'], { token: tampered });
    expect(result.stderr).toContain('Warden: token rejected');
    const failure = await harness.journal.waitFor((event) => event.type === 'authn.failure');
    expect(failure).toMatchObject({
      source: { ip: '127.0.0.1', client: 'psql' },
      connection: { name: 'pg-test' },
      outcome: { result: 'failure', error: { code: '28P01' } },
    });
    const recorded = JSON.stringify(failure);
    expect(recorded).not.toContain(parts[2]!.slice(0, 20));
    expect(recorded).not.toContain(parts[1]!.slice(0, 20));
  });

  test('authz.denied names the identity and the reason; unknown names are denied after the token', async () => {
    await harness.psql(['-c', 'SELECT 1'], { token: harness.tokens.outsider });
    const denied = await harness.journal.waitFor(
      (event) => event.type === 'authz.denied' && event.actor?.name === 'marketing-agent',
    );
    expect(denied).toMatchObject({
      connection: { name: 'pg-test' },
      outcome: { result: 'denied', error: { code: '28000' } },
    });
    expect(denied.outcome!.error!.message).toMatch(
      /^Warden: marketing-agent .*not allowed to use pg-test/,
    );

    await harness.psql(['-c', 'SELECT 1'], { database: 'pg-nowhere' });
    const unknown = await harness.journal.waitFor(
      (event) => event.type === 'authz.denied' && event.connection?.name === 'pg-nowhere',
    );
    expect(unknown.outcome!.error!.code).toBe('3D000');
    expect(unknown.actor?.name).toBe('billing-agent');
  });

  test('a target that is down ends the session as target_unreachable', async () => {
    await harness.psql(['-c', 'SELECT 1'], { database: 'pg-down' });
    const end = await harness.journal.waitFor(
      (event) => event.type === 'session.end' && event.connection?.name === 'pg-down',
    );
    expect(end.totals?.endReason).toBe('target_unreachable');
    expect(end.outcome?.error).toMatchObject({
      code: '08006',
      message: expect.stringContaining('could not reach the target pg-down'),
    });
    const start = harness.journal.events.find(
      (event) => event.type === 'session.start' && event.sessionId === end.sessionId,
    );
    expect(start!.seq).toBeLessThan(end.seq);
  });

  test('a backend terminated on the target ends the session as upstream_closed, with its reason', async () => {
    const client = await connected();
    const errors: Error[] = [];
    client.on('error', (error) => errors.push(error));
    const pid = (await client.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
    await admin.query('SELECT pg_terminate_backend($1)', [pid]);
    await eventually(async () => errors.length > 0);
    expect(errors[0]).toMatchObject({ code: '57P01' });
    const end = await harness.journal.waitFor(
      (event) => event.type === 'session.end' && event.totals?.endReason === 'upstream_closed',
    );
    expect(end.outcome).toMatchObject({ result: 'failure', error: { code: '57P01' } });
  });

  test('closing the listener ends its sessions as gateway_shutdown', async () => {
    const listener = await harness.startListener({});
    // A client that connected but never sent its startup packet does not hold the close up.
    const idle = await RawConnection.open(listener.address.port);
    const client = await connected({ port: listener.address.port });
    const errors: Error[] = [];
    client.on('error', (error) => errors.push(error));
    await client.query('SELECT 1');
    expect(listener.activeSessions()).toBe(1);
    const closing = performance.now();
    await listener.close();
    expect(performance.now() - closing).toBeLessThan(2_000);
    await idle.waitClosed();
    await eventually(async () => errors.length > 0);
    expect(errors[0]).toMatchObject({ code: '57P01' });
    const end = await harness.journal.waitFor(
      (event) => event.type === 'session.end' && event.totals?.endReason === 'gateway_shutdown',
    );
    expect(end.totals?.statements).toBe(1);
  });
});
