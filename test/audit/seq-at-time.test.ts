// seqAtTime over a real journal whose clock is set event by event: the journal stamps each id
// (UUIDv7) with the time it records the event, which is what the search keys on.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openJournal, seqAtTime, type AuditEvent } from '../../src/audit/index.js';
import { openTempStore, queryDraft, tamper, type TempStore } from './fixtures.js';

/** 2026-11-20T09:mm:00.000Z */
const at = (minute: number) => new Date(Date.UTC(2026, 10, 20, 9, minute)).toISOString();

describe('seqAtTime', () => {
  let temp: TempStore;
  let events: AuditEvent[];

  /**
   * One event recorded per minute from 09:00 (seq 1) to 09:59 (seq 60). Those recorded from 09:24
   * to 09:34 are results of statements started at 08:00, and dated then: a search keyed on `time`
   * would probe one of them first and skip past 09:20.
   */
  beforeAll(async () => {
    temp = await openTempStore();
    expect(await seqAtTime(temp.store.db, at(0))).toBe(1);
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const journal = await openJournal(temp.store);
      events = [];
      for (let minute = 0; minute < 60; minute++) {
        vi.setSystemTime(new Date(at(minute)));
        const backDated = minute >= 24 && minute <= 34;
        events.push(
          await journal.append({
            ...queryDraft(minute),
            ...(backDated ? { time: '2026-11-20T08:00:00.000Z' } : {}),
          }),
        );
      }
      await journal.close();
    } finally {
      vi.useRealTimers();
    }
  });

  afterAll(async () => {
    await temp.cleanup();
  });

  it('is the first seq recorded at or after the time', async () => {
    expect(events.map((event) => event.seq)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    expect(events[30]?.time).toBe('2026-11-20T08:00:00.000Z');
    const db = temp.store.db;
    expect(await seqAtTime(db, at(20))).toBe(21);
    expect(await seqAtTime(db, '2026-11-20T09:20:30Z')).toBe(22);
    expect(await seqAtTime(db, at(30))).toBe(31);
    expect(await seqAtTime(db, '2026-11-20T08:00:00Z')).toBe(1);
    expect(await seqAtTime(db, '2026-11-20T09:59:00.001Z')).toBe(61);
  });

  it('finds its way over events removed from the journal', async () => {
    tamper(temp.path, (db) => db.prepare('DELETE FROM events WHERE seq BETWEEN 15 AND 25').run());
    // Every event before 15 was recorded before 09:20; the next one there is, at 09:25.
    expect(await seqAtTime(temp.store.db, at(20))).toBe(15);
    expect(await seqAtTime(temp.store.db, at(10))).toBe(11);
  });

  it('refuses a malformed time', async () => {
    await expect(seqAtTime(temp.store.db, 'noon')).rejects.toThrow(
      'time: expected an ISO 8601 time, got "noon"',
    );
  });
});
