/** Entra issues v1 tokens (`sts.windows.net`, client in `appid`) and v2 (client in `azp`). */
export type EntraTokenVersion = 1 | 2;

/** What a preset fills in when the provider's entry leaves it out. */
export interface PresetDefaults {
  groupsClaim: string;
  clientIdClaims: string[];
  nameClaims: string[];
}

const standardNameClaims = ['name', 'preferred_username', 'email', 'upn'];

/** Okta custom authorization servers put groups in `groups` and the client in `cid`. */
export function presetDefaults(preset: 'okta' | 'oidc'): PresetDefaults {
  return preset === 'okta'
    ? { groupsClaim: 'groups', clientIdClaims: ['cid'], nameClaims: [...standardNameClaims] }
    : {
        groupsClaim: 'groups',
        clientIdClaims: ['client_id', 'azp', 'cid'],
        nameClaims: [...standardNameClaims],
      };
}

/**
 * Entra puts app roles in `roles` (its `groups` claim holds object ids and overflows past 200
 * groups) and names a client-credentials token's app only in `app_displayname`. That claim comes
 * last: a person's token may carry it too (the app they signed in through), and a person is named
 * by their own `name` first.
 */
export function entraDefaults(version: EntraTokenVersion): PresetDefaults {
  return {
    groupsClaim: 'roles',
    clientIdClaims: version === 1 ? ['appid'] : ['azp'],
    nameClaims: [...standardNameClaims, 'app_displayname'],
  };
}

/** The `iss` of an Entra tenant's tokens; it always carries the tenant's id, never its domain. */
export function entraIssuer(tenantId: string, version: EntraTokenVersion): string {
  return version === 1
    ? `https://sts.windows.net/${tenantId}/`
    : `https://login.microsoftonline.com/${tenantId}/v2.0`;
}

/** The token version an explicitly given Entra issuer implies. */
export function entraVersionOfIssuer(issuer: string): EntraTokenVersion {
  return issuer.startsWith('https://sts.windows.net/') ? 1 : 2;
}
