// A session lasts no longer than the access token it was opened with.
import { serialize } from 'pg-protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectionName, identities, startHarness, type Harness } from './harness.js';
import { openSession } from './raw-client.js';

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ accessTokenTtlSeconds: 2, clockSkewSeconds: 1 });
});

afterAll(async () => {
  await h?.close();
});

describe('token expiry', () => {
  it('ends the session when its token expires (plus the clock skew), telling the client why', async () => {
    const token = await h.oidc.clientCredentialsToken(
      identities.agent.clientId,
      identities.agent.clientSecret,
    );
    const exp = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).exp as number;
    const client = await openSession(h.listener.address.port, token, connectionName);
    client.write(serialize.query('SELECT 1'));
    await client.until('readyForQuery');
    const ending = await client.until('errorResponse', 10_000);
    // Not before the token's exp plus the 1 s of skew it was verified with.
    expect(Date.now()).toBeGreaterThanOrEqual(exp * 1000 + 1000);
    expect(ending.at(-1)).toMatchObject({
      code: '57P01',
      message: 'Warden: the access token expired; reconnect with a new one',
    });
    await client.waitClosed();
    const end = await h.journal.waitFor(
      (event) => event.type === 'session.end' && event.totals?.endReason === 'token_expired',
    );
    expect(end.outcome?.error?.message).toBe(
      'Warden: the access token expired; reconnect with a new one',
    );
  });
});
