import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeConfigDir, parse, pgConnection } from './helpers.js';

describe('config defaults', () => {
  it('an empty file is a complete config with every default', () => {
    const baseDir = makeConfigDir();
    expect(parse('', {}, baseDir)).toEqual({
      store: { url: `sqlite:${join(baseDir, 'data/warden.db')}`, synchronous: 'normal' },
      api: { listen: { host: '127.0.0.1', port: 8080 }, tls: null },
      identity: { providers: [], adminGroups: [], clockSkewSeconds: 60 },
      listeners: { postgres: null },
      connections: [],
      recording: { responseSample: 65536, exclude: [] },
      sinks: [],
      retention: { events: null, types: {}, intervalMs: 3_600_000 },
      collectors: [],
      alerts: [],
      notifications: [],
      reviews: { notify: [], approveUrl: null },
    });
  });

  it('empty sections take the same defaults as absent ones', () => {
    const config = parse('store:\napi:\nidentity:\nlisteners:\nconnections:\nrecording:\n');
    expect(config.api.listen).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(config.identity).toEqual({ providers: [], adminGroups: [], clockSkewSeconds: 60 });
    expect(config.listeners.postgres).toBeNull();
    expect(config.connections).toEqual([]);
    expect(config.recording.responseSample).toBe(65536);
  });

  it('a connection defaults its tags, target tls, port, password, guardrails, approval and masking', () => {
    const config = parse(
      `connections:
  - name: pg
    type: postgres
    target: { host: db, database: app, user: app }`,
    );
    expect(config.connections[0]).toEqual({
      name: 'pg',
      type: 'postgres',
      target: {
        host: 'db',
        port: 5432,
        database: 'app',
        user: 'app',
        password: null,
        tls: { mode: 'disable', ca: null },
        requireAuth: null,
      },
      allow: [],
      tags: [],
      guardrails: [],
      accessApproval: null,
      masking: {
        detectors: ['email', 'card', 'secrets', 'passwords'],
        custom: [],
        results: { columns: [], detectors: [] },
      },
    });
  });

  it('keeps given values over defaults', () => {
    const config = parse(
      `store: { url: "sqlite:/var/lib/warden/journal.db", synchronous: full }
api: { listen: "[::1]:9000" }
identity: { adminGroups: [warden-admins], clockSkewSeconds: 0 }
recording: { responseSample: 0 }
connections:${pgConnection}
    tags: [prod, billing]`,
      { PG_PROD_PASSWORD: 's3cret' },
    );
    expect(config.store).toEqual({ url: 'sqlite:/var/lib/warden/journal.db', synchronous: 'full' });
    expect(config.api.listen).toEqual({ host: '::1', port: 9000 });
    expect(config.identity.adminGroups).toEqual([{ group: 'warden-admins', provider: null }]);
    expect(config.identity.clockSkewSeconds).toBe(0);
    expect(config.recording.responseSample).toBe(0);
    expect(config.connections[0]?.tags).toEqual(['prod', 'billing']);
    expect(config.connections[0]?.target.password).toBe('s3cret');
    expect(config.connections[0]?.allow).toEqual([{ group: 'agents-db', provider: null }]);
  });

  it('accepts a loopback postgres listener without tls, and port 0 for a free port', () => {
    expect(parse('listeners: { postgres: { listen: "localhost:0" } }').listeners.postgres).toEqual({
      listen: { host: 'localhost', port: 0 },
      tls: null,
      maxMessageBytes: 64 * 1024 * 1024,
      failedLogins: { max: 20, windowSeconds: 60 },
    });
    expect(
      parse('listeners: { postgres: { listen: "[::1]:15432" } }').listeners.postgres?.listen,
    ).toEqual({
      host: '::1',
      port: 15432,
    });
  });
});
