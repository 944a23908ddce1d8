import type { AuditEvent } from '../../src/audit/index.js';

/**
 * A sealed AuditEvent as readers and sinks receive it, without going through a journal: every
 * optional part null unless `fields` gives it.
 */
export function auditEvent(fields: Partial<AuditEvent> & { type: string }): AuditEvent {
  return {
    id: '01936f6e-0000-7000-8000-000000000042',
    seq: 1042,
    time: '2026-11-21T09:12:15.123Z',
    actor: null,
    source: null,
    connection: null,
    sessionId: null,
    authorization: null,
    request: null,
    response: null,
    outcome: null,
    raw: null,
    prevHash: 'a'.repeat(64),
    hash: 'b'.repeat(64),
    ...fields,
  };
}
