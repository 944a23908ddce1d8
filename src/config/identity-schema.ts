import { isSecureUrl } from './listen-address.js';
import {
  entraDefaults,
  entraIssuer,
  entraVersionOfIssuer,
  presetDefaults,
  type EntraTokenVersion,
  type PresetDefaults,
} from './provider-presets.js';
import {
  integer,
  listOf,
  Mapping,
  namedListOf,
  nonEmptyListOf,
  nonEmptyString,
  oneOf,
  reportExpected,
  stringMatching,
  type Read,
} from './reader.js';
import { defaultAlgorithms, publicKeyAlgorithms } from './algorithms.js';
import { entryName } from './entry-name.js';
import { readGroupRef } from './group-ref.js';
import type { IdentityConfig, ProviderConfig } from './types.js';

const providerKeys = [
  'name',
  'preset',
  'issuer',
  'audience',
  'groupsClaim',
  'algorithms',
  'nameClaims',
  'clientIdClaims',
  'jwksUri',
  'tenantId',
  'version',
];

export const readIdentity: Read<IdentityConfig> = (value, path, context) => {
  const identity = Mapping.read(value, path, context, [
    'providers',
    'adminGroups',
    'clockSkewSeconds',
  ]);
  return {
    providers: identity.optional('providers', namedListOf(readProvider, 'provider'), []),
    adminGroups: identity.optional('adminGroups', listOf(readGroupRef), []),
    clockSkewSeconds: identity.optional('clockSkewSeconds', integer(0, 300), 60),
  };
};

const readProvider: Read<ProviderConfig> = (value, path, context) => {
  const provider = Mapping.read(value, path, context, providerKeys);
  const name = provider.required('name', entryName);
  const preset = provider.optional('preset', oneOf(['oidc', 'okta', 'entra']), 'oidc');
  if (preset !== 'entra') {
    provider.refuse('tenantId', 'applies only to preset entra');
    provider.refuse('version', 'applies only to preset entra');
  }
  const { issuer, defaults } =
    preset === 'entra'
      ? readEntra(provider)
      : { issuer: provider.required('issuer', secureUrl), defaults: presetDefaults(preset) };
  return {
    name,
    preset,
    issuer,
    audience: provider.required('audience', audiences),
    groupsClaim: provider.optional('groupsClaim', nonEmptyString, defaults.groupsClaim),
    algorithms: provider.optional('algorithms', algorithmList, [...defaultAlgorithms]),
    nameClaims: provider.optional('nameClaims', listOf(nonEmptyString), defaults.nameClaims),
    clientIdClaims: provider.optional(
      'clientIdClaims',
      listOf(nonEmptyString),
      defaults.clientIdClaims,
    ),
    jwksUri: provider.optional('jwksUri', secureUrl, null),
  };
};

/**
 * Entra's issuer comes from `tenantId` and the token version, or is given outright (a sovereign
 * cloud, say); giving both would leave two answers to which tokens are accepted.
 */
function readEntra(provider: Mapping): { issuer: string; defaults: PresetDefaults } {
  const version = provider.optional('version', integer(1, 2), null) as EntraTokenVersion | null;
  if (provider.given('issuer')) {
    provider.refuse('tenantId', 'give either tenantId or issuer, not both');
    const issuer = provider.required('issuer', secureUrl);
    return { issuer, defaults: entraDefaults(version ?? entraVersionOfIssuer(issuer)) };
  }
  const tenantId = provider.required('tenantId', tenantGuid);
  return { issuer: entraIssuer(tenantId, version ?? 2), defaults: entraDefaults(version ?? 2) };
}

const tenantGuid = stringMatching(
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
  'the directory (tenant) id, a GUID (tokens carry it in iss, not the domain name)',
);

/** https, or http on a loopback host (tests, the demo): keys fetched over plain http could be swapped. */
const secureUrl: Read<string> = (value, path, context) => {
  if (typeof value === 'string' && isSecureUrl(value)) return value;
  reportExpected(context, path, 'an https URL (http only on a loopback host)', value);
  return '';
};

/** One `aud` value or several; a token is accepted when it names any of them. */
const audiences: Read<string[]> = (value, path, context) =>
  typeof value === 'string'
    ? [nonEmptyString(value, path, context)]
    : nonEmptyListOf(nonEmptyString, 'an audience or a list of them')(value, path, context);

const algorithm: Read<string> = (value, path, context) => {
  if (typeof value === 'string' && value.toLowerCase() === 'none') {
    context.issues.add(path, 'algorithm "none" is refused: an unsigned token proves nothing');
  } else if (typeof value === 'string' && /^HS\d+$/i.test(value)) {
    context.issues.add(
      path,
      `algorithm "${value}" is refused: symmetric keys can't be verified against a public ` +
        'JWKS, and accepting it lets anyone who has the public key sign tokens',
    );
  } else {
    return oneOf([...publicKeyAlgorithms])(value, path, context);
  }
  return '';
};

const algorithmList = nonEmptyListOf(algorithm, 'a list of at least one algorithm');
