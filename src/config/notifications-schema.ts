import { requestTimeout } from './duration.js';
import { isSecureUrl } from './listen-address.js';
import { Mapping, namedListOf, oneOf, secretString, type Read } from './reader.js';
import { webhookSecret } from './sinks/webhook-secret.js';
import { entryName } from './entry-name.js';
import type { NotificationChannel } from './policy-types.js';

/** `notifications`: channels that alert rules and reviews name in their `notify`. */
export const readNotifications: Read<NotificationChannel[]> = (value, path, context) =>
  namedListOf(readChannel, 'notification channel')(value, path, context);

const readChannel: Read<NotificationChannel> = (value, path, context) => {
  const channel = Mapping.read(value, path, context, ['name', 'type', 'url', 'secret', 'timeout']);
  // webhook first: the placeholder of a wrong type, which takes every key.
  const type = channel.required('type', oneOf(['webhook', 'slack']));
  if (type === 'slack') {
    channel.refuse('secret', 'applies only to type webhook (Slack signs nothing)');
  }
  return {
    name: channel.required('name', entryName),
    type,
    url: channel.required('url', channelUrl),
    secret: type === 'webhook' ? channel.optional('secret', webhookSecret, null) : null,
    timeoutMs: channel.optional('timeout', requestTimeout, 10_000),
  };
};

/**
 * https, or http on a loopback host (tests, a local relay): the body describes what agents did.
 * Never shown: a Slack incoming-webhook URL is itself the credential.
 */
const channelUrl: Read<string> = (value, path, context) => {
  const text = secretString(value, path, context);
  if (typeof value !== 'string') return '';
  if (context.placeholders.has(path) || isSecureUrl(text)) return text;
  context.issues.add(
    path,
    'expected an https URL (http only on a loopback host) (value not shown)',
  );
  return '';
};
