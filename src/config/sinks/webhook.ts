import { requestTimeout } from '../duration.js';
import { Mapping, oneOf, secretString, stringMatching, type Read } from '../reader.js';
import type { SinkCommon } from '../sink-types.js';
import { httpUrl } from './http-url.js';
import { webhookSecret } from './webhook-secret.js';
import type { SinkTypeDefinition } from './definition.js';

export interface WebhookSinkConfig extends SinkCommon {
  type: 'webhook';
  url: string;
  /** Standard Webhooks signing secret, `whsec_` + base64; null sends unsigned. Never shown. */
  secret: string | null;
  /** `event`: one event per request, its body the event; `batch`: a JSON array of events. */
  mode: 'event' | 'batch';
  /** Sent with every request (an API key of the receiver, say): never logged. */
  headers: Record<string, string>;
  timeoutMs: number;
}

const headerName = stringMatching(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'an HTTP header name');

const readHeaders: Read<Record<string, string>> = (value, path, context) => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    context.issues.add(path, 'expected a mapping of header name to value');
    return {};
  }
  const headers: Record<string, string> = {};
  for (const [name, headerValue] of Object.entries(value)) {
    headerName(name, `${path}.${name}`, context);
    headers[name] = secretString(headerValue, `${path}.${name}`, context);
  }
  return headers;
};

export const webhookSink: SinkTypeDefinition<WebhookSinkConfig> = {
  keys: ['url', 'secret', 'mode', 'headers', 'timeout'],
  batch: {
    maxEvents: 100,
    maxBytes: 1024 * 1024,
    limitEvents: 10_000,
    limitBytes: 64 * 1024 * 1024,
  },
  read: (sink: Mapping) => ({
    type: 'webhook',
    url: sink.required('url', httpUrl),
    secret: sink.optional('secret', webhookSecret, null),
    mode: sink.optional('mode', oneOf(['event', 'batch']), 'event'),
    headers: sink.optional('headers', readHeaders, {}),
    timeoutMs: sink.optional('timeout', requestTimeout, 10_000),
  }),
};
