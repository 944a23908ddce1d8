// A Slack incoming-webhook message: `text` (what Slack shows in its own notifications) and simple
// blocks for the channel. Only the title, text, severity and link go there, never the payload: a
// Slack channel is read by more people than a webhook receiver.
import type { Notification } from './notification.js';

/** Slack's limits: a header's text, a section's text. */
const HEADER_CHARS = 150;
const SECTION_CHARS = 3000;

export function slackMessage(notification: Notification): string {
  const context = [
    ...(notification.severity ? [`Severity: *${notification.severity}*`] : []),
    ...(notification.link ? [`<${escapeLink(notification.link)}|Open>`] : []),
  ];
  return JSON.stringify({
    text: escapeText(`${notification.title}: ${notification.text}`),
    blocks: [
      {
        type: 'header',
        text: { type: 'plain_text', text: clip(notification.title, HEADER_CHARS) },
      },
      // Plain text: recorded commands and names come from clients, and mrkdwn would turn their
      // `<!channel>` into a mention.
      {
        type: 'section',
        text: { type: 'plain_text', text: clip(notification.text, SECTION_CHARS) },
      },
      ...(context.length > 0
        ? [{ type: 'context', elements: [{ type: 'mrkdwn', text: context.join('  ·  ') }] }]
        : []),
    ],
  });
}

/** Slack's escaping of the three characters its formatting reads. */
function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A link's URL inside `<url|label>`: `|` and `>` would end it early. */
function escapeLink(url: string): string {
  return escapeText(url).replace(/\|/g, '%7C');
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
