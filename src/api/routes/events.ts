import type { FastifyInstance } from 'fastify';
import type { AuditReader } from '../../audit/index.js';
import { EventListQuery } from '../schemas.js';
import { setNextLink } from './pagination.js';

export function registerEventRoutes(app: FastifyInstance, reader: AuditReader): void {
  app.get<{ Querystring: EventListQuery }>(
    '/api/v1/events',
    { schema: { querystring: EventListQuery, summary: 'Raw AuditEvents in journal order' } },
    async (request, reply) => {
      const { type, since, after, limit } = request.query;
      const events = await reader.listEvents({ type, since, after, limit });
      const last = events.at(-1);
      const next = last ? setNextLink(request, reply, 'after', String(last.seq)) : null;
      return { events, next };
    },
  );
}
