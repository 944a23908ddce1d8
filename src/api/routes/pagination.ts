import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * Sets `Link: <…>; rel="next"` (the convention Okta's and GitHub's APIs use) from the request's
 * own path and query, with one parameter replaced by the next page's value.
 */
export function setNextLink(
  request: FastifyRequest,
  reply: FastifyReply,
  parameter: string,
  value: string,
): string {
  const url = new URL(request.url, 'http://warden.invalid');
  url.searchParams.set(parameter, value);
  const next = `${url.pathname}${url.search}`;
  reply.header('Link', `<${next}>; rel="next"`);
  return next;
}
