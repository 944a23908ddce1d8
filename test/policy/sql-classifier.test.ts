import { beforeAll, describe, expect, it } from 'vitest';
import { classifySql, loadSqlClassifier } from '../../src/policy/index.js';

beforeAll(() => loadSqlClassifier());

function classified(text: string): { kinds: string[]; tables: string[] } {
  const profile = classifySql(text);
  return { kinds: [...profile.kinds].sort(), tables: [...profile.tables] };
}

describe('classifySql', () => {
  it.each([
    ['SELECT * FROM orders', ['select'], ['orders']],
    ['DELETE FROM orders WHERE id = $1', ['delete'], ['orders']],
    ['DELETE FROM orders', ['delete', 'delete-without-where'], ['orders']],
    ['DELETE FROM orders WHERE CURRENT OF c', ['delete'], ['orders']],
    ['update t set a=1', ['update', 'update-without-where'], ['t']],
    ['update t set a=1 where id = 2', ['update'], ['t']],
    [
      'WITH d AS (DELETE FROM orders RETURNING *) SELECT * FROM d',
      ['delete', 'delete-without-where', 'select'],
      ['orders'],
    ],
    [
      'WITH u AS (UPDATE accounts SET x = 1 RETURNING id) SELECT id FROM u',
      ['select', 'update', 'update-without-where'],
      ['accounts'],
    ],
    [
      'SELECT 1; DELETE FROM orders; UPDATE t SET a = 1 WHERE b',
      ['delete', 'delete-without-where', 'select', 'update'],
      ['orders', 't'],
    ],
    ['INSERT INTO orders VALUES (1)', ['insert'], ['orders']],
    ['INSERT INTO archive SELECT * FROM orders', ['insert', 'select'], ['archive', 'orders']],
    ['VALUES (1), (2)', ['select'], []],
    ['MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE', ['merge'], ['t', 's']],
    ['DROP TABLE a, b', ['ddl', 'drop'], ['a', 'b']],
    ['DROP INDEX public.orders_idx', ['ddl', 'drop'], ['public.orders_idx']],
    ['DROP FUNCTION f()', ['ddl', 'drop'], []],
    ['TRUNCATE orders', ['truncate'], ['orders']],
    ['GRANT SELECT ON orders TO reporting', ['grant'], ['orders']],
    ['REVOKE SELECT ON orders FROM reporting', ['revoke'], ['orders']],
    ['GRANT admin TO alice', ['grant'], []],
    ['REVOKE admin FROM alice', ['revoke'], []],
    ['ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO x', ['alter', 'ddl', 'grant'], []],
    ["ALTER ROLE x PASSWORD 'p'", ['alter', 'ddl', 'role'], []],
    ["CREATE USER app WITH PASSWORD 'p'", ['create', 'ddl', 'role'], []],
    ['DROP ROLE app', ['ddl', 'drop', 'role'], []],
    ['CREATE TABLE t (id int)', ['create', 'ddl'], ['t']],
    ['CREATE TABLE t2 AS SELECT * FROM t', ['create', 'ddl', 'select'], ['t2', 't']],
    ['SELECT * INTO t2 FROM t', ['create', 'ddl', 'select'], ['t2', 't']],
    ['CREATE INDEX i ON orders (created)', ['create', 'ddl'], ['orders']],
    ['CREATE VIEW v AS SELECT * FROM orders', ['create', 'ddl', 'select'], ['v', 'orders']],
    ['CREATE SCHEMA billing', ['create', 'ddl'], []],
    ['ALTER TABLE orders ADD COLUMN note text', ['alter', 'ddl'], ['orders']],
    ['ALTER TABLE orders RENAME TO old_orders', ['alter', 'ddl'], ['orders']],
    ["COMMENT ON TABLE orders IS 'x'", ['ddl'], ['orders']],
    ['COPY orders FROM STDIN', ['copy'], ['orders']],
    ['COPY (SELECT * FROM orders) TO STDOUT', ['copy', 'select'], ['orders']],
    ['DO $$ BEGIN PERFORM 1; END $$', ['do'], []],
    ['CALL refresh()', ['call'], []],
    ['BEGIN', ['transaction'], []],
    ['SET search_path = billing', ['set'], []],
    ['RESET ALL', ['set'], []],
    ['SHOW work_mem', ['other'], []],
    ['VACUUM orders', ['other'], ['orders']],
    ['EXPLAIN ANALYZE DELETE FROM t', ['delete', 'delete-without-where'], ['t']],
    ['PREPARE p AS DELETE FROM t', ['delete', 'delete-without-where'], ['t']],
    ['SELECT * FROM "Orders"', ['select'], ['Orders']],
    ['SELECT * FROM ORDERS', ['select'], ['orders']],
    [
      'SELECT * FROM Billing."Invoices" JOIN public.orders o ON true',
      ['select'],
      ['billing.Invoices', 'public.orders'],
    ],
    ['SELECT * FROM app.public.orders', ['select'], ['public.orders']],
    [
      'SELECT * FROM orders WHERE id IN (SELECT order_id FROM payments)',
      ['select'],
      ['orders', 'payments'],
    ],
  ])('%s', (text, kinds, tables) => {
    expect(classified(text)).toEqual({ kinds, tables });
  });

  it('reads a command the parser refuses as unparsed, with no tables', () => {
    expect(classified('garbage FROM orders')).toEqual({ kinds: ['unparsed'], tables: [] });
    expect(classified('SELECT FROM WHERE')).toEqual({ kinds: ['unparsed'], tables: [] });
  });

  it('gives an empty command no kinds', () => {
    expect(classified('')).toEqual({ kinds: [], tables: [] });
    expect(classified('  \n ')).toEqual({ kinds: [], tables: [] });
    expect(classified(' ; -- nothing')).toEqual({ kinds: [], tables: [] });
  });

  describe('CTE names', () => {
    it('are not tables', () => {
      expect(classified('WITH recent AS (SELECT * FROM orders) SELECT * FROM recent')).toEqual({
        kinds: ['select'],
        tables: ['orders'],
      });
    });

    it('do not hide a write target of the same name', () => {
      expect(classified('WITH orders AS (SELECT 1) DELETE FROM orders')).toEqual({
        kinds: ['delete', 'delete-without-where', 'select'],
        tables: ['orders'],
      });
    });

    it('do not hide a schema-qualified table', () => {
      expect(classified('WITH orders AS (SELECT 1) SELECT * FROM public.orders').tables).toEqual([
        'public.orders',
      ]);
    });

    it('are visible only to later CTEs unless RECURSIVE, and only within their statement', () => {
      expect(
        classified('WITH a AS (SELECT * FROM b), b AS (SELECT * FROM a) SELECT 1').tables,
      ).toEqual(['b']);
      expect(
        classified('WITH RECURSIVE a AS (SELECT * FROM b), b AS (SELECT * FROM a) SELECT 1').tables,
      ).toEqual([]);
      expect(classified('WITH orders AS (SELECT 1) SELECT 1; SELECT * FROM orders').tables).toEqual(
        ['orders'],
      );
    });
  });

  // The parser itself gives up near 10,000 levels (then the command is unparsed); a recursive
  // walk of its tree would give up before it.
  it('classifies an expression nested as deep as the parser reads', () => {
    const deep = `DELETE FROM orders WHERE id = 1${' + 1'.repeat(9_000)}`;
    expect(classified(deep)).toEqual({ kinds: ['delete'], tables: ['orders'] });
    const deeper = `DELETE FROM orders WHERE id = 1${' + 1'.repeat(20_000)}`;
    expect(classified(deeper)).toEqual({ kinds: ['unparsed'], tables: [] });
  });

  it('answers a repeated command from its cache, which keeps the 4096 latest', () => {
    const first = classifySql('SELECT * FROM orders WHERE id = 7');
    expect(classifySql('SELECT * FROM orders WHERE id = 7')).toBe(first);
    for (let i = 0; i < 4096; i++) classifySql(`SELECT ${i}`);
    const again = classifySql('SELECT * FROM orders WHERE id = 7');
    expect(again).not.toBe(first);
    expect(again).toEqual(first);
  });

  it('does not cache a command longer than 16 KiB', () => {
    const long = `SELECT * FROM orders WHERE note = '${'x'.repeat(16 * 1024)}'`;
    const first = classifySql(long);
    expect(classifySql(long)).not.toBe(first);
    expect(classifySql(long)).toEqual(first);
  });
});
