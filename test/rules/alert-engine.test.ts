// The alert rules running over a real journal: thresholds per key, windows by event time, rules
// without a threshold, tags and outcomes, a restart that neither raises again nor forgets what
// it counted, and notifications received by real local receivers.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../src/audit/index.js';
import { silentLogger } from '../../src/log/index.js';
import { createNotifier } from '../../src/notifications/index.js';
import { SlackWebhookReceiver } from '../../src/sandbox/slack-webhook-receiver.js';
import { eventually } from '../support/eventually.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';
import {
  alertConfig,
  alertWorld,
  analyst,
  billingAgent,
  sessionDrafts,
  statement,
  type AlertWorld,
} from './alert-world.js';

const deleteBurst = alertConfig(`
  - name: delete-burst
    severity: high
    match: { types: [db.*], statements: [delete] }
    threshold: { count: 5, window: 1m, by: actor }`);

let world: AlertWorld;

beforeEach(async () => {
  world = await alertWorld();
});

afterEach(async () => {
  await world.close();
});

/** `n` DELETE statements (each a db.query.start and a db.query), appended one by one. */
async function deletes(n: number, options: Parameters<typeof statement>[1] = {}) {
  const results: AuditEvent[] = [];
  for (let i = 0; i < n; i++) {
    const [, result] = await world.append(
      ...statement(`DELETE FROM orders WHERE id = ${i}`, options),
    );
    results.push(result!);
  }
  return results;
}

describe('a threshold by actor', () => {
  it('raises at the fifth DELETE of one actor, counting each statement once', async () => {
    await world.start(deleteBurst);
    const made = await deletes(4);
    await world.append(...statement('SELECT * FROM orders'));
    await deletes(4, { actor: analyst });
    expect(await world.alerts()).toEqual([]);

    made.push(...(await deletes(1)));
    const [alert, ...more] = await world.alerts();
    expect(more).toEqual([]);
    expect(alert).toMatchObject({
      type: 'alert.raised',
      actor: billingAgent,
      connection: { name: 'pg-prod', type: 'postgres' },
      sessionId: 'session-billing-agent',
      policy: {
        rule: 'alerts.delete-burst',
        action: 'alert',
        severity: 'high',
        count: 5,
        windowSeconds: 60,
        key: billingAgent.subject,
        events: made.map((event) => event.id),
        firstSeq: made[0]!.seq,
        lastSeq: made[4]!.seq,
        message: `5 events matched alert rule delete-burst within 60 s by billing-agent (${billingAgent.subject})`,
      },
    });
    expect(made.every((event) => event.type === 'db.query')).toBe(true);
  });

  it('counts a DELETE however it is written, and no statement that only mentions the word', async () => {
    await world.start(deleteBurst);
    // The rules read the stored JSON for the kind's word before parsing: a tab before the
    // keyword is stored as `\t`, right against it.
    const written = [
      'delete from orders where id = 1',
      '\tDELETE FROM orders WHERE id = 2',
      'SELECT 1;\n\tDeLeTe FROM orders WHERE id = 3',
      'WITH gone AS (DELETE FROM orders WHERE id = 4 RETURNING id) SELECT count(*) FROM gone',
    ];
    for (const command of written) await world.append(...statement(command));
    await world.append(...statement('SELECT deleted_at FROM orders'));
    await world.append(...statement('UPDATE orders SET note = $$delete me$$'));
    expect(await world.alerts()).toEqual([]);
    await world.append(...statement('/* cleanup */ Delete From orders Where id = 5'));
    const [alert, ...more] = await world.alerts();
    expect(more).toEqual([]);
    expect(alert!.policy).toMatchObject({ count: 5 });
  });

  it('clears the window when it raises: ten quick DELETEs raise twice', async () => {
    await world.start(deleteBurst);
    await deletes(10);
    const alerts = await world.alerts();
    expect(alerts.map((alert) => alert.policy?.count)).toEqual([5, 5]);
    expect(alerts[1]!.policy?.firstSeq).toBeGreaterThan(alerts[0]!.policy?.lastSeq as number);
  });

  it('counts by event time: events older than the window no longer count', async () => {
    await world.start(deleteBurst);
    const t0 = Date.now() - 10 * 60_000;
    const at = (seconds: number) => new Date(t0 + seconds * 1000).toISOString();
    for (const second of [0, 1, 2, 3]) await deletes(1, { time: at(second) });
    await deletes(1, { time: at(70) });
    expect(await world.alerts()).toEqual([]);
    for (const second of [71, 72, 73]) await deletes(1, { time: at(second) });
    expect(await world.alerts()).toEqual([]);
    await deletes(1, { time: at(74) });
    const [alert] = await world.alerts();
    expect(alert!.policy).toMatchObject({ count: 5 });
  });

  it('leaves out the actor when the events that made the alert are of several', async () => {
    await world.start(
      alertConfig(`
  - name: deletes-on-prod
    description: Five deletes on pg-prod
    match: { types: [db.query], connections: [pg-prod], statements: [delete] }
    threshold: { count: 5, window: 1m, by: connection }`),
    );
    await deletes(3);
    await deletes(2, { actor: analyst });
    const [alert] = await world.alerts();
    expect(alert).toMatchObject({
      actor: null,
      sessionId: null,
      connection: { name: 'pg-prod' },
      policy: { key: 'pg-prod', message: 'Five deletes on pg-prod' },
    });
  });
});

describe('rules without a threshold', () => {
  it('raise at every matching event: any session on a connection tagged sensitive', async () => {
    await world.start(
      alertConfig(`
  - name: sensitive-access
    match: { types: [session.start], tags: [sensitive] }`),
    );
    const prod = sessionDrafts({ sessionId: 'prod-1' });
    const dev = sessionDrafts({ sessionId: 'dev-1', actor: analyst, connection: 'pg-dev' });
    const [start] = await world.append(prod.start(), dev.start(), prod.end());
    const [alert, ...more] = await world.alerts();
    expect(more).toEqual([]);
    expect(alert!.policy).toMatchObject({
      rule: 'alerts.sensitive-access',
      count: 1,
      key: null,
      windowSeconds: null,
      events: [start!.id],
      message: 'session.start by billing-agent on pg-prod matched alert rule sensitive-access',
    });
  });

  it('match on outcome and kind', async () => {
    await world.start(
      alertConfig(`
  - name: person-failures
    match: { types: [db.query], outcomes: [failure], kinds: [person] }`),
    );
    const agent = sessionDrafts({ sessionId: 'a' });
    const person = sessionDrafts({ sessionId: 'p', actor: analyst, connection: 'pg-dev' });
    const [, , failed] = await world.append(
      agent.statementResult(1, 'SELECT * FROM missing', 'failure'),
      person.statementResult(1, 'SELECT 1'),
      person.statementResult(2, 'SELECT * FROM missing', 'failure'),
    );
    const alerts = await world.alerts();
    expect(alerts.map((alert) => alert.policy?.events)).toEqual([[failed!.id]]);
  });
});

describe('repeated authentication failures, by source', () => {
  it('counts events without an actor under their source address', async () => {
    await world.start(
      alertConfig(`
  - name: authn-failures
    match: { types: [authn.failure] }
    threshold: { count: 3, window: 5m, by: source }`),
    );
    const failure = (ip: string) => ({
      type: 'authn.failure',
      source: { ip },
      connection: { name: 'pg-prod', type: 'postgres' },
      outcome: { result: 'failure' as const, error: { message: 'invalid token' } },
    });
    await world.append(failure('10.0.0.9'), failure('10.0.0.8'), failure('10.0.0.9'));
    expect(await world.alerts()).toEqual([]);
    await world.append(failure('10.0.0.9'));
    const [alert] = await world.alerts();
    expect(alert).toMatchObject({ actor: null, policy: { key: '10.0.0.9', count: 3 } });
    expect(alert!.policy?.message).toBe(
      '3 events matched alert rule authn-failures within 300 s from 10.0.0.9',
    );
  });
});

describe('restarts', () => {
  it('does not fire on history at the first start', async () => {
    await world.journal.appendMany(
      Array.from({ length: 6 }, () => statement('DELETE FROM t')).flat(),
    );
    const rules = await world.start(deleteBurst);
    expect(rules.status().cursor).toBe(world.journal.status().committedSeq);
    await deletes(4);
    expect(await world.alerts()).toEqual([]);
  });

  it('goes on from the cursor without raising again, and keeps what the window counted', async () => {
    await world.start(deleteBurst);
    await deletes(5);
    await deletes(3);
    expect(await world.alerts()).toHaveLength(1);

    await world.restart();
    // Recorded while the rules were stopped: counted once they start again.
    await world.journal.appendMany(statement('DELETE FROM orders WHERE id = 99'));
    await world.start(deleteBurst);
    await world.append(...statement('SELECT 1'));
    expect(await world.alerts()).toHaveLength(1);

    await deletes(1);
    const alerts = await world.alerts();
    expect(alerts).toHaveLength(2);
    expect(alerts[1]!.policy?.count).toBe(5);
  });

  it('rebuilds the window from the events of the last window before the cursor', async () => {
    await world.start(deleteBurst);
    const t0 = Date.now() - 10 * 60_000;
    const at = (seconds: number) => new Date(t0 + seconds * 1000).toISOString();
    for (const second of [0, 1, 2, 3, 4]) await deletes(1, { time: at(second) });
    await world.append(...statement('SELECT 1', { time: at(62) }));
    await world.restart();
    await world.start(deleteBurst);
    // The rebuilt window starts at 2 s: the deletes at 3 and 4 s are in it, but their alert was
    // raised already, and they count no more than they did before the restart.
    await deletes(3, { time: at(62.5) });
    expect(await world.alerts()).toHaveLength(1);
    await deletes(2, { time: at(63) });
    const alerts = await world.alerts();
    expect(alerts.map((alert) => alert.policy?.count)).toEqual([5, 5]);
  });

  it('does not raise again an alert recorded after the cursor was last saved', async () => {
    const rules = await world.start(deleteBurst);
    await deletes(5);
    const cursor = rules.status().cursor;
    await world.restart();
    // As if the gateway had stopped between recording the alert and saving the cursor.
    await world.temp.store.db
      .updateTable('alert_engine')
      .set({ cursor_seq: cursor - 3 })
      .execute();
    await world.start(deleteBurst);
    await world.append(...statement('SELECT 1'));
    expect(await world.alerts()).toHaveLength(1);
    await deletes(4);
    expect(await world.alerts()).toHaveLength(1);
  });
});

describe('notifications', () => {
  it('sends the alert to a signed webhook and to Slack', async () => {
    const secret = `whsec_${Buffer.from('alert-rules-test-secret-32-bytes').toString('base64')}`;
    const webhook = await WebhookReceiver.start(secret);
    const slack = await new SlackWebhookReceiver().start();
    try {
      const config = alertConfig(
        `
  - name: sensitive-access
    severity: critical
    match: { types: [session.start], tags: [sensitive] }
    notify: [oncall, chat]`,
        `notifications:
  - { name: oncall, type: webhook, url: "${webhook.url}", secret: "${secret}" }
  - { name: chat, type: slack, url: "${slack.webhookUrl}" }`,
      );
      const notifier = createNotifier(config.notifications, silentLogger());
      await world.start(config, notifier);
      await world.append(sessionDrafts({ sessionId: 'prod-1' }).start());
      await notifier.settled();
      const [alert] = await world.alerts();

      await eventually(() => webhook.accepted.length === 1 && slack.received.length === 1);
      const [delivery] = webhook.accepted;
      expect(delivery!.signatureValid).toBe(true);
      expect(delivery!.headers['webhook-id']).toBe(alert!.id);
      expect(JSON.parse(delivery!.body)).toEqual({
        ...alert,
        title: 'Warden alert: sensitive-access (critical)',
        text: expect.stringContaining('session.start by billing-agent on pg-prod'),
        severity: 'critical',
        link: null,
      });
      expect(slack.received[0]).toMatchObject({
        text: expect.stringContaining('Warden alert: sensitive-access (critical)'),
        blocks: expect.arrayContaining([
          { type: 'context', elements: [{ type: 'mrkdwn', text: 'Severity: *critical*' }] },
        ]),
      });
    } finally {
      await webhook.close();
      await slack.close();
    }
  });
});
