import type { IdentityConfig, ProviderConfig } from '../../src/config/types.js';

export const wardenAudience = 'api://warden';

/** A provider entry as the config module hands it over: validated, preset applied. */
export function providerConfig(
  fields: Pick<ProviderConfig, 'name' | 'issuer'> & Partial<ProviderConfig>,
): ProviderConfig {
  return {
    preset: 'oidc',
    audience: [wardenAudience],
    groupsClaim: 'groups',
    algorithms: ['RS256', 'PS256', 'ES256', 'EdDSA'],
    nameClaims: ['name', 'preferred_username', 'email', 'upn'],
    clientIdClaims: ['client_id', 'azp', 'cid'],
    jwksUri: null,
    ...fields,
  };
}

export function identityConfig(providers: ProviderConfig[], clockSkewSeconds = 60): IdentityConfig {
  return { providers, adminGroups: [{ group: 'warden-admins' }], clockSkewSeconds };
}
