import { hostname } from 'node:os';
import { boolean } from '../boolean.js';
import { requestTimeout } from '../duration.js';
import { listOf, Mapping, nonEmptyString, oneOf, stringMatching } from '../reader.js';
import type { SinkCommon } from '../sink-types.js';
import { credential } from './credential.js';
import type { SinkTypeDefinition } from './definition.js';
import { httpUrl } from './http-url.js';

export const datadogSites = [
  'datadoghq.com',
  'us3.datadoghq.com',
  'us5.datadoghq.com',
  'datadoghq.eu',
  'ap1.datadoghq.com',
  'ap2.datadoghq.com',
  'ddog-gov.com',
] as const;

export interface DatadogSinkConfig extends SinkCommon {
  type: 'datadog';
  /** The Logs intake v2 endpoint: the `site`'s, or the `url` given (a proxy, a test double). */
  url: string;
  /** Sent as DD-API-KEY. Never shown. */
  apiKey: string;
  service: string;
  /** `key:value` tags, sent comma-joined as `ddtags`. */
  tags: string[];
  hostname: string;
  /** Compress request bodies (Datadog recommends it; the limits count uncompressed bytes). */
  gzip: boolean;
  timeoutMs: number;
}

/**
 * A tag as Datadog takes it: a key that starts with a letter, a colon, a value. The value may not
 * hold a comma (tags travel comma-joined) nor white space; Datadog cuts tags at 200 characters.
 */
const tag = stringMatching(
  /^(?=.{1,200}$)[A-Za-z][A-Za-z0-9_./-]*:[^,\s]+$/,
  'a tag key:value (a key that starts with a letter; no commas or spaces; at most 200 characters)',
);

// Datadog's limits per request: 1000 entries and 5 MB uncompressed. 5 MB is read as 5,000,000
// bytes, the lower reading; the entries' bytes leave room for the array's `[`, `]` and commas.
const MAX_ENTRIES = 1000;
const MAX_ENTRY_BYTES = 5_000_000 - (MAX_ENTRIES + 1);

export const datadogSink: SinkTypeDefinition<DatadogSinkConfig> = {
  keys: ['site', 'url', 'apiKey', 'service', 'tags', 'hostname', 'gzip', 'timeout'],
  batch: {
    maxEvents: MAX_ENTRIES,
    maxBytes: MAX_ENTRY_BYTES,
    limitEvents: MAX_ENTRIES,
    limitBytes: MAX_ENTRY_BYTES,
  },
  read: (sink: Mapping) => {
    if (sink.given('url')) sink.refuse('site', 'give either site or url (url replaces the site)');
    const site = sink.optional('site', oneOf(datadogSites), 'datadoghq.com');
    return {
      type: 'datadog',
      url: sink.optional('url', httpUrl, `https://http-intake.logs.${site}/api/v2/logs`),
      apiKey: sink.required('apiKey', credential),
      service: sink.optional('service', nonEmptyString, 'warden'),
      tags: sink.optional('tags', listOf(tag), []),
      hostname: sink.optional('hostname', nonEmptyString, hostname()),
      gzip: sink.optional('gzip', boolean, true),
      timeoutMs: sink.optional('timeout', requestTimeout, 30_000),
    };
  },
};
