import type { FastifyInstance } from 'fastify';
import type { AuditReader } from '../../audit/index.js';
import { sendError } from '../errors.js';
import {
  IdentityListQuery,
  IdentityPageResponse,
  TimelineParams,
  TimelineQuery,
  TimelineResponse,
} from '../schemas.js';
import { setNextLink } from './pagination.js';

export function registerIdentityRoutes(app: FastifyInstance, reader: AuditReader): void {
  app.get<{ Querystring: IdentityListQuery }>(
    '/api/v1/identities',
    {
      schema: {
        querystring: IdentityListQuery,
        response: { 200: IdentityPageResponse },
        summary: 'Identities seen, newest activity first',
        description:
          'Every actor of the journal: identities that used the gateway and those the identity ' +
          "provider's logs name, with the other names they are known by.",
      },
    },
    async (request, reply) => {
      const page = await reader.listIdentities(request.query);
      const next = page.nextCursor ? setNextLink(request, reply, 'after', page.nextCursor) : null;
      return { identities: page.identities, next };
    },
  );

  app.get<{ Params: TimelineParams; Querystring: TimelineQuery }>(
    '/api/v1/identities/:subject/timeline',
    {
      schema: {
        params: TimelineParams,
        querystring: TimelineQuery,
        response: { 200: TimelineResponse },
        summary: "One identity's timeline, in time order, a page at a time",
        description:
          "The identity provider's events about the identity (idp.*) merged with what it did " +
          'through Warden: its events and the statement results of its sessions, ordered by ' +
          'time. The identity is named by its subject, client id or alternate id; every ' +
          'identity known so is included. Provider events arrive late, dated when they happened: ' +
          'a timeline read again later can hold more.',
      },
    },
    async (request, reply) => {
      const { subject } = request.params;
      const timeline = await reader.timeline(subject, request.query);
      if (!timeline) {
        return sendError(
          reply,
          404,
          'not_found',
          `no identity known as "${subject}" (by subject, client id or alternate id)`,
        );
      }
      const next = timeline.nextCursor
        ? setNextLink(request, reply, 'after', timeline.nextCursor)
        : null;
      return {
        identity: { key: subject, matches: timeline.identities },
        items: timeline.items,
        next,
      };
    },
  );
}
