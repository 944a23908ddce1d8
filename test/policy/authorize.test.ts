import { describe, expect, it } from 'vitest';
import type { ConnectionConfig } from '../../src/config/index.js';
import type { Principal } from '../../src/identity/index.js';
import { authorize, reachableConnections } from '../../src/policy/index.js';
import { postgresConnection, postgresTarget } from '../support/postgres-connection.js';

function principal(groups: string[]): Principal {
  return {
    subject: '0oa8billing',
    name: 'billing-agent',
    provider: 'okta',
    groups,
    kind: 'agent',
    clientId: '0oa8billing',
    expiresAt: null,
    honouredUntil: null,
  };
}

function connection(name: string, allowGroups: string[]): ConnectionConfig {
  return postgresConnection(name, postgresTarget(), allowGroups);
}

describe('authorize', () => {
  it('denies by default, naming the identity, the connection and its groups', () => {
    expect(authorize(principal(['x', 'y']), connection('pg-prod', ['agents-db']))).toEqual({
      allowed: false,
      reason:
        'billing-agent (okta) is not allowed to use pg-prod: none of its groups [x, y] is in the allow list',
    });
  });

  it('denies everyone when the allow list is empty', () => {
    expect(authorize(principal(['agents-db']), connection('pg-prod', []))).toEqual({
      allowed: false,
      reason: 'billing-agent (okta) is not allowed to use pg-prod: its allow list is empty',
    });
  });

  it('says so when the token carries no groups', () => {
    expect(authorize(principal([]), connection('pg-prod', ['agents-db']))).toEqual({
      allowed: false,
      reason: 'billing-agent (okta) is not allowed to use pg-prod: the token carries no groups',
    });
  });

  it('grants through the first allow entry whose group the principal holds', () => {
    const pg = connection('pg-prod', ['dba', 'agents-db', 'readers']);
    expect(authorize(principal(['readers', 'agents-db']), pg)).toEqual({
      allowed: true,
      grant: { group: 'agents-db', rule: 'pg-prod.allow[1]' },
    });
  });

  it('compares groups exactly', () => {
    expect(authorize(principal(['Agents-DB']), connection('pg-prod', ['agents-db'])).allowed).toBe(
      false,
    );
  });

  it('does not reveal which groups would have been allowed', () => {
    const decision = authorize(principal(['x']), connection('pg-prod', ['secret-group']));
    expect(decision.allowed).toBe(false);
    expect(JSON.stringify(decision)).not.toContain('secret-group');
  });
});

describe('reachableConnections', () => {
  it('lists the connections the principal may use, in configured order', () => {
    const connections = [
      connection('pg-a', ['agents-db']),
      connection('pg-b', ['dba']),
      connection('pg-c', ['readers', 'agents-db']),
      connection('pg-d', []),
    ];
    expect(reachableConnections(principal(['agents-db']), connections).map((c) => c.name)).toEqual([
      'pg-a',
      'pg-c',
    ]);
  });
});

describe('provider-limited allow entries', () => {
  it('match only identities verified by that provider', () => {
    const pg = connection('pg-prod', []);
    pg.allow = [{ group: 'agents-db', provider: 'entra' }];
    expect(authorize(principal(['agents-db']), pg).allowed).toBe(false);
    pg.allow = [{ group: 'agents-db', provider: 'okta' }];
    expect(authorize(principal(['agents-db']), pg)).toEqual({
      allowed: true,
      grant: { group: 'agents-db', rule: 'pg-prod.allow[0]' },
    });
  });
});
