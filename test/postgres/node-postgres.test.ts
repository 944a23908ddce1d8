// node-postgres (simple and extended protocol) through Warden, and a hand-made pipeline.
import pg from 'pg';
import { serialize } from 'pg-protocol';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { AuditEvent } from '../../src/audit/event.js';
import { startHarness, type Harness } from './harness.js';
import { names, openSession } from './raw-client.js';

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness();
  const admin = await harness.admin();
  await admin.query(
    'CREATE TABLE accounts (id int PRIMARY KEY, owner text NOT NULL, balance int NOT NULL)',
  );
  await admin.query("INSERT INTO accounts VALUES (1, 'ada', 100), (2, 'grace', 50)");
  await admin.query('ALTER TABLE accounts OWNER TO app_rw');
  await admin.end();
});

afterAll(async () => {
  await harness?.close();
});

async function withClient<T>(use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = harness.client();
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

/** The db.query events of the session whose backend runs `client`. */
function queriesOf(sessionId: string): AuditEvent[] {
  return harness.journal.events.filter(
    (event) => event.type === 'db.query' && event.sessionId === sessionId,
  );
}

async function sessionIdOf(client: pg.Client): Promise<string> {
  const marker = `SELECT 'marker-${Math.random()}' AS marker`;
  await client.query(marker);
  const event = await harness.journal.waitFor(
    (candidate) => candidate.type === 'db.query' && candidate.request?.command === marker,
  );
  return event.sessionId!;
}

describe('node-postgres through Warden', () => {
  test('simple and parameterized queries, named prepared statements reused', async () => {
    await withClient(async (client) => {
      const sessionId = await sessionIdOf(client);
      expect((await client.query('SELECT owner FROM accounts ORDER BY id')).rows).toEqual([
        { owner: 'ada' },
        { owner: 'grace' },
      ]);
      const byId = {
        name: 'account-by-id',
        text: 'SELECT owner, balance FROM accounts WHERE id = $1',
      };
      expect((await client.query({ ...byId, values: [1] })).rows).toEqual([
        { owner: 'ada', balance: 100 },
      ]);
      // The second run sends only Bind/Execute: the recorder knows the statement by its name.
      expect((await client.query({ ...byId, values: [2] })).rows).toEqual([
        { owner: 'grace', balance: 50 },
      ]);
      const image = Buffer.from([0xde, 0xad, 0xbe, 0xef]);
      expect(
        (await client.query('SELECT $1::bytea AS image, $2::text AS nothing', [image, null])).rows,
      ).toEqual([{ image, nothing: null }]);

      await harness.journal.waitFor(
        (event) => event.type === 'db.query' && event.request?.params?.[0] === '\\xdeadbeef',
      );
      const queries = queriesOf(sessionId);
      expect(
        queries.map((event) => [event.request?.command, event.request?.params ?? null]),
      ).toEqual([
        [expect.stringContaining('marker'), null],
        ['SELECT owner FROM accounts ORDER BY id', null],
        [byId.text, ['1']],
        [byId.text, ['2']],
        ['SELECT $1::bytea AS image, $2::text AS nothing', ['\\xdeadbeef', null]],
      ]);
      expect(queries[1]!.request?.protocol).toBe('simple');
      expect(queries[3]!.request?.protocol).toBe('extended');
      expect(queries[3]!.response).toMatchObject({
        rows: 1,
        sample: 'owner | balance\ngrace | 50\nSELECT 1',
        tags: ['SELECT 1'],
      });
      expect(queries[4]!.response?.sample).toBe('image | nothing\n\\xdeadbeef | NULL\nSELECT 1');
    });
  });

  test('a transaction rolled back leaves nothing behind', async () => {
    await withClient(async (client) => {
      await client.query('BEGIN');
      await client.query('UPDATE accounts SET balance = balance - 30 WHERE id = $1', [1]);
      await client.query("INSERT INTO accounts VALUES (3, 'linus', 10)");
      expect((await client.query('SELECT count(*)::int AS n FROM accounts')).rows[0].n).toBe(3);
      await client.query('ROLLBACK');
      expect(
        (await client.query('SELECT count(*)::int AS n, sum(balance)::int AS total FROM accounts'))
          .rows[0],
      ).toEqual({
        n: 2,
        total: 150,
      });
    });
  });

  test('a multi-statement string returns every result', async () => {
    await withClient(async (client) => {
      const results = (await client.query(
        'SELECT 1 AS one; SELECT 2 AS two',
      )) as unknown as pg.QueryResult[];
      expect(results.map((result) => result.rows[0])).toEqual([{ one: 1 }, { two: 2 }]);
      const recorded = await harness.journal.waitFor(
        (event) =>
          event.type === 'db.query' &&
          event.request?.command === 'SELECT 1 AS one; SELECT 2 AS two',
      );
      expect(recorded.response).toMatchObject({
        rows: 2,
        tags: ['SELECT 1', 'SELECT 1'],
        sample: 'one\n1\nSELECT 1\ntwo\n2\nSELECT 1',
      });
    });
  });

  test('errors keep their SQLSTATE and the session stays usable', async () => {
    await withClient(async (client) => {
      await expect(client.query('SELECT 1 / $1::int', [0])).rejects.toMatchObject({
        code: '22012',
      });
      await expect(client.query('SELECT * FROM no_such_table')).rejects.toMatchObject({
        code: '42P01',
      });
      expect((await client.query('SELECT 5 AS five')).rows).toEqual([{ five: 5 }]);
      const failed = await harness.journal.waitFor(
        (event) =>
          event.type === 'db.query' && event.request?.command === 'SELECT * FROM no_such_table',
      );
      expect(failed.outcome).toMatchObject({
        result: 'failure',
        error: { code: '42P01', message: 'relation "no_such_table" does not exist' },
      });
    });
  });

  test("the client gets Warden's cancel key, never the target's", async () => {
    await withClient(async (client) => {
      const { pid } = (await client.query('SELECT pg_backend_pid() AS pid')).rows[0];
      const handedOut = client as unknown as { processID: number; secretKey: number };
      expect(handedOut.processID).toEqual(expect.any(Number));
      expect(handedOut.processID).not.toBe(pid);
    });
  });

  test('LISTEN/NOTIFY across two sessions', async () => {
    const listening = harness.client();
    const notifying = harness.client();
    await Promise.all([listening.connect(), notifying.connect()]);
    try {
      await listening.query('LISTEN ledger');
      const received = new Promise<pg.Notification>((resolve) =>
        listening.once('notification', resolve),
      );
      await notifying.query("SELECT pg_notify('ledger', 'balance changed')");
      expect(await received).toMatchObject({ channel: 'ledger', payload: 'balance changed' });
      // The listening session goes on working after the asynchronous message.
      expect((await listening.query('SELECT 1 AS ok')).rows).toEqual([{ ok: 1 }]);
    } finally {
      await Promise.all([listening.end(), notifying.end()]);
    }
  });

  test('refusals carry their SQLSTATE: 28P01, 3D000, 28000, 08006', async () => {
    const attempt = async (config: Partial<pg.ClientConfig>) => {
      const client = harness.client(config);
      client.on('error', () => undefined);
      return client.connect().then(
        () => client.end().then(() => null),
        (error: pg.DatabaseError) => ({ code: error.code, message: error.message }),
      );
    };
    expect(await attempt({ password: 'eyJhbGciOiJub25lIn0.e30.' })).toMatchObject({
      code: '28P01',
    });
    expect(await attempt({ database: 'pg-unknown' })).toMatchObject({ code: '3D000' });
    // Without a valid token, connection names cannot be probed: the token is checked first.
    expect(await attempt({ database: 'pg-unknown', password: 'guess' })).toMatchObject({
      code: '28P01',
    });
    expect(await attempt({ password: harness.tokens.outsider })).toMatchObject({
      code: '28000',
      message: expect.stringMatching(/^Warden: marketing-agent .*pg-test/),
    });
    expect(await attempt({ database: 'pg-down' })).toMatchObject({
      code: '08006',
      message: expect.stringContaining('Warden could not reach the target pg-down'),
    });
  });

  test('an address that keeps failing is refused before its token is read, and recorded once', async () => {
    const listener = await harness.startListener({ failedLogins: { max: 2, windowSeconds: 60 } });
    const attempt = async (password: string) => {
      const client = harness.client({ port: listener.address.port, password });
      client.on('error', () => undefined);
      return client.connect().then(
        () => client.end().then(() => null),
        (error: pg.DatabaseError) => ({ code: error.code, message: error.message }),
      );
    };
    const recordedBefore = harness.journal.ofType('authn.failure').length;
    for (const bad of ['bad-token-1', 'bad-token-2']) {
      expect(await attempt(bad)).toMatchObject({ code: '28P01', message: /token rejected/ });
    }
    // Even a good token: the address is closed for the rest of the minute.
    for (let i = 0; i < 3; i++) {
      expect(await attempt(harness.tokens.agent)).toEqual({
        code: '28P01',
        message: expect.stringMatching(
          /^Warden: too many failed logins from 127\.0\.0\.1; try again in \d+ s$/,
        ),
      });
    }
    await harness.journal.waitFor((event) =>
      /too many failed logins/.test(event.outcome?.error?.message ?? ''),
    );
    const recorded = harness.journal.ofType('authn.failure').slice(recordedBefore);
    const messages = recorded.map((event) => event.outcome?.error?.message ?? '');
    expect(messages.map((message) => /too many failed logins/.test(message))).toEqual([
      false,
      false,
      true,
    ]);
    // Each listener counts its own: the default one still lets the agent in.
    const client = harness.client();
    await client.connect();
    await client.end();
  });
});

describe('pipelining', () => {
  test('a batch of Executes before one Sync: the failing one and the skipped ones are recorded', async () => {
    const connection = await openSession(
      harness.listener.address.port,
      harness.tokens.agent,
      'pg-test',
    );
    const execute = (text: string, values: string[]) => [
      serialize.parse({ text }),
      serialize.bind({ values }),
      serialize.describe({ type: 'P' }),
      serialize.execute(),
    ];
    connection.write(
      Buffer.concat([
        ...execute('SELECT $1::int * 2 AS doubled', ['21']),
        // Fails while running (a constant 1/0 would already fail at Bind, when it is planned).
        ...execute('SELECT 1 / (balance - balance) AS boom FROM accounts WHERE id = $1', ['1']),
        ...execute('SELECT $1::text AS never', ['skipped']),
        serialize.sync(),
        ...execute('SELECT $1::text AS next_batch', ['runs']),
        ...execute("SELECT 'second' AS also", []),
        serialize.sync(),
      ]),
    );
    const first = await connection.until('readyForQuery');
    expect(names(first)).toEqual([
      'parseComplete',
      'bindComplete',
      'rowDescription',
      'dataRow',
      'commandComplete',
      'parseComplete',
      'bindComplete',
      'rowDescription',
      'error',
      'readyForQuery',
    ]);
    const second = await connection.until('readyForQuery');
    expect(names(second).filter((name) => name === 'dataRow')).toHaveLength(2);
    connection.end();

    const last = await harness.journal.waitFor(
      (event) => event.type === 'db.query' && event.request?.command === "SELECT 'second' AS also",
    );
    const session = harness.journal.events.filter(
      (event) => event.type === 'db.query' && event.sessionId === last.sessionId,
    );
    expect(
      session.map((event) => [
        event.request?.statementIndex,
        event.request?.params,
        event.outcome?.result,
        event.outcome?.error?.code ?? null,
      ]),
    ).toEqual([
      [1, ['21'], 'success', null],
      [2, ['1'], 'failure', '22012'],
      [3, ['skipped'], 'failure', null],
      [4, ['runs'], 'success', null],
      [5, [], 'success', null],
    ]);
    expect(session[0]!.response?.sample).toBe('doubled\n42\nSELECT 1');
    expect(session[2]!.outcome?.error?.message).toContain('not run');
    // Every statement's start was committed before its result.
    for (const event of session) {
      const start = harness.journal.events.find(
        (candidate) =>
          candidate.type === 'db.query.start' &&
          candidate.sessionId === event.sessionId &&
          candidate.request?.statementIndex === event.request?.statementIndex,
      );
      expect(start!.seq).toBeLessThan(event.seq);
    }
  });

  test('a named statement and a named portal fetched in parts, with Flush before Sync', async () => {
    const connection = await openSession(
      harness.listener.address.port,
      harness.tokens.agent,
      'pg-test',
    );
    connection.write(
      Buffer.concat([
        serialize.parse({ name: 'numbers', text: 'SELECT g FROM generate_series(1, $1::int) g' }),
        serialize.sync(),
      ]),
    );
    expect(names(await connection.until('readyForQuery'))).toEqual([
      'parseComplete',
      'readyForQuery',
    ]);
    // A portal lives until the transaction ends: open one, then fetch it 3 rows at a time.
    connection.write(serialize.query('BEGIN'));
    await connection.until('readyForQuery');
    connection.write(
      Buffer.concat([
        serialize.bind({ portal: 'cursor', statement: 'numbers', values: ['5'] }),
        serialize.execute({ portal: 'cursor', rows: 3 }),
        serialize.flush(),
      ]),
    );
    expect(names(await connection.until('portalSuspended'))).toEqual([
      'bindComplete',
      'dataRow',
      'dataRow',
      'dataRow',
      'portalSuspended',
    ]);
    connection.write(
      Buffer.concat([
        serialize.execute({ portal: 'cursor', rows: 3 }),
        serialize.close({ type: 'P', name: 'cursor' }),
        serialize.sync(),
      ]),
    );
    expect(names(await connection.until('readyForQuery'))).toEqual([
      'dataRow',
      'dataRow',
      'commandComplete',
      'closeComplete',
      'readyForQuery',
    ]);
    connection.write(serialize.query('COMMIT'));
    await connection.until('readyForQuery');
    connection.end();

    const commit = await harness.journal.waitFor(
      (event) => event.type === 'db.query' && event.request?.command === 'COMMIT',
    );
    const fetches = harness.journal.events.filter(
      (event) =>
        event.type === 'db.query' &&
        event.sessionId === commit.sessionId &&
        event.request?.protocol === 'extended',
    );
    expect(
      fetches.map((event) => [event.request?.command, event.request?.params, event.response?.rows]),
    ).toEqual([
      ['SELECT g FROM generate_series(1, $1::int) g', ['5'], 3],
      ['SELECT g FROM generate_series(1, $1::int) g', ['5'], 2],
    ]);
  });
});
