import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/config/index.js';
import { issuesOf, makeConfigDir, parse } from './helpers.js';

const connectionWithHost = (host: string) => `connections:
  - { name: pg, type: postgres, target: { host: "${host}", database: app, user: app } }`;

const hostOf = (text: string, env: NodeJS.ProcessEnv) =>
  parse(text, env).connections[0]?.target.host;

describe('${VAR} interpolation', () => {
  it('substitutes variables anywhere in a string value', () => {
    expect(
      hostOf(connectionWithHost('db-${STAGE}.${ZONE}'), { STAGE: 'prod', ZONE: 'internal' }),
    ).toBe('db-prod.internal');
  });

  it('uses the default of ${VAR:-default} when the variable is unset or empty', () => {
    expect(hostOf(connectionWithHost('${DB_HOST:-localhost}'), {})).toBe('localhost');
    expect(hostOf(connectionWithHost('${DB_HOST:-localhost}'), { DB_HOST: '' })).toBe('localhost');
    expect(hostOf(connectionWithHost('${DB_HOST:-localhost}'), { DB_HOST: 'db' })).toBe('db');
  });

  it('keeps $${ as a literal ${', () => {
    expect(hostOf(connectionWithHost('a$${B}'), {})).toBe('a${B}');
  });

  it('treats a value from the environment as text, never as YAML', () => {
    expect(hostOf(connectionWithHost('${DB_HOST}'), { DB_HOST: 'x }, injected: { a: 1' })).toBe(
      'x }, injected: { a: 1',
    );
  });

  it('does not interpolate keys', () => {
    expect(issuesOf('${KEY}: 1', { KEY: 'api' })).toEqual([
      '${KEY}: unknown key; expected one of store, api, identity, listeners, connections, recording, sinks, retention, collectors, alerts, notifications, reviews',
    ]);
  });

  it('reports malformed references', () => {
    expect(issuesOf(connectionWithHost('db-${STAGE'))).toEqual([
      'connections[0].target.host: malformed environment reference at character 4: expected ' +
        '${NAME} or ${NAME:-default} (write $${ for a literal ${)',
    ]);
    expect(issuesOf(connectionWithHost('${1X}'))).toHaveLength(1);
  });

  it('reports every missing variable', () => {
    expect(issuesOf(connectionWithHost('${A}') + '\napi: { listen: "${B}" }')).toEqual([
      'connections[0].target.host: environment variable A is not set',
      'api.listen: environment variable B is not set',
    ]);
  });
});

describe('secrets in messages', () => {
  const secret = 'hunter2-very-secret';

  const messageOf = (text: string, env: NodeJS.ProcessEnv): string => {
    try {
      parseConfig(text, { env, baseDir: makeConfigDir() });
    } catch (error) {
      if (error instanceof ConfigError) return error.message;
      throw error;
    }
    throw new Error('expected the config to be refused');
  };

  it('never shows a value that came from the environment, only the variable', () => {
    const message = messageOf(
      `connections:
  - { name: pg, type: postgres, target: { host: db, port: "\${PG_PASSWORD}", database: app, user: app } }`,
      { PG_PASSWORD: secret },
    );
    expect(message).toContain(
      'connections[0].target.port: expected an integer 1-65535, got a value from PG_PASSWORD (not shown)',
    );
    expect(message).not.toContain(secret);
  });

  it('never describes a password, even a literal one', () => {
    const message = messageOf(
      `connections:
  - { name: pg, type: postgres, target: { host: db, database: app, user: app, password: 12345678 } }`,
      {},
    );
    expect(message).toContain(
      'connections[0].target.password: expected a string (quote the value in YAML so that it is read as text)',
    );
    expect(message).not.toContain('12345678');
  });

  it('never shows a store url, which may hold a password', () => {
    const message = messageOf(`store: { url: "mysql://warden:${secret}@db/warden" }`, {});
    expect(message).toContain('store.url: expected sqlite:PATH (value not shown)');
    expect(message).not.toContain(secret);
  });

  it('refuses a PostgreSQL store (not supported yet) without showing its url', () => {
    const message = messageOf(`store: { url: "postgres://warden:${secret}@db/warden" }`, {});
    expect(message).toContain('store.url: a PostgreSQL store is not supported yet');
    expect(message).not.toContain(secret);
  });

  it('does not echo the offending line of a YAML syntax error', () => {
    const message = messageOf(`connections:\n  - password: "${secret}\n`, {});
    expect(message).toMatch(/YAML syntax error at line \d+, column \d+/);
    expect(message).not.toContain(secret);
  });
});
