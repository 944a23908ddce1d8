import { writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { issuesOf, makeConfigDir, parse } from './helpers.js';

const apiKey = '0123456789abcdef0123456789abcdef';
const token = '6b1f6e2c-6a3e-4b7e-9a53-2d0c1e5f7a90';

describe('datadog sink config', () => {
  it('takes the defaults: datadoghq.com, service warden, gzip, this host, 1000 entries / 5 MB', () => {
    const [sink] = parse(`sinks:\n  - { name: dd, type: datadog, apiKey: "${apiKey}" }`).sinks;
    expect(sink).toMatchObject({
      type: 'datadog',
      url: 'https://http-intake.logs.datadoghq.com/api/v2/logs',
      apiKey,
      service: 'warden',
      tags: [],
      hostname: hostname(),
      gzip: true,
      timeoutMs: 30_000,
      batch: { maxEvents: 1000, maxBytes: 4_998_999 },
    });
  });

  it('reads site, tags, hostname, gzip from the environment and an intake url', () => {
    const [eu, proxied] = parse(
      `sinks:
  - name: dd-eu
    type: datadog
    site: datadoghq.eu
    apiKey: \${DD_API_KEY}
    service: gateway
    tags: [env:prod, team:platform]
    hostname: warden-1
    gzip: \${DD_GZIP}
    timeout: 5s
  - { name: dd-proxy, type: datadog, apiKey: "${apiKey}", url: "http://proxy:8080/api/v2/logs" }`,
      { DD_API_KEY: apiKey, DD_GZIP: 'false' },
    ).sinks;
    expect(eu).toMatchObject({
      url: 'https://http-intake.logs.datadoghq.eu/api/v2/logs',
      service: 'gateway',
      tags: ['env:prod', 'team:platform'],
      hostname: 'warden-1',
      gzip: false,
      timeoutMs: 5000,
    });
    expect(proxied).toMatchObject({ url: 'http://proxy:8080/api/v2/logs' });
  });

  it('requires apiKey', () => {
    expect(issuesOf('sinks:\n  - { name: dd, type: datadog }')).toEqual([
      'sinks[0].apiKey: required',
    ]);
    expect(issuesOf('sinks:\n  - { name: dd, type: datadog, apiKey: "" }')).toEqual([
      'sinks[0].apiKey: expected a non-empty string (value not shown)',
    ]);
  });

  it('never shows the API key, even in a message about it', () => {
    const issues = issuesOf(
      `sinks:\n  - { name: dd, type: datadog, apiKey: \${DD_API_KEY}, site: nowhere }`,
      { DD_API_KEY: apiKey },
    );
    expect(issues.join('\n')).not.toContain(apiKey);
    const numeric = issuesOf('sinks:\n  - { name: dd, type: datadog, apiKey: 12345678 }');
    expect(numeric).toEqual([
      'sinks[0].apiKey: expected a string (quote the value in YAML so that it is read as text)',
    ]);
  });

  it('names the known sites for an unknown one', () => {
    expect(
      issuesOf(`sinks:\n  - { name: dd, type: datadog, apiKey: "${apiKey}", site: datadoghq.co }`),
    ).toEqual([
      'sinks[0].site: expected one of datadoghq.com, us3.datadoghq.com, us5.datadoghq.com, datadoghq.eu, ap1.datadoghq.com, ap2.datadoghq.com, ddog-gov.com, got "datadoghq.co"',
    ]);
  });

  it('refuses site with url, which replaces it', () => {
    expect(
      issuesOf(
        `sinks:\n  - { name: dd, type: datadog, apiKey: "${apiKey}", site: datadoghq.eu, url: "http://proxy" }`,
      ),
    ).toEqual(['sinks[0].site: give either site or url (url replaces the site)']);
  });

  it('refuses tags that are not key:value, hold a comma or a space', () => {
    expect(
      issuesOf(
        `sinks:\n  - { name: dd, type: datadog, apiKey: "${apiKey}", tags: ["env:prod", prod, "team:a,b", "9x:y", "env: prod"] }`,
      ),
    ).toEqual([
      'sinks[0].tags[1]: expected a tag key:value (a key that starts with a letter; no commas or spaces; at most 200 characters), got "prod"',
      'sinks[0].tags[2]: expected a tag key:value (a key that starts with a letter; no commas or spaces; at most 200 characters), got "team:a,b"',
      'sinks[0].tags[3]: expected a tag key:value (a key that starts with a letter; no commas or spaces; at most 200 characters), got "9x:y"',
      'sinks[0].tags[4]: expected a tag key:value (a key that starts with a letter; no commas or spaces; at most 200 characters), got "env: prod"',
    ]);
  });

  it('holds batches to Datadog’s 1000 entries', () => {
    expect(
      issuesOf(
        `sinks:\n  - { name: dd, type: datadog, apiKey: "${apiKey}", batch: { maxEvents: 5000 } }`,
      ),
    ).toEqual(['sinks[0].batch.maxEvents: expected an integer 1-1000, got 5000']);
  });

  it('takes gzip as true or false only', () => {
    expect(
      issuesOf(`sinks:\n  - { name: dd, type: datadog, apiKey: "${apiKey}", gzip: "yes" }`),
    ).toEqual(['sinks[0].gzip: expected true or false, got "yes"']);
  });
});

describe('splunk sink config', () => {
  it('takes the defaults: sourcetype warden:audit, source warden, this host, no ack', () => {
    const [sink] = parse(
      `sinks:\n  - { name: splunk, type: splunk, url: "https://splunk:8088", token: "${token}" }`,
    ).sinks;
    expect(sink).toMatchObject({
      type: 'splunk',
      url: 'https://splunk:8088',
      token,
      index: null,
      sourcetype: 'warden:audit',
      source: 'warden',
      host: hostname(),
      ack: null,
      tls: { ca: null, verify: true },
      timeoutMs: 30_000,
      batch: { maxEvents: 1000, maxBytes: 1024 * 1024 },
    });
  });

  it('reads index, names, ack and a CA file relative to the config', () => {
    const dir = makeConfigDir({ 'certs/splunk-ca.pem': 'PEM' });
    const [sink] = parse(
      `sinks:
  - name: splunk
    type: splunk
    url: https://splunk:8088
    token: \${SPLUNK_HEC_TOKEN}
    index: audit
    sourcetype: warden
    source: gateway-eu
    host: warden-1
    ack: { enabled: true, timeout: 2m }
    tls: { ca: certs/splunk-ca.pem, verify: true }`,
      { SPLUNK_HEC_TOKEN: token },
      dir,
    ).sinks;
    expect(sink).toMatchObject({
      index: 'audit',
      sourcetype: 'warden',
      source: 'gateway-eu',
      host: 'warden-1',
      ack: { timeoutMs: 120_000 },
      tls: { ca: join(dir, 'certs/splunk-ca.pem'), verify: true },
    });
  });

  it('requires url and token, and never shows the token', () => {
    expect(issuesOf('sinks:\n  - { name: splunk, type: splunk }')).toEqual([
      'sinks[0].url: required',
      'sinks[0].token: required',
    ]);
    const issues = issuesOf(
      `sinks:\n  - { name: splunk, type: splunk, url: "https://splunk:8088", token: \${T}, index: Audit }`,
      { T: token },
    );
    expect(issues.join('\n')).not.toContain(token);
  });

  it('wants the base URL, not the endpoint', () => {
    expect(
      issuesOf(
        `sinks:\n  - { name: s, type: splunk, url: "https://splunk:8088/services/collector/event", token: t }`,
      ),
    ).toEqual([
      'sinks[0].url: expected the HEC base URL (such as https://splunk:8088), without /services/collector',
    ]);
  });

  it('checks index names, ack and tls', () => {
    const dir = makeConfigDir();
    writeFileSync(join(dir, 'present.pem'), 'PEM');
    expect(
      issuesOf(
        `sinks:
  - name: s
    type: splunk
    url: https://splunk:8088
    token: t
    index: _Audit
    ack: { enabled: yes, timeout: 10 }
    tls: { ca: missing.pem, verify: no }
  - { name: s2, type: splunk, url: "http://splunk:8088", token: t, tls: { ca: present.pem } }
  - { name: s3, type: splunk, url: "https://splunk:8088", token: t, ack: { timeout: 30s } }`,
        {},
        dir,
      ),
    ).toEqual([
      'sinks[0].index: expected an index name of lowercase letters, digits, "_" or "-" (not starting with "_" or "-"), got "_Audit"',
      'sinks[0].ack.enabled: expected true or false, got "yes"',
      `sinks[0].tls.ca: cannot read ${join(dir, 'missing.pem')}: no such file`,
      'sinks[0].tls.verify: expected true or false, got "no"',
      'sinks[1].tls: tls applies only to an https:// url',
      'sinks[2].ack.enabled: must be true for a timeout to apply',
    ]);
  });
});
