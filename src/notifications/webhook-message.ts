import type { Notification } from './notification.js';

/**
 * The JSON a `webhook` channel receives: the notification's fields for people, then its payload
 * (whose `type` says what happened).
 */
export function webhookMessage(notification: Notification): string {
  return JSON.stringify({
    type: 'notification',
    title: notification.title,
    text: notification.text,
    severity: notification.severity ?? null,
    link: notification.link ?? null,
    ...notification.payload,
  });
}
