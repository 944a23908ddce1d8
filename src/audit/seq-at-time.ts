import type { Kysely } from 'kysely';
import type { Database } from '../store/index.js';
import { timeFilter } from './query-input.js';

// Where a time falls in the journal, found without reading through it: the events table has no
// index on time (every index is paid for by every append), but seq order is the order events were
// recorded in, so a binary search over seq finds it in about log2(events) primary-key lookups.
//
// The search keys on when an event was recorded, not on its `time`, because `time` is not
// monotonic in seq: a statement's db.query is dated when the statement was received and recorded
// when it completed (possibly hours later), and an identity provider's events are dated by the
// provider. The record time is nearly monotonic: the journal stamps each event's id (a UUIDv7,
// whose first 48 bits are Unix milliseconds) as it appends it, in seq order. The answer relies on
// two assumptions:
// - the clock the journal stamps ids with does not step back (if NTP steps it back by d, the
//   answer can be up to d too late);
// - no event is dated after it was recorded (producers date events when they happened).

/**
 * The first seq recorded at or after `time` (ISO 8601), or the last seq + 1 if there is none.
 * Every event before it is dated before `time`; events from it on may be dated earlier too (a
 * statement's result), so a reader still compares each row's time.
 */
export async function seqAtTime(db: Kysely<Database>, time: string): Promise<number> {
  const target = Date.parse(timeFilter('time', time));
  let low = 1;
  let high = (await lastSeq(db)) + 1;
  while (low < high) {
    const middle = Math.floor((low + high) / 2);
    // The first event at or after `middle`: retention may have removed the journal's beginning.
    const probe = await db
      .selectFrom('events')
      .select(['id', 'time'])
      .where('seq', '>=', middle)
      .orderBy('seq')
      .limit(1)
      .executeTakeFirstOrThrow();
    if (recordedAt(probe) >= target) high = middle;
    else low = middle + 1;
  }
  return low;
}

/** The last seq in the events table, 0 when it is empty. */
export async function lastSeq(db: Kysely<Database>): Promise<number> {
  // max() of the rowid is one b-tree descent in SQLite.
  const { last } = await db
    .selectFrom('events')
    .select((eb) => eb.fn.max('seq').as('last'))
    .executeTakeFirstOrThrow();
  return last ?? 0;
}

/** Milliseconds since the epoch at which the journal recorded the event. */
function recordedAt(event: { id: string; time: string }): number {
  // xxxxxxxx-xxxx-7xxx-…: the first 12 hex digits are the time; an id of another version (none
  // the journal writes) falls back to the event's own time.
  return event.id[14] === '7'
    ? Number.parseInt(event.id.slice(0, 8) + event.id.slice(9, 13), 16)
    : Date.parse(event.time);
}
