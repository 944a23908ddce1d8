// The walk-through, end to end through the built CLI and the API: a real PostgreSQL with
// SCRAM, a real OpenID provider, real psql, and `node bin/warden.js` as a user runs it.
import { execFile, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventLogDirectory, listSegments } from '../../src/audit/event-log-segments.js';
import type { SessionDetail, SessionSummary } from '../../src/audit/index.js';
import { DatadogReceiver } from '../../src/sandbox/datadog-receiver.js';
import { freePort } from '../../src/sandbox/free-port.js';
import { startOidcProvider, type OidcSandbox } from '../../src/sandbox/oidc-provider.js';
import { startPostgres, type PostgresSandbox } from '../../src/sandbox/postgres.js';

const run = promisify(execFile);
const wardenBin = join(import.meta.dirname, '../../bin/warden.js');
const targetPassword = 'target-secret-never-leaves';

let postgres: PostgresSandbox;
let oidc: OidcSandbox;
let dir: string;
let configPath: string;
let apiUrl: string;
let postgresPort: number;
let server: ReturnType<typeof spawn>;
let datadog: DatadogReceiver;
let serverOutput = '';

async function waitForHealth(url: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`warden serve did not come up:\n${serverOutput}`);
}

function psql(token: string, script: string, user = 'billing-agent') {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(
      'psql',
      [
        '-X',
        '-v',
        'ON_ERROR_STOP=0',
        `host=127.0.0.1 port=${postgresPort} dbname=pg-prod user=${user} sslmode=disable`,
      ],
      { env: { ...process.env, PGPASSWORD: token } },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(script);
  });
}

async function api<T>(path: string, token?: string): Promise<{ status: number; body: T }> {
  const response = await fetch(`${apiUrl}${path}`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  return { status: response.status, body: (await response.json()) as T };
}

async function cli(...args: string[]) {
  try {
    const withConfig = args.includes('--config') ? args : [...args, '--config', configPath];
    const { stdout, stderr } = await run('node', [wardenBin, ...withConfig]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'warden-e2e-'));
  postgres = await startPostgres({ authMethod: 'scram-sha-256' });
  const admin = new pg.Client({ connectionString: postgres.url() });
  await admin.connect();
  await admin.query(`CREATE ROLE app_rw LOGIN PASSWORD '${targetPassword}'`);
  await admin.query('CREATE DATABASE app OWNER app_rw');
  await admin.end();
  oidc = await startOidcProvider({
    audience: 'api://warden',
    clients: [
      {
        clientId: 'billing-agent',
        clientSecret: 's1',
        groups: ['agents-db'],
        name: 'billing-agent',
      },
      {
        clientId: 'marketing-agent',
        clientSecret: 's2',
        groups: ['marketing'],
        name: 'marketing-agent',
      },
      { clientId: 'auditor', clientSecret: 's3', groups: ['warden-admins'], name: 'auditor' },
    ],
  });
  datadog = await new DatadogReceiver({ apiKey: 'dd-key-never-logged' }).start();
  postgresPort = await freePort();
  const apiPort = await freePort();
  apiUrl = `http://127.0.0.1:${apiPort}`;
  configPath = join(dir, 'warden.yaml');
  await writeFile(
    configPath,
    `store:
  url: sqlite:./warden.db
api:
  listen: 127.0.0.1:${apiPort}
identity:
  providers:
    - name: test-idp
      issuer: ${oidc.issuer}
      audience: api://warden
      groupsClaim: groups
  adminGroups: [warden-admins]
listeners:
  postgres:
    listen: 127.0.0.1:${postgresPort}
connections:
  - name: pg-prod
    type: postgres
    target: { host: 127.0.0.1, port: ${postgres.port}, database: app, user: app_rw, password: "\${PG_PROD_PASSWORD}" }
    allow:
      - group: agents-db
sinks:
  - name: datadog
    type: datadog
    url: ${datadog.intakeUrl}
    apiKey: "\${DD_API_KEY}"
    start: beginning
    retry: { minDelay: 50ms, maxDelay: 500ms }
`,
  );
  server = spawn('node', [wardenBin, 'serve', '--config', configPath], {
    env: { ...process.env, PG_PROD_PASSWORD: targetPassword, DD_API_KEY: 'dd-key-never-logged' },
  });
  server.stdout!.on('data', (c: Buffer) => (serverOutput += c.toString()));
  server.stderr!.on('data', (c: Buffer) => (serverOutput += c.toString()));
  await waitForHealth(apiUrl);
});

afterAll(async () => {
  if (server && server.exitCode === null) {
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGTERM');
    await exited;
  }
  await datadog?.close();
  await oidc?.close();
  await postgres?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('the first connection, end to end', () => {
  let sessionId: string;

  it('an agent runs statements through Warden with psql, using its token as the password', async () => {
    const token = await oidc.clientCredentialsToken('billing-agent', 's1');
    const result = await psql(
      token,
      `CREATE TABLE orders (id int PRIMARY KEY, item text);
INSERT INTO orders VALUES (1, 'apple'), (2, 'pear'), (42, 'plum');
DELETE FROM orders WHERE id = 42;
SELECT item FROM orders ORDER BY id;
SELECT * FROM missing_table;
`,
    );
    expect(result.stdout).toContain('INSERT 0 3');
    expect(result.stdout).toContain('DELETE 1');
    expect(result.stdout).toMatch(/apple\s+pear/);
    expect(result.stderr).toContain('relation "missing_table" does not exist');
    expect(`${result.stdout}${result.stderr}`).not.toContain(targetPassword);
  });

  it('another identity is refused with 28000, naming the identity and the connection', async () => {
    const token = await oidc.clientCredentialsToken('marketing-agent', 's2');
    const client = new pg.Client({
      host: '127.0.0.1',
      port: postgresPort,
      database: 'pg-prod',
      user: 'x',
      password: token,
    });
    const error = (await client.connect().then(
      () => null,
      (e: unknown) => e,
    )) as { code?: string; message: string } | null;
    expect(error?.code).toBe('28000');
    expect(error?.message).toContain('marketing-agent');
    expect(error?.message).toContain('pg-prod');
  });

  it('the audit API refuses callers without a token (401) or without an admin group (403)', async () => {
    expect((await api('/api/v1/sessions')).status).toBe(401);
    expect((await api('/api/v1/sessions', 'not-a-jwt')).status).toBe(401);
    const agentToken = await oidc.clientCredentialsToken('billing-agent', 's1');
    expect((await api('/api/v1/sessions', agentToken)).status).toBe(403);
  });

  it('an admin reads who, why and what through the API', async () => {
    const token = await oidc.clientCredentialsToken('auditor', 's3');
    const list = await api<{ sessions: SessionSummary[] }>(
      '/api/v1/sessions?identity=billing-agent',
      token,
    );
    expect(list.status).toBe(200);
    expect(list.body.sessions).toHaveLength(1);
    const summary = list.body.sessions[0]!;
    sessionId = summary.id;
    expect(summary.actor?.name).toBe('billing-agent');
    expect(summary.actor?.kind).toBe('agent');
    expect(summary.authorization).toEqual({ group: 'agents-db', rule: 'pg-prod.allow[0]' });

    const detail = await api<SessionDetail>(`/api/v1/sessions/${sessionId}`, token);
    expect(detail.status).toBe(200);
    const commands = detail.body.statements.map((s) => s.command.trim());
    expect(commands).toEqual([
      'CREATE TABLE orders (id int PRIMARY KEY, item text);',
      "INSERT INTO orders VALUES (1, 'apple'), (2, 'pear'), (42, 'plum');",
      'DELETE FROM orders WHERE id = 42;',
      'SELECT item FROM orders ORDER BY id;',
      'SELECT * FROM missing_table;',
    ]);
    const [, insert, del, select, failing] = detail.body.statements;
    expect(insert!.result?.response?.rows).toBe(3);
    expect(del!.result?.response?.rows).toBe(1);
    expect(select!.result?.response?.sample).toContain('pear');
    expect(failing!.result?.outcome?.error?.code).toBe('42P01');
    const types = detail.body.events.map((e) => e.type);
    expect(types[0]).toBe('session.start');
    expect(types.at(-1)).toBe('session.end');
    expect(JSON.stringify(detail.body)).not.toContain(targetPassword);

    const denied = await api<{ events: Array<{ type: string; actor: { name: string } }> }>(
      '/api/v1/events?type=authz.denied',
      token,
    );
    expect(denied.body.events.map((e) => e.actor.name)).toEqual(['marketing-agent']);
  });

  it('the CLI lists and shows the same record, readable and as JSON', async () => {
    const list = await cli('sessions', 'list');
    expect(list.code).toBe(0);
    expect(list.stdout).toContain('billing-agent');
    expect(list.stdout).toContain('agents-db');
    const show = await cli('sessions', 'show', sessionId);
    expect(show.stdout).toContain('DELETE FROM orders WHERE id = 42');
    expect(show.stdout).toContain('group agents-db matched rule pg-prod.allow[0]');
    const json = JSON.parse(
      (await cli('sessions', 'show', sessionId, '--json')).stdout,
    ) as SessionDetail;
    expect(json.session.id).toBe(sessionId);
  });

  it("the agent's statements arrive at Datadog as logs with a readable message and the event's time", async () => {
    const auditor = await oidc.clientCredentialsToken('auditor', 's3');
    for (let i = 0; i < 100; i++) {
      const sinks = await api<{ sinks: { lag: number | null }[] }>('/api/v1/sinks', auditor);
      if (sinks.body.sinks[0]?.lag === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const deleted = datadog.received.find(
      (log) => log.type === 'db.query' && String(log.message).includes('DELETE'),
    );
    expect(deleted).toMatchObject({
      ddsource: 'warden',
      service: 'warden',
      status: 'info',
      message: 'billing-agent ran DELETE on pg-prod: 1 row',
      actor: { name: 'billing-agent' },
      connection: { name: 'pg-prod' },
    });
    expect(deleted!.timestamp).toBe(Date.parse(String(deleted!.time)));
    const failed = datadog.received.find((log) => log.status === 'error');
    expect(failed?.message).toBe(
      'billing-agent ran SELECT on pg-prod: failed: 42P01 relation "missing_table" does not exist',
    );
    const ids = datadog.received.map((log) => log.id);
    expect(new Set(ids).size).toBe(ids.length);

    const status = await api<{ sinks: Record<string, unknown>[] }>('/api/v1/sinks', auditor);
    expect(status.body.sinks[0]).toMatchObject({
      name: 'datadog',
      type: 'datadog',
      state: 'ok',
      lag: 0,
      delivered: datadog.received.length,
      deadLetters: 0,
    });
    const health = (await (await fetch(`${apiUrl}/healthz`)).json()) as Record<string, unknown>;
    expect(health).toMatchObject({ status: 'ok', sinks: { datadog: { state: 'ok' } } });
    const list = await cli('sinks', 'list');
    expect(list.stdout).toMatch(/datadog\s.*ok/);
    expect(serverOutput).not.toContain('dd-key-never-logged');
  });

  it('warden verify passes on an intact journal, and an anchor catches events cut from the end', async () => {
    const intact = await cli('verify');
    expect(intact.code).toBe(0);
    expect(intact.stdout).toContain('intact');
    const head = JSON.parse((await cli('verify', '--json')).stdout) as {
      lastSeq: number;
      headHash: string;
    };

    // Cut from the table, and from the event log, which still holds it after indexing.
    const db = new Database(join(dir, 'warden.db'));
    db.prepare('DELETE FROM events WHERE seq = ?').run(head.lastSeq);
    db.close();
    for (const segment of listSegments(eventLogDirectory(join(dir, 'warden.db')))) {
      const lines = readFileSync(segment.path, 'utf8').split('\n');
      const kept = lines.filter((line) => !line.includes(`"seq":${head.lastSeq},`));
      writeFileSync(segment.path, kept.join('\n'));
    }
    // The chain alone cannot see a cut tail; the anchor kept from the earlier run does.
    expect((await cli('verify')).code).toBe(0);
    const anchored = await cli('verify', '--json', '--anchor', `${head.lastSeq}:${head.headHash}`);
    expect(anchored.code).toBe(2);
    expect(JSON.parse(anchored.stdout)).toMatchObject({ ok: false, problem: 'removed' });
  });

  it('warden verify names the first bad seq after an event was altered', async () => {
    const db = new Database(join(dir, 'warden.db'));
    const row = db
      .prepare("SELECT seq, body FROM events WHERE type = 'db.query' ORDER BY seq LIMIT 1")
      .get() as {
      seq: number;
      body: string;
    };
    db.prepare('UPDATE events SET body = ? WHERE seq = ?').run(
      row.body.replace('CREATE TABLE', 'CREATE  TABLE'),
      row.seq,
    );
    db.close();

    const tampered = await cli('verify', '--json');
    expect(tampered.code).toBe(2);
    expect(JSON.parse(tampered.stdout)).toMatchObject({ ok: false, firstBadSeq: row.seq });
  });

  it('the read commands refuse a journal that does not exist instead of creating one', async () => {
    const elsewhere = join(dir, 'elsewhere.yaml');
    await writeFile(elsewhere, 'store: { url: "sqlite:./no-such.db" }\n');
    const result = await cli('verify', '--config', elsewhere);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('no journal at');
  });
});
