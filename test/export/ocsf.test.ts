import { describe, expect, it } from 'vitest';
import { toOcsf } from '../../src/export/ocsf.js';
import { auditEvent as event } from '../support/audit-event.js';

const session = {
  actor: {
    subject: '0oa8agent',
    name: 'billing-agent',
    provider: 'okta',
    groups: ['agents-db', 'billing'],
    kind: 'agent' as const,
    clientId: '0oa8client',
  },
  source: { ip: '10.0.0.7', port: 51234, client: 'psql', user: 'billing' },
  connection: { name: 'pg-prod', type: 'postgres' },
  sessionId: '01936f6d-0000-7000-8000-000000000001',
  authorization: { group: 'agents-db', rule: 'pg-prod.allow[0]' },
};

describe('toOcsf', () => {
  it('maps a completed statement to Datastore Activity: Query, with the query and its counts', () => {
    const ocsf = toOcsf(
      event({
        ...session,
        type: 'db.query',
        request: { command: 'DELETE FROM orders WHERE id = $1', params: ['42'], statementIndex: 3 },
        response: { rows: 1, bytes: 11, sample: 'DELETE 1', truncated: false },
        outcome: { result: 'success', error: null, durationMs: 0.8 },
      }),
    );
    expect(ocsf).toEqual({
      category_uid: 6,
      category_name: 'Application Activity',
      class_uid: 6005,
      class_name: 'Datastore Activity',
      activity_id: 4,
      activity_name: 'Query',
      type_uid: 600504,
      type_name: 'Datastore Activity: Query',
      time: Date.parse('2026-11-21T09:12:15.123Z'),
      severity_id: 1,
      severity: 'Informational',
      status_id: 1,
      status: 'Success',
      duration: 1,
      message: 'billing-agent ran DELETE on pg-prod: 1 row',
      metadata: {
        version: '1.3.0',
        product: { name: 'Warden', vendor_name: 'Warden' },
        uid: '01936f6e-0000-7000-8000-000000000042',
        correlation_uid: '01936f6d-0000-7000-8000-000000000001',
        sequence: 1042,
      },
      actor: {
        user: {
          name: 'billing-agent',
          uid: '0oa8agent',
          groups: [{ name: 'agents-db' }, { name: 'billing' }],
          type_id: 99,
          type: 'Agent',
        },
        idp: { name: 'okta' },
        app_uid: '0oa8client',
        app_name: 'psql',
        authorizations: [
          {
            decision: 'allowed',
            policy: { name: 'pg-prod.allow[0]', group: { name: 'agents-db' } },
          },
        ],
        session: { uid: '01936f6d-0000-7000-8000-000000000001' },
      },
      src_endpoint: { ip: '10.0.0.7', port: 51234 },
      type_id: 1,
      type: 'Database',
      database: { name: 'pg-prod', type: 'postgres', type_id: 1 },
      query_info: { query_string: 'DELETE FROM orders WHERE id = $1', bytes: 11 },
      unmapped: {
        type: 'db.query',
        actor: { kind: 'agent' },
        source: { user: 'billing' },
        request: { params: ['42'], statementIndex: 3 },
        response: { rows: 1, sample: 'DELETE 1', truncated: false },
        prevHash: 'a'.repeat(64),
        hash: 'b'.repeat(64),
      },
    });
  });

  it('gives a statement that failed a Failure status with its SQLSTATE and message', () => {
    const ocsf = toOcsf(
      event({
        ...session,
        type: 'db.query',
        request: { command: 'SELEC 1' },
        response: { rows: 0, bytes: 0, sample: '', truncated: false },
        outcome: {
          result: 'failure',
          error: { code: '42601', message: 'syntax error at or near "SELEC"' },
          durationMs: 2,
        },
      }),
    );
    expect(ocsf).toMatchObject({
      type_uid: 600504,
      status_id: 2,
      status: 'Failure',
      status_code: '42601',
      status_detail: 'syntax error at or near "SELEC"',
      severity_id: 3,
      unmapped: { response: { rows: 0 } },
    });
  });

  it('maps the write-ahead start record to a Query of unknown status, and a cancel to Other', () => {
    const start = toOcsf(
      event({ ...session, type: 'db.query.start', request: { command: 'SELECT pg_sleep(10)' } }),
    );
    expect(start).toMatchObject({ class_uid: 6005, activity_id: 4, status_id: 0 });
    expect(start.query_info).toEqual({ query_string: 'SELECT pg_sleep(10)' });

    const cancel = toOcsf(
      event({ ...session, type: 'db.cancel', outcome: { result: 'success', error: null } }),
    );
    expect(cancel).toMatchObject({
      class_uid: 6005,
      activity_id: 99,
      activity_name: 'Cancel',
      type_uid: 600599,
    });
    expect(cancel).not.toHaveProperty('query_info');
  });

  it('maps session.start to a successful Authentication: Logon and session.end to Logoff', () => {
    const start = toOcsf(
      event({ ...session, type: 'session.start', outcome: { result: 'success', error: null } }),
    );
    expect(start).toMatchObject({
      category_uid: 3,
      category_name: 'Identity & Access Management',
      class_uid: 3002,
      activity_id: 1,
      type_uid: 300201,
      status_id: 1,
      user: { name: 'billing-agent', uid: '0oa8agent' },
      logon_type_id: 3,
      service: { name: 'pg-prod' },
      session: { uid: '01936f6d-0000-7000-8000-000000000001' },
      message: 'billing-agent connected to pg-prod (allowed by group agents-db)',
    });
    expect(start.actor).not.toHaveProperty('session');

    const end = toOcsf(
      event({
        ...session,
        type: 'session.end',
        totals: {
          statements: 4,
          errors: 0,
          rows: 10,
          bytesFromClient: 200,
          bytesToClient: 900,
          endReason: 'client_terminated',
        },
        outcome: { result: 'success', error: null, durationMs: 1500 },
      }),
    );
    expect(end).toMatchObject({
      class_uid: 3002,
      activity_id: 2,
      activity_name: 'Logoff',
      type_uid: 300202,
      duration: 1500,
      unmapped: { totals: { statements: 4, endReason: 'client_terminated' } },
    });
  });

  it('maps authn.failure to a failed Logon by the user name the client sent', () => {
    const ocsf = toOcsf(
      event({
        type: 'authn.failure',
        source: { ip: '203.0.113.9', port: 40000, user: 'admin' },
        connection: { name: 'pg-prod', type: 'postgres' },
        outcome: { result: 'failure', error: { message: 'token expired' } },
      }),
    );
    expect(ocsf).toMatchObject({
      class_uid: 3002,
      activity_id: 1,
      type_uid: 300201,
      status_id: 2,
      status: 'Failure',
      status_detail: 'token expired',
      severity_id: 3,
      user: { name: 'admin', type_id: 0 },
      src_endpoint: { ip: '203.0.113.9', port: 40000 },
    });
    expect(ocsf).not.toHaveProperty('actor');
  });

  it('maps authz.denied to a failed Logon whose authorization decision is denied', () => {
    const ocsf = toOcsf(
      event({
        type: 'authz.denied',
        actor: session.actor,
        source: session.source,
        connection: session.connection,
        outcome: { result: 'denied', error: { message: 'no group grants pg-prod' } },
      }),
    );
    expect(ocsf).toMatchObject({
      class_uid: 3002,
      type_uid: 300201,
      status_id: 2,
      status_detail: 'no group grants pg-prod',
      user: { name: 'billing-agent' },
      actor: { authorizations: [{ decision: 'denied' }] },
    });
  });

  it('maps http.request to API Activity by its method', () => {
    const read = toOcsf(
      event({ ...session, type: 'http.request', request: { command: 'GET /api/v1/pods' } }),
    );
    expect(read).toMatchObject({
      class_uid: 6003,
      activity_id: 2,
      activity_name: 'Read',
      type_uid: 600302,
      api: { operation: 'GET', service: { name: 'pg-prod' } },
      unmapped: { request: { command: 'GET /api/v1/pods' } },
    });
    const remove = toOcsf(
      event({ ...session, type: 'http.request', request: { command: 'x', method: 'delete' } }),
    );
    expect(remove).toMatchObject({ activity_id: 4, type_uid: 600304 });
  });

  it('maps other types to API Activity: Other named by the type, keeping a raw event as it came', () => {
    const raw = { uuid: 'okta-1', eventType: 'user.session.start', target: null };
    const ocsf = toOcsf(event({ type: 'idp.okta', raw }));
    expect(ocsf).toMatchObject({
      class_uid: 6003,
      activity_id: 99,
      activity_name: 'idp.okta',
      type_uid: 600399,
      status_id: 0,
      api: { operation: 'idp.okta' },
      message: 'idp.okta',
    });
    expect((ocsf.unmapped as Record<string, unknown>).raw).toEqual(raw);
  });

  it('leaves no null or empty objects behind, so the JSON has only what is known', () => {
    const text = JSON.stringify(toOcsf(event({ type: 'guardrail.blocked' })));
    expect(text).not.toContain('null');
    expect(text).not.toContain('{}');
  });
});
