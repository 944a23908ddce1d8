// Identities and one timeline per identity through the API, over a real journal, a real HTTP
// server and tokens from the real OpenID provider sandbox.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent, Identity } from '../../src/audit/index.js';
import type { OidcSandbox } from '../../src/sandbox/oidc-provider.js';
import { analyst, at, billingAgent, billingAgentStory } from '../audit/fixtures.js';
import { startApiOidc, startJournalApi, type JournalApi } from './journal-api.js';

let oidc: OidcSandbox;
let adminToken: string;
let api: JournalApi;

interface Body {
  identities: Identity[];
  identity: { key: string; matches: Identity[] };
  items: AuditEvent[];
  next: string | null;
  error: { code: string; message: string };
}

async function get(path: string, token: string | null = adminToken) {
  const response = await fetch(`${api.url}${path}`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  return {
    status: response.status,
    link: response.headers.get('link'),
    body: (await response.json()) as Body,
  };
}

beforeAll(async () => {
  ({ oidc, adminToken } = await startApiOidc());
  api = await startJournalApi(oidc);
  const story = billingAgentStory();
  await api.journal.appendMany([
    ...story.session,
    { type: 'authz.denied', actor: analyst, time: at(20) },
  ]);
  await api.journal.append(story.token);
});

afterAll(async () => {
  await api?.close();
  await oidc?.close();
});

describe('GET /api/v1/identities', () => {
  it('lists identities newest activity first, paged with a next link', async () => {
    const first = await get('/api/v1/identities?limit=1');
    expect(first.status).toBe(200);
    expect(first.body.identities).toEqual([
      {
        subject: analyst.subject,
        name: analyst.name,
        provider: analyst.provider,
        kind: 'person',
        clientId: null,
        alternateId: null,
        firstSeen: at(20),
        lastSeen: at(20),
        gatewayEvents: 1,
        idpEvents: 0,
      },
    ]);
    expect(first.link).toBe(`<${first.body.next}>; rel="next"`);
    const second = await get(first.body.next!);
    expect(second.body.identities.map((identity) => identity.subject)).toEqual([
      billingAgent.subject,
    ]);
    expect(second.body.identities[0]).toMatchObject({
      alternateId: 'billing-agent-app',
      gatewayEvents: 2,
      idpEvents: 1,
    });
    expect(second.body.next).toBeNull();
  });

  it('finds identities by text', async () => {
    const found = await get('/api/v1/identities?q=BILLING-AGENT-APP');
    expect(found.body.identities.map((identity) => identity.subject)).toEqual([
      billingAgent.subject,
    ]);
  });
});

describe('GET /api/v1/identities/:subject/timeline', () => {
  it("merges the provider's events with the identity's own, in time order", async () => {
    const timeline = await get('/api/v1/identities/billing-agent-app/timeline');
    expect(timeline.status).toBe(200);
    expect(timeline.body.identity.key).toBe('billing-agent-app');
    expect(timeline.body.identity.matches.map((identity) => identity.subject)).toEqual([
      billingAgent.subject,
    ]);
    expect(timeline.body.items.map((event) => event.type)).toEqual([
      'idp.okta',
      'session.start',
      'db.query',
      'session.end',
    ]);
    // The whole event, fields added by the collector included.
    expect(timeline.body.items[0]).toMatchObject({ idp: { eventType: expect.any(String) } });
    expect(timeline.body.next).toBeNull();
  });

  it('pages with a next link, in the body and the Link header', async () => {
    const items: AuditEvent[] = [];
    let next: string | null =
      `/api/v1/identities/${billingAgent.subject}/timeline?limit=3&since=${at(0)}`;
    while (next !== null) {
      const page = await get(next);
      expect(page.status).toBe(200);
      expect(page.link).toBe(page.body.next === null ? null : `<${page.body.next}>; rel="next"`);
      items.push(...page.body.items);
      next = page.body.next;
    }
    expect(items.map((event) => event.time)).toEqual([at(5), at(10), at(11), at(12)]);
  });

  it('answers 404 for an identity never seen', async () => {
    const response = await get('/api/v1/identities/nobody%40example.com/timeline');
    expect(response.status).toBe(404);
    expect(response.body.error).toEqual({
      code: 'not_found',
      message: 'no identity known as "nobody@example.com" (by subject, client id or alternate id)',
    });
  });

  it.each([
    ['limit=0', 'querystring.limit'],
    ['limit=1001', 'querystring.limit'],
    ['since=yesterday', 'querystring.since'],
    [`since=${at(5)}&until=${at(4)}`, 'until: expected a time after since'],
    ['after=garbage', 'after: expected a cursor from a next link, got "garbage"'],
    ['colour=red', 'querystring.colour: unknown parameter'],
  ])('answers %s with 400 naming the parameter', async (query, message) => {
    const response = await get(`/api/v1/identities/${billingAgent.subject}/timeline?${query}`);
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('invalid_request');
    expect(response.body.error.message).toContain(message);
  });

  it.each([
    ['after=garbage', 'after: expected a cursor from a next link, got "garbage"'],
    ['q=', 'querystring.q'],
    ['colour=red', 'querystring.colour: unknown parameter'],
  ])('answers the listing %s with 400 naming the parameter', async (query, message) => {
    const response = await get(`/api/v1/identities?${query}`);
    expect(response.status).toBe(400);
    expect(response.body.error.message).toContain(message);
  });

  it('refuses a missing token and a non-admin', async () => {
    const path = `/api/v1/identities/${billingAgent.subject}/timeline`;
    expect((await get(path, null)).status).toBe(401);
    expect((await get('/api/v1/identities', null)).status).toBe(401);
    const agent = await oidc.clientCredentialsToken('agent', 'b');
    expect((await get(path, agent)).status).toBe(403);
    expect((await get('/api/v1/identities', agent)).status).toBe(403);
  });
});
