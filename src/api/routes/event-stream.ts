import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import {
  AuditQueryError,
  eventCursor,
  type AuditReader,
  type EventPage,
} from '../../audit/index.js';
import { EventStreamHeaders, EventStreamQuery } from '../schemas.js';

/** Events per read: the pull API's largest page. */
const STREAM_PAGE = 1000;

/**
 * Between reads while nothing new has been committed. The journal has no change feed to wait on,
 * so the stream polls its reader, which settles first (the indexer copies every committed event
 * into the table): a short poll costs one indexed-seq check and one primary-key read.
 */
const IDLE_POLL_MS = 250;

/** A comment this often keeps proxies and load balancers from closing a quiet stream. */
const KEEPALIVE_MS = 15_000;

/**
 * `GET /api/v1/events/stream`: the pull API's events as Server-Sent Events, live. Each event's id
 * is its cursor, so a client that reconnects with `Last-Event-ID` (as EventSource does) goes on
 * after the last event it received, missing and repeating none.
 */
export function registerEventStreamRoute(app: FastifyInstance, reader: AuditReader): void {
  // An open stream would hold up the server's close until its client left.
  const open = new Set<AbortController>();
  app.addHook('preClose', (done) => {
    for (const stream of open) stream.abort();
    done();
  });

  app.get<{ Querystring: EventStreamQuery; Headers: EventStreamHeaders }>(
    '/api/v1/events/stream',
    {
      schema: {
        querystring: EventStreamQuery,
        headers: EventStreamHeaders,
        summary: 'AuditEvents as they are committed, as Server-Sent Events',
        description:
          'Each event: `id: <cursor>`, `event: audit`, `data: <AuditEvent JSON>`. Starts after ' +
          'Last-Event-ID, else `after`, else at `since`, else at the end of the journal. An id ' +
          'line alone moves the position past events the filters left out; a `: keepalive` ' +
          'comment comes every 15 s.',
        response: {
          200: {
            description: 'a stream of AuditEvents',
            content: { 'text/event-stream': { schema: { type: 'string' } } },
          },
        },
      },
    },
    async (request, reply) => {
      const { after, ...filters } = request.query;
      const resumeFrom = request.headers['last-event-id'];
      const start =
        resumeFrom ??
        after ??
        (filters.since === undefined ? await reader.eventsEndCursor() : undefined);
      const read = (cursor: string | undefined) =>
        reader.listEvents({ ...filters, after: cursor, limit: STREAM_PAGE });
      // Read before the response starts, so that a bad filter or cursor is answered with a 400.
      const first = await read(start).catch((error: unknown) => {
        throw resumeFrom !== undefined &&
          error instanceof AuditQueryError &&
          error.field === 'after'
          ? new AuditQueryError('Last-Event-ID', 'expected the id of an event of this stream')
          : error;
      });

      reply.hijack();
      const response = reply.raw;
      const stream = new AbortController();
      open.add(stream);
      response.once('close', () => stream.abort());
      if (response.destroyed) stream.abort();
      response.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        // Proxies such as nginx would otherwise hold the events back in a buffer.
        'x-accel-buffering': 'no',
      });
      response.flushHeaders();
      const keepalive = setInterval(() => response.write(': keepalive\n\n'), KEEPALIVE_MS);
      try {
        await sendEvents(response, first, start, read, stream.signal);
      } catch (error) {
        if (!stream.signal.aborted) throw error;
      } finally {
        clearInterval(keepalive);
        open.delete(stream);
        response.end();
      }
    },
  );
}

/** Writes pages of events until `signal` aborts, reading the next one only once written. */
async function sendEvents(
  response: ServerResponse,
  first: EventPage,
  start: string | undefined,
  read: (cursor: string) => Promise<EventPage>,
  signal: AbortSignal,
): Promise<void> {
  let page = first;
  let requested = start;
  let lastId = start;
  for (;;) {
    signal.throwIfAborted();
    const next = page.nextCursor;
    // Without `until` there always is one.
    if (next === null) return;
    let text = '';
    for (const event of page.events) {
      lastId = eventCursor(event.seq);
      text += `id: ${lastId}\nevent: audit\ndata: ${JSON.stringify(event)}\n\n`;
    }
    // Past events the filters left out: an id alone sets the client's Last-Event-ID and
    // dispatches nothing, so that a reconnect does not read them again.
    if (next !== lastId) {
      lastId = next;
      text += `id: ${next}\n\n`;
    }
    if (text !== '' && !response.write(text)) await once(response, 'drain', { signal });
    // The same position as asked: nothing new yet.
    if (next === requested) await sleep(IDLE_POLL_MS, undefined, { signal });
    requested = next;
    page = await read(next);
  }
}
