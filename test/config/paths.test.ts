import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { makeConfigDir, parse } from './helpers.js';

describe('relative paths', () => {
  it('resolve against the config file directory, not the working directory', () => {
    const baseDir = makeConfigDir({
      'tls/cert.pem': 'cert',
      'tls/key.pem': 'key',
      'ca/db-ca.pem': 'ca',
    });
    const config = parse(
      `store: { url: "sqlite:journal/warden.db" }
listeners:
  postgres: { listen: "0.0.0.0:15432", tls: { cert: ./tls/cert.pem, key: tls/key.pem } }
connections:
  - name: pg
    type: postgres
    target: { host: db, database: app, user: app, tls: { mode: verify-full, ca: ca/../ca/db-ca.pem } }`,
      {},
      baseDir,
    );
    expect(config.store.url).toBe(`sqlite:${join(baseDir, 'journal/warden.db')}`);
    expect(config.listeners.postgres?.tls).toEqual({
      cert: join(baseDir, 'tls/cert.pem'),
      key: join(baseDir, 'tls/key.pem'),
    });
    expect(config.connections[0]?.target.tls).toEqual({
      mode: 'verify-full',
      ca: join(baseDir, 'ca/db-ca.pem'),
    });
  });

  it('keep absolute paths as they are', () => {
    const elsewhere = makeConfigDir({ 'cert.pem': 'c', 'key.pem': 'k' });
    const config = parse(
      `store: { url: "sqlite:${elsewhere}/w.db" }
listeners: { postgres: { listen: "10.0.0.1:5432", tls: { cert: ${elsewhere}/cert.pem, key: ${elsewhere}/key.pem } } }`,
    );
    expect(config.store.url).toBe(`sqlite:${elsewhere}/w.db`);
    expect(config.listeners.postgres?.tls?.cert).toBe(`${elsewhere}/cert.pem`);
  });

  it('a ca only applies when the target uses TLS', () => {
    const baseDir = makeConfigDir({ 'ca.pem': 'ca' });
    expect(() =>
      parse(
        `connections:
  - { name: pg, type: postgres, target: { host: db, database: a, user: a, tls: { ca: ca.pem } } }`,
        {},
        baseDir,
      ),
    ).toThrow('connections[0].target.tls.ca: a ca applies only with mode require or verify-full');
  });
});

describe('loadConfig', () => {
  it('reads the file and resolves paths against its directory', async () => {
    const dir = makeConfigDir();
    mkdirSync(join(dir, 'etc'));
    writeFileSync(join(dir, 'etc/warden.yaml'), 'store: { url: "sqlite:./warden.db" }\n');
    const config = await loadConfig(join(dir, 'etc/warden.yaml'), {});
    expect(config.store.url).toBe(`sqlite:${join(dir, 'etc/warden.db')}`);
  });

  it('names the file in its errors', async () => {
    const dir = makeConfigDir({ 'warden.yaml': 'api: { listen: nowhere }\n' });
    await expect(loadConfig(join(dir, 'warden.yaml'), {})).rejects.toThrow(
      `invalid configuration in ${join(dir, 'warden.yaml')} (1 problem):\n  api.listen:`,
    );
  });

  it('reports a file it cannot read', async () => {
    const missing = join(makeConfigDir(), 'nope.yaml');
    const error = await loadConfig(missing, {}).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues).toEqual([
      { path: '', message: `cannot read config file ${missing}: no such file` },
    ]);
  });
});
