import type { Kysely } from 'kysely';
import type { AuditEvent } from '../audit/index.js';
import type { Database } from '../store/index.js';

const ROWS_PER_READ = 1000;

/** The journal's events after `afterSeq` up to `untilSeq`, in seq order, a page at a time. */
export async function* journalEvents(
  db: Kysely<Database>,
  afterSeq: number,
  untilSeq: number,
): AsyncGenerator<AuditEvent> {
  let after = afterSeq;
  while (after < untilSeq) {
    const rows = await db
      .selectFrom('events')
      .select(['seq', 'body'])
      .where('seq', '>', after)
      .where('seq', '<=', untilSeq)
      .orderBy('seq')
      .limit(ROWS_PER_READ)
      .execute();
    for (const row of rows) yield JSON.parse(row.body) as AuditEvent;
    if (rows.length < ROWS_PER_READ) return;
    after = (rows.at(-1) as { seq: number }).seq;
  }
}
