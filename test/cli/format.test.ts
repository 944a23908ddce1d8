import { describe, expect, it } from 'vitest';
import { renderEvents } from '../../src/cli/format.js';
import { auditEvent } from '../support/audit-event.js';

describe('readable renderings', () => {
  it('never pass a client-supplied escape sequence to the terminal', () => {
    // A database name sent before authentication: an OSC 52 clipboard write and an erase-line.
    const hostile = 'pg\u001b]52;c;ZWNobyBwd25lZA==\u0007\u001b[2K';
    const output = renderEvents([
      auditEvent({
        type: 'authz.denied',
        source: { ip: '127.0.0.1' },
        connection: { name: hostile, type: 'postgres' },
        outcome: { result: 'denied', error: { code: '3D000', message: `no ${hostile}` } },
      }),
    ]);
    expect(output).not.toContain('\u001b');
    expect(output).not.toContain('\u0007');
    expect(output).toContain('pg\\x1b]52;c;');
  });
});
