// The embedded OpenID provider itself: what its tokens carry, and that its token endpoint
// really authenticates clients.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { startOidcProvider, type OidcSandbox } from '../../src/sandbox/oidc-provider.js';
import { wardenAudience } from './provider-config.js';

let op: OidcSandbox;

beforeAll(async () => {
  op = await startOidcProvider({
    audience: wardenAudience,
    accessTokenTtlSeconds: 120,
    clients: [
      {
        clientId: 'billing-agent',
        clientSecret: 's1',
        groups: ['agents-db'],
        name: 'Billing agent',
      },
    ],
  });
});

afterAll(async () => {
  await op.close();
});

describe('the OIDC sandbox', () => {
  it('issues an RFC 9068 JWT access token for client credentials, with groups and name', async () => {
    const token = await op.clientCredentialsToken('billing-agent', 's1');
    expect(decodeProtectedHeader(token)).toEqual({
      alg: 'RS256',
      typ: 'at+jwt',
      kid: op.signingKey.kid,
    });
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({
      iss: op.issuer,
      aud: wardenAudience,
      sub: 'billing-agent',
      client_id: 'billing-agent',
      groups: ['agents-db'],
      name: 'Billing agent',
    });
    expect(claims.exp! - claims.iat!).toBe(120);
  });

  it('publishes discovery and the signing key on loopback http', async () => {
    expect(op.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const discovery = (await (
      await fetch(`${op.issuer}/.well-known/openid-configuration`)
    ).json()) as { issuer: string; token_endpoint: string; jwks_uri: string };
    expect(discovery).toMatchObject({ issuer: op.issuer, token_endpoint: op.tokenEndpoint });
    const jwks = (await (await fetch(discovery.jwks_uri)).json()) as { keys: { kid: string }[] };
    expect(jwks.keys.map((key) => key.kid)).toEqual([op.signingKey.kid]);
  });

  it.each([
    ['a wrong secret', 'billing-agent', 'wrong'],
    ['an unknown client', 'nobody', 's1'],
  ])('refuses %s at the token endpoint', async (_label, clientId, secret) => {
    await expect(op.clientCredentialsToken(clientId, secret)).rejects.toThrow(
      `token endpoint refused client ${clientId}: 401 invalid_client`,
    );
  });
});
