// Tokens from a real OpenID provider (oidc-provider, over HTTP), and the forgeries a gateway must
// refuse, each for its own stated reason.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { JWTPayload } from 'jose';
import { createTokenVerifier, type TokenVerifier } from '../../src/identity/index.js';
import { startOidcProvider, type OidcSandbox } from '../../src/sandbox/oidc-provider.js';
import { identityConfig, providerConfig, wardenAudience } from './provider-config.js';
import { expectRejection } from './rejection.js';
import {
  hmacWithPublicKeyToken,
  nowSeconds,
  segments,
  signToken,
  unsignedToken,
} from './tokens.js';

let op: OidcSandbox;
let verifier: TokenVerifier;

beforeAll(async () => {
  op = await startOidcProvider({
    audience: wardenAudience,
    clients: [
      {
        clientId: 'billing-agent',
        clientSecret: 's1',
        groups: ['agents-db'],
        name: 'Billing agent',
      },
      { clientId: 'plain-agent', clientSecret: 's2', groups: ['reporting'] },
    ],
  });
  verifier = createTokenVerifier(
    identityConfig([providerConfig({ name: 'sandbox', issuer: op.issuer })], 60),
  );
});

afterAll(async () => {
  await op.close();
});

afterEach(() => {
  vi.restoreAllMocks();
});

/** Claims of a client-credentials token of the sandbox, to forge from. */
function agentClaims(overrides: JWTPayload = {}): JWTPayload {
  const now = nowSeconds();
  return {
    iss: op.issuer,
    aud: wardenAudience,
    sub: 'billing-agent',
    client_id: 'billing-agent',
    groups: ['agents-db'],
    iat: now,
    exp: now + 300,
    ...overrides,
  };
}

describe('a token issued by the provider', () => {
  it('proves an agent with its groups and name', async () => {
    const token = await op.clientCredentialsToken('billing-agent', 's1');
    const principal = await verifier.verify(token);
    expect(principal).toMatchObject({
      subject: 'billing-agent',
      name: 'Billing agent',
      provider: 'sandbox',
      groups: ['agents-db'],
      kind: 'agent',
      clientId: 'billing-agent',
    });
    expect(principal.expiresAt!.getTime()).toBeGreaterThan(Date.now());
  });

  it('names a client without a display name by its client id', async () => {
    const principal = await verifier.verify(await op.clientCredentialsToken('plain-agent', 's2'));
    expect(principal).toMatchObject({ name: 'plain-agent', kind: 'agent', groups: ['reporting'] });
  });
});

describe('time', () => {
  it('refuses an expired token, saying when it expired', async () => {
    const exp = nowSeconds() - 3600;
    const token = await signToken(agentClaims({ iat: exp - 600, exp }), op.signingKey);
    const error = await expectRejection(verifier.verify(token), 'expired');
    expect(error.message).toBe(
      `token expired at ${new Date(exp * 1000).toISOString().replace('.000Z', 'Z')}`,
    );
  });

  it('refuses a token not valid before a time beyond the clock skew', async () => {
    const token = await signToken(agentClaims({ nbf: nowSeconds() + 600 }), op.signingKey);
    const error = await expectRejection(verifier.verify(token), 'not_yet_valid');
    expect(error.message).toMatch(/^token is not valid before \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('honours the configured clock skew on exp and nbf', async () => {
    const now = nowSeconds();
    const justExpired = await signToken(agentClaims({ exp: now - 20 }), op.signingKey);
    const almostValid = await signToken(agentClaims({ nbf: now + 20 }), op.signingKey);
    for (const token of [justExpired, almostValid]) {
      await expect(verifier.verify(token)).resolves.toMatchObject({ subject: 'billing-agent' });
    }
    // A token accepted within the skew is honoured for as long: a session opened with it does
    // not end the moment it opens.
    const principal = await verifier.verify(justExpired);
    expect(principal.expiresAt).toEqual(new Date((now - 20) * 1000));
    expect(principal.honouredUntil).toEqual(new Date((now - 20 + 60) * 1000));

    const noSkew = createTokenVerifier(
      identityConfig([providerConfig({ name: 'sandbox', issuer: op.issuer })], 0),
    );
    await expectRejection(noSkew.verify(justExpired), 'expired');
    await expectRejection(noSkew.verify(almostValid), 'not_yet_valid');
  });

  it('requires exp', async () => {
    const claims = agentClaims();
    delete claims.exp;
    const error = await expectRejection(
      verifier.verify(await signToken(claims, op.signingKey)),
      'missing_claim',
    );
    expect(error.message).toBe('token has no exp claim');
  });
});

describe('issuer and audience', () => {
  it('refuses a token from an issuer that is not configured, naming it', async () => {
    const token = await signToken(agentClaims({ iss: 'https://idp.evil.example' }), op.signingKey);
    const error = await expectRejection(verifier.verify(token), 'wrong_issuer');
    expect(error.message).toContain('https://idp.evil.example');
  });

  it('refuses a token for another audience, naming both', async () => {
    const token = await signToken(agentClaims({ aud: 'api://other' }), op.signingKey);
    const error = await expectRejection(verifier.verify(token), 'wrong_audience');
    expect(error.message).toBe(
      'token audience api://other is not accepted (expected api://warden)',
    );
  });

  it('refuses a token without an audience', async () => {
    const claims = agentClaims();
    delete claims.aud;
    const error = await expectRejection(
      verifier.verify(await signToken(claims, op.signingKey)),
      'missing_claim',
    );
    expect(error.message).toBe('token has no aud claim');
  });
});

describe('algorithm', () => {
  it('refuses alg none without fetching any key', async () => {
    const fetchSpy = vi.spyOn(globalThis, 'fetch');
    const fresh = createTokenVerifier(
      identityConfig([providerConfig({ name: 'sandbox', issuer: op.issuer })]),
    );
    await expectRejection(
      fresh.verify(unsignedToken(agentClaims(), op.signingKey.kid)),
      'disallowed_algorithm',
    );
    expect(fetchSpy).not.toHaveBeenCalled();
  });

  it("refuses HS256 keyed with the provider's public key without fetching any key", async () => {
    const fetchSpy = vi.spyOn(globalThis, 'fetch');
    const fresh = createTokenVerifier(
      identityConfig([providerConfig({ name: 'sandbox', issuer: op.issuer })]),
    );
    const token = await hmacWithPublicKeyToken(
      agentClaims(),
      op.signingKey.publicJwk,
      op.signingKey.kid,
    );
    const error = await expectRejection(fresh.verify(token), 'disallowed_algorithm');
    expect(error.message).toContain('HS256');
    expect(fetchSpy).not.toHaveBeenCalled();
  });

  it("refuses an asymmetric algorithm outside the provider's allow-list", async () => {
    const rsaOnly = createTokenVerifier(
      identityConfig([
        providerConfig({ name: 'sandbox', issuer: op.issuer, algorithms: ['ES256'] }),
      ]),
    );
    const error = await expectRejection(
      rsaOnly.verify(await op.clientCredentialsToken('billing-agent', 's1')),
      'disallowed_algorithm',
    );
    expect(error.message).toBe(
      'token algorithm RS256 is not accepted for provider sandbox (accepted: ES256)',
    );
  });
});

describe('signature', () => {
  it('refuses a tampered signature', async () => {
    const token = await op.clientCredentialsToken('billing-agent', 's1');
    const { header, payload, signature } = segments(token);
    // Flip a character in the middle: the last one may only carry padding bits.
    const middle = Math.floor(signature.length / 2);
    const flipped = signature[middle] === 'A' ? 'B' : 'A';
    const tampered = `${header}.${payload}.${signature.slice(0, middle)}${flipped}${signature.slice(middle + 1)}`;
    await expectRejection(verifier.verify(tampered), 'bad_signature');
  });

  it('refuses a tampered payload (groups raised to admin)', async () => {
    const token = await op.clientCredentialsToken('billing-agent', 's1');
    const { header, payload, signature } = segments(token);
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as JWTPayload;
    const raised = Buffer.from(JSON.stringify({ ...claims, groups: ['warden-admins'] })).toString(
      'base64url',
    );
    await expectRejection(verifier.verify(`${header}.${raised}.${signature}`), 'bad_signature');
  });
});

describe('malformed tokens', () => {
  it.each([
    ['empty', ''],
    ['two segments', 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0'],
    ['garbage', 'not a token at all'],
    ['characters outside base64url', 'eyJh!!.e30.sig'],
    ['header that is not JSON', `${Buffer.from('{"alg":').toString('base64url')}.e30.c2ln`],
    [
      'payload that is not JSON',
      `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.bm9wZQ.c2ln`,
    ],
  ])('refuses %s', async (_label, token) => {
    await expectRejection(verifier.verify(token), 'malformed');
  });
});

describe('error messages', () => {
  it('never contain the token or its signature', async () => {
    const valid = await op.clientCredentialsToken('billing-agent', 's1');
    const { header, payload, signature } = segments(valid);
    const candidates = [
      `${header}.${payload}.${signature.slice(0, 10)}${signature.slice(10).split('').reverse().join('')}`,
      await signToken(agentClaims({ exp: nowSeconds() - 3600 }), op.signingKey),
      await signToken(agentClaims({ aud: 'api://other' }), op.signingKey),
      await signToken(agentClaims({ iss: 'https://idp.evil.example' }), op.signingKey),
      `${header}.${payload}`,
    ];
    for (const token of candidates) {
      const error = await verifier.verify(token).then(
        () => expect.fail('token accepted'),
        (rejection: Error) => rejection,
      );
      const tokenSignature = segments(token).signature;
      for (const text of [error.message, error.stack ?? '', JSON.stringify(error)]) {
        expect(text).not.toContain(token);
        if (tokenSignature) expect(text).not.toContain(tokenSignature.slice(0, 16));
      }
    }
  });
});
