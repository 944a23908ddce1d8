// One client connection from accept to close: the startup phase, admission (token, connection,
// authorization), `session.start` committed before anything reaches the target, the upstream
// connection, the handshake the client sees (the target's ParameterStatus, the gateway's own
// BackendKeyData), then the proxied session.
import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { TLSSocket, type SecureContext } from 'node:tls';
import { v7 as uuidv7 } from 'uuid';
import type { EventSource } from '../../audit/event.js';
import type { RecordingConfig } from '../../config/types.js';
import { admit, type AdmissionDependencies } from './admission.js';
import {
  authenticationOk,
  backendKeyData,
  errorResponse,
  parameterStatus,
  readyForQuery,
} from './backend-messages.js';
import type { CancelRegistry } from './cancel-registry.js';
import { ClientChannel, ClientGone } from './client-channel.js';
import { closeSocket } from './close-socket.js';
import { ClientFacingError, GatewayShutdown, SqlState } from './errors.js';
import {
  actorOf,
  postgresConnection,
  sessionEnd,
  sessionStart,
  type SessionContext,
} from './event-drafts.js';
import { ProxySession } from './session.js';
import { negotiateStartup } from './startup.js';
import { connectUpstream, UpstreamError, type UpstreamConnection } from './upstream.js';

/** PostgreSQL's authentication_timeout: a client must finish startup within this time. */
const startupTimeoutMs = 60_000;

/**
 * Startup parameters passed on to the target. Anything else is dropped: `user` and `database`
 * are the connection's, `replication` would change the protocol, and `options` could set any
 * server setting.
 */
const forwardedParameters = new Set(
  [
    'application_name',
    'client_encoding',
    'DateStyle',
    'TimeZone',
    'extra_float_digits',
    'IntervalStyle',
    'search_path',
    'bytea_output',
    'statement_timeout',
    'lock_timeout',
    'idle_in_transaction_session_timeout',
    'default_transaction_isolation',
    'default_transaction_read_only',
    'standard_conforming_strings',
  ].map((name) => name.toLowerCase()),
);

export interface ClientConnectionContext extends AdmissionDependencies {
  secureContext: SecureContext | null;
  /** A loopback listener may ask for the token without TLS. */
  loopback: boolean;
  cancels: CancelRegistry;
  recording: RecordingConfig;
}

export interface ClientConnection {
  /** Whether the connection got as far as a proxied session. */
  readonly inSession: boolean;
  /** Ends the connection because the gateway stops; resolves once its records are written. */
  shutdown(): Promise<void>;
  /** Resolves when the connection is over and its records are written. */
  readonly done: Promise<void>;
}

export function serveClient(socket: Socket, context: ClientConnectionContext): ClientConnection {
  socket.setNoDelay(true);
  const channel = new ClientChannel(socket);
  const logger = context.logger.child({
    connectionId: randomUUID(),
    client: `${socket.remoteAddress}:${socket.remotePort}`,
  });
  let session: ProxySession | null = null;
  let stopping = false;

  // A client that does not finish startup and authentication in time is disconnected.
  const startupTimer = setTimeout(() => {
    logger.info('startup not completed in time; closing');
    channel.socket.destroy();
  }, startupTimeoutMs);

  const run = async (): Promise<void> => {
    const startup = await negotiateStartup(channel, context.secureContext);
    if (startup.kind === 'cancel') {
      channel.socket.destroy();
      const matched = await context.cancels.cancel(startup.key);
      logger.info({ matched }, 'cancel request');
      return;
    }
    if (!(channel.socket instanceof TLSSocket) && !context.loopback) {
      throw new ClientFacingError(
        SqlState.invalidAuthorization,
        'SSL is required: this Warden listener takes the access token only over TLS (connect with sslmode=require)',
      );
    }
    const parameters = startup.parameters;
    if (isTrue(parameters.get('replication'))) {
      throw new ClientFacingError(
        SqlState.featureNotSupported,
        'Warden does not proxy replication connections',
      );
    }
    const user = parameters.get('user');
    if (!user)
      throw new ClientFacingError(
        SqlState.invalidAuthorization,
        'no user name was given in the startup packet',
      );
    const connectionName = parameters.get('database') || user;
    const source: EventSource = {
      ip: normalizeAddress(socket.remoteAddress),
      port: socket.remotePort ?? 0,
      client: parameters.get('application_name') || null,
      user,
    };

    const admission = await admit(channel, connectionName, source, { ...context, logger });
    clearTimeout(startupTimer);
    if (stopping) throw new GatewayShutdown();
    const sessionContext: SessionContext = {
      sessionId: uuidv7(),
      actor: actorOf(admission.principal),
      source,
      connection: postgresConnection(admission.connection.name),
      authorization: admission.grant,
    };
    const sessionLogger = logger.child({ sessionId: sessionContext.sessionId });
    const startedAt = performance.now();
    // Write-ahead: the session exists in the journal before Warden connects to the target.
    try {
      await context.journal.append(sessionStart(sessionContext, new Date()));
    } catch (error) {
      sessionLogger.error({ err: error }, 'could not record session.start; the session is refused');
      throw new ClientFacingError(
        SqlState.systemError,
        'Warden could not record the session, so it was not opened',
      );
    }
    const endEarly = async (endReason: string, error: ClientFacingError) => {
      const totals = {
        statements: 0,
        errors: 0,
        rows: 0,
        bytesFromClient: 0,
        bytesToClient: 0,
        endReason,
      };
      const duration = Math.round(performance.now() - startedAt);
      await context.journal
        .append(
          sessionEnd(sessionContext, totals, duration, {
            code: error.code,
            message: error.message,
          }),
        )
        .catch((cause: unknown) =>
          sessionLogger.error({ err: cause }, 'could not record session.end'),
        );
    };

    let upstream: UpstreamConnection;
    try {
      upstream = await connectUpstream(
        admission.connection.target,
        forwardableParameters(parameters),
      );
    } catch (cause) {
      const target = admission.connection.name;
      const detail = (cause as Error).message;
      const error = new ClientFacingError(
        SqlState.connectionFailure,
        cause instanceof UpstreamError && cause.kind === 'rejected'
          ? `Warden could not open a session on the target ${target}: ${detail}`
          : `Warden could not reach the target ${target}: ${detail}`,
      );
      sessionLogger.warn({ target, reason: detail }, 'target unavailable');
      await endEarly('target_unreachable', error);
      throw error;
    }
    if (stopping) {
      upstream.socket.destroy();
      const error = new GatewayShutdown();
      await endEarly('gateway_shutdown', error);
      throw error;
    }

    channel.detach();
    const proxy = new ProxySession({
      client: channel.socket,
      reader: channel.reader,
      upstream,
      target: admission.connection.target,
      context: sessionContext,
      journal: context.journal,
      recording: context.recording,
      logger: sessionLogger,
      startedAt,
    });
    const key = context.cancels.register(() => proxy.cancel());
    channel.socket.write(
      Buffer.concat([
        authenticationOk(),
        ...upstream.parameters.map(([name, value]) => parameterStatus(name, value)),
        backendKeyData(key.processId, key.secretKey),
        readyForQuery('I'),
      ]),
    );
    session = proxy;
    sessionLogger.info(
      {
        identity: admission.principal.name,
        connection: admission.connection.name,
        group: admission.grant.group,
      },
      'session started',
    );
    proxy.start();
    await proxy.ended;
    key.unregister();
  };

  const done = run()
    .catch((error: unknown) => {
      if (error instanceof ClientGone) return;
      if (error instanceof ClientFacingError) {
        logger.info({ code: error.code, reason: error.message }, 'connection refused');
        closeSocket(channel.socket, errorResponse(error));
        return;
      }
      logger.error({ err: error }, 'connection failed');
      closeSocket(
        channel.socket,
        errorResponse(
          new ClientFacingError(SqlState.internalError, 'Warden failed to handle this connection'),
        ),
      );
    })
    .finally(() => clearTimeout(startupTimer));

  return {
    get inSession() {
      return session !== null;
    },
    async shutdown() {
      stopping = true;
      if (session) await session.shutdown();
      else closeSocket(channel.socket, errorResponse(new GatewayShutdown()));
      await done;
    },
    done,
  };
}

function forwardableParameters(parameters: Map<string, string>): Map<string, string> {
  return new Map([...parameters].filter(([name]) => forwardedParameters.has(name.toLowerCase())));
}

function isTrue(value: string | undefined): boolean {
  return value !== undefined && !['false', 'off', 'no', '0'].includes(value.toLowerCase());
}

/** `::ffff:127.0.0.1` (an IPv4 client on a dual-stack socket) reads better as 127.0.0.1. */
function normalizeAddress(address: string | undefined): string {
  if (!address) return 'unknown';
  return address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
}
