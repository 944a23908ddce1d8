// Standard Webhooks signing (standardwebhooks.com), for the webhook sink and notification
// channels alike: `webhook-id` (the receiver's idempotency key), `webhook-timestamp`, and
// `webhook-signature` = v1,base64 of HMAC-SHA256 over `{id}.{timestamp}.{body}` with the bytes of
// the `whsec_` secret.
import { createHmac } from 'node:crypto';

/** The Standard Webhooks headers of one message. */
export type WebhookSigner = (id: string, body: string) => Record<string, string>;

/** Signs with `secret` (`whsec_…`); null sends the id and timestamp headers unsigned. */
export function webhookSigner(secret: string | null): WebhookSigner {
  const key = secret ? Buffer.from(secret.slice('whsec_'.length), 'base64') : null;
  return (id, body) => {
    const timestamp = String(Math.floor(Date.now() / 1000));
    const headers: Record<string, string> = { 'webhook-id': id, 'webhook-timestamp': timestamp };
    if (key) {
      const signature = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`);
      headers['webhook-signature'] = `v1,${signature.digest('base64')}`;
    }
    return headers;
  };
}
