import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { issuesOf, parse } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'warden-collectors-config-'));
const pem = join(dir, 'key.pem');
writeFileSync(pem, 'not checked here');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('config collectors', () => {
  it('reads an Okta collector with the defaults of the issue', () => {
    const [okta] = parse(`collectors:
  - { name: okta-main, type: okta, domain: Company.okta.com, auth: { token: "00abc" } }`).collectors;
    expect(okta).toEqual({
      name: 'okta-main',
      type: 'okta',
      domain: 'company.okta.com',
      url: null,
      intervalSeconds: 120,
      startFrom: null,
      auth: { token: '00abc', header: 'Authorization', prefix: 'SSWS ', oauth: null },
      tls: {
        enabled: false,
        ca: null,
        cert: null,
        key: null,
        keyPassword: null,
        verifyCertificate: true,
        verifyHostname: true,
      },
    });
  });

  it('reads an OAuth service app, TLS files and the interval bounds', () => {
    const [okta] = parse(
      `collectors:
  - name: okta-gov
    type: okta
    domain: company.okta-gov.com
    interval: 10
    startFrom: "2024-01-01T00:00:00.000Z"
    auth: { oauth: { clientId: 0oa1, privateKey: ${pem} } }
    tls: { ca: ${pem}, cert: ${pem}, key: ${pem}, keyPassword: pw, verifyHostname: false }`,
    ).collectors;
    expect(okta).toMatchObject({
      intervalSeconds: 10,
      startFrom: '2024-01-01T00:00:00.000Z',
      auth: {
        token: null,
        oauth: { clientId: '0oa1', privateKey: pem, keyId: null, scopes: ['okta.logs.read'] },
      },
      tls: {
        enabled: true,
        ca: pem,
        cert: pem,
        key: pem,
        keyPassword: 'pw',
        verifyHostname: false,
      },
    });
  });

  it('refuses a domain with a scheme, an interval out of range and a missing token, by path', () => {
    expect(
      issuesOf(`collectors:
  - { name: o, type: okta, domain: "https://company.okta.com", interval: 5, auth: {} }`),
    ).toEqual([
      'collectors[0].interval: expected an integer 10-86401, got 5',
      'collectors[0].auth: expected token (an API token) or oauth (a service app)',
      'collectors[0].domain: expected the domain without a scheme (e.g. company.okta.com), got "https://company.okta.com": remove the https://',
    ]);
    expect(
      issuesOf(`collectors:
  - { name: o, type: okta, domain: a.okta.com, interval: 86402, startFrom: yesterday, auth: { token: t } }`),
    ).toEqual([
      'collectors[0].interval: expected an integer 10-86401, got 86402',
      'collectors[0].startFrom: expected an ISO 8601 time such as 2024-01-01T00:00:00.000Z, got "yesterday"',
    ]);
  });

  it('never shows a token in a message', () => {
    const issues = issuesOf(`collectors:
  - { name: o, type: okta, domain: a.okta.com, auth: { token: 123456789 } }`);
    expect(issues).toEqual([
      'collectors[0].auth.token: expected a string (quote the value in YAML so that it is read as text)',
    ]);
    expect(issues.join()).not.toContain('123456789');
  });

  it('reads an Entra collector with a secret, every log and a 30 min look-back by default', () => {
    const [entra] = parse(`collectors:
  - name: entra
    type: entra
    tenantId: contoso.onmicrosoft.com
    clientId: 11111111-2222-3333-4444-555555555555
    clientSecret: "s3cret"`).collectors;
    expect(entra).toMatchObject({
      type: 'entra',
      tenantId: 'contoso.onmicrosoft.com',
      clientSecret: 's3cret',
      certificate: null,
      logs: ['signIns', 'servicePrincipalSignIns', 'directoryAudits'],
      lookbackMs: 1_800_000,
      intervalSeconds: 120,
      url: null,
      loginUrl: null,
    });
  });

  it('refuses an Entra entry without credentials, with an unknown log, and duplicate names', () => {
    expect(
      issuesOf(`collectors:
  - { name: e, type: entra, tenantId: t.onmicrosoft.com, clientId: nope, logs: [signIns, riskyUsers] }
  - { name: e, type: splunk }`),
    ).toEqual([
      'collectors[0].clientSecret: required (or certificate): the app registration authenticates with one of them',
      'collectors[0].clientId: expected an application (client) id, a GUID, got "nope"',
      'collectors[0].logs[1]: expected one of signIns, servicePrincipalSignIns, directoryAudits, got "riskyUsers"',
      'collectors[1].type: expected one of okta, entra, got "splunk"',
      'collectors[1].name: duplicate collector name "e" (also used by collectors[0])',
    ]);
  });
});
