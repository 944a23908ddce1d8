// Notifications as a receiver gets them: a real HTTP receiver on loopback verifies the Standard
// Webhooks signature with the `standardwebhooks` package, a Slack stand-in checks the message's
// shape, and faults show which answers are retried.
import { describe, expect, it } from 'vitest';
import type { NotificationChannel } from '../../src/config/index.js';
import { createNotifier, type Notification } from '../../src/notifications/index.js';
import { SlackWebhookReceiver } from '../../src/sandbox/slack-webhook-receiver.js';
import { capturedLogger } from '../support/captured-logger.js';
import { cleanupsAfterEach } from '../support/cleanups.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';

const cleanup = cleanupsAfterEach();
const secret = `whsec_${Buffer.from('notification-test-secret-32bytes').toString('base64')}`;
const fastRetry = { retry: { minDelayMs: 10, maxDelayMs: 20 } };

const notification: Notification = {
  title: 'Warden alert: delete-burst',
  text: 'Five or more deletes by one agent within a minute <!channel>',
  severity: 'high',
  link: 'https://warden.example/alerts',
  payload: { type: 'alert.raised', id: '01936f6e-0000-7000-8000-0000000000aa', seq: 7 },
};

function channel(fields: Partial<NotificationChannel> & { url: string }): NotificationChannel {
  return { name: 'oncall', type: 'webhook', secret: null, timeoutMs: 2000, ...fields };
}

async function webhookReceiver(withSecret: string | null = secret) {
  const receiver = await WebhookReceiver.start(withSecret);
  cleanup(() => receiver.close());
  return receiver;
}

describe('webhook channel', () => {
  it('POSTs the notification and its payload as JSON, signed per Standard Webhooks', async () => {
    const receiver = await webhookReceiver();
    const notifier = createNotifier(
      [channel({ url: receiver.url, secret })],
      capturedLogger().logger,
    );
    notifier.notify(['oncall'], notification);
    await notifier.settled();
    expect(receiver.accepted).toHaveLength(1);
    const [delivery] = receiver.accepted;
    expect(delivery!.signatureValid).toBe(true);
    expect(delivery!.headers['webhook-id']).toBe(notification.payload.id);
    expect(JSON.parse(delivery!.body)).toEqual({
      type: 'alert.raised',
      title: notification.title,
      text: notification.text,
      severity: 'high',
      link: 'https://warden.example/alerts',
      id: notification.payload.id,
      seq: 7,
    });
  });

  it('sends unsigned without a secret, with an id of its own when the payload has none', async () => {
    const receiver = await webhookReceiver(null);
    const notifier = createNotifier([channel({ url: receiver.url })], capturedLogger().logger);
    notifier.notify(['oncall'], { title: 't', text: 'x', payload: { type: 'review.requested' } });
    await notifier.settled();
    const [delivery] = receiver.accepted;
    expect(delivery!.headers['webhook-signature']).toBeUndefined();
    expect(delivery!.headers['webhook-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.parse(delivery!.body)).toMatchObject({ severity: null, link: null });
  });

  it('retries a 503 and delivers the same message, signed anew', async () => {
    const receiver = await webhookReceiver();
    receiver.faults.unavailable(1);
    const notifier = createNotifier(
      [channel({ url: receiver.url, secret })],
      capturedLogger().logger,
      fastRetry,
    );
    notifier.notify(['oncall'], notification);
    await notifier.settled();
    expect(receiver.requests.map((request) => request.status)).toEqual([503, 200]);
    expect(receiver.accepted[0]!.signatureValid).toBe(true);
    expect(new Set(receiver.requests.map((request) => request.headers['webhook-id'])).size).toBe(1);
  });

  it('retries a 429 after its Retry-After', async () => {
    const receiver = await webhookReceiver();
    receiver.faults.throttle(1, '1');
    const notifier = createNotifier(
      [channel({ url: receiver.url, secret })],
      capturedLogger().logger,
      fastRetry,
    );
    notifier.notify(['oncall'], notification);
    await notifier.settled();
    expect(receiver.requests.map((request) => request.status)).toEqual([429, 200]);
  });

  it('does not retry a 400, and logs the failure without the URL', async () => {
    const receiver = await webhookReceiver();
    receiver.faults.next(1, { status: 400, body: 'bad payload' });
    const { logger, lines } = capturedLogger();
    const notifier = createNotifier([channel({ url: receiver.url, secret })], logger, fastRetry);
    notifier.notify(['oncall'], notification);
    await notifier.settled();
    expect(receiver.requests).toHaveLength(1);
    const log = lines.join('');
    expect(log).toContain(
      'notification channel oncall: \\"Warden alert: delete-burst\\" not delivered (1 attempt): answered 400: bad payload',
    );
    expect(log).not.toContain(receiver.url);
  });

  it('gives up after three attempts', async () => {
    const receiver = await webhookReceiver();
    receiver.faults.unavailable(5);
    const { logger, lines } = capturedLogger();
    const notifier = createNotifier([channel({ url: receiver.url, secret })], logger, fastRetry);
    notifier.notify(['oncall'], notification);
    await notifier.settled();
    expect(receiver.requests).toHaveLength(3);
    expect(lines.join('')).toContain('not delivered (3 attempts): answered 503');
  });

  it('never blocks the caller, and sends nothing once closed', async () => {
    const receiver = await webhookReceiver();
    receiver.faults.slow(1, 300);
    const { logger, lines } = capturedLogger();
    const notifier = createNotifier([channel({ url: receiver.url, secret })], logger);
    notifier.notify(['oncall'], notification);
    expect(receiver.accepted).toHaveLength(0);
    await notifier.close();
    expect(receiver.accepted).toHaveLength(1);
    notifier.notify(['oncall', 'nowhere'], notification);
    await notifier.settled();
    expect(receiver.requests).toHaveLength(1);
    expect(lines.join('')).toContain('to oncall dropped: notifications are closed');
  });
});

describe('slack channel', () => {
  it('sends text and blocks with the title, text and severity, nothing of the payload', async () => {
    const slack = await new SlackWebhookReceiver().start();
    cleanup(() => slack.close());
    const { logger, lines } = capturedLogger();
    const notifier = createNotifier(
      [
        channel({ type: 'slack', url: slack.webhookUrl }),
        channel({ name: 'wrong', type: 'slack', url: `${slack.url}/services/nope` }),
      ],
      logger,
    );
    notifier.notify(['oncall', 'wrong'], notification);
    await notifier.settled();
    expect(slack.received).toEqual([
      {
        text: 'Warden alert: delete-burst: Five or more deletes by one agent within a minute &lt;!channel&gt;',
        blocks: [
          { type: 'header', text: { type: 'plain_text', text: 'Warden alert: delete-burst' } },
          { type: 'section', text: { type: 'plain_text', text: notification.text } },
          {
            type: 'context',
            elements: [
              { type: 'mrkdwn', text: 'Severity: *high*  ·  <https://warden.example/alerts|Open>' },
            ],
          },
        ],
      },
    ]);
    // A 404 from Slack is not retried, and its log line keeps the webhook's secret path out.
    expect(slack.requests).toHaveLength(2);
    const log = lines.join('');
    expect(log).toContain('notification channel wrong:');
    expect(log).toContain('answered 404: no_service');
    expect(log).not.toContain('/services/');
  });
});
