// The window of failed logins per address, on a clock the test moves.
import { describe, expect, it } from 'vitest';
import { FailedLogins } from '../../src/identity/index.js';

describe('failed logins', () => {
  it('closes an address after max failures until its window ends, refusing it once recorded', () => {
    let now = 1_000_000;
    const logins = new FailedLogins({ max: 3, windowSeconds: 60 }, () => now);
    for (let i = 0; i < 3; i++) {
      expect(logins.check('10.0.0.7')).toEqual({ open: true });
      logins.recordFailure('10.0.0.7');
      now += 1000;
    }
    expect(logins.check('10.0.0.7')).toEqual({
      open: false,
      retryAfterSeconds: 57,
      firstRefusal: true,
    });
    expect(logins.check('10.0.0.7')).toMatchObject({ open: false, firstRefusal: false });
    // Another address is not affected.
    expect(logins.check('10.0.0.8')).toEqual({ open: true });

    now += 57_000;
    expect(logins.check('10.0.0.7')).toEqual({ open: true });
    logins.recordFailure('10.0.0.7');
    expect(logins.check('10.0.0.7')).toEqual({ open: true });
  });
});
