import { readFile } from 'node:fs/promises';
import { fastify, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import type { AuditReader } from '../audit/index.js';
import type { GroupRef, HostPort, TlsFiles } from '../config/types.js';
import type { CollectorAdmin } from '../collectors/index.js';
import type { SinkAdmin } from '../export/index.js';
import type { Principal } from '../identity/principal.js';
import type { Logger } from '../log/index.js';
import type { ReviewService } from '../reviews/index.js';
import { createAdminAuth } from './admin-auth.js';
import { createErrorHandler, sendError } from './errors.js';
import { createIdentityAuth } from './identity-auth.js';
import { registerCollectorRoutes } from './routes/collectors.js';
import { registerEventRoutes } from './routes/events.js';
import { registerIdentityRoutes } from './routes/identities.js';
import { registerReviewRoutes } from './routes/reviews.js';
import { registerSessionRoutes } from './routes/sessions.js';
import { registerSinkRoutes } from './routes/sinks.js';

export interface ApiServerOptions {
  listen: HostPort;
  /** Certificate and key files; the API then speaks HTTPS. */
  tls: TlsFiles | null;
  verifyToken(token: string): Promise<Principal>;
  adminGroups: GroupRef[];
  reader: AuditReader;
  /** Sinks' state, dead letters and replays; null when the API is built without them. */
  sinks?: SinkAdmin | null;
  /** The identity-provider log collectors' state; null when the API is built without them. */
  collectors?: CollectorAdmin | null;
  /** Access requests and command reviews; null when the API is built without them. */
  reviews?: ReviewService | null;
  /** What `/healthz` reports: `status` (ok, degraded, or unavailable, answered with 503) and more. */
  health(): { status?: 'ok' | 'degraded' | 'unavailable' } & Record<string, unknown>;
  logger: Logger;
}

export interface ApiServer {
  address: HostPort;
  /** `http://host:port`, ready to be used by a client. */
  url: string;
  close(): Promise<void>;
}

export async function buildApi(options: ApiServerOptions): Promise<FastifyInstance> {
  // An unknown query parameter is an error, not silently dropped: a misspelt filter must not
  // return the unfiltered trail as if it were the answer.
  const https = options.tls
    ? { cert: await readFile(options.tls.cert), key: await readFile(options.tls.key) }
    : null;
  const app = fastify({
    logger: false,
    ajv: { customOptions: { removeAdditional: false } },
    ...(https ? { https } : {}),
  });
  await app.register(swagger, {
    openapi: {
      info: { title: 'Warden audit API', version: '1' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  app.setErrorHandler(createErrorHandler(options.logger));
  app.setNotFoundHandler((request, reply) =>
    sendError(reply, 404, 'not_found', `no route ${request.method} ${request.url.split('?')[0]}`),
  );

  app.get('/healthz', { schema: { hide: true } }, async (_request, reply) => {
    const health = { status: 'ok', ...options.health() };
    // A load balancer should send no one to a gateway that cannot record.
    if (health.status === 'unavailable') reply.code(503);
    return health;
  });
  app.get('/api/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  await app.register(async (admin) => {
    admin.addHook('onRequest', createAdminAuth(options));
    registerSessionRoutes(admin, options.reader);
    registerEventRoutes(admin, options.reader);
    registerIdentityRoutes(admin, options.reader);
    if (options.sinks) registerSinkRoutes(admin, options.sinks);
    if (options.collectors) registerCollectorRoutes(admin, options.collectors);
  });
  const reviews = options.reviews;
  if (reviews) {
    // Requesters and approvers need no admin group: the review's own rules decide.
    await app.register(async (identified) => {
      identified.addHook('onRequest', createIdentityAuth(options));
      registerReviewRoutes(identified, reviews, options.adminGroups);
    });
  }
  return app;
}

export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const app = await buildApi(options);
  await app.listen({ host: options.listen.host, port: options.listen.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.listen.port;
  const host = options.listen.host.includes(':') ? `[${options.listen.host}]` : options.listen.host;
  return {
    address: { host: options.listen.host, port },
    url: `${options.tls ? 'https' : 'http'}://${host}:${port}`,
    close: () => app.close(),
  };
}
