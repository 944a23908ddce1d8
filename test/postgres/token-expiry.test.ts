// A session lasts no longer than the access token it was opened with.
import { serialize } from 'pg-protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectionName, identities, startHarness, type Harness } from './harness.js';
import { openSession } from './raw-client.js';

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ accessTokenTtlSeconds: 3 });
});

afterAll(async () => {
  await h?.close();
});

describe('token expiry', () => {
  it('ends the session when its token expires, telling the client why', async () => {
    const token = await h.oidc.clientCredentialsToken(
      identities.agent.clientId,
      identities.agent.clientSecret,
    );
    const client = await openSession(h.listener.address.port, token, connectionName);
    client.write(serialize.query('SELECT 1'));
    await client.until('readyForQuery');
    const ending = await client.until('errorResponse', 10_000);
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
