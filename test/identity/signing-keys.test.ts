// The provider's keys over time: unknown kids, rotation, and a provider that is down.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { exportJWK, generateKeyPair } from 'jose';
import { createTokenVerifier } from '../../src/identity/index.js';
import { startOidcProvider, type OidcSandbox } from '../../src/sandbox/oidc-provider.js';
import { identityConfig, providerConfig, wardenAudience } from './provider-config.js';
import { expectRejection } from './rejection.js';
import { nowSeconds, signToken, type SigningKey } from './tokens.js';

const agent = { clientId: 'billing-agent', clientSecret: 's1', groups: ['agents-db'] };

let op: OidcSandbox;

beforeAll(async () => {
  op = await startOidcProvider({ audience: wardenAudience, clients: [agent] });
});

afterAll(async () => {
  await op.close();
});

afterEach(() => {
  vi.restoreAllMocks();
});

function sandboxVerifier(issuer: string, jwksCooldownMs: number) {
  return createTokenVerifier(identityConfig([providerConfig({ name: 'sandbox', issuer })]), {
    jwksCooldownMs,
  });
}

/** Counts the verifier's requests for the provider's key set. */
function countKeySetFetches(): () => number {
  const fetchSpy = vi.spyOn(globalThis, 'fetch');
  return () =>
    fetchSpy.mock.calls.filter(([input]) => String(input) === `${op.issuer}/jwks`).length;
}

/** A key the provider never published, named by `kid`. */
async function strangerKey(kid: string): Promise<SigningKey> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  return { privateJwk: await exportJWK(privateKey), kid, alg: 'RS256' };
}

function agentClaims() {
  const now = nowSeconds();
  return { iss: op.issuer, aud: wardenAudience, sub: 'billing-agent', iat: now, exp: now + 300 };
}

describe('unknown key ids', () => {
  it('refetch the key set once, and a flood of them does not refetch again', async () => {
    const cooldownMs = 300;
    const verifier = sandboxVerifier(op.issuer, cooldownMs);
    const keySetFetches = countKeySetFetches();

    await verifier.verify(await op.clientCredentialsToken(agent.clientId, agent.clientSecret));
    expect(keySetFetches()).toBe(1);

    await sleep(cooldownMs + 50);
    const stranger = await strangerKey('kid-nobody-published');
    const error = await expectRejection(
      verifier.verify(await signToken(agentClaims(), stranger)),
      'unknown_key',
    );
    expect(error.message).toBe(
      'token key id kid-nobody-published is not among the signing keys of provider sandbox',
    );
    expect(keySetFetches()).toBe(2);

    const flood = await Promise.all(
      Array.from({ length: 25 }, (_, index) =>
        signToken(agentClaims(), { ...stranger, kid: `made-up-${index}` }),
      ),
    );
    const verdicts = await Promise.allSettled(flood.map((token) => verifier.verify(token)));
    expect(verdicts.every((verdict) => verdict.status === 'rejected')).toBe(true);
    expect(keySetFetches()).toBe(2);
  });
});

describe('key rotation', () => {
  it('accepts a token signed with the new key (refetch) and still the old one', async () => {
    const verifier = sandboxVerifier(op.issuer, 0);
    const before = await op.clientCredentialsToken(agent.clientId, agent.clientSecret);
    await verifier.verify(before);
    const oldKid = op.signingKey.kid;

    await op.rotateSigningKey();
    expect(op.signingKey.kid).not.toBe(oldKid);
    const keySetFetches = countKeySetFetches();
    const after = await op.clientCredentialsToken(agent.clientId, agent.clientSecret);

    await expect(verifier.verify(after)).resolves.toMatchObject({ subject: 'billing-agent' });
    expect(keySetFetches()).toBe(1);
    await expect(verifier.verify(before)).resolves.toMatchObject({ subject: 'billing-agent' });
  });
});

describe('a provider that cannot be reached', () => {
  it('rejects with provider_unavailable, and a later retry succeeds once it is back', async () => {
    const first = await startOidcProvider({ audience: wardenAudience, clients: [agent] });
    const port = Number(new URL(first.issuer).port);
    await first.close();
    const verifier = sandboxVerifier(first.issuer, 0);
    const token = await signToken({ ...agentClaims(), iss: first.issuer }, first.signingKey);

    const error = await expectRejection(verifier.verify(token), 'provider_unavailable');
    expect(error.message).toBe(
      `identity provider sandbox is unavailable: discovery at ${first.issuer}/.well-known/openid-configuration is unreachable (ECONNREFUSED)`,
    );

    const back = await startOidcProvider({ port, audience: wardenAudience, clients: [agent] });
    try {
      const fresh = await back.clientCredentialsToken(agent.clientId, agent.clientSecret);
      await expect(verifier.verify(fresh)).resolves.toMatchObject({ provider: 'sandbox' });
    } finally {
      await back.close();
    }
  });

  it('rejects with provider_unavailable when only its key set is unreachable', async () => {
    const gone = await startOidcProvider({ audience: wardenAudience, clients: [agent] });
    await gone.close();
    const verifier = createTokenVerifier(
      identityConfig([
        providerConfig({ name: 'sandbox', issuer: op.issuer, jwksUri: `${gone.issuer}/jwks` }),
      ]),
    );
    const token = await op.clientCredentialsToken(agent.clientId, agent.clientSecret);
    const error = await expectRejection(verifier.verify(token), 'provider_unavailable');
    expect(error.message).toContain(`key set at ${gone.issuer}/jwks failed (ECONNREFUSED)`);
  });
});
