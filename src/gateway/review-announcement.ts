// What the `reviews.notify` channels are told when an access request or a command review opens:
// enough for a reviewer to decide where to look, and how to answer.
import type { Notification } from '../notifications/index.js';
import type { ReviewView } from '../reviews/index.js';

export function reviewAnnouncement(review: ReviewView, approveUrl: string | null): Notification {
  const who = `${review.requester.name} (${review.requester.kind})`;
  const what =
    review.kind === 'access'
      ? `asks for access to ${review.connection.name}`
      : `wants to run on ${review.connection.name}: ${review.command ?? ''}`;
  const base = approveUrl?.replace(/\/$/, '') ?? null;
  return {
    title: `Warden: ${review.kind === 'access' ? 'access request' : 'command review'} ${review.id}`,
    text:
      `${who} ${what}\nRule: ${review.rule}. Needs ${review.approvalsRequired} approval(s) ` +
      `before ${review.expiresAt}. Decide with: warden reviews approve ${review.id} ` +
      `(or deny ${review.id} --reason …)`,
    link: base ? `${base}/api/v1/reviews/${review.id}` : null,
    payload: { type: 'review.requested', review },
  };
}
