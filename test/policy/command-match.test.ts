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
