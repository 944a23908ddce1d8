import type { ConnectionConfig, GroupRef } from '../config/index.js';
import type { Principal } from '../identity/index.js';

/** Why access was granted: the group and the allow entry that matched, kept in the record. */
export interface Grant {
  group: string;
  /** The matching entry, e.g. `pg-prod.allow[0]`. */
  rule: string;
}

export type Decision = { allowed: true; grant: Grant } | { allowed: false; reason: string };

/** Whether the principal holds the group, from the provider the reference names (if any). */
export function holdsGroup(principal: Principal, ref: GroupRef): boolean {
  return (
    (ref.provider == null || ref.provider === principal.provider) &&
    principal.groups.includes(ref.group)
  );
}

/**
 * Deny by default: a principal may use a connection when one of its `allow` entries names a
 * group the principal holds; the first such entry is the grant. Groups compare exactly (case
 * included): they are identifiers from the token, and Entra's are object ids.
 */
export function authorize(principal: Principal, connection: ConnectionConfig): Decision {
  const index = connection.allow.findIndex((entry) => holdsGroup(principal, entry));
  const entry = connection.allow[index];
  if (entry) {
    return {
      allowed: true,
      grant: { group: entry.group, rule: `${connection.name}.allow[${index}]` },
    };
  }
  return { allowed: false, reason: denialReason(principal, connection) };
}

/**
 * The connections a principal may use, in their configured order. They carry their credentials:
 * pass them through `describeConnection` before showing them to anyone.
 */
export function reachableConnections(
  principal: Principal,
  connections: readonly ConnectionConfig[],
): ConnectionConfig[] {
  return connections.filter((connection) => authorize(principal, connection).allowed);
}

/**
 * Said to the client and recorded. It names the identity, the connection and the identity's own
 * groups, but not the groups that would have been allowed: the caller was not authorized to
 * learn how to become authorized.
 */
function denialReason(principal: Principal, connection: ConnectionConfig): string {
  const who = `${principal.name} (${principal.provider}) is not allowed to use ${connection.name}`;
  if (connection.allow.length === 0) return `${who}: its allow list is empty`;
  if (principal.groups.length === 0) return `${who}: the token carries no groups`;
  return `${who}: none of its groups [${principal.groups.join(', ')}] is in the allow list`;
}
