// Sends notifications to the configured channels, best effort and bounded: the caller (an alert
// rule, a review being opened) never waits for a channel, and a channel that is down costs a few
// attempts, not a growing queue. The journal keeps the record; a notification is a nudge.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { NotificationChannel } from '../config/index.js';
import {
  answerDetail,
  postOnce,
  retryAfterMs,
  retryDelay,
  webhookSigner,
  type HttpAnswer,
  type NoAnswer,
  type WebhookSigner,
} from '../http/index.js';
import type { Logger } from '../log/index.js';
import type { Notification } from './notification.js';
import { slackMessage } from './slack-message.js';
import { webhookMessage } from './webhook-message.js';

export interface Notifier {
  /** Sends to each named channel in the background; returns at once. */
  notify(channelNames: readonly string[], notification: Notification): void;
  /** Resolves once every notification sent so far is delivered or given up. */
  settled(): Promise<void>;
  /** Sends nothing more; the attempts in flight finish (within their timeout), none is retried. */
  close(): Promise<void>;
}

export interface NotifierOptions {
  /** The backoff between attempts; default 1 s doubling up to 30 s. */
  retry?: { minDelayMs: number; maxDelayMs: number };
}

/** Attempts per notification and channel. */
const ATTEMPTS = 3;
/** Deliveries under way at most; beyond, a notification is dropped (and logged). */
const MAX_PENDING = 1000;
/** A channel asking (Retry-After) for a longer wait than this is not retried. */
const MAX_RETRY_WAIT_MS = 5 * 60_000;

interface Channel {
  config: NotificationChannel;
  /** Webhook channels: the Standard Webhooks headers (signed when a secret is set). */
  sign: WebhookSigner | null;
}

/** How one attempt went: delivered, worth another attempt (after a wait), or not. */
type Attempt =
  | { kind: 'delivered' }
  | { kind: 'retry'; reason: string; retryAfterMs?: number }
  | { kind: 'refused'; reason: string };

export function createNotifier(
  channels: readonly NotificationChannel[],
  logger: Logger,
  options: NotifierOptions = {},
): Notifier {
  const byName = new Map<string, Channel>(
    channels.map((config) => [
      config.name,
      { config, sign: config.type === 'webhook' ? webhookSigner(config.secret) : null },
    ]),
  );
  const retry = options.retry ?? { minDelayMs: 1000, maxDelayMs: 30_000 };
  const pending = new Set<Promise<void>>();
  const closing = new AbortController();

  /** Tries up to ATTEMPTS times; never rejects. */
  async function deliver(channel: Channel, notification: Notification): Promise<void> {
    const { name, type, url, timeoutMs } = channel.config;
    const body = type === 'slack' ? slackMessage(notification) : webhookMessage(notification);
    // The same id on every attempt: a receiver that got the message once can tell the repeat.
    const id = typeof notification.payload.id === 'string' ? notification.payload.id : randomUUID();
    let attempt: Attempt = { kind: 'retry', reason: 'not sent' };
    let attempts = 0;
    while (attempts < ATTEMPTS) {
      attempts += 1;
      const answer = await postOnce({
        url,
        body,
        timeoutMs,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'warden-notifications',
          // Signed at each attempt: receivers refuse an old timestamp.
          ...channel.sign?.(id, body),
        },
      });
      attempt = outcomeOf(answer);
      if (attempt.kind !== 'retry' || attempts === ATTEMPTS) break;
      const waitMs = retryDelay(retry, attempts, attempt.retryAfterMs);
      if (waitMs > MAX_RETRY_WAIT_MS) {
        attempt = { kind: 'refused', reason: `${attempt.reason}; asked to wait ${waitMs} ms` };
        break;
      }
      if (!(await wait(waitMs, closing.signal))) {
        attempt = { kind: 'refused', reason: `${attempt.reason}; not retried: shutting down` };
        break;
      }
    }
    if (attempt.kind === 'delivered') return;
    // Never the URL: a Slack webhook's URL is its secret.
    logger.warn(
      { channel: name, type },
      `notification channel ${name}: "${notification.title}" not delivered ` +
        `(${attempts} ${attempts === 1 ? 'attempt' : 'attempts'}): ${withoutUrl(attempt.reason, url)}`,
    );
  }

  return {
    notify(channelNames, notification) {
      for (const name of channelNames) {
        const channel = byName.get(name);
        const dropped =
          channel === undefined
            ? 'no such channel is configured'
            : closing.signal.aborted
              ? 'notifications are closed'
              : pending.size >= MAX_PENDING
                ? `${MAX_PENDING} notifications are already under way`
                : null;
        if (channel === undefined || dropped !== null) {
          logger.warn(
            { channel: name },
            `notification "${notification.title}" to ${name} dropped: ${dropped}`,
          );
          continue;
        }
        const delivery = deliver(channel, notification).finally(() => pending.delete(delivery));
        pending.add(delivery);
      }
    },
    async settled() {
      while (pending.size > 0) await Promise.all(pending);
    },
    async close() {
      closing.abort();
      await this.settled();
    },
  };
}

/** 2xx delivered; no answer, 429 and 5xx retried (after Retry-After); other answers refused. */
function outcomeOf(answer: HttpAnswer | NoAnswer): Attempt {
  if ('failure' in answer) return { kind: 'retry', reason: answer.failure };
  const { status } = answer;
  if (status >= 200 && status < 300) return { kind: 'delivered' };
  const reason = `answered ${status}${answerDetail(answer.body)}`;
  if (status !== 429 && status < 500) return { kind: 'refused', reason };
  const after = retryAfterMs(answer.headers);
  return after === null
    ? { kind: 'retry', reason }
    : { kind: 'retry', reason, retryAfterMs: after };
}

/** Waits `ms`; false when `signal` aborted the wait. */
function wait(ms: number, signal: AbortSignal): Promise<boolean> {
  return sleep(ms, true, { signal }).catch(() => false);
}

/** The text with the URL, and its path (a Slack webhook's secret part), taken out. */
function withoutUrl(text: string, url: string): string {
  const { pathname } = new URL(url);
  const secretParts = pathname.length > 1 ? [url, pathname] : [url];
  return secretParts.reduce((scrubbed, part) => scrubbed.split(part).join('[url]'), text);
}
