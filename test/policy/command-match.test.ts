import { beforeAll, describe, expect, it } from 'vitest';
import type { CommandMatch, RecordingExclusion } from '../../src/config/index.js';
import {
  classifySql,
  commandMatches,
  loadSqlClassifier,
  recordingExcluded,
  type CommandProfile,
} from '../../src/policy/index.js';

beforeAll(() => loadSqlClassifier());

function match(conditions: Partial<CommandMatch>): CommandMatch {
  return { statements: [], tables: [], patterns: [], ...conditions };
}

/** Classifies the command, counting how often the matcher asked for its profile. */
function profiled(command: string): { profile: () => CommandProfile; calls: () => number } {
  let calls = 0;
  return {
    profile: () => {
      calls += 1;
      return classifySql(command);
    },
    calls: () => calls,
  };
}

function matches(conditions: Partial<CommandMatch>, command: string): boolean {
  return commandMatches(match(conditions), command, profiled(command).profile);
}

describe('commandMatches', () => {
  it('holds when any listed statement kind is among the command’s', () => {
    const rule: Partial<CommandMatch> = { statements: ['drop', 'truncate'] };
    expect(matches(rule, 'SELECT 1; TRUNCATE orders')).toBe(true);
    expect(matches(rule, 'DELETE FROM orders')).toBe(false);
  });

  it('requires every condition given (AND across, OR within)', () => {
    const rule = { statements: ['delete' as const], tables: ['orders', 'payments'] };
    expect(matches(rule, 'DELETE FROM payments WHERE id = 1')).toBe(true);
    expect(matches(rule, 'DELETE FROM customers WHERE id = 1')).toBe(false);
    expect(matches(rule, 'SELECT * FROM orders')).toBe(false);

    const withPattern = { ...rule, patterns: [/\bcascade\b/i] };
    expect(matches(withPattern, 'DELETE FROM orders WHERE true -- cascade')).toBe(true);
    expect(matches(withPattern, 'DELETE FROM orders WHERE true')).toBe(false);
  });

  it('matches a bare table name in any schema, a qualified one in its schema or unqualified', () => {
    expect(matches({ tables: ['orders'] }, 'SELECT * FROM orders')).toBe(true);
    expect(matches({ tables: ['orders'] }, 'SELECT * FROM public.orders')).toBe(true);
    expect(matches({ tables: ['orders'] }, 'SELECT * FROM archive.orders')).toBe(true);
    expect(matches({ tables: ['orders'] }, 'SELECT * FROM orders_2024')).toBe(false);

    expect(matches({ tables: ['public.orders'] }, 'SELECT * FROM public.orders')).toBe(true);
    expect(matches({ tables: ['public.orders'] }, 'SELECT * FROM orders')).toBe(true);
    expect(matches({ tables: ['public.orders'] }, 'SELECT * FROM archive.orders')).toBe(false);
  });

  it('compares table names case-insensitively', () => {
    expect(matches({ tables: ['Orders'] }, 'SELECT * FROM ORDERS')).toBe(true);
    expect(matches({ tables: ['orders'] }, 'SELECT * FROM "Orders"')).toBe(true);
    expect(matches({ tables: ['PUBLIC.orders'] }, 'SELECT * FROM public."ORDERS"')).toBe(true);
  });

  it('matches a table dropped, truncated or named in a CTE’s write', () => {
    expect(matches({ tables: ['orders'] }, 'DROP TABLE a, orders')).toBe(true);
    expect(matches({ tables: ['orders'] }, 'TRUNCATE public.orders')).toBe(true);
    expect(
      matches({ tables: ['orders'] }, 'WITH d AS (DELETE FROM orders RETURNING 1) SELECT 1'),
    ).toBe(true);
  });

  it('tests patterns on the command text, the same way on every call', () => {
    const global = /pg_sleep/g;
    expect(matches({ patterns: [/^\s*select\s+1\s*;?\s*$/i, global] }, 'SELECT 1')).toBe(true);
    expect(matches({ patterns: [global] }, 'SELECT pg_sleep(10)')).toBe(true);
    expect(matches({ patterns: [global] }, 'SELECT pg_sleep(10)')).toBe(true);
    expect(matches({ patterns: [global] }, 'SELECT 2')).toBe(false);
  });

  it('never classifies the command for a patterns-only rule', () => {
    const command = 'SELECT 1';
    const { profile, calls } = profiled(command);
    expect(commandMatches(match({ patterns: [/select/i] }), command, profile)).toBe(true);
    expect(commandMatches(match({ patterns: [/delete/i] }), command, profile)).toBe(false);
    expect(calls()).toBe(0);
  });

  it('does not classify the command when its patterns already fail', () => {
    const command = 'DELETE FROM orders';
    const { profile, calls } = profiled(command);
    const rule = match({ statements: ['delete'], patterns: [/pg_sleep/] });
    expect(commandMatches(rule, command, profile)).toBe(false);
    expect(calls()).toBe(0);
  });

  it('does not classify a command without the keywords of the statement kinds asked for', () => {
    const command = 'SELECT abalance FROM pgbench_accounts WHERE aid = 42';
    const { profile, calls } = profiled(command);
    expect(commandMatches(match({ statements: ['delete', 'update'] }), command, profile)).toBe(
      false,
    );
    expect(calls()).toBe(0);
    // `select` has no keyword of its own (VALUES and TABLE are selects too): it is parsed.
    expect(commandMatches(match({ statements: ['delete', 'select'] }), command, profile)).toBe(
      true,
    );
    expect(calls()).toBe(1);
  });

  it('finds a keyword in any case and any place, and leaves the answer to the parser', () => {
    expect(
      matches({ statements: ['delete-without-where'] }, 'with d as (dElEtE from t) select 1'),
    ).toBe(true);
    const mentioned = '-- delete later\nSELECT 1';
    const { profile, calls } = profiled(mentioned);
    expect(commandMatches(match({ statements: ['delete'] }), mentioned, profile)).toBe(false);
    expect(calls()).toBe(1);
  });

  it('has the keyword of every kind it skips parsing for in each statement of that kind', () => {
    // Statements of those kinds, some in the less obvious forms: each one the parser gives the
    // kind must hold the kind's keyword, or the keyword check would let it past a rule.
    const corpus = [
      'INSERT INTO t VALUES (1) ON CONFLICT (id) DO UPDATE SET v = 2',
      'WITH u AS (UPDATE t SET v = 1 RETURNING *) SELECT * FROM u',
      'UPDATE t SET v = 1 WHERE CURRENT OF c',
      'EXPLAIN ANALYZE DELETE FROM t',
      'PREPARE p AS DELETE FROM t WHERE id = $1',
      'CREATE RULE r AS ON INSERT TO t DO INSTEAD DELETE FROM u',
      'MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE',
      'COPY (SELECT 1) TO STDOUT',
      'TRUNCATE a, b CASCADE',
      'GRANT admin TO bob',
      'GRANT SELECT ON t TO bob',
      'REVOKE admin FROM bob',
      'ALTER DEFAULT PRIVILEGES IN SCHEMA s GRANT SELECT ON TABLES TO bob',
      'ALTER DEFAULT PRIVILEGES REVOKE ALL ON TABLES FROM bob',
      'CALL refresh_totals()',
      'DO $$ BEGIN PERFORM 1; END $$',
    ];
    const keywordKinds = [
      'insert',
      'update',
      'update-without-where',
      'delete',
      'delete-without-where',
      'merge',
      'copy',
      'truncate',
      'grant',
      'revoke',
      'call',
      'do',
    ] as const;
    const found = new Set<string>();
    for (const command of corpus) {
      for (const kind of keywordKinds) {
        if (!classifySql(command).kinds.has(kind)) continue;
        found.add(kind);
        // Asked for through the keyword check, then the parser: the same answer as the parser.
        expect(matches({ statements: [kind] }, command), `${kind}: ${command}`).toBe(true);
      }
    }
    expect([...found].sort()).toEqual([...keywordKinds].sort());
  });

  it('matches nothing when no condition is given', () => {
    expect(matches({}, 'DELETE FROM orders')).toBe(false);
  });

  it('lets a rule hold commands the parser could not read', () => {
    expect(matches({ statements: ['unparsed'] }, 'DELEET FROM orders')).toBe(true);
    expect(matches({ tables: ['orders'] }, 'DELEET FROM orders')).toBe(false);
  });
});

describe('recordingExcluded', () => {
  const healthCheck: RecordingExclusion = {
    ...match({ patterns: [/^\s*select\s+1\s*;?\s*$/i] }),
    connections: ['pg-prod'],
  };
  const everywhere: RecordingExclusion = {
    ...match({ statements: ['set'] }),
    connections: [],
  };

  function excluded(connection: string, command: string): boolean {
    return recordingExcluded([healthCheck, everywhere], connection, command, () =>
      classifySql(command),
    );
  }

  it('excludes a matching command on the connections the exclusion names', () => {
    expect(excluded('pg-prod', 'select 1;')).toBe(true);
    expect(excluded('pg-staging', 'select 1;')).toBe(false);
  });

  it('applies an exclusion without connections to every connection', () => {
    expect(excluded('pg-staging', 'SET application_name = x')).toBe(true);
    expect(excluded('pg-prod', 'SET application_name = x')).toBe(true);
  });

  it('records everything else', () => {
    expect(excluded('pg-prod', 'SELECT 1 FROM orders')).toBe(false);
    expect(recordingExcluded([], 'pg-prod', 'select 1', () => classifySql('select 1'))).toBe(false);
  });
});
