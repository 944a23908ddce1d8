// Reading the journal for delivery: pages of rows in seq order from the events table, which holds
// every event the indexer has copied (a few milliseconds behind the commits).
import type { Kysely } from 'kysely';
import type { AuditEvent } from '../audit/index.js';
import type { Database } from '../store/index.js';

export interface JournalRow {
  seq: number;
  body: string;
}

/** A journal event as delivery reads it: parsed, with the text it was stored as. */
export interface JournalEntry extends JournalRow {
  /** Shared by every sink that reads it: never modify it. */
  event: AuditEvent;
}

/** Entries kept for the sinks that follow: a few batches' worth, tens of megabytes at most. */
const WINDOW_ENTRIES = 5000;

/**
 * Reads the journal forward for all the sinks of a gateway. Sinks that keep up read the same
 * events at about the same time, so the latest pages read (parsed) are kept in a window that
 * every sink reads from: an event is read and parsed once, not once per sink. A sink behind the
 * window reads from the store without disturbing it.
 */
export class JournalWindow {
  #window: JournalEntry[] = [];

  constructor(private readonly db: Kysely<Database>) {}

  /** Entries after `afterSeq`, up to `limit` (fewer at the window's end); none past `untilSeq`. */
  async after(afterSeq: number, limit: number, untilSeq: number | null): Promise<JournalEntry[]> {
    const window = this.#window;
    const first = window[0];
    const last = window.at(-1);
    let entries: JournalEntry[];
    if (
      first !== undefined &&
      last !== undefined &&
      afterSeq >= first.seq - 1 &&
      afterSeq < last.seq
    ) {
      const start = firstAfter(window, afterSeq);
      entries = window.slice(start, start + limit);
    } else {
      entries = (await this.#rows(afterSeq, limit)).map((row) => ({
        ...row,
        event: JSON.parse(row.body) as AuditEvent,
      }));
      // At or past the window's end: the window follows the sink that leads.
      if (last === undefined || afterSeq >= last.seq) {
        this.#window = afterSeq === last?.seq ? window.concat(entries) : entries;
        if (this.#window.length > WINDOW_ENTRIES) {
          this.#window = this.#window.slice(this.#window.length - WINDOW_ENTRIES);
        }
      }
    }
    if (untilSeq === null) return entries;
    const end = firstAfter(entries, untilSeq);
    return end === entries.length ? entries : entries.slice(0, end);
  }

  #rows(afterSeq: number, limit: number): Promise<JournalRow[]> {
    return this.db
      .selectFrom('events')
      .select(['seq', 'body'])
      .where('seq', '>', afterSeq)
      .orderBy('seq')
      .limit(limit)
      .execute();
  }
}

/** The index of the first entry with a seq above `seq` (entries are in seq order). */
function firstAfter(entries: readonly JournalRow[], seq: number): number {
  let low = 0;
  let high = entries.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((entries[middle] as JournalRow).seq <= seq) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** The rows of these seqs that are still in the journal. */
export function rowsAt(db: Kysely<Database>, seqs: readonly number[]): Promise<JournalRow[]> {
  if (seqs.length === 0) return Promise.resolve([]);
  return db
    .selectFrom('events')
    .select(['seq', 'body'])
    .where('seq', 'in', [...seqs])
    .execute();
}
