import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { CollectorAdmin } from '../../collectors/index.js';

const CollectorParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 63 }) });
type CollectorParams = Static<typeof CollectorParams>;

export function registerCollectorRoutes(app: FastifyInstance, collectors: CollectorAdmin): void {
  app.get(
    '/api/v1/collectors',
    {
      schema: {
        summary:
          "Each identity-provider log collector's state: running or halted and why, events, lag",
      },
    },
    async () => ({ collectors: await collectors.list() }),
  );

  app.post<{ Params: CollectorParams }>(
    '/api/v1/collectors/:name/resume',
    {
      schema: {
        params: CollectorParams,
        summary: 'Resume a halted collector (it takes this up within a second)',
      },
    },
    async (request, reply) => {
      const collector = await collectors.resume(request.params.name);
      reply.code(202);
      return { collector };
    },
  );
}
