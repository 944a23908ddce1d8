import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Principal } from '../identity/principal.js';
import { sendError } from './errors.js';

export interface IdentityAuthOptions {
  verifyToken(token: string): Promise<Principal>;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

/**
 * The verified identity of a request's bearer token, or undefined once the request was answered
 * 401 (no token, or a bad one). The token is never echoed back or logged.
 */
export async function verifiedIdentity(
  request: FastifyRequest,
  reply: FastifyReply,
  options: IdentityAuthOptions,
): Promise<Principal | undefined> {
  const header = request.headers.authorization;
  const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  if (!match?.[1]) {
    reply.header('WWW-Authenticate', 'Bearer realm="warden"');
    sendError(reply, 401, 'unauthorized', 'a bearer token is required');
    return undefined;
  }
  try {
    return await options.verifyToken(match[1]);
  } catch (error) {
    const reason = error instanceof Error ? error.message : 'token rejected';
    reply.header('WWW-Authenticate', 'Bearer realm="warden", error="invalid_token"');
    sendError(reply, 401, 'invalid_token', `token rejected: ${reason}`);
    return undefined;
  }
}

/**
 * Any identity of a configured provider, whatever its groups: for routes whose own rules decide
 * what it may do (reviews: approvers and requesters).
 */
export function createIdentityAuth(options: IdentityAuthOptions) {
  return async function requireIdentity(
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<FastifyReply | void> {
    const principal = await verifiedIdentity(request, reply, options);
    // An answered request goes no further: an async hook says so by returning the reply.
    if (!principal) return reply;
    request.principal = principal;
  };
}
