import { beforeAll, describe, expect, it } from 'vitest';
import { parseSync } from 'libpg-query';
import type { CommandMatch, RecordingExclusion } from '../../src/config/index.js';
import {
  classifySql,
  commandMatches,
  loadSqlClassifier,
  recordingExcluded,
  type CommandProfile,
} from '../../src/policy/index.js';
import { classifiedStatementNodes } from '../../src/policy/sql-statement-kinds.js';

beforeAll(() => loadSqlClassifier());

/** A statement for each parse node the classifier gives a kind, some in less obvious forms. */
const statementCorpus = [
  // select / DML
  'SELECT 1',
  'VALUES (1), (2)',
  'TABLE orders',
  'SELECT * INTO archive FROM orders',
  'INSERT INTO t VALUES (1) ON CONFLICT (id) DO UPDATE SET v = 2',
  'WITH u AS (UPDATE t SET v = 1 RETURNING *) SELECT * FROM u',
  'UPDATE t SET v = 1 WHERE CURRENT OF c',
  'UPDATE t SET v = 1',
  'EXPLAIN ANALYZE DELETE FROM t',
  'PREPARE p AS DELETE FROM t WHERE id = $1',
  'MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE',
  'COPY (SELECT 1) TO STDOUT',
  'COPY t FROM STDIN',
  'TRUNCATE a, b CASCADE',
  // transactions, settings, calls
  'BEGIN',
  'START TRANSACTION READ ONLY',
  'COMMIT',
  'END',
  'ROLLBACK',
  'ABORT',
  'SAVEPOINT s',
  'RELEASE s',
  'ROLLBACK TO SAVEPOINT s',
  "PREPARE TRANSACTION 'x'",
  "COMMIT PREPARED 'x'",
  "ROLLBACK PREPARED 'x'",
  'SET search_path = app',
  'RESET ALL',
  'SET TRANSACTION ISOLATION LEVEL SERIALIZABLE',
  'SET ROLE admin',
  'SET SESSION AUTHORIZATION bob',
  'CALL refresh_totals()',
  'DO $$ BEGIN PERFORM 1; END $$',
  // privileges
  'GRANT admin TO bob',
  'GRANT SELECT ON t TO bob',
  'REVOKE admin FROM bob',
  'REVOKE ALL ON t FROM bob',
  'ALTER DEFAULT PRIVILEGES IN SCHEMA s GRANT SELECT ON TABLES TO bob',
  'ALTER DEFAULT PRIVILEGES REVOKE ALL ON TABLES FROM bob',
  'COMMENT ON TABLE t IS $$x$$',
  "SECURITY LABEL FOR selinux ON TABLE t IS 'x'",
  // roles
  'CREATE ROLE r',
  'CREATE USER u',
  'CREATE GROUP g',
  'ALTER ROLE r NOLOGIN',
  'ALTER USER u RENAME TO v',
  'ALTER ROLE r SET work_mem = 1',
  'ALTER USER u RESET ALL',
  'DROP ROLE r',
  'DROP USER u',
  'DROP GROUP g',
  // create
  'CREATE TABLE t (id int)',
  'CREATE TABLE t2 AS SELECT 1',
  'CREATE MATERIALIZED VIEW mv AS TABLE t',
  'CREATE FOREIGN TABLE ft (id int) SERVER s',
  'CREATE VIEW v AS VALUES (1)',
  'CREATE INDEX i ON t (id)',
  'CREATE FUNCTION f() RETURNS int LANGUAGE sql SET search_path = app AS $$ SELECT 1 $$',
  'CREATE FUNCTION g() RETURNS int LANGUAGE sql BEGIN ATOMIC RETURN 1; END',
  'CREATE SCHEMA s CREATE TABLE inner_t (id int)',
  'CREATE EXTENSION hstore',
  'CREATE SEQUENCE sq',
  'CREATE TYPE ct AS (a int)',
  "CREATE TYPE e AS ENUM ('a')",
  'CREATE TYPE rg AS RANGE (subtype = int4)',
  'CREATE DOMAIN d AS int',
  'CREATE AGGREGATE agg (int) (sfunc = int4pl, stype = int)',
  'CREATE TRIGGER tr AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION f()',
  'CREATE EVENT TRIGGER et ON ddl_command_start EXECUTE FUNCTION f()',
  'CREATE RULE r AS ON INSERT TO t DO INSTEAD DELETE FROM u',
  'CREATE POLICY p ON t USING (true)',
  'CREATE PUBLICATION pub FOR ALL TABLES',
  "CREATE SUBSCRIPTION sub CONNECTION 'x' PUBLICATION pub",
  'CREATE FOREIGN DATA WRAPPER w',
  'CREATE SERVER s FOREIGN DATA WRAPPER w',
  'CREATE USER MAPPING FOR bob SERVER s',
  "CREATE TABLESPACE ts LOCATION '/x'",
  'CREATE ACCESS METHOD am TYPE TABLE HANDLER h',
  'CREATE CAST (int AS text) WITH INOUT',
  'CREATE CONVERSION c FOR $$LATIN1$$ TO $$UTF8$$ FROM f',
  'CREATE OPERATOR CLASS oc FOR TYPE int USING btree AS OPERATOR 1 <',
  'CREATE OPERATOR FAMILY of USING btree',
  'CREATE LANGUAGE plx HANDLER h',
  'CREATE TRANSFORM FOR int LANGUAGE plx (FROM SQL WITH FUNCTION f(internal))',
  'CREATE STATISTICS st ON a, b FROM t',
  'CREATE DATABASE db',
  'IMPORT FOREIGN SCHEMA fs FROM SERVER s INTO app',
  // alter
  'ALTER TABLE t ADD COLUMN c int',
  'ALTER TABLE t REPLICA IDENTITY FULL',
  'ALTER DOMAIN d SET NOT NULL',
  "ALTER TYPE e ADD VALUE 'b'",
  'ALTER EXTENSION hstore UPDATE',
  'ALTER EXTENSION hstore ADD TABLE t',
  'ALTER FUNCTION f() IMMUTABLE',
  'ALTER FUNCTION f() RESET ALL',
  'ALTER TABLE t SET SCHEMA s',
  'ALTER FUNCTION f() DEPENDS ON EXTENSION hstore',
  'ALTER TABLE t OWNER TO bob',
  'ALTER SEQUENCE sq RESTART',
  'ALTER TEXT SEARCH CONFIGURATION c ADD MAPPING FOR word WITH simple',
  'ALTER TEXT SEARCH DICTIONARY d (x = 1)',
  'ALTER TABLESPACE ts SET (seq_page_cost = 1)',
  'ALTER TABLE ALL IN TABLESPACE ts SET TABLESPACE ts2',
  'ALTER TYPE ct ADD ATTRIBUTE b int',
  'ALTER OPERATOR = (int, int) SET (restrict = eqsel)',
  'ALTER POLICY p ON t USING (false)',
  'ALTER PUBLICATION pub ADD TABLE t',
  'ALTER SUBSCRIPTION sub DISABLE',
  'ALTER EVENT TRIGGER et DISABLE',
  'ALTER FOREIGN DATA WRAPPER w OPTIONS (x $$1$$)',
  "ALTER SERVER s OPTIONS (host 'x')",
  "ALTER USER MAPPING FOR bob SERVER s OPTIONS (user 'x')",
  'ALTER OPERATOR FAMILY of USING btree ADD OPERATOR 1 < (int, int)',
  'ALTER COLLATION c REFRESH VERSION',
  'ALTER STATISTICS st SET STATISTICS 10',
  'ALTER DATABASE db CONNECTION LIMIT 1',
  'ALTER DATABASE db SET work_mem = 1',
  'ALTER DATABASE db REFRESH COLLATION VERSION',
  'ALTER SYSTEM SET work_mem = 1',
  'ALTER TABLE t RENAME TO t3',
  'REASSIGN OWNED BY bob TO alice',
  'ALTER SCHEMA s OWNER TO bob',
  'ALTER TYPE ct SET (storage = plain)',
  // drop
  'DROP TABLE a, orders',
  'DROP OWNED BY bob',
  'DROP SUBSCRIPTION sub',
  'DROP TABLESPACE ts',
  'DROP USER MAPPING FOR bob SERVER s',
  'DROP DATABASE db',
];

/** Adds the names of the statement nodes in a parse tree to `names`. */
function statementNodes(tree: unknown, names: Set<string>): void {
  if (Array.isArray(tree)) {
    for (const item of tree) statementNodes(item, names);
  } else if (tree !== null && typeof tree === 'object') {
    for (const [name, child] of Object.entries(tree)) {
      if (/^[A-Z]\w*Stmt$/.test(name)) names.add(name);
      statementNodes(child, names);
    }
  }
}

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

  it('finds the words of each kind in a statement of every node given that kind', () => {
    // Each statement the parser gives a kind must hold one of the kind's words, or checking the
    // words first would let it past a rule. The corpus has a statement for every node that
    // sql-statement-kinds.ts gives a kind, some in their less obvious forms.
    const seen = new Set<string>();
    for (const command of statementCorpus) {
      statementNodes(parseSync(command), seen);
      for (const kind of classifySql(command).kinds) {
        expect(matches({ statements: [kind] }, command), `${kind}: ${command}`).toBe(true);
      }
    }
    expect(classifiedStatementNodes().filter((node) => !seen.has(node))).toEqual([]);
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
