import { beforeAll, describe, expect, it } from 'vitest';
import type { CommandMatch, ConnectionConfig, GuardrailRule } from '../../src/config/index.js';
import { classifySql, findGuardrail, loadSqlClassifier } from '../../src/policy/index.js';
import { postgresConnection, postgresTarget } from '../support/postgres-connection.js';

beforeAll(() => loadSqlClassifier());

function guardrail(
  name: string,
  conditions: Partial<CommandMatch>,
  options: Partial<GuardrailRule> = {},
): GuardrailRule {
  return {
    name,
    match: { statements: [], tables: [], patterns: [], ...conditions },
    action: 'block',
    message: null,
    review: null,
    ...options,
  };
}

function connection(guardrails: GuardrailRule[]): ConnectionConfig {
  return { ...postgresConnection('pg-prod', postgresTarget()), guardrails };
}

function check(pg: ConnectionConfig, command: string) {
  return findGuardrail(pg, command, () => classifySql(command));
}

describe('findGuardrail', () => {
  const unbounded = guardrail('no-unbounded-writes', {
    statements: ['delete-without-where', 'update-without-where'],
  });
  const ddlReview = guardrail(
    'ddl-review',
    { statements: ['ddl'] },
    {
      action: 'review',
      message: 'Schema changes on pg-prod need a DBA',
      review: { approverGroups: [{ group: 'dba' }], approvals: 1, timeoutMs: 300_000 },
    },
  );
  const noSleep = guardrail('no-sleep', { patterns: [/\bpg_sleep\b/i] });
  const pg = connection([unbounded, ddlReview, noSleep]);

  it('finds nothing when no rule matches', () => {
    expect(check(pg, 'DELETE FROM orders WHERE id = 1')).toBeNull();
    expect(check(connection([]), 'DROP TABLE orders')).toBeNull();
  });

  it('names the rule as <connection>.guardrails.<name>, with a default message', () => {
    expect(check(pg, 'WITH d AS (DELETE FROM orders RETURNING 1) SELECT 1')).toEqual({
      rule: 'pg-prod.guardrails.no-unbounded-writes',
      guardrail: unbounded,
      message:
        'Warden: blocked by guardrail "no-unbounded-writes" on pg-prod: DELETE without WHERE',
    });
  });

  it('gives the rule’s own message when it has one', () => {
    expect(check(pg, 'DROP TABLE orders')).toEqual({
      rule: 'pg-prod.guardrails.ddl-review',
      guardrail: ddlReview,
      message: 'Schema changes on pg-prod need a DBA',
    });
  });

  it('takes the first matching rule in configured order', () => {
    // Both unbounded (UPDATE without WHERE) and no-sleep match; unbounded comes first.
    expect(check(pg, 'UPDATE t SET a = pg_sleep(1)')?.rule).toBe(
      'pg-prod.guardrails.no-unbounded-writes',
    );
    const reordered = connection([noSleep, unbounded]);
    expect(check(reordered, 'UPDATE t SET a = pg_sleep(1)')?.rule).toBe(
      'pg-prod.guardrails.no-sleep',
    );
  });

  it('names every condition that matched in the default message', () => {
    const rule = guardrail('orders-writes', {
      statements: ['delete', 'update'],
      tables: ['orders', 'payments'],
      patterns: [/now\(\)/],
    });
    expect(
      check(
        connection([rule]),
        'DELETE FROM public.orders WHERE at < now(); UPDATE payments SET a = 1 WHERE b',
      )?.message,
    ).toBe(
      'Warden: blocked by guardrail "orders-writes" on pg-prod: ' +
        'DELETE, UPDATE; tables public.orders, payments; pattern /now\\(\\)/',
    );
  });

  it('does not say "blocked" for a review rule without a message of its own', () => {
    const review = guardrail(
      'drop-review',
      { statements: ['drop'] },
      { action: 'review', review: ddlReview.review },
    );
    expect(check(connection([review]), 'DROP TABLE orders')?.message).toBe(
      'Warden: guardrail "drop-review" on pg-prod: DROP',
    );
  });

  it('never puts the command text in the default message', () => {
    const rule = guardrail('no-role-changes', { statements: ['role'] });
    const message = check(connection([rule]), "ALTER ROLE app PASSWORD 'hunter2'")?.message;
    expect(message).toBe(
      'Warden: blocked by guardrail "no-role-changes" on pg-prod: a role change',
    );
  });
});
