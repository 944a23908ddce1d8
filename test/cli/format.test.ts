import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../src/audit/index.js';
import { renderEvents } from '../../src/cli/format.js';

function event(overrides: Partial<AuditEvent>): AuditEvent {
  return {
    id: '01936f6e-0000-7000-8000-000000000000',
    seq: 1,
    time: '2026-11-21T09:00:00.000Z',
    type: 'authz.denied',
    actor: null,
    source: { ip: '127.0.0.1' },
    connection: null,
    sessionId: null,
    authorization: null,
    request: null,
    response: null,
    outcome: null,
    raw: null,
    prevHash: '0'.repeat(64),
    hash: '1'.repeat(64),
    ...overrides,
  };
}

describe('readable renderings', () => {
  it('never pass a client-supplied escape sequence to the terminal', () => {
    // A database name sent before authentication: an OSC 52 clipboard write and an erase-line.
    const hostile = 'pg\u001b]52;c;ZWNobyBwd25lZA==\u0007\u001b[2K';
    const output = renderEvents([
      event({
        connection: { name: hostile, type: 'postgres' },
        outcome: { result: 'denied', error: { code: '3D000', message: `no ${hostile}` } },
      }),
    ]);
    expect(output).not.toContain('\u001b');
    expect(output).not.toContain('\u0007');
    expect(output).toContain('pg\\x1b]52;c;');
  });
});
