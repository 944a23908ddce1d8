import type { FastifyInstance } from 'fastify';
import type { AuditReader } from '../../audit/index.js';
import { EventListQuery, EventPageResponse } from '../schemas.js';
import { registerEventStreamRoute } from './event-stream.js';
import { setNextLink } from './pagination.js';

export function registerEventRoutes(app: FastifyInstance, reader: AuditReader): void {
  app.get<{ Querystring: EventListQuery }>(
    '/api/v1/events',
    {
      schema: {
        querystring: EventListQuery,
        response: { 200: EventPageResponse },
        summary: 'AuditEvents in journal order, a page at a time',
        description:
          'Follow the next link (body `next`, header `Link: <…>; rel="next"`). Without `until` ' +
          'there is always one, possibly to an empty page: polling it never misses nor repeats ' +
          'an event. With `until`, it is null once no event before `until` remains.',
      },
    },
    async (request, reply) => {
      const page = await reader.listEvents(request.query);
      const next = page.nextCursor ? setNextLink(request, reply, 'after', page.nextCursor) : null;
      return { events: page.events, next };
    },
  );
  registerEventStreamRoute(app, reader);
}
