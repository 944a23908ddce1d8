import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type {
  EntraGraphServer,
  EntraGraphServerOptions,
} from '../../src/sandbox/entra-graph-server.js';
import { testCertificateAuthority } from '../support/certificate-authority.js';
import { cleanupsAfterEach } from '../support/cleanups.js';
import { CollectorHarness } from '../support/collector-harness.js';
import { eventually } from '../support/eventually.js';
import { startEntra } from '../support/log-stand-ins.js';

const tenantId = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const clientId = '5d3e1a2b-0c4f-4e6a-9b8d-7f1e2d3c4b5a';
const secret = 'entra-client-secret-value';
const MINUTE_MS = 60_000;

const addCleanup = cleanupsAfterEach();

const graph = (options: Partial<EntraGraphServerOptions> = {}) =>
  startEntra(addCleanup, { tenantId, clients: [{ clientId, secret }], ...options });
const harness = () => CollectorHarness.openFor(addCleanup);

function entraConfig(
  url: string,
  { credential = `clientSecret: "${secret}"`, logs = '', lookback = '30m' } = {},
): string {
  return `collectors:
  - name: entra
    type: entra
    tenantId: ${tenantId}
    clientId: ${clientId}
    ${credential}
    url: "${url}"
    loginUrl: "${url}"
    interval: 10
    lookback: ${lookback}
    startFrom: "${new Date(Date.now() - 60 * MINUTE_MS).toISOString()}"
${logs}`;
}

const ids = async (h: CollectorHarness) =>
  (await h.events('idp.entra')).map((event) => (event as { idp?: { id?: string } }).idp?.id);
const graphRequests = (server: EntraGraphServer) =>
  server.requests.filter((request) => request.path.includes('/auditLogs/'));

describe('Entra collector', () => {
  it('reads the three logs through @odata.nextLink, each entry once, as idp.entra', async () => {
    const server = await graph();
    const at = (i: number) => new Date(Date.now() - 50 * MINUTE_MS + i * 1000);
    const signIns = server.generate('signIns', 1500, { at });
    const audits = server.generate('directoryAudits', 30, { at });
    const agent = server.servicePrincipalSignIn({
      appId: '0f2c6a3e-1111-4222-8333-944455556666',
      servicePrincipalId: 'a6a0c2f4-7777-4888-9999-aaaabbbbcccc',
      name: 'billing-agent',
    });
    const h = await harness();
    h.start(entraConfig(server.url));
    await eventually(async () => (await ids(h)).length === 1531);
    expect(new Set(await ids(h))).toEqual(
      new Set([...signIns, ...audits, agent].map((entry) => (entry as { id: string }).id)),
    );

    const requests = graphRequests(server);
    const first = requests.find((request) => request.path === '/v1.0/auditLogs/signIns')!;
    expect(first.query.get('$top')).toBe('1000');
    expect(first.query.get('$filter')).toMatch(
      /^createdDateTime ge \S+ and createdDateTime le \S+$/,
    );
    expect(requests.filter((request) => request.query.has('$skiptoken')).length).toBeGreaterThan(0);
    const beta = requests.find((request) => request.path === '/beta/auditLogs/signIns')!;
    expect(beta.query.get('$filter')).toContain("signInEventTypes/any(t: t eq 'servicePrincipal')");
    expect(
      requests
        .find((request) => request.path === '/v1.0/auditLogs/directoryAudits')!
        .query.get('$filter'),
    ).toMatch(/^activityDateTime ge /);

    const sp = (await h.events('idp.entra')).find(
      (event) => (event as { idp?: { id?: string } }).idp?.id === (agent as { id: string }).id,
    )!;
    expect(sp.actor).toMatchObject({
      subject: 'a6a0c2f4-7777-4888-9999-aaaabbbbcccc',
      clientId: '0f2c6a3e-1111-4222-8333-944455556666',
      kind: 'agent',
      name: 'billing-agent',
    });
    expect(sp.raw).toEqual(agent);
  });

  it('collects entries that arrive late within the look-back, and none twice, also after a restart', async () => {
    const server = await graph();
    server.generate('signIns', 20, { at: (i) => new Date(Date.now() - 40 * MINUTE_MS + i * 1000) });
    const h = await harness();
    h.start(entraConfig(server.url, { logs: '    logs: [signIns]\n' }));
    await eventually(async () => (await ids(h)).length === 20);
    // Created ten minutes ago, arriving only now: inside the 30 min look-back of the next cycles.
    const late = server.generate('signIns', 3, { at: () => new Date(Date.now() - 10 * MINUTE_MS) });
    await eventually(async () => (await ids(h)).length === 23);
    // Several more cycles re-read the look-back: nothing is stored twice.
    const cycles = graphRequests(server).length;
    await eventually(() => graphRequests(server).length >= cycles + 3);
    expect(await ids(h)).toHaveLength(23);
    expect((await ids(h)).slice(20).sort()).toEqual(late.map((entry) => entry.id).sort());

    await h.restart();
    const restarted = graphRequests(server).length;
    h.start(entraConfig(server.url, { logs: '    logs: [signIns]\n' }));
    await eventually(() => graphRequests(server).length >= restarted + 2);
    expect(await ids(h)).toHaveLength(23);
    const checkpoints = await h.events('collector.checkpoint');
    expect(checkpoints.at(-1)).toMatchObject({ collector: { name: 'entra', collected: 23 } });
  });

  it("waits for Graph's Retry-After when throttled", async () => {
    const server = await graph();
    server.generate('directoryAudits', 5);
    server.faults.next(1, { status: 429, headers: { 'retry-after': '17' } });
    const h = await harness();
    h.start(entraConfig(server.url, { logs: '    logs: [directoryAudits]\n' }));
    await eventually(async () => (await ids(h)).length === 5);
    expect(h.messages()).toContain('Rate limit exceeded - will retry');
    expect(h.pauses.some((ms) => ms >= 17_000)).toBe(true);
  });

  it('halts when the secret is refused or the app lacks the permission, saying which', async () => {
    const server = await graph();
    server.generate('signIns', 2);
    const h = await harness();
    h.start(entraConfig(server.url, { credential: 'clientSecret: "not-the-secret"' }));
    const halted = await eventually(async () => {
      const [status] = await h.status();
      return status!.state === 'halted' && status;
    });
    expect(halted.haltedReason).toMatch(
      /^Entra's token endpoint answered 401: invalid_client: AADSTS7000215/,
    );
    expect(h.logText).not.toContain('not-the-secret');
    await h.stopCollectors();

    server.faults.next(1, { status: 403 });
    h.start(entraConfig(server.url));
    const forbidden = await eventually(async () => {
      const [status] = await h.status();
      return status!.haltedReason?.includes('AuditLog.Read.All') && status;
    });
    expect(forbidden.state).toBe('halted');
  });

  it('authenticates with a certificate (a client assertion carrying its thumbprint)', async () => {
    const ca = await testCertificateAuthority('entra-app');
    addCleanup(() => ca.remove());
    const server = await graph({
      clients: [{ clientId, certificatePem: readFileSync(ca.client.certFile, 'utf8') }],
    });
    server.generate('signIns', 4);
    const h = await harness();
    h.start(
      entraConfig(server.url, {
        credential: `certificate: { cert: ${ca.client.certFile}, key: ${ca.client.encryptedKeyFile}, keyPassword: "${ca.client.passphrase}" }`,
        logs: '    logs: [signIns]\n',
      }),
    );
    await eventually(async () => (await ids(h)).length === 4);
  });
});
