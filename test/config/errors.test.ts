import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/config/index.js';
import { issuesOf, makeConfigDir, oktaProvider, pgConnection } from './helpers.js';

const password = { PG_PROD_PASSWORD: 'hunter2-very-secret' };

describe('config issues', () => {
  it('names the path, what was expected and what was given', () => {
    expect(
      issuesOf(`connections:
  - name: pg-prod
    type: postgres
    target: { host: db, port: abc, database: app, user: app }`),
    ).toEqual(['connections[0].target.port: expected an integer 1-65535, got "abc"']);
  });

  it('bounds listeners.postgres.maxMessageBytes', () => {
    expect(
      issuesOf('listeners: { postgres: { listen: "127.0.0.1:0", maxMessageBytes: 1024 } }'),
    ).toEqual([
      'listeners.postgres.maxMessageBytes: expected an integer 65536-1073741823, got 1024',
    ]);
  });

  it('bounds listeners.postgres.failedLogins', () => {
    expect(
      issuesOf(
        'listeners: { postgres: { listen: "127.0.0.1:0", failedLogins: { max: 0, window: 60 } } }',
      ),
    ).toEqual([
      'listeners.postgres.failedLogins.window: unknown key; expected one of max, windowSeconds',
      'listeners.postgres.failedLogins.max: expected an integer 1-1000000, got 0',
    ]);
  });

  it('takes requireAuth as a list of known methods', () => {
    expect(
      issuesOf(`connections:
  - name: pg
    type: postgres
    target: { host: db, database: app, user: app, requireAuth: [scram-sha-256, kerberos] }`),
    ).toEqual([
      'connections[0].target.requireAuth[1]: expected one of scram-sha-256, md5, password, none, got "kerberos"',
    ]);
    expect(
      issuesOf(`connections:
  - name: pg
    type: postgres
    target: { host: db, database: app, user: app, requireAuth: [] }`),
    ).toEqual([
      'connections[0].target.requireAuth: expected a list of scram-sha-256, md5, password, none, got an empty list',
    ]);
  });

  it('coerces numeric strings, as environment variables give them', () => {
    expect(() =>
      parseConfig(
        `connections:
  - name: pg
    type: postgres
    target: { host: db, port: "\${PG_PORT}", database: app, user: app }`,
        { env: { PG_PORT: '5433' }, baseDir: makeConfigDir() },
      ),
    ).not.toThrow();
  });

  it('reports a missing environment variable at the path that uses it', () => {
    expect(issuesOf(`connections:${pgConnection}`)).toEqual([
      'connections[0].target.password: environment variable PG_PROD_PASSWORD is not set',
    ]);
  });

  it('refuses unknown keys, listing the ones it knows', () => {
    expect(
      issuesOf(`connections:
  - name: pg
    type: postgres
    target: { host: db, database: app, user: app }
    alow:
      - group: agents-db`),
    ).toEqual([
      'connections[0].alow: unknown key; expected one of name, type, target, allow, tags, accessApproval, guardrails, masking',
    ]);
    expect(issuesOf('recordings: {}')).toEqual([
      'recordings: unknown key; expected one of store, api, identity, listeners, connections, recording, sinks, retention, collectors, alerts, notifications, reviews',
    ]);
  });

  it('refuses a malformed listen address', () => {
    expect(issuesOf('api: { listen: "8080" }')).toEqual([
      'api.listen: expected host:port or [ipv6]:port with a port 0-65535, got "8080"',
    ]);
    expect(issuesOf('api: { listen: "::1:8080" }')).toHaveLength(1);
    expect(issuesOf('api: { listen: "127.0.0.1:70000" }')).toHaveLength(1);
    expect(issuesOf('api: { listen: 8080 }')).toEqual([
      'api.listen: expected host:port or [ipv6]:port with a port 0-65535, got 8080',
    ]);
  });

  it('requires tls on a postgres listener that is not on loopback', () => {
    for (const loopback of [
      '127.0.0.2:5432',
      '[::1]:5432',
      '[::ffff:127.0.0.1]:5432',
      'LOCALHOST:1',
    ]) {
      expect(
        issuesOf(`listeners: { postgres: { listen: "${loopback}" } }\napi: { listen: x }`),
      ).toEqual(['api.listen: expected host:port or [ipv6]:port with a port 0-65535, got "x"']);
    }
    expect(issuesOf('listeners: { postgres: { listen: "[::]:15432" } }')).toHaveLength(1);
    expect(issuesOf('listeners: { postgres: { listen: "0.0.0.0:15432" } }')).toEqual([
      'listeners.postgres.tls: tls is required unless listening on loopback (listen is ' +
        '0.0.0.0:15432); clients send their tokens as passwords',
    ]);
    expect(issuesOf('api: { listen: "0.0.0.0:8080" }')).toEqual([
      'api.tls: tls is required unless listening on loopback (listen is 0.0.0.0:8080); ' +
        'admins send their tokens',
    ]);
  });

  it('refuses HS* and none algorithms, saying why', () => {
    const issues = issuesOf(`identity:
  providers:${oktaProvider}
      algorithms: [RS256, HS256, none, RS1]`);
    expect(issues).toEqual([
      'identity.providers[0].algorithms[1]: algorithm "HS256" is refused: symmetric keys ' +
        "can't be verified against a public JWKS, and accepting it lets anyone who has the " +
        'public key sign tokens',
      'identity.providers[0].algorithms[2]: algorithm "none" is refused: an unsigned token proves nothing',
      'identity.providers[0].algorithms[3]: expected one of RS256, RS384, RS512, PS256, PS384, ' +
        'PS512, ES256, ES384, ES512, EdDSA, Ed25519, got "RS1"',
    ]);
  });

  it('refuses an http issuer except on a loopback host', () => {
    expect(
      issuesOf(`identity:
  providers:
    - { name: idp, issuer: "http://idp.example.com", audience: warden }`),
    ).toEqual([
      'identity.providers[0].issuer: expected an https URL (http only on a loopback host), ' +
        'got "http://idp.example.com"',
    ]);
    for (const issuer of [
      'http://127.0.0.1:4000',
      'http://localhost:4000/oidc',
      'http://[::1]:4000',
    ]) {
      expect(() =>
        parseConfig(`identity: { providers: [{ name: idp, issuer: "${issuer}", audience: w }] }`, {
          baseDir: makeConfigDir(),
        }),
      ).not.toThrow();
    }
  });

  it('refuses duplicate connection and provider names', () => {
    const issues = issuesOf(
      `identity:
  providers:${oktaProvider}${oktaProvider}
connections:${pgConnection}${pgConnection}`,
      password,
    );
    expect(issues).toEqual([
      'identity.providers[1].name: duplicate provider name "okta" (also used by identity.providers[0])',
      'connections[1].name: duplicate connection name "pg-prod" (also used by connections[0])',
    ]);
  });

  it('refuses connection names a client cannot send as a database name, and other types', () => {
    expect(
      issuesOf(`connections:
  - name: "pg prod"
    type: mysql
    target: { host: db, database: app, user: app }`),
    ).toEqual([
      'connections[0].name: expected a name usable as a PostgreSQL database name (1-63 letters, ' +
        'digits, "_", "." or "-"), got "pg prod"',
      'connections[0].type: unsupported type "mysql"; supported: postgres',
    ]);
  });

  it('refuses a tls file that does not exist or cannot be read', () => {
    const baseDir = makeConfigDir({ 'tls/cert.pem': 'cert' });
    expect(
      issuesOf(
        `listeners:
  postgres: { listen: "0.0.0.0:15432", tls: { cert: ./tls/cert.pem, key: ./tls/key.pem } }`,
        {},
        baseDir,
      ),
    ).toEqual([
      `listeners.postgres.tls.key: cannot read ${join(baseDir, 'tls/key.pem')}: no such file`,
    ]);
    expect(
      issuesOf(
        `listeners: { postgres: { listen: "127.0.0.1:1", tls: { cert: ./tls, key: ./tls/cert.pem } } }`,
        {},
        baseDir,
      ),
    ).toEqual([
      `listeners.postgres.tls.cert: cannot read ${join(baseDir, 'tls')}: not a regular file`,
    ]);
  });

  it('reports every issue at once, one per line of the message', () => {
    const text = `store: { synchronous: fast }
api: { listen: nowhere }
identity:
  clockSkewSeconds: 900
  providers:
    - { name: okta, preset: okta, audience: warden }
recording: { responseSample: -1 }
connections:
  - name: pg
    type: postgres
    target: { host: "", port: 0, user: app }
    allow: [agents-db, { group: "" }]`;
    let error: unknown;
    try {
      parseConfig(text, { baseDir: makeConfigDir(), source: '/etc/warden/warden.yaml' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const lines = [
      'store.synchronous: expected one of normal, full, got "fast"',
      'api.listen: expected host:port or [ipv6]:port with a port 0-65535, got "nowhere"',
      'identity.providers[0].issuer: required',
      'identity.clockSkewSeconds: expected an integer 0-300, got 900',
      'connections[0].target.host: expected a non-empty string, got ""',
      'connections[0].target.port: expected an integer 1-65535, got 0',
      'connections[0].target.database: required',
      'connections[0].allow[1].group: expected a non-empty string, got ""',
      'recording.responseSample: expected an integer 0-16777216, got -1',
    ];
    expect((error as ConfigError).issues.map((i) => `${i.path}: ${i.message}`)).toEqual(lines);
    expect((error as ConfigError).message).toBe(
      [
        'invalid configuration in /etc/warden/warden.yaml (9 problems):',
        ...lines.map((line) => `  ${line}`),
      ].join('\n'),
    );
  });

  it('reports one issue for a missing section, not one per field it lacks', () => {
    expect(issuesOf('connections:\n  - { name: pg, type: postgres }')).toEqual([
      'connections[0].target: required',
    ]);
    expect(issuesOf('connections:\n  - { name: pg, type: postgres, target: [] }')).toEqual([
      'connections[0].target: expected a mapping, got an empty list',
    ]);
  });

  it('names the line and column of a YAML syntax error', () => {
    expect(issuesOf('store:\n  url: a: b\n')).toEqual([
      'YAML syntax error at line 2, column 8: Nested mappings are not allowed in compact mappings',
    ]);
    expect(issuesOf('api: {}\napi: {}\n')[0]).toMatch(
      /^YAML syntax error at line 2, column 1: Map keys must be unique/,
    );
  });
});
