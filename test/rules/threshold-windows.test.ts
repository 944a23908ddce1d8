// The counting behind thresholds on its own: by event time whatever the order events come in,
// and within bounds however many keys there are.
import { describe, expect, it } from 'vitest';
import type { CountedEvent } from '../../src/rules/counted-event.js';
import { ThresholdWindows } from '../../src/rules/threshold-windows.js';

let seq = 0;
function counted(second: number): CountedEvent {
  seq += 1;
  const time = new Date(Date.UTC(2026, 10, 21, 9, 0, second)).toISOString();
  return {
    seq,
    id: `event-${seq}`,
    type: 'db.query',
    time,
    timeMs: Date.parse(time),
    actor: null,
    connection: null,
    sessionId: null,
  };
}

describe('ThresholdWindows', () => {
  it('returns the window, in time order, when an event out of order completes it', () => {
    const windows = new ThresholdWindows({ count: 3, windowMs: 10_000, by: 'actor' });
    expect(windows.add('a', counted(5))).toBeNull();
    expect(windows.add('a', counted(9))).toBeNull();
    const reached = windows.add('a', counted(2));
    expect(reached?.map((event) => event.time.slice(17, 19))).toEqual(['02', '05', '09']);
    expect(windows.keys).toBe(0);
  });

  it('does not count an event older than the window of the newest', () => {
    const windows = new ThresholdWindows({ count: 2, windowMs: 10_000, by: 'actor' });
    windows.add('a', counted(30));
    expect(windows.add('a', counted(15))).toBeNull();
    expect(windows.add('a', counted(38))).toHaveLength(2);
  });

  it('forgets the keys least recently counted beyond its limits', () => {
    const windows = new ThresholdWindows(
      { count: 2, windowMs: 60_000, by: 'actor' },
      { maxKeys: 2, maxEvents: 100 },
    );
    windows.add('a', counted(4));
    windows.add('b', counted(5));
    windows.add('c', counted(6));
    expect(windows.keys).toBe(2);
    // `a` was forgotten: its next event starts a new count.
    expect(windows.add('a', counted(7))).toBeNull();
    expect(windows.add('c', counted(8))).toHaveLength(2);
  });

  it('keeps at most maxEvents over every key', () => {
    const windows = new ThresholdWindows(
      { count: 10, windowMs: 60_000, by: 'actor' },
      { maxKeys: 100, maxEvents: 5 },
    );
    for (const second of [1, 2, 3]) windows.add('a', counted(second));
    for (const second of [4, 5, 6]) windows.add('b', counted(second));
    expect(windows.keys).toBe(1);
  });

  it('forgets what an alert already covered', () => {
    const windows = new ThresholdWindows({ count: 3, windowMs: 60_000, by: 'actor' });
    const first = counted(1);
    windows.add('a', first);
    windows.add('a', counted(2));
    windows.clearThrough('a', first.seq);
    expect(windows.add('a', counted(3))).toBeNull();
    expect(windows.add('a', counted(4))).toHaveLength(3);
  });
});
