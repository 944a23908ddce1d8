// Reading the journal for delivery: pages of rows in seq order from the events table, which holds
// every event the indexer has copied (a few milliseconds behind the commits).
import type { Kysely } from 'kysely';
import type { Database } from '../store/index.js';

export interface JournalRow {
  seq: number;
  body: string;
}

/** Rows after `afterSeq`, at most `limit`, none past `untilSeq`. */
export function rowsAfter(
  db: Kysely<Database>,
  afterSeq: number,
  limit: number,
  untilSeq: number | null,
): Promise<JournalRow[]> {
  let query = db
    .selectFrom('events')
    .select(['seq', 'body'])
    .where('seq', '>', afterSeq)
    .orderBy('seq')
    .limit(limit);
  if (untilSeq !== null) query = query.where('seq', '<=', untilSeq);
  return query.execute();
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

/** The last seq in the table; 0 when it is empty. */
export async function lastSeq(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom('events')
    .select('seq')
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row?.seq ?? 0;
}
