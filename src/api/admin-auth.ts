import type { FastifyReply, FastifyRequest } from 'fastify';
import type { GroupRef } from '../config/types.js';
import type { Principal } from '../identity/principal.js';
import { holdsGroup } from '../policy/index.js';
import { sendError } from './errors.js';
import { verifiedIdentity, type IdentityAuthOptions } from './identity-auth.js';

export interface AdminAuthOptions extends IdentityAuthOptions {
  adminGroups: GroupRef[];
}

/** Whether the identity holds one of `identity.adminGroups`. */
export function isAdmin(principal: Principal, adminGroups: GroupRef[]): boolean {
  return adminGroups.some((ref) => holdsGroup(principal, ref));
}

/**
 * Reading the audit trail is itself privileged: a bearer token from a configured provider whose
 * groups include one of `identity.adminGroups`. No token or a bad one → 401; a valid token
 * without an admin group → 403. The token is never echoed back or logged.
 */
export function createAdminAuth(options: AdminAuthOptions) {
  return async function requireAdmin(
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<FastifyReply | void> {
    const principal = await verifiedIdentity(request, reply, options);
    if (!principal) return reply;
    if (!isAdmin(principal, options.adminGroups)) {
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
