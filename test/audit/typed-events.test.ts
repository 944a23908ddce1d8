import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { journalEvents, openJournal, type AuditEvent } from '../../src/audit/index.js';
import { countEventLoopTurns } from '../support/event-loop-turns.js';
import { openTempStore, queryDraft, type TempStore } from './fixtures.js';

async function collect(events: AsyncGenerator<AuditEvent>): Promise<AuditEvent[]> {
  const all: AuditEvent[] = [];
  for await (const event of events) all.push(event);
  return all;
}

describe('journalEvents', () => {
  let temp: TempStore;

  beforeAll(async () => {
    temp = await openTempStore();
    const journal = await openJournal(temp.store);
    // 1500 events, more than one read's page: a start and a result per statement.
    for (let index = 1; index <= 750; index++) {
      await journal.appendMany([
        { ...queryDraft(index), type: 'db.query.start' },
        queryDraft(index),
      ]);
    }
    await journal.close();
  });
  afterAll(() => temp.cleanup());

  it('reads a stretch of the journal in seq order, across pages', async () => {
    const events = await collect(journalEvents(temp.store.db, 10, 1210));
    expect(events.map((event) => event.seq)).toEqual(
      Array.from({ length: 1200 }, (_, index) => 11 + index),
    );
  });

  it('gives only the events of the types `wanted` accepts, in seq order', async () => {
    const asked: string[] = [];
    const results = await collect(
      journalEvents(temp.store.db, 0, 1500, (type, body) => {
        asked.push(type);
        // The stored JSON of the event asked about.
        expect((JSON.parse(body) as AuditEvent).seq).toBe(asked.length);
        return type === 'db.query';
      }),
    );
    expect(asked).toHaveLength(1500);
    expect(results.map((event) => event.seq)).toEqual(
      Array.from({ length: 750 }, (_, index) => 2 * (index + 1)),
    );
    expect(new Set(results.map((event) => event.type))).toEqual(new Set(['db.query']));
    expect(results[0]?.request?.command).toBe('SELECT 1');
  });

  // SQLite answers synchronously: without a pause between pages, the whole stretch would be read
  // in one turn of the event loop, and every session proxied on the thread would wait for it.
  it('lets the event loop turn between pages', async () => {
    const loop = countEventLoopTurns();
    const turnsAtPage: number[] = [];
    for await (const event of journalEvents(temp.store.db, 0, 1500)) {
      if (event.seq === 1 || event.seq === 1001) turnsAtPage.push(loop.turns());
    }
    loop.stop();
    expect(turnsAtPage).toHaveLength(2);
    expect(turnsAtPage[1]).toBeGreaterThan(turnsAtPage[0] as number);
  });
});
