// `warden alerts list` and `warden alerts test` as a user runs them, over a journal written by a
// real journal: what a rule would have raised in the history it is given.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openJournal, type AuditEvent } from '../../src/audit/index.js';
import type { AlertTestReport } from '../../src/cli/alerts-commands.js';
import { analyst, billingAgent, openTempStore, type TempStore } from '../audit/fixtures.js';
import { statement } from '../rules/alert-world.js';
import { runWarden } from '../support/run-cli.js';

const now = Date.now();
/** `minutes` ago. */
const ago = (minutes: number) => new Date(now - minutes * 60_000).toISOString();

let temp: TempStore;
let configPath: string;
/** The db.query events of billing-agent's deletes, oldest first. */
const deletes: AuditEvent[] = [];

/** Runs the CLI on the test's journal and config. */
const warden = (...args: string[]) => runWarden(...args, '--config', configPath);

beforeAll(async () => {
  temp = await openTempStore();
  const journal = await openJournal(temp.store);
  type Session = NonNullable<Parameters<typeof statement>[1]>;
  const billing: Session = { sessionId: 'billing' };
  const ana: Session = { sessionId: 'ana', actor: analyst, connection: 'pg-dev' };
  const burst = async (session: Session, count: number, minutesAgo: number) => {
    for (let i = 0; i < count; i++) {
      const time = ago(minutesAgo - i / 60);
      const [, result] = await journal.appendMany(
        statement(`DELETE FROM orders WHERE id = ${i}`, { ...session, time }),
      );
      if (session === billing) deletes.push(result!);
    }
  };
  // Ten days ago: outside the default seven.
  await burst(billing, 5, 10 * 24 * 60);
  // Two days ago: seven deletes within a minute, then five more an hour later; the analyst's
  // four deletes count on their own; a SELECT counts for nothing.
  await burst(billing, 7, 2 * 24 * 60);
  await journal.appendMany(
    statement('SELECT * FROM orders', { ...billing, time: ago(2 * 24 * 60 - 5) }),
  );
  await burst(ana, 4, 2 * 24 * 60 - 10);
  await burst(billing, 5, 2 * 24 * 60 - 60);
  await journal.close();

  configPath = join(dirname(temp.path), 'warden.yaml');
  writeFileSync(
    configPath,
    `store:
  url: sqlite:${temp.path}
identity:
  providers:
    - name: okta
      preset: okta
      issuer: https://example.okta.com/oauth2/default
      audience: api://warden
connections:
  - name: pg-prod
    type: postgres
    target: { host: db.internal, port: 5432, database: app, user: app_rw, password: "\${PG_PROD_PASSWORD}" }
    allow: [{ group: agents-db }]
    tags: [sensitive]
  - name: pg-dev
    type: postgres
    target: { host: dev.internal, port: 5432, database: app, user: app_rw, password: dev }
    allow: [{ group: analysts }]
alerts:
  - name: delete-burst
    severity: high
    description: Five or more deletes by one identity within a minute
    match: { types: [db.query], statements: [delete] }
    threshold: { count: 5, window: 1m, by: actor }
    notify: [oncall]
  - name: sensitive-access
    match: { types: [session.start], tags: [sensitive], patterns: ['pg_sleep'] }
notifications:
  - name: oncall
    type: webhook
    url: https://hooks.example.com/warden
  # Secrets the gateway needs but these commands do not: unset in the test's environment.
  - name: soc
    type: webhook
    url: "\${SOC_WEBHOOK_URL}"
    secret: "\${SOC_WEBHOOK_SECRET}"
`,
  );
});

afterAll(async () => {
  await temp.cleanup();
});

describe('warden alerts test', () => {
  it('shows each alert the rule would have raised over the last seven days, and a total', async () => {
    const { code, stdout } = await warden('alerts', 'test', 'delete-burst');
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    const rows = lines.filter((line) => line.includes(billingAgent.subject));
    expect(rows).toHaveLength(2);
    // The first five of the burst of seven, then the five an hour later.
    expect(rows[0]).toContain(deletes[5]!.id);
    expect(rows[0]).toContain(deletes[9]!.id);
    expect(rows[0]).toMatch(/\b5\b/);
    expect(rows[1]).toContain(deletes[12]!.id);
    expect(rows[1]).toContain(deletes[16]!.id);
    expect(lines.at(-1)).toMatch(
      /^2 alerts would have been raised by delete-burst from \S+ \S+ to now \(34 events evaluated\)\.$/,
    );
  });

  it('reads from --since (a duration or a time) up to --until, and prints JSON', async () => {
    const all = await warden('alerts', 'test', 'delete-burst', '--since', '14d', '--json');
    const report = JSON.parse(all.stdout) as AlertTestReport;
    expect(report.total).toBe(3);
    expect(
      report.alerts.map((alert) => [alert.key, alert.count, alert.firstSeq, alert.lastSeq]),
    ).toEqual([
      [billingAgent.subject, 5, deletes[0]!.seq, deletes[4]!.seq],
      [billingAgent.subject, 5, deletes[5]!.seq, deletes[9]!.seq],
      [billingAgent.subject, 5, deletes[12]!.seq, deletes[16]!.seq],
    ]);
    expect(report.alerts[0]).toMatchObject({
      rule: 'delete-burst',
      severity: 'high',
      windowSeconds: 60,
      message: 'Five or more deletes by one identity within a minute',
      events: deletes.slice(0, 5).map((event) => event.id),
    });

    const early = await warden(
      'alerts',
      'test',
      'delete-burst',
      '--since',
      ago(3 * 24 * 60),
      '--until',
      ago(2 * 24 * 60 - 30),
      '--json',
    );
    const first = JSON.parse(early.stdout) as AlertTestReport;
    expect(first.alerts.map((alert) => alert.lastEventId)).toEqual([deletes[9]!.id]);
    expect(first.until).toBe(ago(2 * 24 * 60 - 30));
  });

  it('says when nothing would have been raised', async () => {
    const { stdout } = await warden('alerts', 'test', 'sensitive-access', '--since', '30m');
    expect(stdout).toMatch(
      /^0 alerts would have been raised by sensitive-access from .* \(0 events evaluated\)\.\n$/,
    );
  });

  it('names the configured rules for an unknown one, and a bad option', async () => {
    await expect(warden('alerts', 'test', 'nope')).rejects.toThrow(
      'no alert rule "nope": the configured ones are delete-burst, sensitive-access',
    );
    await expect(warden('alerts', 'test', 'delete-burst', '--since', 'last week')).rejects.toThrow(
      '--since: expected a duration back from now (30m, 12h, 7d) or an ISO 8601 time, got "last week"',
    );
    await expect(
      warden('alerts', 'test', 'delete-burst', '--since', '1d', '--until', ago(3 * 24 * 60)),
    ).rejects.toThrow('--until: expected a time after --since');
  });
});

describe('warden alerts list', () => {
  it('prints the configured rules, and their config as JSON', async () => {
    const { code, stdout } = await warden('alerts', 'list');
    expect(code).toBe(0);
    const [burst] = stdout.split('\n').filter((line) => line.includes('delete-burst'));
    expect(burst).toMatch(
      /delete-burst.*high.*types db\.query; statements delete.*5 in 60 s by actor.*oncall/,
    );
    expect(stdout).toMatch(
      /sensitive-access.*medium.*types session\.start; tags sensitive; patterns \/pg_sleep\/.*every match/,
    );
    const rules = JSON.parse((await warden('alerts', 'list', '--json')).stdout) as {
      name: string;
      match: { command: unknown };
    }[];
    expect(rules.map((rule) => rule.name)).toEqual(['delete-burst', 'sensitive-access']);
    expect(rules[1]!.match.command).toEqual({ statements: [], tables: [], patterns: ['pg_sleep'] });
    expect(stdout).not.toContain('hooks.example.com');
  });
});
