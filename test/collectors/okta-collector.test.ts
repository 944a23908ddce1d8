import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportJWK, exportPKCS8, generateKeyPair } from 'jose';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { OktaLogServer, type OktaLogServerOptions } from '../../src/sandbox/okta-log-server.js';
import { testCertificateAuthority } from '../support/certificate-authority.js';
import { cleanupsAfterEach } from '../support/cleanups.js';
import { CollectorHarness } from '../support/collector-harness.js';
import { eventually } from '../support/eventually.js';
import { startOkta } from '../support/log-stand-ins.js';

const HOUR_MS = 3_600_000;
const addCleanup = cleanupsAfterEach();

const okta = (options?: OktaLogServerOptions) => startOkta(addCleanup, options);
const harness = () => CollectorHarness.openFor(addCleanup);

function oktaConfig(
  url: string,
  {
    startFrom = new Date(Date.now() - 2 * HOUR_MS).toISOString(),
    auth = '{ token: test-okta-token }',
    tls = '',
  } = {},
): string {
  return `collectors:
  - name: okta-main
    type: okta
    domain: company.okta.com
    url: "${url}"
    interval: 10
    startFrom: "${startFrom}"
    auth: ${auth}
${tls ? `    tls: ${tls}\n` : ''}`;
}

const collected = (h: CollectorHarness) => h.status().then(([status]) => status!.collected);
const logsRequests = (server: OktaLogServer) =>
  server.requests.filter((request) => request.path === '/api/v1/logs');

describe('Okta System Log collector', () => {
  it('follows next links through a backlog and stores each event once, as idp.okta', async () => {
    const server = await okta();
    const base = Date.now() - HOUR_MS;
    const sent = server.generate(2500, { published: (i) => new Date(base + i * 1000) });
    const h = await harness();
    h.start(oktaConfig(server.url));
    await eventually(async () => (await collected(h)) === 2500);

    const events = await h.events('idp.okta');
    expect(events.map((event) => (event as { idp?: { id?: string } }).idp?.id)).toEqual(
      sent.map((event) => event.uuid),
    );
    const first = events[0]!;
    const original = sent[0]!;
    expect(first.time).toBe(new Date(original.published).toISOString());
    expect(first.actor).toMatchObject({
      subject: original.actor.id,
      provider: 'okta-main',
      alternateId: original.actor.alternateId,
    });
    expect(first.raw).toEqual({ ...original, _okta_event_type: 'systemLog' });
    const results: Record<string, string> = {
      SUCCESS: 'success',
      ALLOW: 'success',
      FAILURE: 'failure',
      DENY: 'denied',
    };
    expect(first.outcome?.result).toBe(results[original.outcome.result] ?? 'unknown');

    // A polling request first, then only the next links: never until, never a crafted after.
    const requests = logsRequests(server);
    const [polling, ...following] = requests;
    expect(Object.fromEntries(polling!.query)).toMatchObject({
      sortOrder: 'ASCENDING',
      limit: '1000',
    });
    expect(polling!.query.get('since')).not.toBeNull();
    for (const request of requests) expect(request.query.has('until')).toBe(false);
    expect(following.length).toBeGreaterThanOrEqual(3);
    for (const request of following) {
      expect(request.query.has('since')).toBe(false);
      expect(request.query.get('after')).toBeTruthy();
    }
    const checkpoints = await h.events('collector.checkpoint');
    expect(checkpoints.length).toBeGreaterThanOrEqual(3);
    expect(checkpoints.at(-1)).toMatchObject({ collector: { name: 'okta-main', collected: 2500 } });
  });

  it('collects events persisted later, even when published before ones it has (late events)', async () => {
    const server = await okta();
    server.generate(10);
    const h = await harness();
    h.start(oktaConfig(server.url));
    await eventually(async () => (await collected(h)) === 10);
    const late = server.generate(3, { published: () => new Date(Date.now() - HOUR_MS) });
    const grant = server.tokenGrant('0oa-billing-agent', 'billing-agent');
    await eventually(async () => (await collected(h)) === 14);
    const ids = (await h.events('idp.okta')).map(
      (event) => (event as { idp?: { id?: string } }).idp?.id,
    );
    expect(ids.slice(10)).toEqual([...late.map((event) => event.uuid), grant.uuid]);
    const grantEvent = (await h.events('idp.okta')).at(-1)!;
    expect(grantEvent.actor).toMatchObject({
      subject: '0oa-billing-agent',
      kind: 'agent',
      clientId: '0oa-billing-agent',
    });
    const [status] = await h.status();
    expect(status).toMatchObject({ state: 'running', lastError: null });
    expect(status!.lastSuccessAt).not.toBeNull();
    expect(status!.lagSeconds).not.toBeNull();
  });

  it('waits out a 429 until X-Rate-Limit-Reset, and retries a 500 at the next cycle, losing nothing', async () => {
    const server = await okta();
    server.generate(1500);
    const resetAt = Math.ceil(Date.now() / 1000) + 30;
    server.faults
      .next(1, {
        status: 429,
        headers: {
          'x-rate-limit-reset': String(resetAt),
          'x-rate-limit-remaining': '0',
          'x-rate-limit-limit': '120',
        },
      })
      .next(1, { status: 500 });
    const h = await harness();
    h.start(oktaConfig(server.url));
    await eventually(async () => (await collected(h)) === 1500);
    expect(h.logs.find((line) => line.msg === 'Rate limit exceeded - will retry')?.level).toBe(40);
    // The wait after the 429 reaches the reset time (about 30 s away when it was asked for).
    expect(Math.max(...h.pauses)).toBeGreaterThanOrEqual(25_000);
    expect(
      h.logs.find((line) => line.msg === 'Failed to fetch Okta system logs. Status=500'),
    ).toMatchObject({
      level: 50,
      detail: 'E0000009 Internal Server Error',
    });
    const ids = (await h.events('idp.okta')).map(
      (event) => (event as { idp?: { id?: string } }).idp?.id,
    );
    expect(new Set(ids).size).toBe(1500);
    expect(ids).toHaveLength(1500);
  });

  it('slows down when X-Rate-Limit-Remaining runs low, before Okta says 429', async () => {
    const server = await okta({ rateLimitPerMinute: 4 });
    server.generate(3500);
    const h = await harness();
    h.start(oktaConfig(server.url));
    // Remaining 1 of 4 after the third request: the rest of the minute is spread over it.
    await eventually(() => h.pauses.some((ms) => ms >= 5000 && ms <= 60_000));
    await eventually(() => logsRequests(server).length >= 4);
    expect(
      logsRequests(server)
        .slice(0, 4)
        .map((request) => request.status),
    ).toEqual([200, 200, 200, 200]);
  });

  it('halts on 400 saying why, stays halted, and goes on from where it was once resumed', async () => {
    const server = await okta();
    server.generate(5);
    server.faults.next(1, { status: 400 });
    const h = await harness();
    h.start(oktaConfig(server.url));
    const halted = await eventually(async () => {
      const [status] = await h.status();
      return status!.state === 'halted' && status;
    });
    expect(halted.haltedReason).toMatch(/^Bad request - check API parameters: E0000001/);
    expect(h.logs.find((line) => line.msg === 'Bad request - check API parameters')?.level).toBe(
      50,
    );
    const requestsWhenHalted = logsRequests(server).length;
    await new Promise((resolve) => setTimeout(resolve, 100)); // 100 cycles' worth of pauses
    expect(logsRequests(server).length).toBe(requestsWhenHalted);

    expect((await h.resume('okta-main')).resumeRequested).toBe(true);
    await eventually(async () => (await collected(h)) === 5);
    expect((await h.status())[0]).toMatchObject({ state: 'running', haltedReason: null });
  });

  it('halts on 401 without showing the token, stays halted after a restart, and resumes once the token is fixed', async () => {
    const server = await okta({ apiTokens: ['the-right-token'] });
    server.generate(5);
    const h = await harness();
    h.start(oktaConfig(server.url, { auth: '{ token: "a-wrong-token-0123" }' }));
    await eventually(async () => (await h.status())[0]!.state === 'halted');
    expect((await h.status())[0]!.haltedReason).toBe(
      'Authentication failed - check OKTA_API_TOKEN: E0000011 Invalid token provided',
    );
    expect(h.logText).not.toContain('a-wrong-token-0123');

    await h.restart();
    h.start(oktaConfig(server.url, { auth: '{ token: "a-wrong-token-0123" }' }));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await h.status())[0]!.state).toBe('halted');
    await h.stopCollectors();

    h.start(oktaConfig(server.url, { auth: '{ token: "the-right-token" }' }));
    await eventually(async () => (await collected(h)) === 5);
  });

  it('authenticates as an OAuth service app with private_key_jwt', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
    const server = await okta({
      oauthClients: [{ clientId: '0oa-log-reader', publicJwk: await exportJWK(publicKey) }],
    });
    server.generate(20);
    const h = await harness();
    const keyFile = join(h.dir, 'service-app.pem');
    writeFileSync(keyFile, await exportPKCS8(privateKey));
    h.start(
      oktaConfig(server.url, {
        auth: `{ oauth: { clientId: 0oa-log-reader, privateKey: ${keyFile} } }`,
      }),
    );
    await eventually(async () => (await collected(h)) === 20);
    expect(logsRequests(server)[0]!.headers.authorization).toMatch(/^Bearer /);
    expect(server.requests.filter((request) => request.path === '/oauth2/v1/token')).toHaveLength(
      1,
    );
  });
});

describe('Okta System Log collector: auth.header and auth.prefix', () => {
  /** What the stand-in answers to the API token sent in `headers`: it takes only one form. */
  const answerTo = async (server: OktaLogServer, headers: Record<string, string>) => {
    const response = await request(`${server.url}/api/v1/logs?limit=1`, { headers });
    await response.body.dump();
    return response.statusCode;
  };

  it('sends the token in the configured header with the configured prefix, and no Authorization', async () => {
    const token = 'proxy-api-token-4567';
    const server = await okta({
      apiTokens: [token],
      apiTokenHeader: { name: 'X-Okta-Api-Key', prefix: 'Bearer ' },
    });
    // The stand-in takes this token in that header and form only.
    expect(await answerTo(server, { authorization: `SSWS ${token}` })).toBe(401);
    expect(await answerTo(server, { 'x-okta-api-key': `SSWS ${token}` })).toBe(401);
    expect(await answerTo(server, { 'x-okta-api-key': `Bearer ${token}` })).toBe(200);
    server.requests.length = 0;
    server.generate(12);
    // One failed cycle first, so that the status has a last error to show.
    server.faults.next(1, { status: 500 });
    const h = await harness();
    h.start(
      oktaConfig(server.url, {
        auth: `{ token: "${token}", header: X-Okta-Api-Key, prefix: "Bearer " }`,
      }),
    );
    await eventually(async () => (await collected(h)) === 12);

    const requests = logsRequests(server);
    expect(requests.length).toBeGreaterThanOrEqual(2);
    for (const sent of requests) {
      expect(sent.headers['x-okta-api-key']).toBe(`Bearer ${token}`);
      expect(sent.headers.authorization).toBeUndefined();
    }
    const [status] = await h.status();
    expect(status!.lastError).toBe(
      'Failed to fetch Okta system logs. Status=500: E0000009 Internal Server Error',
    );
    expect(JSON.stringify(status)).not.toContain(token);
    expect(h.logText).not.toContain(token);
  });

  it('sends the bare token with an empty prefix, and halts on a wrong one without showing it', async () => {
    const server = await okta({
      apiTokens: ['the-right-bare-token'],
      apiTokenHeader: { name: 'X-Api-Token', prefix: '' },
    });
    server.generate(5);
    const h = await harness();
    const auth = (token: string) => `{ token: "${token}", header: X-Api-Token, prefix: "" }`;
    h.start(oktaConfig(server.url, { auth: auth('a-wrong-bare-token-89') }));
    const halted = await eventually(async () => {
      const [status] = await h.status();
      return status!.state === 'halted' && status;
    });
    expect(halted.haltedReason).toBe(
      'Authentication failed - check OKTA_API_TOKEN: E0000011 Invalid token provided',
    );
    expect(logsRequests(server)[0]!.headers['x-api-token']).toBe('a-wrong-bare-token-89');
    expect(JSON.stringify(halted)).not.toContain('a-wrong-bare-token-89');
    expect(h.logText).not.toContain('a-wrong-bare-token-89');
    await h.stopCollectors();

    h.start(oktaConfig(server.url, { auth: auth('the-right-bare-token') }));
    await eventually(async () => (await collected(h)) === 5);
    for (const sent of logsRequests(server)) expect(sent.headers.authorization).toBeUndefined();
    expect(JSON.stringify(await h.status())).not.toContain('the-right-bare-token');
  });
});

it('refuses to start with a private key that is not one, naming the collector', async () => {
  const h = await harness();
  const keyFile = join(h.dir, 'not-a-key.pem');
  writeFileSync(keyFile, '-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n');
  expect(() =>
    h.start(
      oktaConfig('https://company.okta.com', {
        auth: `{ oauth: { clientId: 0oa1, privateKey: ${keyFile} } }`,
      }),
    ),
  ).toThrow(/^collectors\[0\] \(okta-main\): cannot start: /);
});

describe('Okta System Log collector over TLS', () => {
  async function certificateAuthority() {
    const ca = await testCertificateAuthority('warden-collector');
    addCleanup(() => ca.remove());
    return ca;
  }

  /** An Okta stand-in over TLS with `events` to collect. */
  async function tlsOkta(tls: OktaLogServerOptions['tls'], events: number) {
    const server = await okta({ tls });
    server.generate(events);
    return server;
  }

  /** Waits for the collector to fail to reach `server`, which has had no request; its status. */
  async function refusedBeforeSending(h: CollectorHarness, server: OktaLogServer) {
    await eventually(() => h.logs.find((line) => line.msg === 'Failed to fetch Okta system logs'));
    expect(server.requests).toHaveLength(0);
    const [status] = await h.status();
    expect(status).toMatchObject({ state: 'running', collected: 0 });
    expect(status!.lastError).not.toContain('test-okta-token');
    return status!;
  }

  it('trusts a custom CA and presents a client certificate (encrypted key) to a server that asks', async () => {
    const ca = await certificateAuthority();
    const server = await tlsOkta(
      { certFile: ca.server.certFile, keyFile: ca.server.keyFile, clientCa: ca.caFile },
      7,
    );
    const h = await harness();
    const tls = `tls: { ca: ${ca.caFile}, cert: ${ca.client.certFile}, key: ${ca.client.encryptedKeyFile}, keyPassword: "${ca.client.passphrase}" }`;
    h.start(`${oktaConfig(server.url)}    ${tls}\n`);
    await eventually(async () => (await collected(h)) === 7);
    expect(h.logText).not.toContain(ca.client.passphrase);
  });

  it('does not send its token to a server whose certificate it cannot verify, and says so', async () => {
    const ca = await certificateAuthority();
    const server = await tlsOkta({ certFile: ca.server.certFile, keyFile: ca.server.keyFile }, 3);
    const h = await harness();
    h.start(oktaConfig(server.url));
    const status = await refusedBeforeSending(h, server);
    expect(status.lastError).toMatch(/could not be reached: .*certificate/i);
  });

  it('refuses a client without the certificate the server asks for', async () => {
    const ca = await certificateAuthority();
    const server = await tlsOkta(
      { certFile: ca.server.certFile, keyFile: ca.server.keyFile, clientCa: ca.caFile },
      3,
    );
    const h = await harness();
    h.start(`${oktaConfig(server.url)}    tls: { ca: ${ca.caFile} }\n`);
    await eventually(() => h.logs.find((line) => line.msg === 'Failed to fetch Okta system logs'));
    expect((await h.status())[0]!.collected).toBe(0);
  });

  it('with verifyCertificate: false, collects from a server whose certificate comes from a CA it was not given', async () => {
    const serverCa = await certificateAuthority();
    const givenCa = await certificateAuthority();
    const server = await tlsOkta(
      { certFile: serverCa.server.certFile, keyFile: serverCa.server.keyFile },
      6,
    );
    const h = await harness();

    // Verifying (the default), the server is refused before the token goes out.
    h.start(oktaConfig(server.url, { tls: `{ ca: ${givenCa.caFile} }` }));
    const refused = await refusedBeforeSending(h, server);
    expect(refused.lastError).toMatch(/could not be reached: .*certificate/i);
    await h.stopCollectors();

    h.start(oktaConfig(server.url, { tls: `{ ca: ${givenCa.caFile}, verifyCertificate: false }` }));
    await eventually(async () => (await collected(h)) === 6);
    expect(logsRequests(server)[0]!.headers.authorization).toBe('SSWS test-okta-token');
  });

  it('with verifyHostname: false, collects from a server whose certificate names another host; by default refuses it', async () => {
    const ca = await certificateAuthority();
    const elsewhere = await ca.serverFor('okta.elsewhere.test');
    const server = await tlsOkta({ certFile: elsewhere.certFile, keyFile: elsewhere.keyFile }, 4);
    const h = await harness();

    // The certificate is signed by the CA it trusts, but is not for 127.0.0.1.
    h.start(oktaConfig(server.url, { tls: `{ ca: ${ca.caFile} }` }));
    const refused = await refusedBeforeSending(h, server);
    expect(refused.lastError).toMatch(
      /could not be reached: .*(ERR_TLS_CERT_ALTNAME_INVALID|does not match certificate's altnames)/,
    );
    await h.stopCollectors();

    h.start(oktaConfig(server.url, { tls: `{ ca: ${ca.caFile}, verifyHostname: false }` }));
    await eventually(async () => (await collected(h)) === 4);
  });

  it('with verifyHostname: false, still refuses a certificate from a CA it does not trust', async () => {
    const ca = await certificateAuthority();
    const server = await tlsOkta({ certFile: ca.server.certFile, keyFile: ca.server.keyFile }, 3);
    const h = await harness();
    h.start(oktaConfig(server.url, { tls: '{ verifyHostname: false }' }));
    const status = await refusedBeforeSending(h, server);
    expect(status.lastError).toMatch(/could not be reached: .*certificate/i);
  });
});
