// Notification channels (warden.yaml `notifications`): signed webhooks and Slack incoming
// webhooks, told of raised alerts and of reviews waiting for a decision.
export type { Notification } from './notification.js';
export { createNotifier, type Notifier, type NotifierOptions } from './notifier.js';
