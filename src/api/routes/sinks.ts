import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { SinkAdmin } from '../../export/index.js';
import { setNextLink } from './pagination.js';

const SinkParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 63 }) });
type SinkParams = Static<typeof SinkParams>;

const DeadLetterQuery = Type.Object(
  {
    after: Type.Optional(Type.Integer({ minimum: 0, description: 'dead letters with id > after' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  },
  { additionalProperties: false },
);
type DeadLetterQuery = Static<typeof DeadLetterQuery>;

const RedriveBody = Type.Object(
  {
    ids: Type.Optional(
      Type.Array(Type.Integer({ minimum: 1 }), {
        maxItems: 10_000,
        description: 'dead letters to send again; all of the sink when absent',
      }),
    ),
  },
  { additionalProperties: false },
);
type RedriveBody = Static<typeof RedriveBody>;

const ReplayBody = Type.Object(
  {
    since: Type.Optional(Type.String({ format: 'date-time' })),
    fromSeq: Type.Optional(Type.Integer({ minimum: 1 })),
    until: Type.Optional(Type.String({ format: 'date-time' })),
    untilSeq: Type.Optional(Type.Integer({ minimum: 1 })),
  },
  { additionalProperties: false },
);
type ReplayBody = Static<typeof ReplayBody>;

export function registerSinkRoutes(app: FastifyInstance, sinks: SinkAdmin): void {
  app.get(
    '/api/v1/sinks',
    { schema: { summary: "Each sink's state: cursor, lag, errors, dead letters" } },
    async () => ({
      sinks: await sinks.list(),
    }),
  );

  app.get<{ Params: SinkParams; Querystring: DeadLetterQuery }>(
    '/api/v1/sinks/:name/dead-letters',
    {
      schema: {
        params: SinkParams,
        querystring: DeadLetterQuery,
        summary: 'Events the destination refused for good, oldest first',
      },
    },
    async (request, reply) => {
      const limit = request.query.limit ?? 100;
      const letters = await sinks.deadLetters(request.params.name, {
        afterId: request.query.after,
        limit,
      });
      const last = letters.at(-1);
      const next =
        last && letters.length === limit
          ? setNextLink(request, reply, 'after', String(last.id))
          : null;
      return { deadLetters: letters, next };
    },
  );

  app.post<{ Params: SinkParams; Body: RedriveBody }>(
    '/api/v1/sinks/:name/dead-letters/redrive',
    { schema: { params: SinkParams, body: RedriveBody, summary: 'Send dead letters again' } },
    async (request, reply) => {
      const requested = await sinks.redrive(request.params.name, request.body?.ids);
      reply.code(202);
      return { requested };
    },
  );

  app.post<{ Params: SinkParams; Body: ReplayBody }>(
    '/api/v1/sinks/:name/replays',
    {
      schema: {
        params: SinkParams,
        body: ReplayBody,
        summary: 'Send history again to one sink, without moving its live cursor',
      },
    },
    async (request, reply) => {
      const replay = await sinks.replay(request.params.name, request.body ?? {});
      reply.code(202);
      return { replay };
    },
  );
}
