import { describe, expect, it } from 'vitest';
import type { ConnectionConfig } from '../../src/config/index.js';
import { createConnectionRegistry, describeConnection } from '../../src/connections/index.js';
import { postgresConnection, postgresTarget } from '../support/postgres-connection.js';

const password = 'hunter2-very-secret';

function connection(name: string): ConnectionConfig {
  return postgresConnection(
    name,
    postgresTarget({ password, tls: { mode: 'verify-full', ca: '/etc/warden/ca.pem' } }),
    ['agents-db'],
    ['prod'],
  );
}

describe('connection registry', () => {
  it('finds connections by exact name and lists them in order', () => {
    const registry = createConnectionRegistry([connection('pg-prod'), connection('pg-staging')]);
    expect(registry.get('pg-prod')?.target.password).toBe(password);
    expect(registry.get('PG-PROD')).toBeUndefined();
    expect(registry.get('missing')).toBeUndefined();
    expect(registry.list().map((c) => c.name)).toEqual(['pg-prod', 'pg-staging']);
  });

  it('refuses two connections with one name', () => {
    expect(() => createConnectionRegistry([connection('pg'), connection('pg')])).toThrow(
      'duplicate connection name "pg"',
    );
  });
});

describe('describeConnection', () => {
  it('keeps everything but the password', () => {
    const description = describeConnection(connection('pg-prod'));
    expect(description).toEqual({
      name: 'pg-prod',
      type: 'postgres',
      target: {
        host: 'db.internal',
        port: 5432,
        database: 'app',
        user: 'app_rw',
        tls: { mode: 'verify-full', ca: '/etc/warden/ca.pem' },
      },
      allow: [{ group: 'agents-db' }],
      tags: ['prod'],
    });
    expect('password' in description.target).toBe(false);
    expect(JSON.stringify(description)).not.toContain(password);
  });

  it('returns a copy: changing it leaves the configured connection alone', () => {
    const original = connection('pg-prod');
    const description = describeConnection(original);
    description.tags.push('changed');
    description.allow[0]!.group = 'changed';
    description.target.tls.mode = 'disable';
    expect(original.tags).toEqual(['prod']);
    expect(original.allow).toEqual([{ group: 'agents-db' }]);
    expect(original.target.tls.mode).toBe('verify-full');
  });
});
