import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { UnknownSinkError, type SinkAdmin } from '../../export/index.js';
import { sendError } from '../errors.js';
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
    (request, reply) =>
      answer(reply, async () => {
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
      }),
  );

  app.post<{ Params: SinkParams; Body: RedriveBody }>(
    '/api/v1/sinks/:name/dead-letters/redrive',
    { schema: { params: SinkParams, body: RedriveBody, summary: 'Send dead letters again' } },
    (request, reply) =>
      answer(reply, async () => {
        reply.code(202);
        return { requested: await sinks.redrive(request.params.name, request.body?.ids) };
      }),
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
    (request, reply) =>
      answer(reply, async () => {
        reply.code(202);
        return { replay: await sinks.replay(request.params.name, request.body ?? {}) };
      }),
  );
}

/** An unknown sink is a 404; anything else (a malformed range: 400) goes to the error handler. */
async function answer<T>(reply: FastifyReply, work: () => Promise<T>): Promise<T | FastifyReply> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof UnknownSinkError) return sendError(reply, 404, 'not_found', error.message);
    throw error;
  }
}
