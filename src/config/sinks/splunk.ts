import { hostname } from 'node:os';
import { boolean } from '../boolean.js';
import { duration, requestTimeout } from '../duration.js';
import { Mapping, nonEmptyString, stringMatching, type Read } from '../reader.js';
import type { SinkCommon } from '../sink-types.js';
import { credential } from './credential.js';
import type { SinkTypeDefinition } from './definition.js';
import { httpUrl } from './http-url.js';
import { readTlsOptions, type TlsOptions } from './tls-options.js';

export interface SplunkSinkConfig extends SinkCommon {
  type: 'splunk';
  /** The HTTP Event Collector's base URL (https://splunk:8088); the sink adds the paths. */
  url: string;
  /** Sent as `Authorization: Splunk <token>`. Never shown. */
  token: string;
  /** Null: the token's default index. */
  index: string | null;
  sourcetype: string;
  source: string;
  host: string;
  /** Indexer acknowledgement: how long to wait for it; null when a 200 is enough. */
  ack: { timeoutMs: number } | null;
  tls: TlsOptions;
  timeoutMs: number;
}

/** Splunk's rule for index names: lowercase letters, digits, `_` and `-`, not first `_` or `-`. */
const indexName = stringMatching(
  /^[a-z0-9][a-z0-9_-]*$/,
  'an index name of lowercase letters, digits, "_" or "-" (not starting with "_" or "-")',
);

/** The base URL: the endpoints' paths are Splunk's, and a pasted endpoint would double them. */
const hecBaseUrl: Read<string> = (value, path, context) => {
  const url = httpUrl(value, path, context);
  if (/\/services\/collector(\/|$)/.test(url.replace(/[?#].*$/, ''))) {
    context.issues.add(
      path,
      'expected the HEC base URL (such as https://splunk:8088), without /services/collector',
    );
  }
  return url;
};

const readAck: Read<{ timeoutMs: number } | null> = (value, path, context) => {
  const ack = Mapping.read(value, path, context, ['enabled', 'timeout']);
  const enabled = ack.optional('enabled', boolean, false);
  if (!enabled) {
    // Said of `enabled`, so that an unreadable `enabled` is not reported twice.
    if (ack.given('timeout')) {
      context.issues.add(ack.pathOf('enabled'), 'must be true for a timeout to apply');
    }
    return null;
  }
  // Splunk's advice to clients: poll for up to 5 minutes before sending again.
  return { timeoutMs: ack.optional('timeout', duration(1000, 3_600_000, 'of 1s to 1h'), 300_000) };
};

function readTls(sink: Mapping, url: string): TlsOptions {
  if (url.startsWith('http:')) sink.refuse('tls', 'tls applies only to an https:// url');
  return readTlsOptions(sink);
}

export const splunkSink: SinkTypeDefinition<SplunkSinkConfig> = {
  keys: ['url', 'token', 'index', 'sourcetype', 'source', 'host', 'ack', 'tls', 'timeout'],
  // HEC takes up to its max_content_length (800 MiB by default, often set lower): 413 then splits.
  batch: {
    maxEvents: 1000,
    maxBytes: 1024 * 1024,
    limitEvents: 100_000,
    limitBytes: 800 * 1024 * 1024,
  },
  read: (sink: Mapping) => {
    const url = sink.required('url', hecBaseUrl);
    return {
      type: 'splunk',
      url,
      token: sink.required('token', credential),
      index: sink.optional('index', indexName, null),
      sourcetype: sink.optional('sourcetype', nonEmptyString, 'warden:audit'),
      source: sink.optional('source', nonEmptyString, 'warden'),
      host: sink.optional('host', nonEmptyString, hostname()),
      ack: sink.section('ack', readAck),
      tls: readTls(sink, url),
      timeoutMs: sink.optional('timeout', requestTimeout, 30_000),
    };
  },
};
