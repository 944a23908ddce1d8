// Okta and Entra tokens, in the shapes those providers issue, read into a Principal. The providers
// themselves are out of reach here, so a loopback server serves their discovery and keys.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JWTPayload } from 'jose';
import { createTokenVerifier, type TokenVerifier } from '../../src/identity/index.js';
import { identityConfig, providerConfig, wardenAudience } from './provider-config.js';
import { expectRejection } from './rejection.js';
import { startStaticIdp, type StaticIdp } from './static-idp.js';
import { nowSeconds, signToken } from './tokens.js';

const tenantId = '72f988bf-86f1-41af-91ab-2d7cd011db47';

let idp: StaticIdp;
let verifier: TokenVerifier;
const issuers = { okta: '', entraV2: '', entraV1: '', generic: '', hostile: '' };

beforeAll(async () => {
  idp = await startStaticIdp();
  issuers.okta = idp.serveIssuer('/oauth2/aus8warden');
  issuers.entraV2 = idp.serveIssuer(`/${tenantId}/v2.0`);
  issuers.entraV1 = idp.serveIssuer(`/sts/${tenantId}/`);
  issuers.generic = idp.serveIssuer('/generic');
  issuers.hostile = idp.serveIssuer('/hostile', 'https://someone-else.example');

  const entraClaims = {
    preset: 'entra' as const,
    groupsClaim: 'roles',
    nameClaims: ['name', 'preferred_username', 'upn', 'app_displayname'],
  };
  verifier = createTokenVerifier(
    identityConfig([
      providerConfig({
        name: 'okta',
        preset: 'okta',
        issuer: issuers.okta,
        clientIdClaims: ['cid'],
      }),
      providerConfig({
        name: 'entra',
        issuer: issuers.entraV2,
        clientIdClaims: ['azp'],
        ...entraClaims,
      }),
      providerConfig({
        name: 'entra-v1',
        issuer: issuers.entraV1,
        clientIdClaims: ['appid'],
        ...entraClaims,
      }),
      providerConfig({ name: 'generic', issuer: issuers.generic }),
      providerConfig({ name: 'hostile', issuer: issuers.hostile }),
    ]),
  );
});

afterAll(async () => {
  await idp.close();
});

function verifyShape(claims: JWTPayload) {
  const now = nowSeconds();
  return signToken(
    { aud: wardenAudience, iat: now, nbf: now, exp: now + 3600, ...claims },
    idp.signingKey,
    {
      typ: 'JWT',
    },
  ).then((token) => verifier.verify(token));
}

describe('Okta (custom authorization server)', () => {
  it('reads a client credentials token (sub = cid) as an agent', async () => {
    const principal = await verifyShape({
      ver: 1,
      jti: 'AT.okta-agent',
      iss: issuers.okta,
      cid: '0oa8billingagent',
      scp: ['warden.connect'],
      sub: '0oa8billingagent',
      groups: ['agents-db'],
    });
    expect(principal).toEqual({
      subject: '0oa8billingagent',
      name: '0oa8billingagent',
      provider: 'okta',
      groups: ['agents-db'],
      kind: 'agent',
      clientId: '0oa8billingagent',
      expiresAt: expect.any(Date),
      honouredUntil: expect.any(Date),
    });
  });

  it("reads a user's token (sub = login, uid) as a person", async () => {
    const principal = await verifyShape({
      ver: 1,
      jti: 'AT.okta-user',
      iss: issuers.okta,
      cid: '0oa8console',
      uid: '00u1alice',
      scp: ['openid', 'profile'],
      sub: 'alice@example.com',
      name: 'Alice Example',
      groups: ['warden-admins', 'Everyone'],
    });
    expect(principal).toMatchObject({
      subject: 'alice@example.com',
      name: 'Alice Example',
      kind: 'person',
      clientId: '0oa8console',
      groups: ['warden-admins', 'Everyone'],
    });
  });
});

describe('Entra ID v2 tokens', () => {
  const appOnly = {
    ver: '2.0',
    tid: tenantId,
    azp: '5e3f0c2a-app-client-id',
    azpacr: '1',
    oid: '9a1b2c3d-service-principal',
    sub: '9a1b2c3d-service-principal',
    roles: ['agents-db'],
  };

  it('reads an app-only token with idtyp app as an agent, groups from roles', async () => {
    const principal = await verifyShape({ ...appOnly, iss: issuers.entraV2, idtyp: 'app' });
    expect(principal).toMatchObject({
      subject: '9a1b2c3d-service-principal',
      name: '5e3f0c2a-app-client-id',
      provider: 'entra',
      kind: 'agent',
      clientId: '5e3f0c2a-app-client-id',
      groups: ['agents-db'],
    });
  });

  it('reads an app-only token without idtyp (sub = oid, no scp) as an agent', async () => {
    // An app granted no app role gets no `roles` claim at all.
    const principal = await verifyShape({ ...appOnly, roles: undefined, iss: issuers.entraV2 });
    expect(principal).toMatchObject({ kind: 'agent', groups: [] });
  });

  it('names an app by app_displayname when the token carries it', async () => {
    const principal = await verifyShape({
      ...appOnly,
      iss: issuers.entraV2,
      app_displayname: 'billing-agent',
    });
    expect(principal.name).toBe('billing-agent');
  });

  it("reads a user's delegated token (scp, pairwise sub) as a person", async () => {
    const principal = await verifyShape({
      ver: '2.0',
      iss: issuers.entraV2,
      tid: tenantId,
      azp: '0d1e2f3a-console-app',
      oid: '11111111-user-object-id',
      sub: 'AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ',
      scp: 'access_as_user',
      name: 'Alice Example',
      preferred_username: 'alice@contoso.com',
      roles: ['warden-admins'],
    });
    expect(principal).toMatchObject({
      subject: 'AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ',
      name: 'Alice Example',
      kind: 'person',
      clientId: '0d1e2f3a-console-app',
      groups: ['warden-admins'],
    });
  });
});

describe('Entra ID v1 tokens (issuer with a trailing slash)', () => {
  it('reads an app-only token as an agent, client from appid', async () => {
    const principal = await verifyShape({
      ver: '1.0',
      iss: issuers.entraV1,
      idp: issuers.entraV1,
      tid: tenantId,
      appid: '5e3f0c2a-app-client-id',
      appidacr: '1',
      oid: '9a1b2c3d-service-principal',
      sub: '9a1b2c3d-service-principal',
      roles: ['agents-db'],
    });
    expect(principal).toMatchObject({
      provider: 'entra-v1',
      kind: 'agent',
      clientId: '5e3f0c2a-app-client-id',
      groups: ['agents-db'],
    });
  });

  it("reads a user's token as a person, named by name", async () => {
    const principal = await verifyShape({
      ver: '1.0',
      iss: issuers.entraV1,
      tid: tenantId,
      appid: '0d1e2f3a-console-app',
      oid: '11111111-user-object-id',
      sub: 'l3_roISQU222bULS9yi2k0XpqpOiMz5H3ZACo1GeXA',
      scp: 'user_impersonation',
      name: 'Alice Example',
      unique_name: 'alice@contoso.com',
      upn: 'alice@contoso.com',
    });
    expect(principal).toMatchObject({ name: 'Alice Example', kind: 'person', groups: [] });
  });
});

describe('other providers', () => {
  it('reads an Auth0-style token (gty client-credentials) as an agent', async () => {
    const principal = await verifyShape({
      iss: issuers.generic,
      sub: 'Zx9clientid@clients',
      azp: 'Zx9clientid',
      gty: 'client-credentials',
    });
    expect(principal).toMatchObject({ subject: 'Zx9clientid@clients', kind: 'agent' });
  });

  it('takes the client id as subject when an application token has no sub', async () => {
    const principal = await verifyShape({ iss: issuers.generic, client_id: 'report-bot' });
    expect(principal).toMatchObject({ subject: 'report-bot', name: 'report-bot', kind: 'agent' });
  });

  it('refuses a token with neither sub nor client id', async () => {
    const error = await expectRejection(verifyShape({ iss: issuers.generic }), 'missing_claim');
    expect(error.message).toBe('token has no sub claim');
  });
});

describe('the groups claim', () => {
  it.each([
    ['a single string as one group', 'agents-db', ['agents-db']],
    ['an array, keeping its strings', ['agents-db', 7, null, '', 'ops'], ['agents-db', 'ops']],
    ['a number as no group', 42, []],
    ['an object as no group', { agents: true }, []],
  ])('reads %s', async (_label, groups, expected) => {
    const principal = await verifyShape({ iss: issuers.generic, sub: 'someone', groups });
    expect(principal.groups).toEqual(expected);
  });
});

describe('discovery', () => {
  it('refuses a provider whose discovery document names another issuer', async () => {
    const error = await expectRejection(
      verifyShape({ iss: issuers.hostile, sub: 'someone' }),
      'provider_unavailable',
    );
    expect(error.message).toContain('names issuer "https://someone-else.example"');
  });
});
