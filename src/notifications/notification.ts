import type { AlertSeverity } from '../config/index.js';

/** What a channel is told: a raised alert, a review waiting for a decision. */
export interface Notification {
  /** One line, shown first (Slack's header). */
  title: string;
  /** A few lines for people. */
  text: string;
  severity?: AlertSeverity;
  /** Where to look or act, if anywhere. */
  link?: string | null;
  /**
   * The machine-readable part, sent whole to `webhook` channels (never to Slack): `type` names
   * what happened (`alert.raised`, `review.requested`); `id`, when given, is the message id
   * receivers deduplicate on (`webhook-id`).
   */
  payload: Record<string, unknown>;
}
