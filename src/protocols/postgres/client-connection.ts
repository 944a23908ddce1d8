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
import type { Logger } from '../../log/index.js';
import { commandGateFor } from '../../policy/index.js';
import type { ReviewService } from '../../reviews/index.js';
import { admit, type Admission, type AdmissionDependencies } from './admission.js';
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
import { DataRowMasker } from './data-row-masking.js';
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
import { interpretStartupParameters } from './startup-parameters.js';
import { connectUpstream, UpstreamError, type UpstreamConnection } from './upstream.js';

/** PostgreSQL's authentication_timeout: a client must finish startup within this time. */
const startupTimeoutMs = 60_000;

export interface ClientConnectionContext extends AdmissionDependencies {
  secureContext: SecureContext | null;
  /** A loopback listener may ask for the token without TLS. */
  loopback: boolean;
  /** The largest client message a session takes (listeners.postgres.maxMessageBytes). */
  maxMessageBytes: number;
  cancels: CancelRegistry;
  recording: RecordingConfig;
  reviews: SessionReviews | null;
}

/** What a session asks of the reviews: access at admission, a command's review later. */
export type SessionReviews = Pick<ReviewService, 'requestCommandReview' | 'checkAccess'>;

export interface ClientConnection {
  /** Whether the connection got as far as a proxied session. */
  readonly inSession: boolean;
  /** Ends the connection because the gateway stops; resolves once its records are written. */
  shutdown(): Promise<void>;
  /** Resolves when the connection is over and its records are written. */
  readonly done: Promise<void>;
}

/** A session recorded as started, with its connection to the target open. */
interface OpenedSession {
  context: SessionContext;
  upstream: UpstreamConnection;
  startedAt: number;
  logger: Logger;
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
  const isStopping = () => stopping;

  // A client that does not finish startup and authentication in time is disconnected.
  const startupTimer = setTimeout(() => {
    logger.info('startup not completed in time; closing');
    channel.socket.destroy();
  }, startupTimeoutMs);

  const run = async (): Promise<void> => {
    const startup = await negotiateStartup(channel, context.secureContext);
    if (startup.kind === 'cancel') {
      channel.socket.destroy();
      logger.info({ matched: await context.cancels.cancel(startup.key) }, 'cancel request');
      return;
    }
    if (!(channel.socket instanceof TLSSocket) && !context.loopback) {
      throw new ClientFacingError(
        SqlState.invalidAuthorization,
        'SSL is required: this Warden listener takes the access token only over TLS (connect with sslmode=require)',
      );
    }
    const request = interpretStartupParameters(startup.parameters);
    // Keys in sorted order, as event-drafts.ts says why.
    const source: EventSource = {
      client: request.applicationName,
      ip: normalizeAddress(socket.remoteAddress),
      port: socket.remotePort ?? 0,
      user: request.user,
    };
    const admission = await admit(channel, request.connectionName, source, { ...context, logger });
    clearTimeout(startupTimer);
    if (stopping) throw new GatewayShutdown();

    const opened = await openSession(
      admission,
      source,
      request.forwarded,
      context,
      logger,
      isStopping,
    );
    channel.detach();
    const resultMasker = new DataRowMasker(admission.connection.masking);
    const proxy = new ProxySession({
      client: channel.socket,
      reader: channel.reader,
      upstream: opened.upstream,
      target: admission.connection.target,
      context: opened.context,
      journal: context.journal,
      recording: context.recording,
      logger: opened.logger,
      startedAt: opened.startedAt,
      endsAt: admission.principal.honouredUntil,
      accessUntil: admission.accessUntil,
      maxMessageBytes: context.maxMessageBytes,
      gate: commandGateFor(admission.connection, context.recording.exclude),
      reviews: context.reviews,
      resultMasker: resultMasker.active ? resultMasker : null,
    });
    const key = context.cancels.register(() => proxy.cancel());
    channel.socket.write(
      Buffer.concat([
        authenticationOk(),
        ...opened.upstream.parameters.map(([name, value]) => parameterStatus(name, value)),
        backendKeyData(key.processId, key.secretKey),
        readyForQuery('I'),
      ]),
    );
    session = proxy;
    opened.logger.info(
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
      const failure = new ClientFacingError(
        SqlState.internalError,
        'Warden failed to handle this connection',
      );
      closeSocket(channel.socket, errorResponse(failure));
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

/**
 * Records `session.start` (write-ahead: the session exists in the journal before Warden
 * connects to the target), then connects. A failure after the start is recorded as its end.
 */
async function openSession(
  admission: Admission,
  source: EventSource,
  parameters: Map<string, string>,
  context: ClientConnectionContext,
  connectionLogger: Logger,
  isStopping: () => boolean,
): Promise<OpenedSession> {
  const sessionContext: SessionContext = {
    sessionId: uuidv7(),
    actor: actorOf(admission.principal),
    source,
    connection: postgresConnection(admission.connection.name),
    authorization: admission.grant,
  };
  const logger = connectionLogger.child({ sessionId: sessionContext.sessionId });
  const startedAt = performance.now();
  try {
    await context.journal.append(sessionStart(sessionContext, new Date()));
  } catch (error) {
    logger.error({ err: error }, 'could not record session.start; the session is refused');
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
    const durationMs = Math.round(performance.now() - startedAt);
    const draft = sessionEnd(sessionContext, totals, durationMs, {
      code: error.code,
      message: error.message,
    });
    await context.journal.append(draft).catch((cause: unknown) => {
      logger.error({ err: cause }, 'could not record session.end');
    });
    return error;
  };

  let upstream: UpstreamConnection;
  try {
    upstream = await connectUpstream(admission.connection.target, parameters);
  } catch (cause) {
    const target = admission.connection.name;
    const detail = (cause as Error).message;
    logger.warn({ target, reason: detail }, 'target unavailable');
    const rejected = cause instanceof UpstreamError && cause.kind === 'rejected';
    throw await endEarly(
      'target_unreachable',
      new ClientFacingError(
        SqlState.connectionFailure,
        rejected
          ? `Warden could not open a session on the target ${target}: ${detail}`
          : `Warden could not reach the target ${target}: ${detail}`,
      ),
    );
  }
  if (isStopping()) {
    upstream.socket.destroy();
    throw await endEarly('gateway_shutdown', new GatewayShutdown());
  }
  return { context: sessionContext, upstream, startedAt, logger };
}

/** `::ffff:127.0.0.1` (an IPv4 client on a dual-stack socket) reads better as 127.0.0.1. */
function normalizeAddress(address: string | undefined): string {
  if (!address) return 'unknown';
  return address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
}
