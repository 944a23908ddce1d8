import type { FastifyReply, FastifyRequest } from 'fastify';
import type { GroupRef } from '../config/types.js';
import type { Principal } from '../identity/principal.js';
import { holdsGroup } from '../policy/index.js';
import { sendError } from './errors.js';

export interface AdminAuthOptions {
  verifyToken(token: string): Promise<Principal>;
  adminGroups: GroupRef[];
}

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

/**
 * Reading the audit trail is itself privileged: a bearer token from a configured provider whose
 * groups include one of `identity.adminGroups`. No token or a bad one → 401; a valid token
 * without an admin group → 403. The token is never echoed back or logged.
 */
export function createAdminAuth(options: AdminAuthOptions) {
  return async function requireAdmin(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match?.[1]) {
      reply.header('WWW-Authenticate', 'Bearer realm="warden"');
      return sendError(reply, 401, 'unauthorized', 'a bearer token is required');
    }
    let principal: Principal;
    try {
      principal = await options.verifyToken(match[1]);
    } catch (error) {
      const reason = error instanceof Error ? error.message : 'token rejected';
      reply.header('WWW-Authenticate', 'Bearer realm="warden", error="invalid_token"');
      return sendError(reply, 401, 'invalid_token', `token rejected: ${reason}`);
    }
    if (!options.adminGroups.some((ref) => holdsGroup(principal, ref))) {
      // The admin group names are not disclosed: knowing them is a step towards getting in.
      return sendError(
        reply,
        403,
        'forbidden',
        `${principal.name} (${principal.provider}) may not read the audit trail`,
      );
    }
    request.principal = principal;
  };
}
