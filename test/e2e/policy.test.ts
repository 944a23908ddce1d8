// Acting on what agents do, end to end through the whole gateway between real parts: a real
// PostgreSQL (SCRAM), a real OpenID provider, psql and node-postgres as clients, the built
// `warden` CLI for reviewers, a Slack incoming-webhook stand-in and a real webhook receiver.
// Guardrails, command reviews (approved, denied), just-in-time access, an alert with a threshold,
// masking and recording exclusions, each checked in the journal, the sinks and on disk.
import { execFile, spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../src/audit/index.js';
import { loadConfig } from '../../src/config/index.js';
import { startGateway, type Gateway } from '../../src/gateway/index.js';
import { silentLogger } from '../../src/log/index.js';
import { freePort } from '../../src/sandbox/free-port.js';
import { startOidcProvider, type OidcSandbox } from '../../src/sandbox/oidc-provider.js';
import { startPostgres, type PostgresSandbox } from '../../src/sandbox/postgres.js';
import { SlackWebhookReceiver } from '../../src/sandbox/slack-webhook-receiver.js';
import { eventually } from '../support/eventually.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';

const run = promisify(execFile);
const wardenBin = join(import.meta.dirname, '../../bin/warden.js');
const audience = 'api://warden';
const target = { user: 'app_rw', password: 'app-rw-password-never-shown', database: 'app' };
const clients = {
  agent: { clientId: 'billing-agent', clientSecret: 'a-secret', groups: ['agents-db'] },
  other: { clientId: 'report-agent', clientSecret: 'r-secret', groups: ['agents-db'] },
  approver: { clientId: 'dba-lead', clientSecret: 'd-secret', groups: ['dba'] },
  admin: { clientId: 'auditor', clientSecret: 'x-secret', groups: ['warden-admins'] },
};
type Who = keyof typeof clients;

let postgres: PostgresSandbox;
let oidc: OidcSandbox;
let slack: SlackWebhookReceiver;
let hook: WebhookReceiver;
let dir: string;
let gateway: Gateway;
const tokens = {} as Record<Who, string>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'warden-policy-'));
  postgres = await startPostgres({ authMethod: 'scram-sha-256' });
  const admin = new pg.Client({ connectionString: postgres.url() });
  await admin.connect();
  await admin.query(`CREATE ROLE ${target.user} LOGIN CREATEROLE PASSWORD '${target.password}'`);
  await admin.query(`CREATE DATABASE ${target.database} OWNER ${target.user}`);
  await admin.end();
  await withTarget((client) =>
    client.query(`
      CREATE TABLE invoices (id serial PRIMARY KEY, customer text, status text);
      INSERT INTO invoices (customer, status) SELECT 'c' || n, 'open' FROM generate_series(1, 20) n;
      CREATE TABLE scratch_a (id int); CREATE TABLE scratch_b (id int);`),
  );
  oidc = await startOidcProvider({
    audience,
    clients: Object.values(clients).map((client) => ({ ...client, name: client.clientId })),
  });
  for (const who of Object.keys(clients) as Who[])
    tokens[who] = await oidc.clientCredentialsToken(
      clients[who].clientId,
      clients[who].clientSecret,
    );
  slack = await new SlackWebhookReceiver().start();
  hook = await WebhookReceiver.start();
  const configPath = join(dir, 'warden.yaml');
  await writeFile(configPath, configYaml(await freePort(), await freePort()));
  const config = await loadConfig(configPath, {
    PG_PASSWORD: target.password,
    SLACK_URL: slack.webhookUrl,
  });
  gateway = await startGateway(config, silentLogger());
}, 120_000);

afterAll(async () => {
  await gateway?.close();
  await slack?.close();
  await hook?.close();
  await oidc?.close();
  await postgres?.stop();
  await rm(dir, { recursive: true, force: true });
});

function configYaml(postgresPort: number, apiPort: number): string {
  const targetYaml = `{ host: 127.0.0.1, port: ${postgres.port}, database: ${target.database}, user: ${target.user}, password: "\${PG_PASSWORD}" }`;
  return `
store: { url: sqlite:./warden.db }
api: { listen: 127.0.0.1:${apiPort} }
identity:
  providers:
    - { name: test-idp, issuer: ${oidc.issuer}, audience: ${audience}, groupsClaim: groups }
  adminGroups: [warden-admins]
listeners:
  postgres: { listen: 127.0.0.1:${postgresPort} }
connections:
  - name: pg-prod
    type: postgres
    target: ${targetYaml}
    allow: [{ group: agents-db }]
    guardrails:
      - name: no-unbounded-writes
        match: { statements: [delete-without-where, update-without-where] }
        message: DELETE and UPDATE on pg-prod need a WHERE clause
      - name: no-sleep
        match: { patterns: ['\\bpg_sleep\\b'] }
      - name: drops-need-review
        match: { statements: [drop, truncate] }
        action: review
        review: { approverGroups: [{ group: dba }], timeout: 1m }
  - name: pg-jit
    type: postgres
    target: ${targetYaml}
    allow: [{ group: agents-db }]
    accessApproval: { approverGroups: [{ group: dba }], duration: 1h }
  - name: pg-masked
    type: postgres
    target: ${targetYaml}
    allow: [{ group: agents-db }]
    masking:
      results: { columns: [customer], detectors: [email] }
recording:
  exclude:
    - patterns: ['^\\s*select\\s+1\\s*;?\\s*$']
alerts:
  - name: invoice-delete-burst
    severity: high
    match: { types: [db.query], statements: [delete], tables: [invoices] }
    threshold: { count: 5, window: 1m, by: actor }
    notify: [oncall]
notifications:
  - { name: oncall, type: slack, url: "\${SLACK_URL}" }
reviews:
  notify: [oncall]
  approveUrl: http://127.0.0.1:${apiPort}
sinks:
  - { name: archive, type: file, path: ./sink/events.jsonl, start: beginning }
  - { name: siem, type: webhook, url: ${hook.url}, mode: batch, start: beginning }
`;
}

async function withTarget<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({
    host: postgres.host,
    port: postgres.port,
    database: target.database,
    user: target.user,
    password: target.password,
  });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

function connect(who: Who, database = 'pg-prod'): Promise<pg.Client> {
  const client = new pg.Client({
    host: gateway.postgres!.address.host,
    port: gateway.postgres!.address.port,
    database,
    user: clients[who].clientId,
    password: tokens[who],
  });
  return client.connect().then(() => client);
}

function psql(who: Who, script: string) {
  const { host, port } = gateway.postgres!.address;
  return new Promise<{ stdout: string; stderr: string }>((resolve) => {
    const child = spawn(
      'psql',
      ['-X', '-At', `host=${host} port=${port} dbname=pg-prod user=${who} sslmode=disable`],
      { env: { ...process.env, PGPASSWORD: tokens[who] } },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', () => resolve({ stdout, stderr }));
    child.stdin.end(script);
  });
}

async function cli(who: Who, ...args: string[]) {
  try {
    const { stdout } = await run(process.execPath, [wardenBin, ...args], {
      env: { ...process.env, WARDEN_API: gateway.api.url, WARDEN_TOKEN: tokens[who] },
    });
    return { code: 0, output: stdout };
  } catch (error) {
    const failure = error as { code: number; stdout: string; stderr: string };
    return { code: failure.code, output: failure.stdout + failure.stderr };
  }
}

async function api<T>(
  who: Who,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const response = await fetch(`${gateway.api.url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: {
      authorization: `Bearer ${tokens[who]}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as T };
}

async function events(type: string): Promise<AuditEvent[]> {
  await gateway.journal.indexed();
  const { body } = await api<{ events: AuditEvent[] }>(
    'admin',
    `/api/v1/events?type=${type}&limit=1000`,
  );
  return body.events;
}

async function pendingReview(connection: string): Promise<{ id: string }> {
  return eventually(async () => {
    const { body } = await api<{ reviews: { id: string; connection: { name: string } }[] }>(
      'approver',
      '/api/v1/reviews?state=pending',
    );
    return body.reviews.find((one) => one.connection.name === connection);
  });
}

async function invoiceCount(): Promise<number> {
  return withTarget(async (client) =>
    Number((await client.query('SELECT count(*) AS n FROM invoices')).rows[0].n),
  );
}

describe('guardrails', () => {
  it('refuses a DELETE without WHERE with the rule message, and the psql session goes on', async () => {
    const before = await invoiceCount();
    const { stdout, stderr } = await psql(
      'agent',
      'DELETE FROM invoices;\nSELECT count(*) FROM invoices;\n',
    );
    expect(stderr).toContain('DELETE and UPDATE on pg-prod need a WHERE clause');
    expect(stdout.trim()).toBe(String(before));
    expect(await invoiceCount()).toBe(before);
    const blocked = (await events('guardrail.blocked')).find(
      (event) => event.request?.command === 'DELETE FROM invoices;',
    );
    expect(blocked?.policy).toMatchObject({
      rule: 'pg-prod.guardrails.no-unbounded-writes',
      action: 'block',
    });
    expect(blocked?.outcome?.error?.code).toBe('42501');
    // It never ran: no db.query.start or db.query for it.
    const starts = await events('db.query.start');
    expect(starts.some((event) => event.request?.command === 'DELETE FROM invoices;')).toBe(false);
  });

  it('finds an unbounded DELETE inside a CTE, and an UPDATE without WHERE in the extended protocol', async () => {
    const client = await connect('agent');
    try {
      await expect(
        client.query('WITH gone AS (DELETE FROM invoices RETURNING id) SELECT count(*) FROM gone'),
      ).rejects.toThrow(/need a WHERE clause/);
      await expect(client.query('UPDATE invoices SET status = $1', ['paid'])).rejects.toThrow(
        /need a WHERE clause/,
      );
      // A pattern rule, and then a statement that passes: the session is still usable.
      await expect(client.query('SELECT pg_sleep(0)')).rejects.toThrow(/no-sleep/);
      const open = await client.query('SELECT count(*) AS n FROM invoices WHERE status = $1', [
        'open',
      ]);
      expect(Number(open.rows[0].n)).toBe(await invoiceCount());
    } finally {
      await client.end();
    }
  });
});

describe('command reviews', () => {
  it('holds a DROP, tells the client, and runs it once approved with the CLI', async () => {
    const client = await connect('agent');
    const notices: string[] = [];
    client.on('notice', (notice) => notices.push(notice.message ?? ''));
    try {
      const drop = client.query('DROP TABLE scratch_a');
      drop.catch(() => undefined); // asserted below; not unhandled if the test fails first
      const review = await pendingReview('pg-prod');
      await eventually(() => slack.received.some((message) => message.text?.includes(review.id)));

      const listed = await cli('approver', 'reviews', 'list', '--state', 'pending');
      expect(listed.output).toContain(review.id);
      // Nobody approves their own request, even one in an approver group would not help here.
      const own = await api<{ message: string }>(
        'agent',
        `/api/v1/reviews/${review.id}/approve`,
        {},
      );
      expect(own.status).toBe(403);

      const approved = await cli(
        'approver',
        'reviews',
        'approve',
        review.id,
        '--reason',
        'cleanup',
      );
      expect(approved.code).toBe(0);
      await expect(drop).resolves.toMatchObject({ command: 'DROP' });
      expect(notices.join('\n')).toContain(`held for review ${review.id}`);
      const exists = await withTarget((target) =>
        target.query("SELECT to_regclass('scratch_a') AS t"),
      );
      expect(exists.rows[0].t).toBeNull();

      const ran = (await events('db.query')).find(
        (event) => event.request?.command === 'DROP TABLE scratch_a',
      );
      expect(ran?.policy).toMatchObject({ action: 'approve', reviewId: review.id });
      expect(
        (await events('review.approved')).some((event) => event.policy?.reviewId === review.id),
      ).toBe(true);
      const refused = await events('review.refused');
      expect(refused.some((event) => event.actor?.name === 'billing-agent')).toBe(true);
    } finally {
      await client.end();
    }
  });

  it("refuses a denied DROP with the reviewer's reason, and the session goes on", async () => {
    const client = await connect('agent');
    try {
      const drop = client.query('DROP TABLE scratch_b').then(
        () => null,
        (error: Error) => error,
      );
      const review = await pendingReview('pg-prod');
      const denied = await cli(
        'approver',
        'reviews',
        'deny',
        review.id,
        '--reason',
        'keep it for the audit',
      );
      expect(denied.code).toBe(0);
      const error = await drop;
      expect(error?.message).toContain('keep it for the audit');
      expect((await client.query('SELECT 2 AS two')).rows[0].two).toBe(2);
      const exists = await withTarget((target) =>
        target.query("SELECT to_regclass('scratch_b') AS t"),
      );
      expect(exists.rows[0].t).toBe('scratch_b');
      const blocked = (await events('guardrail.blocked')).find(
        (event) => event.policy?.reviewId === review.id,
      );
      expect(blocked?.policy).toMatchObject({ action: 'deny' });
    } finally {
      await client.end();
    }
  });
});

describe('just-in-time access', () => {
  it('refuses until a request is approved, naming the request and where to approve it', async () => {
    const refused = await connect('other', 'pg-jit').then(
      () => null,
      (error: Error) => error,
    );
    expect(refused?.message).toMatch(/needs approved access: request \S+ was opened/);
    const review = await pendingReview('pg-jit');
    expect(refused?.message).toContain(`/api/v1/reviews/${review.id}/approve`);
    // A second attempt names the same request rather than opening another.
    const again = await connect('other', 'pg-jit').then(
      () => null,
      (error: Error) => error,
    );
    expect(again?.message).toContain(`request ${review.id} is still waiting`);

    const decided = await api('approver', `/api/v1/reviews/${review.id}/approve`, {});
    expect(decided.status).toBe(200);
    const client = await connect('other', 'pg-jit');
    try {
      expect((await client.query('SELECT 3 AS three')).rows[0].three).toBe(3);
    } finally {
      await client.end();
    }
    const start = (await events('session.start')).findLast(
      (event) => event.connection?.name === 'pg-jit',
    );
    expect(start?.authorization?.reviewId).toBe(review.id);
  });
});

describe('alert rules', () => {
  it('raises an alert on the fifth DELETE by one agent within a minute, and tells Slack', async () => {
    const other = await connect('other');
    try {
      // Four by another agent: counted apart, no alert.
      for (let id = 1; id <= 4; id++) await other.query(`DELETE FROM invoices WHERE id = ${id}`);
    } finally {
      await other.end();
    }
    const agent = await connect('agent');
    try {
      for (let id = 11; id <= 15; id++) await agent.query(`DELETE FROM invoices WHERE id = ${id}`);
    } finally {
      await agent.end();
    }
    const alert = await eventually(async () => {
      const raised = await events('alert.raised');
      return raised.length > 0 && raised;
    });
    expect(alert).toHaveLength(1);
    expect(alert[0]!.actor?.name).toBe('billing-agent');
    expect(alert[0]!.policy).toMatchObject({
      rule: 'alerts.invoice-delete-burst',
      severity: 'high',
      count: 5,
    });
    await eventually(() =>
      slack.received.some((message) => message.text?.includes('invoice-delete-burst')),
    );
  });
});

describe('masking and exclusions', () => {
  const rolePassword = 'Role-Pa55word-kept-out';
  const email = 'jane.doe@example.com';

  it('keeps a role password and an email out of the journal, the disk and every sink', async () => {
    const { stdout, stderr } = await psql(
      'agent',
      `CREATE ROLE reporting LOGIN PASSWORD '${rolePassword}';\nSELECT '${email}' AS contact;\nSELECT 1;\n`,
    );
    expect(stderr).toBe('');
    // The client gets its result as it is: masking is of the record.
    expect(stdout).toContain(email);

    const recorded = (await events('db.query')).find((event) =>
      event.request?.command.startsWith('CREATE ROLE reporting'),
    );
    expect(recorded?.request?.command).toBe(
      "CREATE ROLE reporting LOGIN PASSWORD '[masked:passwords]';",
    );
    expect(recorded?.masked).toEqual({ passwords: 1 });
    const contact = (await events('db.query')).find((event) =>
      event.request?.command.includes('AS contact'),
    );
    expect(contact?.response?.sample).toContain('[masked:email]');

    // Every sink has caught up with the journal, then nothing anywhere holds either value.
    await eventually(async () => {
      const { body } = await api<{ sinks: { lag: number }[] }>('admin', '/api/v1/sinks');
      return body.sinks.every((sink) => sink.lag === 0);
    });
    const delivered = hook.accepted.map((delivery) => delivery.body).join('\n');
    expect(delivered).toContain('[masked:passwords]');
    for (const secret of [rolePassword, email]) {
      expect(delivered).not.toContain(secret);
      for (const file of filesUnder(dir))
        expect(readFileSync(file).includes(secret), file).toBe(false);
    }
  });

  it('leaves excluded health checks out of the record and counts them in the session', async () => {
    await psql('agent', 'SELECT 1;\nSELECT 1;\nSELECT 42;\n');
    // Completions are written in the background: the psql session may be gone before.
    const answer = await eventually(async () =>
      (await events('db.query&q=SELECT%2042')).find(
        (event) => event.request?.command === 'SELECT 42;',
      ),
    );
    const sessionId = answer.sessionId;
    const end = await eventually(async () =>
      (await events('session.end')).find((event) => event.sessionId === sessionId),
    );
    expect(end.totals).toMatchObject({ statements: 3, excluded: 2 });
    const recorded = (await events('db.*')).filter((event) => event.sessionId === sessionId);
    expect(recorded.map((event) => event.request?.command)).toEqual(['SELECT 42;', 'SELECT 42;']);
  });
});

describe('masking in what the client receives', () => {
  it('replaces chosen columns and detected values in every row, across chunks, and counts them', async () => {
    const client = await connect('agent', 'pg-masked');
    try {
      const one = await client.query(
        "SELECT customer, 'bob@example.com' AS contact, status FROM invoices WHERE id = 20",
      );
      expect(one.rows).toEqual([
        { customer: '[masked]', contact: '[masked:email]', status: 'open' },
      ]);
      // Thousands of rows: DataRows cross the target's chunk boundaries.
      const many = await client.query(
        "SELECT 'c' || n AS customer, n, repeat('y', 200) AS filler FROM generate_series(1, 5000) n",
      );
      expect(many.rows).toHaveLength(5000);
      expect(many.rows.every((row) => row.customer === '[masked]')).toBe(true);
      expect(many.rows.reduce((sum, row) => sum + Number(row.n), 0)).toBe((5000 * 5001) / 2);
      expect(many.rows[4999].filler).toBe('y'.repeat(200));
    } finally {
      await client.end();
    }
    const end = await eventually(async () =>
      (await events('session.end')).findLast((event) => event.connection?.name === 'pg-masked'),
    );
    expect(end.totals?.maskedForClient).toEqual({ column: 5001, email: 1 });
  });
});

function filesUnder(root: string): string[] {
  return readdirSync(root).flatMap((name) => {
    const path = join(root, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}
