// psql through Warden behaves like psql straight to the database.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { testCertificate, type TestCertificate } from '../support/tls.js';
import { startHarness, startPsql, type Harness } from './harness.js';
import { eventually } from '../support/eventually.js';

let harness: Harness;
let certificate: TestCertificate;

beforeAll(async () => {
  [harness, certificate] = await Promise.all([startHarness(), testCertificate()]);
});

afterAll(async () => {
  await harness?.close();
  await certificate?.remove();
});

const script = String.raw`
CREATE TEMP TABLE items (id int PRIMARY KEY, name text, price numeric);
INSERT INTO items VALUES (1, 'apple', 1.25), (2, 'pear', 2.5);
BEGIN;
INSERT INTO items VALUES (3, 'plum', 0.75);
ROLLBACK;
SELECT count(*) AS after_rollback FROM items;
\copy items FROM stdin
4	kiwi	3
5	fig	4.5
\.
COPY items (id, name) FROM STDIN WITH (FORMAT csv);
6,"lime, green"
\.
COPY items TO STDOUT WITH (FORMAT csv);
\copy (SELECT name FROM items ORDER BY id) TO stdout
UPDATE items SET price = price * 2 WHERE id > 3;
DELETE FROM items WHERE id = 5;
SELECT * FROM items ORDER BY id;
SELECT NULL AS nothing, '\x01ff'::bytea AS bytes, 'ünïcødé' AS text, 1.5::float8 AS float;
\d pg_catalog.pg_am
\set ON_ERROR_STOP 0
SELECT 1 / 0;
SELECT 'still here' AS after_error;
`;

describe('psql through Warden', () => {
  test('a script gives the same output as straight to PostgreSQL', async () => {
    const direct = await harness.psqlDirect(['-f', '-'], { stdin: script });
    const through = await harness.psql(['-f', '-'], { stdin: script });
    expect(direct.stdout).toContain('lime, green');
    expect(direct.stderr).toContain('division by zero');
    expect(through).toEqual(direct);
  });

  test('psql -c with several statements in one string', async () => {
    const command = "SELECT 1 AS a; SELECT 'two' AS b; SELECT generate_series(1, 3) AS n";
    const direct = await harness.psqlDirect(['-c', command]);
    const through = await harness.psql(['-c', command]);
    expect(through.code).toBe(0);
    expect(through.stdout).toBe(direct.stdout);
    expect(through.stdout).toContain('two');
  });

  test('refusals reach psql as readable messages', async () => {
    const badToken = await harness.psql(['-c', 'SELECT 1'], { token: 'not-a-jwt' });
    expect(badToken.code).not.toBe(0);
    expect(badToken.stderr).toMatch(/FATAL: +Warden: token rejected: /);
    expect(badToken.stderr).not.toContain('not-a-jwt');

    const unknown = await harness.psql(['-c', 'SELECT 1'], { database: 'nope' });
    expect(unknown.stderr).toContain('Warden has no connection named "nope"');

    const outsider = await harness.psql(['-c', 'SELECT 1'], { token: harness.tokens.outsider });
    expect(outsider.stderr).toMatch(/FATAL: +Warden: marketing-agent .*not allowed to use pg-test/);

    const down = await harness.psql(['-c', 'SELECT 1'], { database: 'pg-down' });
    expect(down.stderr).toContain('Warden could not reach the target pg-down: connection refused');
    expect(down.stderr).not.toContain('app-rw-secret');
  });

  test('Ctrl-C cancels the running query on the target', async () => {
    const admin = await harness.admin();
    try {
      const psql = startPsql(
        ['-c', 'SELECT pg_sleep(30)', harness.psqlTarget()],
        harness.tokens.agent,
      );
      const running =
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(30)' AND state = 'active'";
      await eventually(async () => (await admin.query(running)).rows[0].n === 1);
      psql.child.kill('SIGINT');
      const result = await psql.result;
      expect(result.stderr).toContain('canceling statement due to user request');
      expect((await admin.query(running)).rows[0].n).toBe(0);

      const cancel = await harness.journal.waitFor((event) => event.type === 'db.cancel');
      expect(cancel.request?.command).toBe('SELECT pg_sleep(30)');
      expect(cancel.outcome?.result).toBe('success');
      const query = await harness.journal.waitFor(
        (event) => event.type === 'db.query' && event.sessionId === cancel.sessionId,
      );
      expect(query.outcome?.error?.code).toBe('57014');
    } finally {
      await admin.end();
    }
  });
});

describe('TLS on the listener', () => {
  test('sslmode=verify-full against the listener certificate', async () => {
    const listener = await harness.startListener({
      tls: { cert: certificate.certFile, key: certificate.keyFile },
    });
    const result = await harness.psql(['-A', '-t', '-c', 'SELECT 42'], {
      host: 'localhost',
      port: listener.address.port,
      sslmode: 'verify-full',
      sslrootcert: certificate.certFile,
    });
    expect(result).toMatchObject({ code: 0, stdout: '42\n' });
  });

  test('a non-loopback listener takes the token only over TLS', async () => {
    const listener = await harness.startListener({
      host: '0.0.0.0',
      tls: { cert: certificate.certFile, key: certificate.keyFile },
    });
    const plain = await harness.psql(['-c', 'SELECT 1'], {
      port: listener.address.port,
      sslmode: 'disable',
    });
    expect(plain.code).not.toBe(0);
    expect(plain.stderr).toContain('SSL is required');

    const encrypted = await harness.psql(['-A', '-t', '-c', 'SELECT 7'], {
      port: listener.address.port,
      sslmode: 'require',
    });
    expect(encrypted).toMatchObject({ code: 0, stdout: '7\n' });
  });

  test('a listener without TLS declines SSLRequest, and sslmode=prefer falls back', async () => {
    const required = await harness.psql(['-c', 'SELECT 1'], { sslmode: 'require' });
    expect(required.stderr).toContain('server does not support SSL');
    const preferred = await harness.psql(['-A', '-t', '-c', 'SELECT 3'], { sslmode: 'prefer' });
    expect(preferred).toMatchObject({ code: 0, stdout: '3\n' });
  });
});
