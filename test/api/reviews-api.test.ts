// Reviews through the API: a real HTTP server, the review service on a real journal, and tokens
// from the real OpenID provider sandbox.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventTypes } from '../../src/audit/index.js';
import type { ReviewView } from '../../src/reviews/index.js';
import { startReviewsApi, type ReviewsApi, type Who } from '../reviews/reviews-api-harness.js';
import { eventsOfType } from '../support/events-of-type.js';

let api: ReviewsApi;

interface Body {
  reviews: ReviewView[];
  review: ReviewView;
  error: { code: string; message: string };
}

async function call(
  method: 'GET' | 'POST',
  path: string,
  who: Who | null,
  body?: unknown,
): Promise<{ status: number; body: Body }> {
  const headers: Record<string, string> = who ? { authorization: `Bearer ${api.tokens[who]}` } : {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${api.server.url}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Body };
}

beforeAll(async () => {
  api = await startReviewsApi();
});

afterAll(async () => {
  await api?.close();
});

describe('reviews API', () => {
  it('asks for a verified identity of any group, and says so without one', async () => {
    const none = await call('GET', '/api/v1/reviews', null);
    expect(none.status).toBe(401);
    expect(none.body.error).toEqual({
      code: 'unauthorized',
      message: 'a bearer token is required',
    });
    const response = await fetch(`${api.server.url}/api/v1/reviews`, {
      headers: { authorization: 'Bearer not-a-token' },
    });
    expect(response.status).toBe(401);
    expect(((await response.json()) as Body).error.code).toBe('invalid_token');
    // No admin group needed; carol just sees nothing of others.
    const carol = await call('GET', '/api/v1/reviews', 'carol');
    expect(carol).toEqual({ status: 200, body: { reviews: [] } });
  });

  it('approves a held statement: the approver sees it, the statement runs', async () => {
    const pending = await api.holdStatement('DROP TABLE orders');
    const listed = await call('GET', '/api/v1/reviews?state=pending', 'alice');
    expect(listed.status).toBe(200);
    expect(listed.body.reviews.map((review) => review.id)).toContain(pending.id);
    const shown = await call('GET', `/api/v1/reviews/${pending.id}`, 'agent');
    expect(shown.body.review).toMatchObject({
      id: pending.id,
      state: 'pending',
      command: 'DROP TABLE orders',
      requester: { subject: 'agent', provider: 'test-idp', kind: 'agent' },
    });
    expect(JSON.stringify(shown.body)).not.toContain(api.tokens.agent);

    const approved = await call('POST', `/api/v1/reviews/${pending.id}/approve`, 'alice', {
      reason: 'planned',
    });
    expect(approved.status).toBe(200);
    expect(approved.body.review).toMatchObject({
      state: 'approved',
      decidedBy: 'alice',
      reason: 'planned',
    });
    await expect(pending.decision).resolves.toEqual({ approved: true, approvers: ['alice'] });

    const again = await call('POST', `/api/v1/reviews/${pending.id}/approve`, 'bob', {});
    expect(again).toEqual({
      status: 409,
      body: {
        error: {
          code: 'conflict',
          message: `review ${pending.id} is approved: only a pending review can be decided`,
        },
      },
    });
  });

  it('approves without a body', async () => {
    const pending = await api.holdStatement('DROP TABLE invoices');
    const approved = await call('POST', `/api/v1/reviews/${pending.id}/approve`, 'bob');
    expect(approved.status).toBe(200);
    expect(approved.body.review.state).toBe('approved');
  });

  it('denies with the reason, which is required', async () => {
    const pending = await api.holdStatement('TRUNCATE payments');
    const missing = await call('POST', `/api/v1/reviews/${pending.id}/deny`, 'bob', {});
    expect(missing.status).toBe(400);
    expect(missing.body.error).toEqual({
      code: 'invalid_request',
      message: "body.reason: must have required property 'reason'",
    });
    const blank = await call('POST', `/api/v1/reviews/${pending.id}/deny`, 'bob', {
      reason: '   ',
    });
    expect(blank.status).toBe(400);
    expect(blank.body.error.message).toMatch(/^body\.reason: must match pattern/);

    const denied = await call('POST', `/api/v1/reviews/${pending.id}/deny`, 'bob', {
      reason: 'use a migration',
    });
    expect(denied.status).toBe(200);
    expect(denied.body.review).toMatchObject({ state: 'denied', reason: 'use a migration' });
    await expect(pending.decision).resolves.toMatchObject({
      outcome: 'denied',
      reason: 'use a migration',
      by: 'bob',
    });
  });

  it('refuses a self-approval and a non-approver with 403, recording each attempt', async () => {
    const pending = await api.holdStatement('DROP TABLE customers');
    const own = await call('POST', `/api/v1/reviews/${pending.id}/approve`, 'agent', {});
    expect(own.status).toBe(403);
    expect(own.body.error).toEqual({
      code: 'forbidden',
      message: `agent (test-idp) may not decide their own request (review ${pending.id})`,
    });
    const outsider = await call('POST', `/api/v1/reviews/${pending.id}/deny`, 'carol', {
      reason: 'no',
    });
    expect(outsider.status).toBe(403);
    const refused = await eventsOfType(api.journal, api.temp.store, EventTypes.reviewRefused);
    expect(
      refused
        .filter((event) => event.policy?.reviewId === pending.id)
        .map((event) => [event.actor?.subject, event.policy?.attempted]),
    ).toEqual([
      ['agent', 'approve'],
      ['carol', 'deny'],
    ]);
    // The admin sees every review but is no approver.
    const admin = await call('POST', `/api/v1/reviews/${pending.id}/approve`, 'auditor', {});
    expect(admin.status).toBe(403);
    pending.withdraw('test over');
  });

  it('answers 404 for an unknown review and for one the caller may not see', async () => {
    const pending = await api.holdStatement('DROP TABLE secrets');
    const hidden = await call('GET', `/api/v1/reviews/${pending.id}`, 'carol');
    expect(hidden.status).toBe(404);
    expect(hidden.body.error).toEqual({ code: 'not_found', message: `no review ${pending.id}` });
    const unknown = await call('POST', '/api/v1/reviews/nope/approve', 'alice', {});
    expect(unknown.status).toBe(404);
    const admin = await call('GET', `/api/v1/reviews/${pending.id}`, 'auditor');
    expect(admin.status).toBe(200);
    pending.withdraw('test over');
  });

  it('filters by state and kind, newest first, and names a bad filter', async () => {
    const all = await call('GET', '/api/v1/reviews?kind=command&limit=2', 'auditor');
    expect(all.status).toBe(200);
    expect(all.body.reviews).toHaveLength(2);
    const [newer, older] = all.body.reviews;
    expect(newer!.createdAt >= older!.createdAt).toBe(true);
    const denied = await call('GET', '/api/v1/reviews?state=denied', 'auditor');
    expect(denied.body.reviews.map((review) => review.command)).toEqual(['TRUNCATE payments']);
    const bad = await call('GET', '/api/v1/reviews?state=open', 'auditor');
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toBe(
      'querystring.state: must be equal to one of the allowed values',
    );
    const unknown = await call('GET', '/api/v1/reviews?who=me', 'auditor');
    expect(unknown.body.error.message).toBe('querystring.who: unknown parameter');
  });
});
