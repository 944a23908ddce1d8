import { describe, expect, it } from 'vitest';
import { issuesOf, parse } from './helpers.js';

const providerFrom = (entry: string) =>
  parse(`identity:\n  providers:\n    - ${entry}`).identity.providers[0];

const allAsymmetric = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
];
const standardNameClaims = ['name', 'preferred_username', 'email', 'upn'];

describe('identity providers', () => {
  it('a generic OIDC provider takes the oidc defaults', () => {
    expect(
      providerFrom('{ name: idp, issuer: "https://idp.example.com", audience: warden }'),
    ).toEqual({
      name: 'idp',
      preset: 'oidc',
      issuer: 'https://idp.example.com',
      audience: ['warden'],
      groupsClaim: 'groups',
      algorithms: allAsymmetric,
      nameClaims: standardNameClaims,
      clientIdClaims: ['client_id', 'azp', 'cid'],
      jwksUri: null,
    });
  });

  it('okta: groups in `groups`, the client in `cid`', () => {
    expect(
      providerFrom(
        '{ name: okta, preset: okta, issuer: "https://example.okta.com/oauth2/default", audience: "api://warden" }',
      ),
    ).toMatchObject({
      preset: 'okta',
      issuer: 'https://example.okta.com/oauth2/default',
      audience: ['api://warden'],
      groupsClaim: 'groups',
      clientIdClaims: ['cid'],
      nameClaims: standardNameClaims,
    });
  });

  it('entra v2 (the default version): issuer from the tenant, app roles, client in `azp`', () => {
    expect(
      providerFrom(
        '{ name: entra, preset: entra, tenantId: 4f1c2e9a-0b7d-4c55-9e8f-2a3b4c5d6e7f, audience: "api://warden" }',
      ),
    ).toMatchObject({
      preset: 'entra',
      issuer: 'https://login.microsoftonline.com/4f1c2e9a-0b7d-4c55-9e8f-2a3b4c5d6e7f/v2.0',
      groupsClaim: 'roles',
      clientIdClaims: ['azp'],
      nameClaims: [...standardNameClaims, 'app_displayname'],
    });
  });

  it('entra v1: the sts.windows.net issuer and the client in `appid`', () => {
    expect(
      providerFrom(
        '{ name: entra, preset: entra, version: 1, tenantId: 4f1c2e9a-0b7d-4c55-9e8f-2a3b4c5d6e7f, audience: "api://warden" }',
      ),
    ).toMatchObject({
      issuer: 'https://sts.windows.net/4f1c2e9a-0b7d-4c55-9e8f-2a3b4c5d6e7f/',
      clientIdClaims: ['appid'],
    });
  });

  it('entra with an explicit issuer infers the token version from it', () => {
    expect(
      providerFrom(
        '{ name: entra, preset: entra, issuer: "https://sts.windows.net/tenant/", audience: w }',
      ),
    ).toMatchObject({ issuer: 'https://sts.windows.net/tenant/', clientIdClaims: ['appid'] });
  });

  it('given values override the preset, and an audience list is kept whole', () => {
    expect(
      providerFrom(`name: entra
      preset: entra
      tenantId: 4f1c2e9a-0b7d-4c55-9e8f-2a3b4c5d6e7f
      audience: ["api://warden", 00000000-1111-2222-3333-444444444444]
      groupsClaim: groups
      algorithms: [RS256]
      nameClaims: [name]
      clientIdClaims: [azp, appid]
      jwksUri: "https://login.microsoftonline.com/common/discovery/v2.0/keys"`),
    ).toMatchObject({
      audience: ['api://warden', '00000000-1111-2222-3333-444444444444'],
      groupsClaim: 'groups',
      algorithms: ['RS256'],
      nameClaims: ['name'],
      clientIdClaims: ['azp', 'appid'],
      jwksUri: 'https://login.microsoftonline.com/common/discovery/v2.0/keys',
    });
  });

  it('entra needs a tenant id (a GUID) or an issuer, and not both', () => {
    const provider = (rest: string) =>
      `identity:\n  providers:\n    - { name: e, preset: entra, audience: w${rest} }`;
    expect(issuesOf(provider(''))).toEqual(['identity.providers[0].tenantId: required']);
    expect(issuesOf(provider(', tenantId: contoso.onmicrosoft.com'))).toEqual([
      'identity.providers[0].tenantId: expected the directory (tenant) id, a GUID (tokens carry ' +
        'it in iss, not the domain name), got "contoso.onmicrosoft.com"',
    ]);
    expect(
      issuesOf(
        provider(
          ', tenantId: 4f1c2e9a-0b7d-4c55-9e8f-2a3b4c5d6e7f, issuer: "https://sts.windows.net/x/"',
        ),
      ),
    ).toEqual(['identity.providers[0].tenantId: give either tenantId or issuer, not both']);
    expect(
      issuesOf(provider(', tenantId: 4f1c2e9a-0b7d-4c55-9e8f-2a3b4c5d6e7f, version: 3')),
    ).toEqual(['identity.providers[0].version: expected an integer 1-2, got 3']);
  });

  it('tenantId and version apply only to the entra preset', () => {
    expect(
      issuesOf(`identity:
  providers:
    - { name: o, preset: okta, issuer: "https://o.okta.com/oauth2/default", audience: w, tenantId: x, version: 2 }`),
    ).toEqual([
      'identity.providers[0].tenantId: applies only to preset entra',
      'identity.providers[0].version: applies only to preset entra',
    ]);
  });

  it('requires an audience and refuses unknown presets and empty lists', () => {
    expect(
      issuesOf(`identity:
  providers:
    - { name: a, issuer: "https://a.example.com" }
    - { name: b, preset: auth0, issuer: "https://b.example.com", audience: [] }
    - { name: c, issuer: "https://c.example.com", audience: w, algorithms: [] }`),
    ).toEqual([
      'identity.providers[0].audience: required',
      'identity.providers[1].preset: expected one of oidc, okta, entra, got "auth0"',
      'identity.providers[1].audience: expected an audience or a list of them, got an empty list',
      'identity.providers[2].algorithms: expected a list of at least one algorithm, got an empty list',
    ]);
  });

  it('allows several providers side by side', () => {
    const config = parse(`identity:
  providers:
    - { name: okta, preset: okta, issuer: "https://example.okta.com/oauth2/default", audience: w }
    - { name: entra, preset: entra, tenantId: 4f1c2e9a-0b7d-4c55-9e8f-2a3b4c5d6e7f, audience: w }`);
    expect(config.identity.providers.map((provider) => provider.name)).toEqual(['okta', 'entra']);
  });
});

describe('group references', () => {
  const twoProviders = `identity:
  providers:
    - { name: okta, preset: okta, issuer: "https://example.okta.com/oauth2/default", audience: warden }
    - { name: entra, preset: entra, tenantId: 00000000-0000-0000-0000-000000000000, audience: warden }
`;

  it('take a group name, or a group limited to one provider', () => {
    const config =
      parse(`${twoProviders}  adminGroups: [auditors, { group: warden-admins, provider: entra }]
connections:
  - name: pg
    type: postgres
    target: { host: db, database: app, user: app, password: "x" }
    allow: [agents-db, { group: dba, provider: okta }]`);
    expect(config.identity.adminGroups).toEqual([
      { group: 'auditors', provider: null },
      { group: 'warden-admins', provider: 'entra' },
    ]);
    expect(config.connections[0]?.allow).toEqual([
      { group: 'agents-db', provider: null },
      { group: 'dba', provider: 'okta' },
    ]);
  });

  it('must name a configured provider', () => {
    expect(
      issuesOf(`${twoProviders}  adminGroups: [{ group: warden-admins, provider: google }]
connections:
  - name: pg
    type: postgres
    target: { host: db, database: app, user: app, password: "x" }
    allow: [{ group: dba, provider: okat }]`),
    ).toEqual([
      'identity.adminGroups[0].provider: no provider named "google"; configured: okta, entra',
      'connections[0].allow[0].provider: no provider named "okat"; configured: okta, entra',
    ]);
  });
});
