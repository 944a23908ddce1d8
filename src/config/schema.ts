import { resolve } from 'node:path';
import { alertsReader } from './alerts-schema.js';
import { readCollectors } from './collectors-schema.js';
import { readConnections } from './connections-schema.js';
import { readIdentity } from './identity-schema.js';
import { isLoopbackHost, listenAddress } from './listen-address.js';
import { readNotifications } from './notifications-schema.js';
import { readableFile } from './readable-file.js';
import { exclusionsReader } from './recording-exclusions-schema.js';
import { readRetention } from './retention-schema.js';
import { reviewsReader } from './reviews-schema.js';
import { readSinks } from './sinks-schema.js';
import { integer, Mapping, oneOf, type Read } from './reader.js';
import type {
  ApiConfig,
  GroupRef,
  HostPort,
  ListenersConfig,
  PostgresListenerConfig,
  RecordingConfig,
  StoreConfig,
  TlsFiles,
  WardenConfig,
} from './types.js';

/** The whole of warden.yaml. Every section is optional: an empty file is a valid config. */
export const readWardenConfig: Read<WardenConfig> = (value, path, context) => {
  const root = Mapping.read(value, path, context, [
    'store',
    'api',
    'identity',
    'listeners',
    'connections',
    'recording',
    'sinks',
    'retention',
    'collectors',
    'alerts',
    'notifications',
    'reviews',
  ]);
  // Sections are read in the file's order, so issues are listed in it; except that
  // notifications come before the alerts that refer to them by name.
  const store = root.section('store', readStore);
  const api = root.section('api', readApi);
  const identity = root.section('identity', readIdentity);
  const listeners = root.section('listeners', readListeners);
  const connections = root.optional('connections', readConnections, []);
  const connectionNames = connections.map((connection) => connection.name);
  const recording = root.section('recording', recordingReader(connectionNames));
  const sinks = root.optional('sinks', readSinks, []);
  const retention = root.section('retention', readRetention);
  const collectors = root.optional('collectors', readCollectors, []);
  const notifications = root.optional('notifications', readNotifications, []);
  const notificationNames = notifications.map((channel) => channel.name);
  const alerts = root.optional(
    'alerts',
    alertsReader({ connections: connectionNames, notifications: notificationNames }),
    [],
  );
  const reviews = root.section('reviews', reviewsReader(notificationNames));
  const config: WardenConfig = {
    store,
    api,
    identity,
    listeners,
    connections,
    recording,
    sinks,
    retention,
    collectors,
    alerts,
    notifications,
    reviews,
  };
  reportUnknownProviders(config, context);
  return config;
};

/** A group reference naming a provider must name a configured one, or it would match nobody. */
function reportUnknownProviders(config: WardenConfig, context: Parameters<Read<unknown>>[2]): void {
  const names = config.identity.providers.map((provider) => provider.name);
  const check = (ref: GroupRef, path: string) => {
    if (ref.provider != null && !names.includes(ref.provider)) {
      context.issues.add(
        `${path}.provider`,
        `no provider named "${ref.provider}"; configured: ${names.join(', ') || 'none'}`,
      );
    }
  };
  config.identity.adminGroups.forEach((ref, k) => check(ref, `identity.adminGroups[${k}]`));
  config.connections.forEach((connection, i) => {
    const path = `connections[${i}]`;
    connection.allow.forEach((ref, j) => check(ref, `${path}.allow[${j}]`));
    connection.accessApproval?.approverGroups.forEach((ref, j) =>
      check(ref, `${path}.accessApproval.approverGroups[${j}]`),
    );
    connection.guardrails.forEach((guardrail, j) =>
      guardrail.review?.approverGroups.forEach((ref, k) =>
        check(ref, `${path}.guardrails[${j}].review.approverGroups[${k}]`),
      ),
    );
  });
}

const readStore: Read<StoreConfig> = (value, path, context) => {
  const store = Mapping.read(value, path, context, ['url', 'synchronous']);
  const url = store.optional('url', storeUrl, 'sqlite:./data/warden.db');
  return {
    url: resolveSqlitePath(url, context.baseDir),
    synchronous: store.optional('synchronous', oneOf(['normal', 'full']), 'normal'),
  };
};

/**
 * `sqlite:PATH`, relative to the config file. (A PostgreSQL store for several replicas is
 * planned; until it exists a `postgres://` URL is refused here rather than at start.) The value
 * is never shown in a message: a database URL may hold a password.
 */
const storeUrl: Read<string> = (value, path, context) => {
  if (typeof value === 'string' && /^sqlite:./.test(value)) return value;
  const hint =
    typeof value === 'string' && /^postgres(ql)?:/.test(value)
      ? 'a PostgreSQL store is not supported yet; expected sqlite:PATH (value not shown)'
      : 'expected sqlite:PATH (value not shown)';
  context.issues.add(path, hint);
  return '';
};

function resolveSqlitePath(url: string, baseDir: string): string {
  if (!url.startsWith('sqlite:')) return url;
  return `sqlite:${resolve(baseDir, url.slice('sqlite:'.length))}`;
}

const readApi: Read<ApiConfig> = (value, path, context) => {
  const api = Mapping.read(value, path, context, ['listen', 'tls']);
  const listen = api.optional('listen', listenAddress, { host: '127.0.0.1', port: 8080 });
  return { listen, tls: tlsUnlessLoopback(api, listen, context, 'admins send their tokens') };
};

const readListeners: Read<ListenersConfig> = (value, path, context) => {
  const listeners = Mapping.read(value, path, context, ['postgres']);
  return { postgres: listeners.optional('postgres', readPostgresListener, null) };
};

const readFailedLogins: Read<PostgresListenerConfig['failedLogins']> = (value, path, context) => {
  const failedLogins = Mapping.read(value, path, context, ['max', 'windowSeconds']);
  return {
    max: failedLogins.optional('max', integer(1, 1_000_000), 20),
    windowSeconds: failedLogins.optional('windowSeconds', integer(1, 86_400), 60),
  };
};

const MIN_MESSAGE_BYTES = 65_536;
const DEFAULT_MESSAGE_BYTES = 64 * 1024 * 1024;
const MAX_MESSAGE_BYTES = 0x3fffffff;

const readPostgresListener: Read<PostgresListenerConfig> = (value, path, context) => {
  const listener = Mapping.read(value, path, context, [
    'listen',
    'tls',
    'maxMessageBytes',
    'failedLogins',
  ]);
  const listen = listener.required('listen', listenAddress);
  return {
    listen,
    tls: tlsUnlessLoopback(listener, listen, context, 'clients send their tokens as passwords'),
    // From 64 KiB (a password message) to PostgreSQL's own limit, 1 GiB - 1.
    maxMessageBytes: listener.optional(
      'maxMessageBytes',
      integer(MIN_MESSAGE_BYTES, MAX_MESSAGE_BYTES),
      DEFAULT_MESSAGE_BYTES,
    ),
    failedLogins: listener.optional('failedLogins', readFailedLogins, {
      max: 20,
      windowSeconds: 60,
    }),
  };
};

/**
 * A listener reachable from other machines must offer TLS: clients hand it their access tokens.
 * On loopback the token never crosses a network.
 */
function tlsUnlessLoopback(
  section: Mapping,
  listen: HostPort,
  context: Parameters<Read<unknown>>[2],
  why: string,
): TlsFiles | null {
  const tls = section.optional('tls', readTlsFiles, null);
  // An empty host is the placeholder of an invalid `listen`, which is reported already.
  if (!tls && listen.host && !isLoopbackHost(listen.host)) {
    context.issues.add(
      section.pathOf('tls'),
      `tls is required unless listening on loopback (listen is ${listen.host}:${listen.port}); ${why}`,
    );
  }
  return tls;
}

const readTlsFiles: Read<TlsFiles> = (value, path, context) => {
  const tls = Mapping.read(value, path, context, ['cert', 'key']);
  return { cert: tls.required('cert', readableFile), key: tls.required('key', readableFile) };
};

/** Up to 16 MiB of each result is kept in its record; 0 keeps counts only. */
function recordingReader(connectionNames: readonly string[]): Read<RecordingConfig> {
  return (value, path, context) => {
    const recording = Mapping.read(value, path, context, ['responseSample', 'exclude']);
    return {
      responseSample: recording.optional('responseSample', integer(0, 16 * 1024 * 1024), 65536),
      exclude: recording.optional('exclude', exclusionsReader(connectionNames), []),
    };
  };
}
