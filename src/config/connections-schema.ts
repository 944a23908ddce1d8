import { readAccessApproval } from './approval-policy-schema.js';
import { readGuardrails } from './guardrails-schema.js';
import { readMasking } from './masking-schema.js';
import { readableFile } from './readable-file.js';
import {
  integer,
  listOf,
  Mapping,
  namedListOf,
  nonEmptyListOf,
  nonEmptyString,
  oneOf,
  secretString,
  stringMatching,
  type Read,
} from './reader.js';
import { readGroupRef } from './group-ref.js';
import {
  targetAuthMethods,
  type ConnectionConfig,
  type PostgresTarget,
  type TargetTlsMode,
} from './types.js';

const supportedTypes = ['postgres'] as const;

export const readConnections: Read<ConnectionConfig[]> = (value, path, context) =>
  namedListOf(readConnection, 'connection')(value, path, context);

/** Clients select a connection by putting its name where the database name goes. */
const connectionName = stringMatching(
  /^[A-Za-z0-9_.-]{1,63}$/,
  'a name usable as a PostgreSQL database name (1-63 letters, digits, "_", "." or "-")',
);

const readConnection: Read<ConnectionConfig> = (value, path, context) => {
  const connection = Mapping.read(value, path, context, [
    'name',
    'type',
    'target',
    'allow',
    'tags',
    'accessApproval',
    'guardrails',
    'masking',
  ]);
  return {
    name: connection.required('name', connectionName),
    type: connection.required('type', connectionType),
    target: connection.required('target', readPostgresTarget),
    allow: connection.optional('allow', listOf(readGroupRef), []),
    tags: connection.optional('tags', listOf(nonEmptyString), []),
    guardrails: connection.optional('guardrails', readGuardrails, []),
    accessApproval: connection.optional('accessApproval', readAccessApproval, null),
    masking: connection.section('masking', readMasking),
  };
};

const connectionType: Read<ConnectionConfig['type']> = (value, path, context) => {
  if (typeof value === 'string' && !(supportedTypes as readonly string[]).includes(value)) {
    context.issues.add(
      path,
      `unsupported type ${JSON.stringify(value)}; supported: ${supportedTypes.join(', ')}`,
    );
    return supportedTypes[0];
  }
  return oneOf(supportedTypes)(value, path, context);
};

const readPostgresTarget: Read<PostgresTarget> = (value, path, context) => {
  const target = Mapping.read(value, path, context, [
    'host',
    'port',
    'database',
    'user',
    'password',
    'tls',
    'requireAuth',
  ]);
  return {
    host: target.required('host', nonEmptyString),
    port: target.optional('port', integer(1, 65535), 5432),
    database: target.required('database', nonEmptyString),
    user: target.required('user', nonEmptyString),
    password: target.optional('password', secretString, null),
    tls: target.optional('tls', readTargetTls, { mode: 'disable', ca: null }),
    requireAuth: target.optional(
      'requireAuth',
      nonEmptyListOf(oneOf(targetAuthMethods), `a list of ${targetAuthMethods.join(', ')}`),
      null,
    ),
  };
};

/** TLS from Warden to the database (the client's side is the listener's `tls`). */
const readTargetTls: Read<PostgresTarget['tls']> = (value, path, context) => {
  const tls = Mapping.read(value, path, context, ['mode', 'ca']);
  const mode = tls.optional(
    'mode',
    oneOf<TargetTlsMode>(['disable', 'require', 'verify-full']),
    'disable',
  );
  if (mode === 'disable') {
    tls.refuse('ca', 'a ca applies only with mode require or verify-full');
    return { mode, ca: null };
  }
  return { mode, ca: tls.optional('ca', readableFile, null) };
};
