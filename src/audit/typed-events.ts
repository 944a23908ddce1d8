import { sql, type Kysely } from 'kysely';
import { TYPES_WITHOUT_TYPE_INDEX, type Database } from '../store/index.js';
import type { AuditEvent } from './event.js';
import { eventFromBody } from './event-row.js';

// Events of one type, for the modules that keep their own records in the journal (a collector's
// checkpoints, the entries it collected). Through the (type, seq) index: never a statement type.

const ROWS_PER_READ = 1000;

function ofType(db: Kysely<Database>, type: string) {
  if ((TYPES_WITHOUT_TYPE_INDEX as readonly string[]).includes(type))
    throw new Error(`${type} events are not indexed by type`);
  return (
    db
      .selectFrom('events')
      .select(['seq', 'body'])
      .where('type', '=', type)
      // Literally, so that SQLite sees the query within the partial index (migration 0002).
      .where(
        'type',
        'not in',
        TYPES_WITHOUT_TYPE_INDEX.map((excluded) => sql.lit(excluded)),
      )
  );
}

/** The newest event of `type` that `match` accepts, reading back from the journal's end. */
export async function latestEventOfType(
  db: Kysely<Database>,
  type: string,
  match: (event: AuditEvent) => boolean,
): Promise<AuditEvent | null> {
  let before = Number.MAX_SAFE_INTEGER;
  for (;;) {
    const rows = await ofType(db, type)
      .where('seq', '<', before)
      .orderBy('seq', 'desc')
      .limit(ROWS_PER_READ)
      .execute();
    for (const row of rows) {
      const event = eventFromBody(row.body);
      if (match(event)) return event;
    }
    if (rows.length < ROWS_PER_READ) return null;
    before = Number((rows.at(-1) as { seq: number }).seq);
  }
}

/** The events of `type` from `fromSeq` on, in seq order, read a thousand at a time. */
export async function* eventsOfTypeFrom(
  db: Kysely<Database>,
  type: string,
  fromSeq: number,
): AsyncGenerator<AuditEvent> {
  let after = fromSeq - 1;
  for (;;) {
    const rows = await ofType(db, type)
      .where('seq', '>', after)
      .orderBy('seq')
      .limit(ROWS_PER_READ)
      .execute();
    for (const row of rows) yield eventFromBody(row.body);
    if (rows.length < ROWS_PER_READ) return;
    after = Number((rows.at(-1) as { seq: number }).seq);
  }
}
