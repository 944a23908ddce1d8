// The PostgreSQL listener: accepts client connections, serves each one (client-connection.ts),
// and on close ends every session with `gateway_shutdown`.
import { readFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { createSecureContext } from 'node:tls';
import type { AuditEvent, EventDraft } from '../../audit/event.js';
import { isLoopbackHost } from '../../config/index.js';
import type {
  ConnectionConfig,
  PostgresListenerConfig,
  RecordingConfig,
} from '../../config/types.js';
import { FailedLogins, type Principal } from '../../identity/index.js';
import type { Logger } from '../../log/index.js';
import type { AuthorizationDecision } from './admission.js';
import { CancelRegistry } from './cancel-registry.js';
import { serveClient, type ClientConnection, type SessionReviews } from './client-connection.js';

export interface PostgresListenerOptions {
  /** Listen address (port 0 picks a free port) and the TLS certificate, if any. */
  config: PostgresListenerConfig;
  connections: { get(name: string): ConnectionConfig | undefined };
  /** Throws an Error whose message is safe to show the client (it never contains the token). */
  verifyToken(token: string): Promise<Principal>;
  authorize(principal: Principal, connection: ConnectionConfig): AuthorizationDecision;
  journal: { append(draft: EventDraft): Promise<AuditEvent> };
  recording: RecordingConfig;
  /** Access requests and command reviews; null: connections and rules that need one refuse. */
  reviews: SessionReviews | null;
  /** Where reviewers approve, named in refusals (`reviews.approveUrl`). */
  approveUrl: string | null;
  logger: Logger;
}

export interface PostgresListener {
  address: { host: string; port: number };
  activeSessions(): number;
  /** Stops accepting, ends every session (`session.end` with `gateway_shutdown`) and waits for their records. */
  close(): Promise<void>;
}

export async function startPostgresListener(
  options: PostgresListenerOptions,
): Promise<PostgresListener> {
  const { config, logger } = options;
  const secureContext = config.tls
    ? createSecureContext({
        cert: await readFile(config.tls.cert),
        key: await readFile(config.tls.key),
      })
    : null;
  const clients = new Set<ClientConnection>();
  const context = {
    connections: options.connections,
    verifyToken: options.verifyToken,
    failedLogins: new FailedLogins(config.failedLogins),
    authorize: options.authorize,
    journal: options.journal,
    recording: options.recording,
    reviews: options.reviews,
    approveUrl: options.approveUrl,
    logger,
    secureContext,
    loopback: isLoopbackHost(config.listen.host),
    maxMessageBytes: config.maxMessageBytes,
    cancels: new CancelRegistry(),
  };

  const server = createServer({ noDelay: true }, (socket) => {
    const client = serveClient(socket, context);
    clients.add(client);
    void client.done.finally(() => clients.delete(client));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.listen.port, config.listen.host, () => {
      server.removeListener('error', reject);
      resolve();
    });
  });
  server.on('error', (error) => logger.error({ err: error }, 'postgres listener error'));
  const bound = server.address() as AddressInfo;
  logger.info(
    { host: bound.address, port: bound.port, tls: secureContext !== null },
    'postgres listener started',
  );

  return {
    address: { host: bound.address, port: bound.port },
    activeSessions: () => [...clients].filter((client) => client.inSession).length,
    async close() {
      server.close();
      await Promise.all([...clients].map((client) => client.shutdown()));
      logger.info('postgres listener closed');
    },
  };
}
