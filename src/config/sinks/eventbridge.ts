import { requestTimeout } from '../duration.js';
import { integer, Mapping, secretString, stringMatching, type Read } from '../reader.js';
import type { SinkCommon } from '../sink-types.js';
import { credential } from './credential.js';
import type { SinkTypeDefinition } from './definition.js';
import { httpUrl } from './http-url.js';

export interface AwsCredentials {
  accessKeyId: string;
  /** Never shown. */
  secretAccessKey: string;
  /** For temporary credentials; never shown. */
  sessionToken: string | null;
}

export interface EventBridgeSinkConfig extends SinkCommon {
  type: 'eventbridge';
  region: string;
  /** A bus name or ARN. */
  eventBusName: string;
  source: string;
  /** Null: each event's type. */
  detailType: string | null;
  /** Instead of the region's endpoint: a VPC endpoint, or a test double. */
  endpoint: string | null;
  /** Null: the AWS SDK's default chain (environment, profile, container or instance role …). */
  credentials: AwsCredentials | null;
  /** PutEvents' entry size limit as EventBridge counts it (Time, Source, DetailType, Detail). */
  maxEntryBytes: number;
  timeoutMs: number;
}

const KIB = 1024;

const region = stringMatching(/^[a-z]{2}(?:-[a-z]+)+-\d+$/, 'an AWS region such as us-east-1');

/** A bus name, or its ARN (which a bus in another account needs). */
const eventBusName = stringMatching(
  /^(?:arn:aws[a-z-]*:events:[a-z0-9-]+:\d{12}:event-bus\/)?[A-Za-z0-9._/-]{1,256}$/,
  'an event bus name (letters, digits, ".", "_", "-", "/") or an event bus ARN',
);

/** EventBridge reserves sources starting with `aws.` for AWS services. */
const eventSource: Read<string> = (value, path, context) => {
  const source = stringMatching(/^.{1,256}$/s, 'a source of 1-256 characters')(
    value,
    path,
    context,
  );
  if (source.startsWith('aws.'))
    context.issues.add(path, 'sources starting with "aws." are reserved for AWS services');
  return source;
};

const detailType = stringMatching(/^.{1,128}$/s, 'a detail type of 1-128 characters');

const readCredentials: Read<AwsCredentials> = (value, path, context) => {
  const credentials = Mapping.read(value, path, context, [
    'accessKeyId',
    'secretAccessKey',
    'sessionToken',
  ]);
  return {
    accessKeyId: credentials.required('accessKeyId', credential),
    secretAccessKey: credentials.required('secretAccessKey', credential),
    sessionToken: credentials.optional('sessionToken', secretString, null),
  };
};

export const eventBridgeSink: SinkTypeDefinition<EventBridgeSinkConfig> = {
  keys: [
    'region',
    'eventBusName',
    'source',
    'detailType',
    'endpoint',
    'credentials',
    'maxEntryBytes',
    'timeout',
  ],
  // PutEvents takes at most 10 entries, and (like an entry) 256 KiB in all unless raised.
  batch: { maxEvents: 10, maxBytes: 256 * KIB, limitEvents: 10, limitBytes: 1024 * KIB },
  read: (sink: Mapping) => ({
    type: 'eventbridge',
    region: sink.required('region', region),
    eventBusName: sink.optional('eventBusName', eventBusName, 'default'),
    source: sink.optional('source', eventSource, 'warden'),
    detailType: sink.optional('detailType', detailType, null),
    endpoint: sink.optional('endpoint', httpUrl, null),
    credentials: sink.optional('credentials', readCredentials, null),
    // 256 KiB was PutEvents' limit for years; accounts on the raised limit set up to 1 MiB.
    maxEntryBytes: sink.optional('maxEntryBytes', integer(KIB, 1024 * KIB), 256 * KIB),
    timeoutMs: sink.optional('timeout', requestTimeout, 10_000),
  }),
};
