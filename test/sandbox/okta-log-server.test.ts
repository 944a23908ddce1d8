import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { Agent, request, type Dispatcher } from 'undici';
import { describe, expect, it } from 'vitest';
import { oktaLogEvent, type OktaLogEvent } from '../../src/sandbox/okta-log-events.js';
import type { OktaLogServerOptions } from '../../src/sandbox/okta-log-server.js';
import { testCertificateAuthority } from '../support/certificate-authority.js';
import { cleanupsAfterEach } from '../support/cleanups.js';
import { startOkta } from '../support/log-stand-ins.js';

const addCleanup = cleanupsAfterEach();
const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000);

const okta = (options?: OktaLogServerOptions) => startOkta(addCleanup, options);

interface Page {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  events: OktaLogEvent[];
  next: string | undefined;
  self: string | undefined;
}

async function get(
  url: string,
  authorization = 'SSWS test-okta-token',
  dispatcher?: Dispatcher,
): Promise<Page> {
  const response = await request(url, { headers: { authorization }, dispatcher });
  const body = await response.body.json();
  const links = [response.headers.link ?? []].flat();
  const rel = (name: string) =>
    links.map((link) => new RegExp(`^<(.*)>; rel="${name}"$`).exec(link)?.[1]).find(Boolean);
  return {
    status: response.statusCode,
    headers: response.headers,
    body,
    events: Array.isArray(body) ? (body as OktaLogEvent[]) : [],
    next: rel('next'),
    self: rel('self'),
  };
}

/** Follows next links until a page comes back empty; the pages' events, and the last next link. */
async function drain(url: string): Promise<{ events: OktaLogEvent[]; next: string }> {
  const events: OktaLogEvent[] = [];
  for (let page = await get(url); ; page = await get(page.next!)) {
    expect(page.status).toBe(200);
    expect(page.next).toBeDefined();
    if (page.events.length === 0) return { events, next: page.next! };
    events.push(...page.events);
  }
}

function expectOktaError(page: Page, status: number, errorCode: string): void {
  expect(page.status).toBe(status);
  expect(page.body).toEqual({
    errorCode,
    errorSummary: expect.any(String),
    errorLink: errorCode,
    errorId: expect.stringMatching(/^oae\w{19}$/),
    errorCauses: expect.any(Array),
  });
}

describe('okta log server: polling requests', () => {
  it('pages in persistence order with separate Link lines, and always links the next page', async () => {
    const server = await okta();
    const generated = server.generate(250);
    const since = encodeURIComponent(minutesAgo(1).toISOString());
    const first = await get(`${server.url}/api/v1/logs?since=${since}&limit=100`);
    expect(first.headers.link).toHaveLength(2);
    expect(first.self).toBe(`${server.url}/api/v1/logs?since=${since}&limit=100`);
    const next = new URL(first.next!);
    expect(next.origin).toBe(server.url);
    expect([...next.searchParams.keys()]).toEqual(['limit', 'sortOrder', 'after']);
    expect(next.searchParams.get('limit')).toBe('100');
    const sizes = [first.events.length];
    const events = [...first.events];
    let page = first;
    do {
      page = await get(page.next!);
      sizes.push(page.events.length);
      events.push(...page.events);
    } while (page.events.length > 0);
    expect(sizes).toEqual([100, 100, 50, 0]);
    expect(events.map((e) => e.uuid)).toEqual(generated.map((e) => e.uuid));
    // The empty page still leads on, to where the next event will be.
    expect(page.next).toBeDefined();
    server.generate(1);
    expect((await get(page.next!)).events).toHaveLength(1);
  });

  it('brings a late event (published before what came earlier) and a duplicate on the next poll', async () => {
    const server = await okta();
    server.generate(3);
    const { next } = await drain(`${server.url}/api/v1/logs`);
    const [late] = server.generate(1, { published: () => minutesAgo(10) });
    server.add([late!]);
    const page = await get(next);
    expect(page.events.map((e) => e.uuid)).toEqual([late!.uuid, late!.uuid]);
    expect(page.events[0]!.published).toBe(late!.published);
  });

  it('selects by persistence time: since skips what was persisted before it, not what was published', async () => {
    const server = await okta();
    server.generate(2, { published: () => minutesAgo(30) });
    await new Promise((resolve) => setTimeout(resolve, 5));
    const since = new Date();
    const [late] = server.generate(1, { published: () => minutesAgo(60) });
    const page = await get(`${server.url}/api/v1/logs?since=${since.toISOString()}`);
    expect(page.events.map((e) => e.uuid)).toEqual([late!.uuid]);
  });

  it('keeps filter and q on next links, and applies them', async () => {
    const server = await okta();
    const events = server.generate(400);
    const filter = 'eventType eq "user.session.start" and outcome.result eq "FAILURE"';
    const url = `${server.url}/api/v1/logs?limit=5&filter=${encodeURIComponent(filter)}`;
    const first = await get(url);
    expect(new URL(first.next!).searchParams.get('filter')).toBe(filter);
    const { events: found } = await drain(url);
    const expected = events.filter(
      (e) => e.eventType === 'user.session.start' && e.outcome.result === 'FAILURE',
    );
    expect(expected.length).toBeGreaterThan(5);
    expect(found.map((e) => e.uuid)).toEqual(expected.map((e) => e.uuid));
    const user = events[0]!.actor.alternateId;
    const byKeyword = await drain(`${server.url}/api/v1/logs?limit=1000&q=${user}`);
    expect(byKeyword.events.length).toBeGreaterThan(0);
    expect(byKeyword.events.every((e) => JSON.stringify(e).includes(user))).toBe(true);
    const targetFilter = encodeURIComponent(`target.type eq "AppInstance"`);
    const targeted = await drain(`${server.url}/api/v1/logs?limit=1000&filter=${targetFilter}`);
    expect(targeted.events.length).toBeGreaterThan(0);
    expect(targeted.events.every((e) => e.target.some((t) => t.type === 'AppInstance'))).toBe(true);
  });

  it('validates parameters as Okta does', async () => {
    const server = await okta();
    const logs = `${server.url}/api/v1/logs`;
    const now = new Date().toISOString();
    const { next } = await drain(logs);
    const after = new URL(next).searchParams.get('after')!;
    expectOktaError(await get(`${logs}?limit=1001`), 400, 'E0000001');
    expectOktaError(await get(`${logs}?limit=0`), 400, 'E0000001');
    expectOktaError(await get(`${logs}?since=${now}&after=${after}`), 400, 'E0000001');
    expectOktaError(await get(`${logs}?since=yesterday`), 400, 'E0000001');
    expectOktaError(await get(`${logs}?sortOrder=DESCENDING`), 400, 'E0000001');
    expectOktaError(await get(`${logs}?after=bm90LWEtY3Vyc29y`), 400, 'E0000001');
    const longAgo = new Date(Date.now() - 181 * 86_400_000).toISOString();
    expectOktaError(await get(`${logs}?since=${longAgo}`), 400, 'E0000053');
    const onPublished = encodeURIComponent(`published gt "${now}"`);
    expectOktaError(await get(`${logs}?filter=${onPublished}`), 400, 'E0000031');
    expectOktaError(await get(`${logs}?filter=eventType%20eq`), 400, 'E0000031');
    expect((await get(`${logs}?limit=1000`)).status).toBe(200);
  });
});

describe('okta log server: bounded requests', () => {
  it('select by published, in published order, in finite pages', async () => {
    const server = await okta();
    const offsets = [5, 50, 20, 40, 10, 30];
    const events = server.generate(offsets.length, { published: (i) => minutesAgo(offsets[i]!) });
    const [since, until] = [minutesAgo(45).toISOString(), minutesAgo(8).toISOString()];
    const expected = [40, 30, 20, 10].map((m) => events[offsets.indexOf(m)]!.uuid);
    for (const [sortOrder, order] of [
      ['ASCENDING', expected],
      ['DESCENDING', [...expected].reverse()],
    ] as const) {
      const seen: string[] = [];
      let page = await get(
        `${server.url}/api/v1/logs?since=${since}&until=${until}&limit=3&sortOrder=${sortOrder}`,
      );
      seen.push(...page.events.map((e) => e.uuid));
      expect(new URL(page.next!).searchParams.get('since')).toBeNull();
      page = await get(page.next!);
      seen.push(...page.events.map((e) => e.uuid));
      expect(page.next).toBeUndefined();
      expect(seen).toEqual(order);
    }
  });
});

describe('okta log server: rate limits and faults', () => {
  it('sends X-Rate-Limit headers and answers 429 E0000047 over the limit', async () => {
    const server = await okta({ rateLimitPerMinute: 2 });
    const logs = `${server.url}/api/v1/logs`;
    const [one, two, three] = [await get(logs), await get(logs), await get(logs)];
    expect(one.headers['x-rate-limit-limit']).toBe('2');
    expect([one, two, three].map((p) => p.headers['x-rate-limit-remaining'])).toEqual([
      '1',
      '0',
      '0',
    ]);
    const reset = Number(three.headers['x-rate-limit-reset']);
    expect(reset * 1000).toBeGreaterThan(Date.now());
    expect(reset * 1000).toBeLessThanOrEqual(Date.now() + 61_000);
    expectOktaError(three, 429, 'E0000047');
    expect((three.body as { errorSummary: string }).errorSummary).toBe(
      'API call exceeded rate limit due to too many requests.',
    );
  });

  it('answers a fault with Okta’s body for its status, and a 500 every Nth query', async () => {
    const server = await okta({ timeoutEvery: 3 });
    const logs = `${server.url}/api/v1/logs`;
    server.faults.next(1, { status: 500 }).throttle(1, '3');
    const failed = await get(logs);
    expectOktaError(failed, 500, 'E0000009');
    expect(failed.headers['x-rate-limit-remaining']).toBe('119');
    const throttled = await get(logs);
    expectOktaError(throttled, 429, 'E0000047');
    expect(throttled.headers['x-rate-limit-remaining']).toBe('0');
    expect(throttled.headers['retry-after']).toBe('3');
    const statuses = [];
    for (let n = 0; n < 6; n++) statuses.push((await get(logs)).status);
    expect(statuses).toEqual([200, 200, 500, 200, 200, 500]);
    expect(server.requests.map((r) => r.status).slice(0, 2)).toEqual([500, 429]);
  });
});

describe('okta log server: authentication', () => {
  it('answers 401 E0000011 to a missing or unknown API token', async () => {
    const server = await okta({ apiTokens: ['right'] });
    const logs = `${server.url}/api/v1/logs`;
    expectOktaError(await get(logs, 'SSWS wrong'), 401, 'E0000011');
    expectOktaError(await get(logs, ''), 401, 'E0000011');
    expectOktaError(await get(logs, 'Bearer not-issued'), 401, 'E0000011');
    expect((await get(logs, 'SSWS right')).status).toBe(200);
  });

  it('issues bearer tokens for private_key_jwt assertions (RS256, ES256), once per jti', async () => {
    const rsa = await generateKeyPair('RS256');
    const ec = await generateKeyPair('ES256');
    const server = await okta({
      oauthClients: [
        { clientId: '0oa-rsa', publicJwk: await exportJWK(rsa.publicKey) },
        { clientId: '0oa-ec', publicJwk: await exportJWK(ec.publicKey) },
        {
          clientId: '0oa-users',
          publicJwk: await exportJWK(rsa.publicKey),
          scopes: ['okta.users.read'],
        },
      ],
    });
    const audience = server.tokenUrl;
    expect(audience).toBe(`${server.url}/oauth2/v1/token`);
    const assertion = (clientId: string, key: CryptoKey, alg: string, aud = audience) =>
      new SignJWT({ jti: randomUUID() })
        .setProtectedHeader({ alg })
        .setIssuer(clientId)
        .setSubject(clientId)
        .setAudience(aud)
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(key);
    const token = async (jwt: string, scope = 'okta.logs.read') => {
      const response = await request(audience, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          scope,
          client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
          client_assertion: jwt,
        }).toString(),
      });
      return { status: response.statusCode, body: (await response.body.json()) as never };
    };

    const rsaJwt = await assertion('0oa-rsa', rsa.privateKey, 'RS256');
    const granted = await token(rsaJwt);
    expect(granted).toEqual({
      status: 200,
      body: {
        token_type: 'Bearer',
        expires_in: 3600,
        access_token: expect.any(String),
        scope: 'okta.logs.read',
      },
    });
    const bearer = `Bearer ${(granted.body as { access_token: string }).access_token}`;
    expect((await get(`${server.url}/api/v1/logs`, bearer)).status).toBe(200);
    const refused = async (jwt: string, reason: string) =>
      expect(await token(jwt)).toEqual({
        status: 401,
        body: { error: 'invalid_client', error_description: expect.stringContaining(reason) },
      });
    await refused(rsaJwt, 'already been used');

    const ecJwt = await assertion('0oa-ec', ec.privateKey, 'ES256');
    expect((await token(ecJwt)).status).toBe(200);
    const otherEc = await generateKeyPair('ES256');
    await refused(await assertion('0oa-ec', otherEc.privateKey, 'ES256'), 'signature is invalid');
    const elsewhere = 'https://elsewhere.okta.com/oauth2/v1/token';
    await refused(await assertion('0oa-rsa', rsa.privateKey, 'RS256', elsewhere), 'audience');
    const tooLong = await new SignJWT({ jti: randomUUID() })
      .setProtectedHeader({ alg: 'RS256' })
      .setIssuer('0oa-rsa')
      .setSubject('0oa-rsa')
      .setAudience(audience)
      .setExpirationTime('2h')
      .sign(rsa.privateKey);
    await refused(tooLong, 'too far');
    const otherScope = await assertion('0oa-rsa', rsa.privateKey, 'RS256');
    expect(await token(otherScope, 'okta.users.read')).toMatchObject({
      status: 400,
      body: { error: 'invalid_scope' },
    });

    const usersJwt = await assertion('0oa-users', rsa.privateKey, 'RS256');
    const usersToken = await token(usersJwt, 'okta.users.read');
    expect(usersToken.status).toBe(200);
    const forbidden = await get(
      `${server.url}/api/v1/logs`,
      `Bearer ${(usersToken.body as { access_token: string }).access_token}`,
    );
    expectOktaError(forbidden, 403, 'E0000006');
    expect(forbidden.headers['www-authenticate']).toContain('error="insufficient_scope"');
    expect(forbidden.headers['www-authenticate']).toContain('scope="okta.logs.read"');

    server.tokens.expireAll();
    expectOktaError(await get(`${server.url}/api/v1/logs`, bearer), 401, 'E0000011');
  });

  it('requires a client certificate signed by the CA when clientCa is set', async () => {
    const ca = await testCertificateAuthority('collector');
    addCleanup(() => ca.remove());
    const server = await okta({ tls: { ...ca.server, clientCa: ca.caFile } });
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const trusting = (withCertificate: 'plain' | 'encrypted' | 'none') =>
      new Agent({
        connect: {
          ca: readFileSync(ca.caFile),
          ...(withCertificate === 'none'
            ? {}
            : {
                cert: readFileSync(ca.client.certFile),
                key: readFileSync(
                  withCertificate === 'plain' ? ca.client.keyFile : ca.client.encryptedKeyFile,
                ),
                passphrase: ca.client.passphrase,
              }),
        },
      });
    const agents = [trusting('plain'), trusting('encrypted'), trusting('none')];
    addCleanup(() => Promise.all(agents.map((agent) => agent.close())));
    const logs = `${server.url}/api/v1/logs`;
    expect((await get(logs, undefined, agents[0])).status).toBe(200);
    expect((await get(logs, undefined, agents[1])).status).toBe(200);
    await expect(get(logs, undefined, agents[2])).rejects.toThrow();
  });
});

describe('okta log server: events', () => {
  it('generates a realistic, deterministic mix of every category', async () => {
    const server = await okta();
    const events = server.generate(3000);
    expect(new Set(events.map((e) => e.uuid)).size).toBe(3000);
    expect(new Set(events.map((e) => e.eventType))).toEqual(
      new Set([
        'user.session.start',
        'user.authentication.sso',
        'user.authentication.auth_via_mfa',
        'user.session.end',
        'user.lifecycle.create',
        'user.account.update_profile',
        'group.user_membership.add',
        'policy.lifecycle.update',
        'application.user_membership.add',
        'user.account.privilege.grant',
        'system.api_token.create',
        'system.org.rate_limit.warning',
        'app.oauth2.as.token.grant.access_token',
        'user.account.lock',
        'security.threat.detected',
        'user.session.access_admin_app',
      ]),
    );
    const results = new Set(events.map((e) => e.outcome.result));
    for (const result of ['SUCCESS', 'FAILURE', 'ALLOW', 'DENY', 'CHALLENGE'])
      expect(results).toContain(result);
    const successes = events.filter((e) => e.outcome.result === 'SUCCESS').length;
    expect(successes / events.length).toBeGreaterThan(0.7);
    const person = events.find((e) => e.actor.type === 'User')!;
    expect(person.actor.id).toMatch(/^00u\w{17}$/);
    expect(person.actor.alternateId).toMatch(/^[a-z.]+@example\.com$/);
    expect(person.client.ipAddress).toBe(person.request.ipChain[0]!.ip);
    const app = events.find((e) => e.actor.type === 'PublicClientApp')!;
    expect(app.actor.id).toMatch(/^0oa\w{17}$/);
    expect(app.actor.alternateId).toBe(app.actor.id);
    expect(oktaLogEvent(17, new Date(events[17]!.published))).toEqual(events[17]);
  });

  it('persists a client app’s token grant with the client id as actor', async () => {
    const server = await okta();
    const published = minutesAgo(2);
    const event = server.tokenGrant('0oa8collector', 'Warden Collector', published);
    expect(event).toMatchObject({
      eventType: 'app.oauth2.as.token.grant.access_token',
      published: published.toISOString(),
      version: '0',
      actor: {
        id: '0oa8collector',
        type: 'PublicClientApp',
        alternateId: '0oa8collector',
        displayName: 'Warden Collector',
      },
      outcome: { result: 'SUCCESS', reason: null },
      client: { id: '0oa8collector' },
      debugContext: { debugData: { grantType: 'client_credentials' } },
    });
    expect(event.target.map((t) => t.type)).toEqual(['AuthorizationServer', 'access_token']);
    expect(event.target[1]!.detailEntry).toMatchObject({ subject: '0oa8collector' });
    expect(server.stored).toBe(1);
    expect((await get(`${server.url}/api/v1/logs`)).events).toEqual([event]);
  });

  it('serves a virtual backlog of a million events made from their position', async () => {
    const server = await okta({ rateLimitPerMinute: null });
    const start = new Date(Date.now() - 2_000_000);
    server.backlog(1_000_000, { start, stepMs: 2 });
    const [added] = server.generate(1);
    expect(server.stored).toBe(1_000_001);
    const logs = `${server.url}/api/v1/logs`;
    const first = await get(`${logs}?limit=1000&since=${start.toISOString()}`);
    expect(first.events).toHaveLength(1000);
    expect(first.events[999]).toEqual(oktaLogEvent(999, new Date(start.getTime() + 1998)));
    const tail = await get(`${logs}?since=${new Date(start.getTime() + 1_999_990).toISOString()}`);
    expect(tail.events.map((e) => e.uuid)).toEqual([
      ...[999_995, 999_996, 999_997, 999_998, 999_999].map((i) => oktaLogEvent(i, start).uuid),
      added!.uuid,
    ]);
    const [since, until] = [1_000_000, 1_000_010].map((ms) =>
      new Date(start.getTime() + ms).toISOString(),
    );
    const bounded = await get(`${logs}?since=${since}&until=${until}&sortOrder=DESCENDING`);
    expect(bounded.events.map((e) => e.published)).toEqual(
      [500_004, 500_003, 500_002, 500_001, 500_000].map((i) =>
        new Date(start.getTime() + 2 * i).toISOString(),
      ),
    );
    const sparse = encodeURIComponent('eventType eq "user.account.privilege.grant"');
    const filtered = await get(`${logs}?since=${start.toISOString()}&filter=${sparse}&limit=5`);
    expect(filtered.events).toHaveLength(5);
    expect(new Set(filtered.events.map((e) => e.eventType))).toEqual(
      new Set(['user.account.privilege.grant']),
    );
  });

  it('gives every event of a backlog its own uuid, however many there are', () => {
    // The rest of an event comes from a 32-bit seed, which two indexes can share.
    for (const index of [0, 1, 999_999, 1_999_999, 2 ** 40]) {
      const { uuid } = oktaLogEvent(index, new Date());
      expect(uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(parseInt(uuid.slice(-12), 16)).toBe(index);
    }
  });

  it('serves a backlog serialized up front exactly as one made when asked for', async () => {
    const start = new Date(Date.now() - 3_000_000);
    const [made, rendered] = await Promise.all([okta(), okta()]);
    made.backlog(2_500, { start, stepMs: 1000 });
    rendered.backlog(2_500, { start, stepMs: 1000, rendered: true });
    // Three full pages, then a partial one, a filtered one and one with `q`.
    const queries = [
      `since=${start.toISOString()}&limit=1000`,
      `since=${start.toISOString()}&limit=7&filter=${encodeURIComponent('severity eq "WARN"')}`,
      `since=${new Date(start.getTime() + 2_400_000).toISOString()}&limit=1000&q=okta`,
    ];
    for (const query of queries) {
      const [fromMade, fromRendered] = await Promise.all([
        drain(`${made.url}/api/v1/logs?${query}`),
        drain(`${rendered.url}/api/v1/logs?${query}`),
      ]);
      expect(fromRendered.events.length).toBeGreaterThan(0);
      expect(fromRendered.events).toEqual(fromMade.events);
      expect(new URL(fromRendered.next).search).toBe(new URL(fromMade.next).search);
    }
    const all = await drain(`${rendered.url}/api/v1/logs?${queries[0]}`);
    expect(all.events.map((event) => event.uuid)).toEqual(
      Array.from({ length: 2_500 }, (_, index) => oktaLogEvent(index, start).uuid),
    );
  });
});
