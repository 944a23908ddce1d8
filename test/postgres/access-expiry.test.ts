// Just-in-time access runs out: a session opened under an approved access request ends when the
// grant does (that a later attempt then needs a new request is the review service's own test).
// The review service is the real one; its clock runs 58 s behind, so a grant of one minute (the
// shortest the config takes) ends 2 s after it is given.
import { serialize } from 'pg-protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../../src/identity/index.js';
import type { PostgresListener } from '../../src/protocols/postgres/index.js';
import { createReviewService, type ReviewService } from '../../src/reviews/index.js';
import { silentLogger } from '../../src/log/index.js';
import { postgresConnection } from '../support/postgres-connection.js';
import { appTarget, startHarness, type Harness } from './harness.js';
import { openSession } from './raw-client.js';

const clockLagMs = 58_000;
let h: Harness;
let reviews: ReviewService;
let listener: PostgresListener;

/** The approver, as the API would hand it over once its token is verified. */
const approver: Principal = {
  subject: 'dba-lead',
  name: 'dba-lead',
  provider: 'sandbox',
  groups: ['dba'],
  kind: 'person',
  clientId: null,
  expiresAt: null,
  honouredUntil: null,
};

beforeAll(async () => {
  h = await startHarness({
    extraConnections: (postgres) => [
      {
        ...postgresConnection('pg-jit', appTarget(postgres)),
        accessApproval: {
          approverGroups: [{ group: 'dba' }],
          approvals: 1,
          durationMs: 60_000,
          requestTtlMs: 3_600_000,
        },
      },
    ],
  });
  reviews = await createReviewService({
    store: h.store,
    journal: h.journal,
    logger: silentLogger(),
    now: () => new Date(Date.now() - clockLagMs),
  });
  listener = await h.startListener({ reviews });
});

afterAll(async () => {
  await reviews?.close();
  await h?.close();
});

/** What an attempt to connect is told (node-postgres shows the refusal's message). */
async function refusal(): Promise<string> {
  const client = h.client({ port: listener.address.port, database: 'pg-jit' });
  return client.connect().then(
    () => client.end().then(() => 'connected'),
    (error: Error) => error.message,
  );
}

describe('just-in-time access', () => {
  it('ends the session when the approved access runs out', async () => {
    const first = await refusal();
    const [, requestId] = /request (\S+) was opened/.exec(first) ?? [];
    expect(requestId).toBeDefined();
    await reviews.approve(requestId!, approver, 'on call tonight');

    const client = await openSession(listener.address.port, h.tokens.agent, 'pg-jit');
    client.write(serialize.query('SELECT 1'));
    await client.until('readyForQuery');
    const ending = await client.until('errorResponse', 10_000);
    expect(ending.at(-1)).toMatchObject({
      code: '57P01',
      message: 'Warden: the approved access to this connection ran out; request access again',
    });
    await client.waitClosed();
    const end = await h.journal.waitFor(
      (event) => event.type === 'session.end' && event.totals?.endReason === 'access_expired',
    );
    expect(end.authorization?.reviewId).toBe(requestId);
  });
});
