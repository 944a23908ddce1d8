// The audit API over a real journal, with tokens from the real OpenID provider sandbox.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { get as httpsGet } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi, startApiServer } from '../../src/api/index.js';
import { createAuditReader, openJournal, type Journal } from '../../src/audit/index.js';
import { createTokenVerifier } from '../../src/identity/index.js';
import { silentLogger } from '../../src/log/index.js';
import { startOidcProvider, type OidcSandbox } from '../../src/sandbox/oidc-provider.js';
import { openStore, type Store } from '../../src/store/index.js';
import { testCertificate } from '../support/tls.js';

let dir: string;
let store: Store;
let journal: Journal;
let oidc: OidcSandbox;
let app: FastifyInstance;
let health: { status?: 'ok' | 'degraded' | 'unavailable'; listeners: object } = { listeners: {} };
let adminToken: string;

const actor = {
  subject: 'billing-agent',
  name: 'billing-agent',
  provider: 'test-idp',
  groups: ['agents-db'],
  kind: 'agent' as const,
};

async function get(url: string, token: string | null = adminToken) {
  const response = await app.inject({
    method: 'GET',
    url,
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  return { status: response.statusCode, headers: response.headers, body: response.json() };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'warden-api-'));
  store = await openStore({ url: `sqlite:${join(dir, 'warden.db')}`, synchronous: 'normal' });
  journal = await openJournal(store);
  oidc = await startOidcProvider({
    audience: 'api://warden',
    clients: [
      { clientId: 'auditor', clientSecret: 'a', groups: ['warden-admins'] },
      { clientId: 'agent', clientSecret: 'b', groups: ['agents-db'] },
    ],
  });
  const verifier = createTokenVerifier({
    providers: [
      {
        name: 'test-idp',
        preset: 'oidc',
        issuer: oidc.issuer,
        audience: ['api://warden'],
        groupsClaim: 'groups',
        algorithms: ['RS256'],
        nameClaims: ['name'],
        clientIdClaims: ['client_id'],
        jwksUri: null,
      },
    ],
    adminGroups: [{ group: 'warden-admins' }],
    clockSkewSeconds: 30,
  });
  app = await buildApi({
    listen: { host: '127.0.0.1', port: 0 },
    tls: null,
    verifyToken: (token) => verifier.verify(token),
    adminGroups: [{ group: 'warden-admins' }],
    reader: createAuditReader(store),
    health: () => health,
    logger: silentLogger(),
  });
  adminToken = await oidc.clientCredentialsToken('auditor', 'a');

  // Three sessions on two connections, each with one statement and an end.
  for (const [index, connection] of ['pg-prod', 'pg-prod', 'pg-staging'].entries()) {
    const sessionId = `session-${index}`;
    const common = { actor, sessionId, connection: { name: connection, type: 'postgres' } };
    await journal.append({
      ...common,
      type: 'session.start',
      time: `2026-11-21T09:0${index}:00.000Z`,
      authorization: { group: 'agents-db', rule: `${connection}.allow[0]` },
    });
    const request = { command: `SELECT ${index}`, statementIndex: 1, protocol: 'simple' };
    await journal.append({ ...common, type: 'db.query.start', request });
    await journal.append({
      ...common,
      type: 'db.query',
      request,
      response: { rows: 1, bytes: 10, sample: String(index), truncated: false },
      outcome: { result: 'success', error: null, durationMs: 0.5 },
    });
    await journal.append({
      ...common,
      type: 'session.end',
      outcome: { result: 'success', error: null },
    });
  }
});

afterAll(async () => {
  await app?.close();
  await journal?.close();
  await store?.close();
  await oidc?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('audit API over TLS', () => {
  it('serves HTTPS with the configured certificate', async () => {
    const certificate = await testCertificate();
    const server = await startApiServer({
      listen: { host: '127.0.0.1', port: 0 },
      tls: { cert: certificate.certFile, key: certificate.keyFile },
      verifyToken: () => Promise.reject(new Error('unused')),
      adminGroups: [],
      reader: createAuditReader(store),
      health: () => ({}),
      logger: silentLogger(),
    });
    try {
      expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const ca = await readFile(certificate.certFile);
      const status = await new Promise<number | undefined>((resolve, reject) =>
        httpsGet(`${server.url}/healthz`, { ca }, (response) => {
          response.resume();
          resolve(response.statusCode);
        }).on('error', reject),
      );
      expect(status).toBe(200);
    } finally {
      await server.close();
      await certificate.remove();
    }
  });
});

describe('audit API', () => {
  it('answers /healthz without a token', async () => {
    const response = await get('/healthz', null);
    expect(response.status).toBe(200);
    expect(response.body.status).toBe('ok');
  });

  it('answers /healthz with 503 while the gateway cannot record', async () => {
    health = { status: 'unavailable', listeners: {} };
    try {
      const response = await get('/healthz', null);
      expect(response.status).toBe(503);
      expect(response.body.status).toBe('unavailable');
    } finally {
      health = { listeners: {} };
    }
  });

  it('refuses a missing token (401), a bad token (401) and a non-admin (403)', async () => {
    const missing = await get('/api/v1/sessions', null);
    expect(missing.status).toBe(401);
    expect(missing.headers['www-authenticate']).toContain('Bearer');
    const forged = `${adminToken.slice(0, -4)}AAAA`;
    const bad = await get('/api/v1/sessions', forged);
    expect(bad.status).toBe(401);
    expect(JSON.stringify(bad.body)).not.toContain(forged);
    const agent = await get('/api/v1/sessions', await oidc.clientCredentialsToken('agent', 'b'));
    expect(agent.status).toBe(403);
    expect(agent.body.error.message).toContain('agent');
  });

  it('lists sessions newest first, filtered, paged with a Link header', async () => {
    const all = await get('/api/v1/sessions');
    expect(all.body.sessions.map((s: { id: string }) => s.id)).toEqual([
      'session-2',
      'session-1',
      'session-0',
    ]);
    const prod = await get('/api/v1/sessions?connection=pg-prod&limit=1');
    expect(prod.body.sessions.map((s: { id: string }) => s.id)).toEqual(['session-1']);
    const link = String(prod.headers.link);
    const next = /<([^>]+)>; rel="next"/.exec(link)?.[1];
    expect(next).toBeDefined();
    const page2 = await get(next!);
    expect(page2.body.sessions.map((s: { id: string }) => s.id)).toEqual(['session-0']);
    const since = await get('/api/v1/sessions?since=2026-11-21T09:01:00Z');
    expect(since.body.sessions.map((s: { id: string }) => s.id)).toEqual([
      'session-2',
      'session-1',
    ]);
  });

  it('shows one session with its events in order and statements paired with results', async () => {
    const detail = await get('/api/v1/sessions/session-1');
    expect(detail.status).toBe(200);
    expect(detail.body.events.map((e: { type: string }) => e.type)).toEqual([
      'session.start',
      'db.query.start',
      'db.query',
      'session.end',
    ]);
    expect(detail.body.statements[0].command).toBe('SELECT 1');
    expect(detail.body.statements[0].result.response.rows).toBe(1);
    expect(detail.body.nextCursor).toBeNull();
    expect((await get('/api/v1/sessions/no-such-session')).status).toBe(404);

    // A page at a time, following the Link header.
    const first = await get('/api/v1/sessions/session-1?limit=3');
    expect(first.body.events).toHaveLength(3);
    expect(first.body.session.id).toBe('session-1');
    const next = /<([^>]+)>; rel="next"/.exec(String(first.headers.link))?.[1];
    const rest = await get(next!);
    expect(rest.body.events.map((e: { type: string }) => e.type)).toEqual(['session.end']);
    expect(rest.headers.link).toBeUndefined();
    expect((await get('/api/v1/sessions/session-1?limit=0')).status).toBe(400);
  });

  it('serves raw events by type and after a seq, with a next link', async () => {
    const starts = await get('/api/v1/events?type=session.start');
    expect(starts.body.events).toHaveLength(3);
    const firstTwo = await get('/api/v1/events?limit=2');
    expect(firstTwo.body.events.map((e: { seq: number }) => e.seq)).toEqual([1, 2]);
    const next = /<([^>]+)>; rel="next"/.exec(String(firstTwo.headers.link))?.[1];
    const after = await get(next!);
    expect(after.body.events[0].seq).toBe(3);
  });

  it('answers bad parameters with 400 naming the parameter', async () => {
    const limit = await get('/api/v1/sessions?limit=5000');
    expect(limit.status).toBe(400);
    expect(limit.body.error.message).toContain('limit');
    const since = await get('/api/v1/events?since=yesterday');
    expect(since.status).toBe(400);
    expect(since.body.error.message).toContain('since');
    const unknown = await get('/api/v1/events?colour=red');
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toBe('querystring.colour: unknown parameter');
  });
});
