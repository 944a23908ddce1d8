// The collectors API and /healthz of a real gateway (its config loaded from warden.yaml, the API
// server, the collectors' loops with their real pauses), collecting from the Okta and Entra
// stand-ins, with tokens from the real OpenID provider sandbox.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CollectorStatus } from '../../src/collectors/index.js';
import { loadConfig } from '../../src/config/index.js';
import { startGateway } from '../../src/gateway/index.js';
import type { EntraGraphServer } from '../../src/sandbox/entra-graph-server.js';
import type { OidcSandbox } from '../../src/sandbox/oidc-provider.js';
import type { OktaLogServer } from '../../src/sandbox/okta-log-server.js';
import { capturedLogger } from '../support/captured-logger.js';
import { cleanupsAfterEach } from '../support/cleanups.js';
import { eventually } from '../support/eventually.js';
import { startEntra, startOkta } from '../support/log-stand-ins.js';
import { startApiOidc } from './journal-api.js';

const OKTA_TOKEN = 'okta-api-token-never-shown-0123';
const ENTRA_SECRET = 'entra-client-secret-never-shown-4567';
const tenantId = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const clientId = '5d3e1a2b-0c4f-4e6a-9b8d-7f1e2d3c4b5a';
const MINUTE_MS = 60_000;

let oidc: OidcSandbox;
let adminToken: string;
const addCleanup = cleanupsAfterEach();

beforeAll(async () => {
  ({ oidc, adminToken } = await startApiOidc());
});

afterAll(async () => {
  await oidc?.close();
});

/** What the collectors routes answer (each answer has some of it; /healthz has its own). */
interface Body {
  collectors: CollectorStatus[];
  collector: CollectorStatus;
  error: { code: string; message: string };
}

interface Answer {
  status: number;
  text: string;
  body: Body;
}

interface World {
  okta: OktaLogServer;
  entra: EntraGraphServer;
  /** Every answer of the API so far, as sent: none may hold a credential. */
  answers: string[];
  /** Every line the gateway logged. */
  logLines: string[];
  get(path: string, token?: string | null): Promise<Answer>;
  post(path: string, token?: string | null): Promise<Answer>;
  collector(name: string): Promise<CollectorStatus>;
}

/**
 * A gateway with two collectors: `okta-main` (an API token; its first request answered 400, so
 * it halts) and `entra` (a client secret), each with events waiting at its stand-in.
 */
async function startWorld(): Promise<World> {
  const okta = await startOkta(addCleanup, { apiTokens: [OKTA_TOKEN] });
  okta.generate(8);
  okta.faults.next(1, { status: 400 });
  const entra = await startEntra(addCleanup, {
    tenantId,
    clients: [{ clientId, secret: ENTRA_SECRET }],
  });
  entra.generate('signIns', 3, { at: (i) => new Date(Date.now() - 10 * MINUTE_MS + i * 1000) });

  const dir = await mkdtemp(join(tmpdir(), 'warden-collectors-api-'));
  addCleanup(() => rm(dir, { recursive: true, force: true }));
  const startFrom = new Date(Date.now() - 60 * MINUTE_MS).toISOString();
  const configPath = join(dir, 'warden.yaml');
  await writeFile(
    configPath,
    `store: { url: sqlite:./warden.db }
api: { listen: 127.0.0.1:0 }
identity:
  providers:
    - { name: test-idp, issuer: ${oidc.issuer}, audience: api://warden, groupsClaim: groups }
  adminGroups: [warden-admins]
collectors:
  - name: okta-main
    type: okta
    domain: company.okta.com
    url: "${okta.url}"
    interval: 10
    startFrom: "${startFrom}"
    auth: { token: "\${OKTA_API_TOKEN}" }
  - name: entra
    type: entra
    tenantId: ${tenantId}
    clientId: ${clientId}
    clientSecret: "\${ENTRA_CLIENT_SECRET}"
    url: "${entra.url}"
    loginUrl: "${entra.url}"
    logs: [signIns]
    interval: 10
    startFrom: "${startFrom}"
`,
  );
  const config = await loadConfig(configPath, {
    OKTA_API_TOKEN: OKTA_TOKEN,
    ENTRA_CLIENT_SECRET: ENTRA_SECRET,
  });
  const { logger, lines } = capturedLogger();
  const gateway = await startGateway(config, logger);
  addCleanup(() => gateway.close());

  const answers: string[] = [];
  const send = async (method: 'GET' | 'POST', path: string, token: string | null = adminToken) => {
    const response = await fetch(`${gateway.api.url}${path}`, {
      method,
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
    const text = await response.text();
    answers.push(text);
    return { status: response.status, text, body: JSON.parse(text) as Body };
  };
  const world: World = {
    okta,
    entra,
    answers,
    logLines: lines,
    get: (path, token) => send('GET', path, token),
    post: (path, token) => send('POST', path, token),
    async collector(name) {
      const { body } = await world.get('/api/v1/collectors');
      return body.collectors.find((collector) => collector.name === name)!;
    },
  };
  return world;
}

function expectNoCredential(world: World): void {
  expect(world.answers.length).toBeGreaterThan(0);
  for (const text of [...world.answers, ...world.logLines]) {
    expect(text).not.toContain(OKTA_TOKEN);
    expect(text).not.toContain(ENTRA_SECRET);
  }
}

describe('GET /api/v1/collectors and POST /api/v1/collectors/:name/resume', () => {
  it('shows a halted collector and why, /healthz degraded; resumed, it collects and /healthz is ok again', async () => {
    const world = await startWorld();
    const halted = await eventually(async () => {
      const okta = await world.collector('okta-main');
      return okta.state === 'halted' && okta;
    });
    expect(halted).toMatchObject({
      name: 'okta-main',
      type: 'okta',
      collected: 0,
      lastSuccessAt: null,
      resumeRequested: false,
    });
    expect(halted.haltedReason).toMatch(
      /^Bad request - check API parameters: E0000001 Api validation failed/,
    );
    expect(halted.haltedAt).not.toBeNull();
    const entra = await eventually(async () => {
      const status = await world.collector('entra');
      return status.collected === 3 && status;
    });
    expect(entra).toMatchObject({ type: 'entra', state: 'running', haltedReason: null });

    const list = await world.get('/api/v1/collectors');
    expect(list.status).toBe(200);
    expect(list.body.collectors.map((c) => c.name)).toEqual(['okta-main', 'entra']);

    const degraded = await world.get('/healthz', null);
    expect(degraded.status).toBe(200);
    expect(degraded.body).toMatchObject({
      status: 'degraded',
      collectors: {
        'okta-main': { state: 'halted', reason: halted.haltedReason },
        entra: { state: 'running' },
      },
    });

    // Halted, it asks nothing more of Okta.
    const requestsWhenHalted = world.okta.requests.length;
    expect(requestsWhenHalted).toBe(1);

    const resumed = await world.post('/api/v1/collectors/okta-main/resume');
    expect(resumed.status).toBe(202);
    expect(resumed.body.collector).toMatchObject({ name: 'okta-main', type: 'okta' });
    // Noted as asked for, unless the gateway took it up before the answer was written.
    const { state, resumeRequested } = resumed.body.collector;
    expect(state === 'running' || (state === 'halted' && resumeRequested)).toBe(true);

    const running = await eventually(async () => {
      const okta = await world.collector('okta-main');
      return okta.collected === 8 && okta;
    });
    expect(running).toMatchObject({ state: 'running', haltedReason: null, resumeRequested: false });
    expect(running.lastSuccessAt).not.toBeNull();
    expect(world.okta.requests.length).toBeGreaterThan(requestsWhenHalted);
    for (const request of world.okta.requests)
      expect(request.headers.authorization).toBe(`SSWS ${OKTA_TOKEN}`);

    const ok = await world.get('/healthz', null);
    expect(ok.body).toMatchObject({
      status: 'ok',
      collectors: { 'okta-main': { state: 'running' }, entra: { state: 'running' } },
    });
    expectNoCredential(world);
  });

  it('answers 404 with a clear error for an unknown collector, and 202 leaving a running one as it is', async () => {
    const world = await startWorld();
    const unknown = await world.post('/api/v1/collectors/no-such-collector/resume');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({
      error: { code: 'not_found', message: 'no collector named "no-such-collector"' },
    });

    await eventually(async () => (await world.collector('entra')).collected === 3);
    const running = await world.post('/api/v1/collectors/entra/resume');
    expect(running.status).toBe(202);
    expect(running.body.collector).toMatchObject({
      name: 'entra',
      state: 'running',
      resumeRequested: false,
    });
    expectNoCredential(world);
  });

  it('is for admins only: 401 without a token, 403 for a non-admin, and nothing is resumed', async () => {
    const world = await startWorld();
    await eventually(async () => (await world.collector('okta-main')).state === 'halted');
    const agentToken = await oidc.clientCredentialsToken('agent', 'b');

    expect((await world.get('/api/v1/collectors', null)).status).toBe(401);
    expect((await world.get('/api/v1/collectors', agentToken)).status).toBe(403);
    expect((await world.post('/api/v1/collectors/okta-main/resume', null)).status).toBe(401);
    const refused = await world.post('/api/v1/collectors/okta-main/resume', agentToken);
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('forbidden');

    expect(await world.collector('okta-main')).toMatchObject({
      state: 'halted',
      resumeRequested: false,
    });
    expectNoCredential(world);
  });
});
