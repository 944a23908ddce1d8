import type { FastifyInstance } from 'fastify';
import type { AuditReader } from '../../audit/index.js';
import { sendError } from '../errors.js';
import { SessionEventsQuery, SessionListQuery, SessionParams } from '../schemas.js';
import { setNextLink } from './pagination.js';

export function registerSessionRoutes(app: FastifyInstance, reader: AuditReader): void {
  app.get<{ Querystring: SessionListQuery }>(
    '/api/v1/sessions',
    { schema: { querystring: SessionListQuery, summary: 'Sessions, newest first' } },
    async (request, reply) => {
      const { identity, connection, since, until, limit, cursor } = request.query;
      const page = await reader.listSessions({ identity, connection, since, until, limit, cursor });
      const next = page.nextCursor ? setNextLink(request, reply, 'cursor', page.nextCursor) : null;
      return { sessions: page.sessions, nextCursor: page.nextCursor, next };
    },
  );

  app.get<{ Params: SessionParams; Querystring: SessionEventsQuery }>(
    '/api/v1/sessions/:id',
    {
      schema: {
        params: SessionParams,
        querystring: SessionEventsQuery,
        summary: 'One session with its events in order, a page at a time',
      },
    },
    async (request, reply) => {
      const { limit, cursor } = request.query;
      const detail = await reader.getSession(request.params.id, { limit, cursor });
      if (!detail) return sendError(reply, 404, 'not_found', `no session ${request.params.id}`);
      const next = detail.nextCursor
        ? setNextLink(request, reply, 'cursor', detail.nextCursor)
        : null;
      return { ...detail, next };
    },
  );
}
