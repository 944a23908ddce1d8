import type { JWTPayload } from 'jose';
import type { ActorKind } from '../audit/event.js';
import type { ProviderConfig } from '../config/types.js';
import { TokenRejectedError } from './errors.js';
import type { Principal } from './principal.js';

/** The Principal a verified token proves, read through the provider's claim names. */
export function principalFromClaims(
  claims: JWTPayload,
  provider: ProviderConfig,
  clockSkewSeconds: number,
): Principal {
  const exp = typeof claims.exp === 'number' ? claims.exp * 1000 : null;
  const clientId = firstStringClaim(claims, provider.clientIdClaims);
  const sub = nonEmptyString(claims.sub);
  const kind = actorKind(claims, sub, clientId);
  // An application token may omit `sub`: the client it was issued to is then the identity.
  const subject = sub ?? (kind === 'agent' ? clientId : undefined);
  if (subject === undefined) {
    throw new TokenRejectedError('missing_claim', 'token has no sub claim');
  }
  return {
    subject,
    name: firstStringClaim(claims, provider.nameClaims) ?? clientId ?? subject,
    provider: provider.name,
    groups: groupsFrom(claims[provider.groupsClaim]),
    kind,
    clientId: clientId ?? null,
    expiresAt: exp === null ? null : new Date(exp),
    honouredUntil: exp === null ? null : new Date(exp + clockSkewSeconds * 1000),
  };
}

/**
 * `agent` when the token is an application's own (client credentials grant, no user), read from
 * the shapes providers really issue:
 * - Entra ID (v1 and v2): app-only tokens carry `idtyp: "app"` when that optional claim is on.
 *   Without it: an app-only token's `sub` is the service principal's `oid` and it has no `scp`,
 *   whereas a delegated (user) token always has `scp` and a pairwise `sub` that is never the
 *   `oid`. `roles` is not required: an app granted no app role gets a token without it, and is
 *   still an application (one that then holds no groups).
 * - Okta custom authorization servers: client credentials tokens have `sub` = `cid`, the client
 *   id (a user's token has the login as `sub`, and a `uid`).
 * - RFC 9068 JWT access tokens, as `oidc-provider` issues them: `sub` = `client_id` when no
 *   resource owner is involved. With the Okta rule: `sub` equals the token's client id.
 * - Auth0 and others: `gty` names the grant (`client-credentials`; `client_credentials` too).
 * - No `sub` but a client id: there is no user at all.
 * Anything else is a person.
 */
function actorKind(
  claims: JWTPayload,
  sub: string | undefined,
  clientId: string | undefined,
): ActorKind {
  const isApplicationToken =
    claims.idtyp === 'app' ||
    claims.gty === 'client-credentials' ||
    claims.gty === 'client_credentials' ||
    (sub !== undefined && sub === clientId) ||
    (sub !== undefined && sub === claims.oid && claims.scp === undefined) ||
    (sub === undefined && clientId !== undefined);
  return isApplicationToken ? 'agent' : 'person';
}

/** Groups claim: an array of strings; a lone string is one group; anything else is no group. */
function groupsFrom(value: unknown): string[] {
  if (Array.isArray(value))
    return value.filter((group): group is string => !!nonEmptyString(group));
  const lone = nonEmptyString(value);
  return lone === undefined ? [] : [lone];
}

function firstStringClaim(claims: JWTPayload, names: string[]): string | undefined {
  for (const name of names) {
    const value = nonEmptyString(claims[name]);
    if (value !== undefined) return value;
  }
  return undefined;
}

function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
