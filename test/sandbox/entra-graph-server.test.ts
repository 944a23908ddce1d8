import { randomUUID, X509Certificate, createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { importPKCS8, SignJWT } from 'jose';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import {
  EntraGraphServer,
  type EntraGraphServerOptions,
} from '../../src/sandbox/entra-graph-server.js';
import {
  graphSignIn,
  type GraphDirectoryAudit,
  type GraphServicePrincipalSignIn,
  type GraphSignIn,
} from '../../src/sandbox/entra-log-entries.js';
import { testCertificateAuthority } from '../support/certificate-authority.js';
import { cleanupsAfterEach } from '../support/cleanups.js';
import { startEntra } from '../support/log-stand-ins.js';

const addCleanup = cleanupsAfterEach();
const tenantId = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const clientId = '11111111-2222-3333-4444-555555555555';
const secret = 'Qx8~s3cr3t';
const graphScope = 'https://graph.microsoft.com/.default';
const secondsAgo = (seconds: number) => new Date(Date.now() - seconds * 1000);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const entra = (options: Partial<EntraGraphServerOptions> = {}) =>
  startEntra(addCleanup, { tenantId, clients: [{ clientId, secret }], ...options });

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
}

async function postToken(url: string, form: Record<string, string>): Promise<Answer> {
  const response = await request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
  return {
    status: response.statusCode,
    headers: response.headers,
    body: (await response.body.json()) as Record<string, unknown>,
  };
}

async function accessToken(server: EntraGraphServer, client = clientId): Promise<string> {
  const answer = await postToken(server.tokenUrl, {
    grant_type: 'client_credentials',
    client_id: client,
    client_secret: secret,
    scope: graphScope,
  });
  expect(answer.status).toBe(200);
  return answer.body.access_token as string;
}

async function graph(url: string, token: string | null): Promise<Answer> {
  const response = await request(url, {
    headers: token === null ? {} : { authorization: `Bearer ${token}` },
  });
  return {
    status: response.statusCode,
    headers: response.headers,
    body: (await response.body.json()) as Record<string, unknown>,
  };
}

/** Every page from `url` on: the entries in order and the number of pages. */
async function allPages<T>(url: string, token: string): Promise<{ entries: T[]; pages: number }> {
  const entries: T[] = [];
  let pages = 0;
  for (let next: string | undefined = url; next !== undefined; pages++) {
    const page = await graph(next, token);
    expect(page.status).toBe(200);
    entries.push(...(page.body.value as T[]));
    next = page.body['@odata.nextLink'] as string | undefined;
  }
  return { entries, pages };
}

function expectAadError(answer: Answer, status: number, error: string, code: number): void {
  expect(answer.status).toBe(status);
  expect(answer.body).toMatchObject({
    error,
    error_codes: [code],
    error_description: expect.stringMatching(new RegExp(`^AADSTS${code}: `)),
    trace_id: expect.any(String),
    correlation_id: expect.any(String),
    timestamp: expect.any(String),
  });
}

function expectGraphError(answer: Answer, status: number, code: string): void {
  expect(answer.status).toBe(status);
  expect(answer.body).toEqual({
    error: {
      code,
      message: expect.any(String),
      innerError: {
        date: expect.any(String),
        'request-id': expect.any(String),
        'client-request-id': expect.any(String),
      },
    },
  });
}

describe('entra graph server: token endpoint', () => {
  it('issues tokens for a client secret, with Entra’s errors otherwise', async () => {
    const server = await entra();
    const form = { grant_type: 'client_credentials', client_id: clientId, scope: graphScope };
    const granted = await postToken(server.tokenUrl, { ...form, client_secret: secret });
    expect(granted).toMatchObject({
      status: 200,
      body: { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599 },
    });
    expect(granted.body.access_token).toEqual(expect.any(String));
    const wrong = await postToken(server.tokenUrl, { ...form, client_secret: 'nope' });
    expectAadError(wrong, 401, 'invalid_client', 7000215);
    expect(wrong.body.error_description).toContain(`secret added to app '${clientId}'`);
    const otherTenant = `${server.url}/00000000-0000-0000-0000-000000000000/oauth2/v2.0/token`;
    expectAadError(
      await postToken(otherTenant, { ...form, client_secret: secret }),
      400,
      'invalid_request',
      90002,
    );
    expectAadError(
      await postToken(server.tokenUrl, { ...form, client_id: randomUUID(), client_secret: secret }),
      400,
      'unauthorized_client',
      700016,
    );
    expectAadError(
      await postToken(server.tokenUrl, {
        ...form,
        scope: 'AuditLog.Read.All',
        client_secret: secret,
      }),
      400,
      'invalid_scope',
      70011,
    );
    expectAadError(await postToken(server.tokenUrl, form), 401, 'invalid_client', 7000218);
  });

  it('issues tokens for a client assertion signed with the registered certificate’s key', async () => {
    const ca = await testCertificateAuthority('warden-collector');
    addCleanup(() => ca.remove());
    const certificatePem = readFileSync(ca.client.certFile, 'utf8');
    const server = await entra({ clients: [{ clientId, certificatePem }] });
    const key = await importPKCS8(readFileSync(ca.client.keyFile, 'utf8'), 'RS256');
    const der = new X509Certificate(certificatePem).raw;
    const sha256 = createHash('sha256').update(der).digest('base64url');
    const sha1 = createHash('sha1').update(der).digest('base64url');
    const assertion = (header: Record<string, string>, audience = server.tokenUrl) =>
      new SignJWT({ jti: randomUUID() })
        .setProtectedHeader({ alg: 'RS256', typ: 'JWT', ...header })
        .setIssuer(clientId)
        .setSubject(clientId)
        .setAudience(audience)
        .setNotBefore('0s')
        .setIssuedAt()
        .setExpirationTime('10m')
        .sign(key);
    const exchange = async (jwt: string) =>
      postToken(server.tokenUrl, {
        grant_type: 'client_credentials',
        client_id: clientId,
        scope: graphScope,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: jwt,
      });

    const refusal = async (jwt: string, code: number, reason: string) => {
      const answer = await exchange(jwt);
      expectAadError(answer, 401, 'invalid_client', code);
      expect(answer.body.error_description).toContain(reason);
    };
    const jwt = await assertion({ 'x5t#S256': sha256 });
    expect((await exchange(jwt)).status).toBe(200);
    await refusal(jwt, 50027, 'already been used');
    expect((await exchange(await assertion({ x5t: sha1 }))).status).toBe(200);
    await refusal(await assertion({ 'x5t#S256': sha1 }), 700027, 'The key was not found');
    await refusal(await assertion({}), 700027, 'The key was not found');
    const elsewhere = await assertion({ 'x5t#S256': sha256 }, 'https://login.example/token');
    await refusal(elsewhere, 50027, 'audience');
    const secretless = await postToken(server.tokenUrl, {
      grant_type: 'client_credentials',
      client_id: clientId,
      scope: graphScope,
      client_secret: 'anything',
    });
    expectAadError(secretless, 401, 'invalid_client', 7000215);
  });
});

describe('entra graph server: audit logs', () => {
  it('requires a valid, unexpired token', async () => {
    const server = await entra();
    const signIns = `${server.url}/v1.0/auditLogs/signIns`;
    expectGraphError(await graph(signIns, null), 401, 'InvalidAuthenticationToken');
    expectGraphError(await graph(signIns, 'not-a-token'), 401, 'InvalidAuthenticationToken');
    const token = await accessToken(server);
    expect((await graph(signIns, token)).status).toBe(200);
    server.tokens.expireAll();
    expectGraphError(await graph(signIns, token), 401, 'InvalidAuthenticationToken');
  });

  it('pages newest first with absolute next links, none after the last page', async () => {
    const server = await entra();
    const generated = server.generate('signIns', 25, { at: (i) => secondsAgo(100 - i) });
    const token = await accessToken(server);
    const first = await graph(`${server.url}/v1.0/auditLogs/signIns?$top=10`, token);
    expect(first.body['@odata.context']).toBe(
      'https://graph.microsoft.com/v1.0/$metadata#auditLogs/signIns',
    );
    const next = new URL(first.body['@odata.nextLink'] as string);
    expect(next.origin).toBe(server.url);
    expect(next.searchParams.get('$skiptoken')).toEqual(expect.any(String));
    const { entries, pages } = await allPages<GraphSignIn>(
      `${server.url}/v1.0/auditLogs/signIns?$top=10`,
      token,
    );
    expect(pages).toBe(3);
    expect(entries.map((e) => e.id)).toEqual(generated.map((e) => e.id).reverse());
  });

  it('keeps the first page’s snapshot: entries arriving meanwhile neither repeat nor push others out', async () => {
    const server = await entra();
    const before = server.generate('directoryAudits', 6, { at: (i) => secondsAgo(60 - i) });
    const token = await accessToken(server);
    const first = await graph(`${server.url}/v1.0/auditLogs/directoryAudits?$top=3`, token);
    server.generate('directoryAudits', 2, { at: () => secondsAgo(1) });
    server.generate('directoryAudits', 2, { at: () => secondsAgo(58) });
    const rest = await allPages<GraphDirectoryAudit>(
      first.body['@odata.nextLink'] as string,
      token,
    );
    const seen = [...(first.body.value as GraphDirectoryAudit[]), ...rest.entries];
    expect(seen.map((e) => e.id)).toEqual(before.map((e) => e.id).reverse());
  });

  it('filters on the time field, and refuses other filters and pages over 1000', async () => {
    const server = await entra();
    const at = (i: number) => new Date(Date.UTC(2026, 10, 21, 9, i));
    const audits = server.generate('directoryAudits', 10, { at });
    server.generate('signIns', 10, { at });
    const token = await accessToken(server);
    const filter = (text: string) => encodeURIComponent(text);
    const window = await graph(
      `${server.url}/v1.0/auditLogs/directoryAudits?$filter=${filter(
        'activityDateTime ge 2026-11-21T09:02:00Z and activityDateTime lt 2026-11-21T09:05:00Z',
      )}`,
      token,
    );
    expect((window.body.value as GraphDirectoryAudit[]).map((e) => e.id)).toEqual(
      [4, 3, 2].map((i) => audits[i]!.id),
    );
    const exclusive = await graph(
      `${server.url}/v1.0/auditLogs/directoryAudits?$filter=${filter(
        'activityDateTime gt 2026-11-21T09:07:00.000Z and activityDateTime le 2026-11-21T09:08:00Z',
      )}`,
      token,
    );
    expect((exclusive.body.value as GraphDirectoryAudit[]).map((e) => e.id)).toEqual([
      audits[8]!.id,
    ]);
    const signIns = `${server.url}/v1.0/auditLogs/signIns`;
    for (const unsupported of [
      'activityDateTime ge 2026-11-21T09:02:00Z',
      "createdDateTime ge '2026-11-21T09:02:00Z'",
      "userPrincipalName eq 'adele.vance@contoso.com'",
      'createdDateTime ge 2026-11-21T09:02:00Z or createdDateTime le 2026-11-21T09:05:00Z',
    ])
      expectGraphError(
        await graph(`${signIns}?$filter=${filter(unsupported)}`, token),
        400,
        'Request_UnsupportedQuery',
      );
    expect((await graph(`${signIns}?$top=1001`, token)).status).toBe(400);
    expect((await graph(`${signIns}?$top=1000`, token)).status).toBe(200);
  });

  it('shows an entry from its arrival on, whatever its time', async () => {
    const server = await entra();
    const token = await accessToken(server);
    const [late] = server.generate('signIns', 1, { at: () => secondsAgo(20 * 60) });
    server.add('signIns', [{ ...late!, id: randomUUID() }], {
      arrivesAt: new Date(Date.now() + 150),
    });
    const url = `${server.url}/v1.0/auditLogs/signIns`;
    expect((await graph(url, token)).body.value).toHaveLength(1);
    await sleep(200);
    expect((await graph(url, token)).body.value).toHaveLength(2);
  });

  it('serves service principal sign-ins on beta with the signInEventTypes filter only', async () => {
    const server = await entra();
    const token = await accessToken(server);
    const [user] = server.generate('signIns', 1);
    const app = { appId: randomUUID(), servicePrincipalId: randomUUID(), name: 'warden-collector' };
    const signIn = server.servicePrincipalSignIn({ ...app, at: secondsAgo(5) });
    expect(signIn).toMatchObject({
      appId: app.appId,
      servicePrincipalId: app.servicePrincipalId,
      servicePrincipalName: 'warden-collector',
      signInEventTypes: ['servicePrincipal'],
      userId: null,
      status: { errorCode: 0 },
    });
    const clause = encodeURIComponent(
      `createdDateTime ge ${secondsAgo(60).toISOString()} and signInEventTypes/any(t: t eq 'servicePrincipal')`,
    );
    const principals = await graph(`${server.url}/beta/auditLogs/signIns?$filter=${clause}`, token);
    expect(principals.body['@odata.context']).toBe(
      'https://graph.microsoft.com/beta/$metadata#auditLogs/signIns',
    );
    expect(principals.body.value).toEqual([signIn]);
    const users = await graph(`${server.url}/beta/auditLogs/signIns`, token);
    expect(users.body.value).toEqual([user]);
    expectGraphError(
      await graph(`${server.url}/v1.0/auditLogs/signIns?$filter=${clause}`, token),
      400,
      'Request_UnsupportedQuery',
    );
  });
});

describe('entra graph server: throttling and faults', () => {
  it('throttles each client app with 429 and Retry-After', async () => {
    const other = randomUUID();
    const server = await entra({
      clients: [
        { clientId, secret },
        { clientId: other, secret },
      ],
      throttle: { requests: 3, perSeconds: 10 },
    });
    const [token, otherToken] = [await accessToken(server), await accessToken(server, other)];
    const url = `${server.url}/v1.0/auditLogs/signIns`;
    const statuses = [];
    for (let n = 0; n < 4; n++) statuses.push((await graph(url, token)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const throttled = await graph(url, token);
    expectGraphError(throttled, 429, 'TooManyRequests');
    expect(Number(throttled.headers['retry-after'])).toBeGreaterThanOrEqual(9);
    expect((await graph(url, otherToken)).status).toBe(200);
  });

  it('answers faults with Graph’s and Entra’s bodies', async () => {
    const server = await entra();
    const token = await accessToken(server);
    const url = `${server.url}/v1.0/auditLogs/signIns`;
    server.faults.unavailable(1).next(1, { status: 429 }).throttle(1, '7');
    expectGraphError(await graph(url, token), 503, 'ServiceUnavailable');
    expect((await graph(url, token)).headers['retry-after']).toBe('1');
    expect((await graph(url, token)).headers['retry-after']).toBe('7');
    expect((await graph(url, token)).status).toBe(200);
    server.tokenFaults.unavailable(1, 500);
    const failed = await postToken(server.tokenUrl, {
      grant_type: 'client_credentials',
      client_id: clientId,
      client_secret: secret,
      scope: graphScope,
    });
    expectAadError(failed, 500, 'temporarily_unavailable', 90033);
  });
});

describe('entra graph server: entries', () => {
  it('generates realistic mixes with Entra’s error codes', async () => {
    const server = await entra();
    const signIns = server.generate('signIns', 1500) as GraphSignIn[];
    const codes = new Set(signIns.map((e) => e.status.errorCode));
    for (const code of [0, 50126, 50053, 50074, 53003]) expect(codes).toContain(code);
    expect(signIns.filter((e) => e.status.errorCode === 0).length / 1500).toBeGreaterThan(0.7);
    expect(new Set(signIns.map((e) => e.id)).size).toBe(1500);
    const principals = server.generate(
      'servicePrincipalSignIns',
      500,
    ) as GraphServicePrincipalSignIn[];
    expect(new Set(principals.map((e) => e.status.errorCode))).toContain(7000215);
    expect(principals.every((e) => e.userId === null && e.servicePrincipalId)).toBe(true);
    const audits = server.generate('directoryAudits', 500) as GraphDirectoryAudit[];
    expect(new Set(audits.map((e) => e.result))).toEqual(
      new Set(['success', 'failure', 'timeout']),
    );
    expect(audits.some((e) => e.initiatedBy.app !== null && e.initiatedBy.user === null)).toBe(
      true,
    );
    expect(new Set(audits.map((e) => e.category)).size).toBeGreaterThanOrEqual(4);
  });

  it('serves a virtual backlog of a million sign-ins made from their index', async () => {
    const server = await entra();
    const start = new Date(Date.now() - 1_000_000_000);
    server.backlog('signIns', 1_000_000, { start, stepMs: 1000 });
    const [added] = server.generate('signIns', 1);
    const token = await accessToken(server);
    const url = `${server.url}/v1.0/auditLogs/signIns`;
    const newest = await graph(url, token);
    const value = newest.body.value as GraphSignIn[];
    expect(value).toHaveLength(1000);
    expect(value[0]).toEqual(added);
    expect(value[1]).toEqual(graphSignIn(999_999, new Date(start.getTime() + 999_999_000)));
    const [from, to] = [500_000, 500_004].map((i) => new Date(start.getTime() + i * 1000));
    const filter = encodeURIComponent(
      `createdDateTime ge ${from!.toISOString()} and createdDateTime le ${to!.toISOString()}`,
    );
    const { entries, pages } = await allPages<GraphSignIn>(
      `${url}?$filter=${filter}&$top=2`,
      token,
    );
    expect(pages).toBe(3);
    expect(entries).toEqual(
      [500_004, 500_003, 500_002, 500_001, 500_000].map((i) =>
        graphSignIn(i, new Date(start.getTime() + i * 1000)),
      ),
    );
  });
});
