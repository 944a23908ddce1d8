// A stand-in for a Slack incoming webhook: POST a JSON message to the webhook's secret path
// (`/services/T…/B…/…`). Slack answers 200 with the text `ok`; a body that is no JSON object →
// 400 `invalid_payload`; one with neither `text` nor `blocks` → 400 `no_text`; another path →
// 404 `no_service`. Errors are plain text, as Slack's are.
import { HttpReceiver, type ReceivedRequest, type ReceiverAnswer } from './http-receiver.js';

export interface SlackMessage {
  text?: string;
  blocks?: unknown[];
  [key: string]: unknown;
}

const errorCodes: Record<number, string> = {
  400: 'invalid_payload',
  403: 'invalid_token',
  404: 'no_service',
  410: 'channel_is_archived',
  429: 'rate_limited',
  500: 'rollup_error',
};

export class SlackWebhookReceiver extends HttpReceiver<SlackMessage> {
  /** The secret part of the webhook's URL. */
  private readonly path = '/services/T0DEMO000/B0DEMO000/demo-webhook-secret';

  constructor() {
    super(null);
  }

  /** What a notification channel's `url` is set to. */
  get webhookUrl(): string {
    return `${this.url}${this.path}`;
  }

  protected answer(request: ReceivedRequest): ReceiverAnswer {
    if (request.method !== 'POST' || request.path !== this.path) return this.errorAnswer(404);
    let message: unknown;
    try {
      message = JSON.parse(request.raw.toString('utf8'));
    } catch {
      return this.errorAnswer(400);
    }
    if (typeof message !== 'object' || message === null || Array.isArray(message))
      return this.errorAnswer(400);
    const { text, blocks } = message as SlackMessage;
    if (typeof text !== 'string' && !Array.isArray(blocks)) return { status: 400, body: 'no_text' };
    this.received.push(message as SlackMessage);
    return { status: 200, headers: { 'content-type': 'text/plain' }, body: 'ok' };
  }

  protected errorAnswer(status: number): ReceiverAnswer {
    return {
      status,
      headers: { 'content-type': 'text/plain' },
      body: errorCodes[status] ?? this.statusText(status),
    };
  }
}
