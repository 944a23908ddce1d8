import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { issuesOf, makeConfigDir, parse } from './helpers.js';

describe('syslog sink config', () => {
  it('takes the defaults: TLS on 6514, authpriv, app warden, this host, 10s', () => {
    const [sink] = parse('sinks:\n  - { name: siem, type: syslog, host: siem.internal }').sinks;
    expect(sink).toMatchObject({
      type: 'syslog',
      host: 'siem.internal',
      port: 6514,
      transport: 'tls',
      tls: { ca: null, cert: null, key: null, verify: true },
      facility: 10,
      appName: 'warden',
      hostname: hostname(),
      timeoutMs: 10_000,
      batch: { maxEvents: 100, maxBytes: 1024 * 1024 },
    });
  });

  it('defaults plain TCP, when asked for, to port 514 and refuses tls settings with it', () => {
    const [sink] = parse(
      'sinks:\n  - { name: siem, type: syslog, host: 10.0.0.5, transport: tcp, facility: local3 }',
    ).sinks;
    expect(sink).toMatchObject({ port: 514, transport: 'tcp', tls: null, facility: 19 });
    expect(
      issuesOf(
        'sinks:\n  - { name: siem, type: syslog, host: h, transport: tcp, tls: { verify: false } }',
      ),
    ).toEqual(['sinks[0].tls: tls applies only with transport: tls']);
  });

  it('reads TLS files against the config directory, and a client certificate with its key', () => {
    const dir = makeConfigDir({ 'ca.pem': 'x', 'client.pem': 'x', 'client.key': 'x' });
    const [sink] = parse(
      `sinks:
  - name: siem
    type: syslog
    host: siem.internal
    port: 10514
    tls: { ca: ca.pem, cert: client.pem, key: client.key }
    appName: warden-gw
    hostname: gw-1.prod
    timeout: 3s`,
      {},
      dir,
    ).sinks;
    expect(sink).toMatchObject({
      port: 10514,
      tls: {
        ca: join(dir, 'ca.pem'),
        cert: join(dir, 'client.pem'),
        key: join(dir, 'client.key'),
        verify: true,
      },
      appName: 'warden-gw',
      hostname: 'gw-1.prod',
      timeoutMs: 3000,
    });
    expect(
      issuesOf(
        'sinks:\n  - { name: siem, type: syslog, host: h, tls: { cert: client.pem } }',
        {},
        dir,
      ),
    ).toEqual(['sinks[0].tls.key: required with cert: a client certificate needs its key']);
    expect(
      issuesOf(
        'sinks:\n  - { name: siem, type: syslog, host: h, tls: { ca: missing.pem } }',
        {},
        dir,
      ),
    ).toEqual([`sinks[0].tls.ca: cannot read ${join(dir, 'missing.pem')}: no such file`]);
  });

  it('names the path and what was expected for each wrong key', () => {
    expect(
      issuesOf(`sinks:
  - name: siem
    type: syslog
    host: "not a host"
    port: 70000
    transport: udp
    facility: local9
    appName: "war den"
    hostname: ""`),
    ).toEqual([
      'sinks[0].host: expected a host name or IP address, got "not a host"',
      'sinks[0].transport: expected one of tls, tcp, got "udp"',
      'sinks[0].port: expected an integer 1-65535, got 70000',
      'sinks[0].facility: expected one of kern, user, mail, daemon, auth, syslog, lpr, news, uucp, cron, authpriv, ftp, ntp, audit, local0, local1, local2, local3, local4, local5, local6, local7, got "local9"',
      'sinks[0].appName: expected an RFC 5424 APP-NAME: 1-48 printable ASCII characters, no spaces, got "war den"',
      'sinks[0].hostname: expected an RFC 5424 HOSTNAME: 1-255 printable ASCII characters, no spaces, got ""',
    ]);
    expect(issuesOf('sinks:\n  - { name: siem, type: syslog }')).toEqual([
      'sinks[0].host: required',
    ]);
  });
});

const secretAccessKey = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const sessionToken = 'FwoGZXIvYXdzEXAMPLESESSIONTOKEN';

describe('eventbridge sink config', () => {
  it('takes the defaults: bus default, source warden, the event type, the SDK chain, 256 KiB', () => {
    const [sink] = parse('sinks:\n  - { name: bus, type: eventbridge, region: eu-west-1 }').sinks;
    expect(sink).toMatchObject({
      type: 'eventbridge',
      region: 'eu-west-1',
      eventBusName: 'default',
      source: 'warden',
      detailType: null,
      endpoint: null,
      credentials: null,
      maxEntryBytes: 256 * 1024,
      timeoutMs: 10_000,
      batch: { maxEvents: 10, maxBytes: 256 * 1024 },
    });
  });

  it('reads every key, credentials from the environment', () => {
    const [sink] = parse(
      `sinks:
  - name: bus
    type: eventbridge
    region: us-gov-west-1
    eventBusName: arn:aws-us-gov:events:us-gov-west-1:123456789012:event-bus/audit
    source: acme.warden
    detailType: Warden Audit Event
    endpoint: https://vpce-0abc.events.us-gov-west-1.vpce.amazonaws.com
    credentials:
      accessKeyId: AKIAEXAMPLE
      secretAccessKey: \${AWS_SECRET}
      sessionToken: \${AWS_TOKEN}
    maxEntryBytes: 1048576
    timeout: 20s`,
      { AWS_SECRET: secretAccessKey, AWS_TOKEN: sessionToken },
    ).sinks;
    expect(sink).toMatchObject({
      region: 'us-gov-west-1',
      eventBusName: 'arn:aws-us-gov:events:us-gov-west-1:123456789012:event-bus/audit',
      source: 'acme.warden',
      detailType: 'Warden Audit Event',
      endpoint: 'https://vpce-0abc.events.us-gov-west-1.vpce.amazonaws.com',
      credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey, sessionToken },
      maxEntryBytes: 1024 * 1024,
      timeoutMs: 20_000,
    });
  });

  it('allows at most 10 events per call, and entries of up to 1 MiB', () => {
    expect(
      issuesOf(
        'sinks:\n  - { name: bus, type: eventbridge, region: us-east-1, batch: { maxEvents: 11 } }',
      ),
    ).toEqual(['sinks[0].batch.maxEvents: expected an integer 1-10, got 11']);
    expect(
      issuesOf(
        'sinks:\n  - { name: bus, type: eventbridge, region: us-east-1, maxEntryBytes: 2000000 }',
      ),
    ).toEqual(['sinks[0].maxEntryBytes: expected an integer 1024-1048576, got 2000000']);
  });

  it('names the path and what was expected for each wrong key', () => {
    expect(
      issuesOf(`sinks:
  - name: bus
    type: eventbridge
    region: US East
    eventBusName: "my bus"
    source: aws.warden
    endpoint: ftp://events
    credentials: { accessKeyId: AKIAEXAMPLE }`),
    ).toEqual([
      'sinks[0].region: expected an AWS region such as us-east-1, got "US East"',
      'sinks[0].eventBusName: expected an event bus name (letters, digits, ".", "_", "-", "/") or an event bus ARN, got "my bus"',
      'sinks[0].source: sources starting with "aws." are reserved for AWS services',
      'sinks[0].endpoint: expected an http:// or https:// URL, got "ftp://events"',
      'sinks[0].credentials.secretAccessKey: required',
    ]);
    expect(issuesOf('sinks:\n  - { name: bus, type: eventbridge }')).toEqual([
      'sinks[0].region: required',
    ]);
  });

  it('never shows a secret key or session token, even in a message about it', () => {
    const issues = issuesOf(
      `sinks:
  - name: bus
    type: eventbridge
    region: \${AWS_SECRET}
    credentials: { accessKeyId: AKIAEXAMPLE, secretAccessKey: 12345, sessionToken: 67890 }`,
      { AWS_SECRET: secretAccessKey },
    );
    expect(issues).toEqual([
      'sinks[0].region: expected an AWS region such as us-east-1, got a value from AWS_SECRET (not shown)',
      'sinks[0].credentials.secretAccessKey: expected a string (quote the value in YAML so that it is read as text)',
      'sinks[0].credentials.sessionToken: expected a string (quote the value in YAML so that it is read as text)',
    ]);
    expect(issues.join('\n')).not.toMatch(/12345|67890|wJalr/);
  });
});
