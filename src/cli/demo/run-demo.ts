import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { SessionDetail, SessionSummary } from '../../audit/index.js';
import { verifyJournal } from '../../audit/index.js';
import { loadConfig } from '../../config/index.js';
import { startGateway, type Gateway } from '../../gateway/index.js';
import { createLogger } from '../../log/index.js';
import { freePort } from '../../sandbox/free-port.js';
import { DatadogReceiver, type DatadogLog } from '../../sandbox/datadog-receiver.js';
import { SlackWebhookReceiver } from '../../sandbox/slack-webhook-receiver.js';
import type { CollectorStatus } from '../../collectors/index.js';
import type { SinkStatus } from '../../export/index.js';
import type { Timeline } from '../../audit/index.js';
import { renderCollectorStatuses, renderSessionDetail, renderVerifyResult } from '../format.js';
import { renderTimeline } from '../timeline-commands.js';
import {
  demoAudience,
  demoIdpLogs,
  demoIdentities,
  demoTarget,
  startDemoWorld,
  type DemoWorld,
} from './demo-world.js';
import { Narrator } from './narrator.js';

export interface DemoOptions {
  keep?: boolean;
}

const agentScript = `SELECT id, customer, amount_cents, status FROM invoices ORDER BY id;
INSERT INTO invoices (customer, amount_cents, status) VALUES ('stark', 45000, 'draft');
DELETE FROM invoices WHERE status = 'void';
SELECT * FROM payments;
`;

/** The demo's stand-in for Datadog's Logs intake: a real HTTP server that takes what Datadog takes. */
const demoDatadogKey = 'demo-datadog-api-key';

function demoConfigYaml(
  world: DemoWorld,
  postgresPort: number,
  apiPort: number,
  datadogUrl: string,
): string {
  // The Slack webhook URL is a secret, so it comes from the environment like the others.
  return `# Written by \`warden demo\`: the same keys a real deployment uses.
store:
  url: sqlite:./warden.db
api:
  listen: 127.0.0.1:${apiPort}
identity:
  providers:
    - name: demo-idp
      issuer: ${world.oidc.issuer}
      audience: ${demoAudience}
      groupsClaim: groups
  adminGroups: [warden-admins]
listeners:
  postgres:
    listen: 127.0.0.1:${postgresPort}
connections:
  - name: pg-prod
    type: postgres
    target: { host: ${world.postgres.host}, port: ${world.postgres.port}, database: ${demoTarget.database}, user: ${demoTarget.user}, password: "\${PG_PROD_PASSWORD}" }
    allow:
      - group: agents-db
    guardrails:
      - name: no-unbounded-writes
        match: { statements: [delete-without-where, update-without-where] }
        message: DELETE and UPDATE on pg-prod need a WHERE clause
      - name: drops-need-review
        match: { statements: [drop, truncate] }
        action: review
        review: { approverGroups: [{ group: dba }], timeout: 2m }
    # masking: every built-in detector (email, card, secrets, passwords) is on by default
recording:
  responseSample: 65536
  exclude:
    - patterns: ['^\\s*select\\s+1\\s*;?\\s*$']   # health checks stay out of the record
alerts:
  - name: staging-delete-burst
    severity: high
    description: Five or more deletes from import_staging by one identity within a minute
    match: { types: [db.query], statements: [delete], tables: [import_staging] }
    threshold: { count: 5, window: 1m, by: actor }
    notify: [oncall]
notifications:
  - name: oncall
    type: slack
    url: "\${SLACK_WEBHOOK_URL}"
reviews:
  notify: [oncall]
  approveUrl: http://127.0.0.1:${apiPort}
sinks:
  - name: datadog
    type: datadog
    url: ${datadogUrl}   # instead of site: a local receiver that answers as Datadog's intake does
    apiKey: "\${DD_API_KEY}"
    service: warden-demo
    tags: [env:demo]
    start: beginning
    filter: { types: [session.*, db.query, authz.denied, guardrail.blocked, review.*, alert.raised] }
collectors:
  - name: okta
    type: okta
    domain: demo.okta.com
    url: ${world.okta.url}   # instead of https://demo.okta.com: the local System Log stand-in
    interval: 10
    startFrom: "${new Date(Date.now() - 2 * 3_600_000).toISOString()}"
    auth: { token: "\${OKTA_API_TOKEN}" }
  - name: entra
    type: entra
    tenantId: ${demoIdpLogs.entraTenant}
    clientId: ${demoIdpLogs.entraClientId}
    clientSecret: "\${ENTRA_CLIENT_SECRET}"
    url: ${world.entra.url}        # Microsoft Graph and its login, both the local stand-in
    loginUrl: ${world.entra.url}
    interval: 10
    startFrom: "${new Date(Date.now() - 2 * 3_600_000).toISOString()}"
`;
}

function havePsql(): boolean {
  return spawnSync('psql', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** Runs the real psql with the token as its password; resolves with what it printed. */
function runPsql(gateway: Gateway, user: string, token: string, script: string): Promise<string> {
  const address = gateway.postgres!.address;
  return new Promise((resolve, reject) => {
    const child = spawn(
      'psql',
      [
        `host=${address.host} port=${address.port} dbname=pg-prod user=${user} sslmode=disable application_name=${user}`,
      ],
      {
        env: { ...process.env, PGPASSWORD: token, PSQLRC: '/dev/null' },
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', () => resolve(output));
    child.stdin.end(script);
  });
}

/** A node-postgres client of pg-prod through the gateway, the token as its password. */
function gatewayClient(gateway: Gateway, user: string, token: string): pg.Client {
  return new pg.Client({
    host: gateway.postgres!.address.host,
    port: gateway.postgres!.address.port,
    database: 'pg-prod',
    user,
    password: token,
    application_name: `${user} (node-postgres)`,
  });
}

async function runWithNodePostgres(
  gateway: Gateway,
  user: string,
  token: string,
  statements: string[],
): Promise<string> {
  const client = gatewayClient(gateway, user, token);
  const lines: string[] = [];
  try {
    await client.connect();
    for (const text of statements) {
      try {
        const result = await client.query(text);
        lines.push(`${result.command} ${result.rowCount ?? ''}`.trim());
      } catch (error) {
        lines.push(`ERROR: ${(error as Error).message}`);
      }
    }
  } catch (error) {
    const e = error as Error & { code?: string };
    lines.push(`connection refused: ${e.code ?? ''} ${e.message}`.replace('  ', ' '));
  } finally {
    await client.end().catch(() => undefined);
  }
  return lines.join('\n');
}

async function apiGet<T>(
  gateway: Gateway,
  path: string,
  token: string,
): Promise<{ status: number; body: T }> {
  const response = await fetch(`${gateway.api.url}${path}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return { status: response.status, body: (await response.json()) as T };
}

/**
 * The sinks' state from the API, once every sink has caught up with the journal (the API counts
 * every event committed before the request).
 */
async function caughtUpSinks(gateway: Gateway, token: string): Promise<SinkStatus[]> {
  for (let wait = 0; ; wait++) {
    const { body } = await apiGet<{ sinks: SinkStatus[] }>(gateway, '/api/v1/sinks', token);
    if (wait === 100 || body.sinks.every((sink) => sink.lag === 0)) return body.sinks;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * The collectors' state from the API, once each has read its provider's log to the end (what the
 * stand-ins hold now).
 */
async function collectedAll(
  gateway: Gateway,
  token: string,
  world: DemoWorld,
): Promise<CollectorStatus[]> {
  const expected = { okta: world.okta.stored, entra: world.entraEntries };
  for (let wait = 0; ; wait++) {
    const { body } = await apiGet<{ collectors: CollectorStatus[] }>(
      gateway,
      '/api/v1/collectors',
      token,
    );
    const done = body.collectors.every(
      (collector) => collector.collected >= expected[collector.name as keyof typeof expected],
    );
    if (done || wait === 300) return body.collectors;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function logsOf(datadog: DatadogReceiver, actor: string): DatadogLog[] {
  return datadog.received.filter((log) => (log.actor as { name?: string } | null)?.name === actor);
}

const wardenBin = join(import.meta.dirname, '../../../bin/warden.js');

/** Runs the real `warden` CLI, as a reviewer would from their terminal. */
function runCli(args: string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [wardenBin, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', () => resolve(output.trimEnd()));
  });
}

async function poll<T>(read: () => Promise<T | null>, what: string): Promise<T> {
  for (let wait = 0; wait < 200; wait++) {
    const value = await read();
    if (value !== null) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the demo waited 20 s for ${what}`);
}

interface DemoEvent {
  type: string;
  request?: { command?: string } | null;
  policy?: Record<string, unknown> | null;
  masked?: Record<string, number> | null;
}

/**
 * Guardrails, a review approved from the CLI, an alert after a burst, and masking: what Warden
 * does about what the agent does, not only what it records.
 */
async function actOnWhatAgentsDo(
  say: Narrator,
  gateway: Gateway,
  world: DemoWorld,
  slack: SlackWebhookReceiver,
  agentToken: string,
): Promise<void> {
  const { agent, approver, auditor } = demoIdentities;
  const auditorToken = await world.oidc.clientCredentialsToken(
    auditor.clientId,
    auditor.clientSecret,
  );
  const eventsOfType = async (type: string) =>
    (await apiGet<{ events: DemoEvent[] }>(gateway, `/api/v1/events?type=${type}`, auditorToken))
      .body.events;

  say.next(
    `Guardrails: ${agent.name} sends a DELETE without WHERE; Warden refuses it, the session goes on`,
  );
  const unbounded = ['DELETE FROM invoices', 'SELECT count(*) AS invoices FROM invoices'];
  say.detail(unbounded.map((text) => `  ${text};`).join('\n'));
  say.detail(await runWithNodePostgres(gateway, agent.name, agentToken, unbounded));
  const [blocked] = await eventsOfType('guardrail.blocked');
  say.detail(
    `recorded as guardrail.blocked: rule ${String(blocked?.policy?.rule)}; nothing reached the database`,
  );

  say.next(`An alert rule: ${agent.name} deletes five staging rows within a minute`);
  const deletes = [1, 2, 3, 4, 5].map((id) => `DELETE FROM import_staging WHERE id = ${id}`);
  say.detail(await runWithNodePostgres(gateway, agent.name, agentToken, deletes));
  const [alert] = await poll(async () => {
    const raised = await eventsOfType('alert.raised');
    return raised.length > 0 && slack.received.length > 0 ? raised : null;
  }, 'the alert');
  say.detail(
    `alert.raised: rule ${String(alert?.policy?.rule)}, severity ${String(alert?.policy?.severity)}, ${String(alert?.policy?.count)} events`,
  );
  say.detail(`Slack (#oncall) received: ${slack.received.at(-1)?.text ?? ''}`);

  say.next(`A DROP is held for review; ${approver.name} (group dba) approves it with the CLI`);
  const agentClient = gatewayClient(gateway, agent.name, agentToken);
  agentClient.on('notice', (notice) => say.detail(`  ${agent.name} is told: ${notice.message}`));
  await agentClient.connect();
  const drop = agentClient.query('DROP TABLE import_staging').then(
    (result) => `DROP answered: ${result.command}`,
    (error: Error) => `DROP answered: ERROR ${error.message}`,
  );
  const approverToken = await world.oidc.clientCredentialsToken(
    approver.clientId,
    approver.clientSecret,
  );
  const cliEnv = { WARDEN_API: gateway.api.url, WARDEN_TOKEN: approverToken };
  await poll(
    async () => ((await eventsOfType('review.requested')).length > 0 ? true : null),
    'the review',
  );
  say.detail(`$ WARDEN_TOKEN=<${approver.name}'s token> warden reviews list --state pending`);
  say.detail(await runCli(['reviews', 'list', '--state', 'pending'], cliEnv));
  const [pending] = (
    await apiGet<{ reviews: { id: string }[] }>(
      gateway,
      '/api/v1/reviews?state=pending',
      approverToken,
    )
  ).body.reviews;
  say.detail(`$ warden reviews approve ${pending!.id} --reason "staging data is imported"`);
  say.detail(
    await runCli(
      ['reviews', 'approve', pending!.id, '--reason', 'staging data is imported'],
      cliEnv,
    ),
  );
  say.detail(await drop);
  await agentClient.end();
  slack.received.length = 0;

  say.next(
    `Masking: ${agent.name} creates a role with a password; the record keeps the statement, not the password`,
  );
  const rolePassword = 'Reporting-Pa55-never-stored';
  const createRole = `CREATE ROLE reporting LOGIN PASSWORD '${rolePassword}'`;
  say.detail(`  ${createRole};`);
  say.detail(await runWithNodePostgres(gateway, agent.name, agentToken, [createRole]));
  // A statement's completion is recorded in the background: it may land just after the answer.
  const recorded = await poll(
    async () =>
      (
        await apiGet<{ events: DemoEvent[] }>(
          gateway,
          '/api/v1/events?type=db.query&q=reporting',
          auditorToken,
        )
      ).body.events.at(-1) ?? null,
    'the recorded CREATE ROLE',
  );
  say.detail(
    `recorded command: ${recorded.request?.command ?? '(none)'}  masked: ${JSON.stringify(recorded.masked)}`,
  );
  const leaked = await apiGet<{ events: unknown[] }>(
    gateway,
    `/api/v1/events?q=${encodeURIComponent(rolePassword)}`,
    auditorToken,
  );
  say.detail(`events in the journal that contain the password: ${leaked.body.events.length}`);
}

export async function runDemo(options: DemoOptions): Promise<number> {
  const say = new Narrator();
  say.heading(
    'Warden demo: an AI agent reaches PostgreSQL through Warden, and every statement is recorded',
  );
  const workDir = await mkdtemp(join(tmpdir(), 'warden-demo-'));
  let world: DemoWorld | null = null;
  let gateway: Gateway | null = null;
  let datadog: DatadogReceiver | null = null;
  let slack: SlackWebhookReceiver | null = null;
  try {
    say.next(
      'Starting the outside world: a throwaway PostgreSQL (SCRAM password auth) and an OpenID provider',
    );
    world = await startDemoWorld();
    say.detail(
      `PostgreSQL  ${world.postgres.host}:${world.postgres.port}, database ${demoTarget.database}, user ${demoTarget.user} (its password stays inside Warden)`,
    );
    say.detail(`OpenID provider (oidc-provider)  ${world.oidc.issuer}`);
    for (const identity of Object.values(demoIdentities)) {
      say.detail(`  client ${identity.clientId.padEnd(16)} groups [${identity.groups.join(', ')}]`);
    }

    datadog = await new DatadogReceiver({ apiKey: demoDatadogKey }).start();
    say.detail(`Datadog Logs intake stand-in  ${datadog.intakeUrl}`);
    slack = await new SlackWebhookReceiver().start();
    say.detail(`Slack incoming-webhook stand-in  ${slack.url}`);

    say.next('Starting Warden with this warden.yaml');
    const configPath = join(workDir, 'warden.yaml');
    const yaml = demoConfigYaml(world, await freePort(), await freePort(), datadog.intakeUrl);
    await writeFile(configPath, yaml);
    say.detail(yaml);
    const config = await loadConfig(configPath, {
      ...process.env,
      PG_PROD_PASSWORD: demoTarget.password,
      DD_API_KEY: demoDatadogKey,
      OKTA_API_TOKEN: demoIdpLogs.oktaToken,
      ENTRA_CLIENT_SECRET: demoIdpLogs.entraSecret,
      SLACK_WEBHOOK_URL: slack.webhookUrl,
    });
    gateway = await startGateway(config, createLogger({ level: 'warn' }));
    say.detail(
      `PostgreSQL listener ${gateway.postgres!.address.host}:${gateway.postgres!.address.port}, audit API ${gateway.api.url}`,
    );

    const { agent, outsider, auditor } = demoIdentities;
    say.next(`${agent.name} gets an access token from the provider as itself (client credentials)`);
    const agentToken = await world.oidc.clientCredentialsToken(agent.clientId, agent.clientSecret);
    // The provider logs the grant, as Okta's System Log does: the actor is the client app.
    world.okta.tokenGrant(agent.clientId, agent.name);
    const claims = JSON.parse(
      Buffer.from(agentToken.split('.')[1]!, 'base64url').toString(),
    ) as Record<string, unknown>;
    say.detail(
      `a signed JWT of ${agentToken.length} characters: sub=${String(claims.sub)}, aud=${String(claims.aud)}, groups=${JSON.stringify(claims.groups)}`,
    );

    say.next(
      `${agent.name} connects to database "pg-prod" with the token as its password and runs statements`,
    );
    if (havePsql()) {
      say.detail(`$ PGPASSWORD=<token> psql "host=… dbname=pg-prod user=${agent.name}"`);
      say.detail(agentScript);
      say.detail(await runPsql(gateway, agent.name, agentToken, agentScript));
    } else {
      say.detail('(psql is not installed: the same statements through node-postgres)');
      say.detail(
        await runWithNodePostgres(gateway, agent.name, agentToken, agentScript.trim().split('\n')),
      );
    }
    say.detail('and with node-postgres, a parameterized query (extended protocol):');
    const client = gatewayClient(gateway, agent.name, agentToken);
    await client.connect();
    const overdue = await client.query(
      'SELECT customer, amount_cents FROM invoices WHERE status = $1',
      ['overdue'],
    );
    await client.end();
    say.detail(`  → ${JSON.stringify(overdue.rows)}`);

    say.next(`${outsider.name} (group marketing) tries the same connection`);
    const outsiderToken = await world.oidc.clientCredentialsToken(
      outsider.clientId,
      outsider.clientSecret,
    );
    say.detail(await runWithNodePostgres(gateway, outsider.name, outsiderToken, ['SELECT 1']));

    await actOnWhatAgentsDo(say, gateway, world, slack, agentToken);

    say.next(`${auditor.name} (group warden-admins) reads the record through the audit API`);
    const auditorToken = await world.oidc.clientCredentialsToken(
      auditor.clientId,
      auditor.clientSecret,
    );
    const forbidden = await apiGet(gateway, '/api/v1/sessions', outsiderToken);
    say.detail(`GET /api/v1/sessions as ${outsider.name} → ${forbidden.status}`);
    const list = await apiGet<{ sessions: SessionSummary[] }>(
      gateway,
      `/api/v1/sessions?identity=${agent.name}`,
      auditorToken,
    );
    say.detail(
      `GET /api/v1/sessions?identity=${agent.name} as ${auditor.name} → ${list.status}, ${list.body.sessions.length} sessions`,
    );
    for (const summary of [...list.body.sessions].reverse()) {
      const detail = await apiGet<SessionDetail>(
        gateway,
        `/api/v1/sessions/${summary.id}`,
        auditorToken,
      );
      say.detail('');
      say.detail(renderSessionDetail(detail.body));
    }
    const denied = await apiGet<{ events: unknown[] }>(
      gateway,
      '/api/v1/events?type=authz.denied',
      auditorToken,
    );
    say.detail('');
    say.detail(
      `GET /api/v1/events?type=authz.denied → ${denied.body.events.length} event(s): the refused attempt is on the record too`,
    );

    say.next('The same events stream to Datadog (sinks: in warden.yaml), as Datadog receives them');
    const sinks = await caughtUpSinks(gateway, auditorToken);
    const logs = logsOf(datadog, agent.name);
    for (const log of logs) {
      const { ddsource, service, hostname, ddtags, status, timestamp, message, time } = log;
      say.detail(
        JSON.stringify({ message, status, timestamp, time, ddsource, service, ddtags, hostname }),
      );
    }
    say.detail(
      `${logs.length} logs from ${agent.name} (each with the whole event: facet on @actor.name, @connection.name, @outcome.result)`,
    );
    for (const sink of sinks) {
      say.detail(
        `GET /api/v1/sinks → ${sink.name}: ${sink.state}, cursor ${sink.cursor}, lag ${sink.lag}, delivered ${sink.delivered}, dead letters ${sink.deadLetters}`,
      );
    }

    say.next(
      "The identity providers' own logs come into the same journal (collectors: Okta System Log, Entra sign-ins and audits)",
    );
    let collectors = await collectedAll(gateway, auditorToken, world);
    say.detail(renderCollectorStatuses(collectors));
    const idpEvents = async () =>
      (
        await apiGet<{ events: unknown[] }>(
          gateway!,
          '/api/v1/events?type=idp.*&limit=1000',
          auditorToken,
        )
      ).body.events.length;
    const before = await idpEvents();
    say.detail(`${before} idp.* events in the journal`);

    say.next(
      'Warden stops; meanwhile Okta logs 5 more events; Warden starts again on the same store',
    );
    await gateway.close();
    gateway = null;
    world.okta.generate(5);
    gateway = await startGateway(config, createLogger({ level: 'warn' }));
    collectors = await collectedAll(gateway, auditorToken, world);
    say.detail(renderCollectorStatuses(collectors));
    const after = await idpEvents();
    say.detail(
      `${after} idp.* events: ${after - before} new, none lost, none twice (each collector resumed from the checkpoint it committed with its last page)`,
    );

    say.next(`One timeline for ${agent.name}: the provider's token grant next to what it then did`);
    const timeline = await apiGet<{ identity: unknown; items: Timeline['items'] }>(
      gateway,
      `/api/v1/identities/${agent.name}/timeline`,
      auditorToken,
    );
    const identities = await apiGet<{ identities: Timeline['identities'] }>(
      gateway,
      `/api/v1/identities?q=${agent.name}`,
      auditorToken,
    );
    say.detail(`GET /api/v1/identities/${agent.name}/timeline → ${timeline.status}`);
    say.detail(
      renderTimeline({
        identities: identities.body.identities,
        items: timeline.body.items,
        nextCursor: null,
      }),
    );

    say.next('The journal is hash-chained: warden verify walks it');
    // Every event committed so far, in the table verify reads.
    await gateway.journal.indexed();
    say.detail(renderVerifyResult(await verifyJournal(gateway.store)));

    if (options.keep) {
      const address = gateway.postgres!.address;
      say.next('Everything stays up. Connect by hand (Ctrl-C here to stop and clean up):');
      say.detail(
        `PGPASSWORD='${await world.oidc.clientCredentialsToken(agent.clientId, agent.clientSecret)}' \\`,
      );
      say.detail(
        `  psql "host=${address.host} port=${address.port} dbname=pg-prod user=${agent.name} sslmode=disable"`,
      );
      say.detail(`warden sessions list --config ${configPath}`);
      await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
    }
    return 0;
  } finally {
    await gateway?.close();
    await datadog?.close();
    await slack?.close();
    await world?.close();
    await rm(workDir, { recursive: true, force: true });
    say.detail(
      '\nCleaned up: PostgreSQL, the provider and Warden stopped; temporary files removed.',
    );
  }
}
