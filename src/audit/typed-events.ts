import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Kysely, SelectQueryBuilder } from 'kysely';
import { TYPES_WITHOUT_TYPE_INDEX, type Database } from '../store/index.js';
import type { AuditEvent } from './event.js';
import { eventFromBody } from './event-row.js';
import { statementTypeLiterals } from './events-query.js';

// The journal's events read in seq order, a page at a time: a stretch of it (the alert rules,
// `warden alerts test`), or the events of one type, for the modules that keep their own records
// in the journal (a collector's checkpoints, the entries it collected). By type through the
// (type, seq) index: never a statement type.

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
      .where('type', 'not in', statementTypeLiterals())
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
export function eventsOfTypeFrom(
  db: Kysely<Database>,
  type: string,
  fromSeq: number,
): AsyncGenerator<AuditEvent> {
  return forward(ofType(db, type), fromSeq - 1);
}

/**
 * The journal's events after `afterSeq` up to `untilSeq`, in seq order, a thousand at a time;
 * with `wanted`, only those it accepts by their type and stored JSON (the others are not parsed).
 */
export function journalEvents(
  db: Kysely<Database>,
  afterSeq: number,
  untilSeq: number,
  wanted?: (type: string, body: string) => boolean,
): AsyncGenerator<AuditEvent> {
  return forward(
    db.selectFrom('events').select(['seq', 'type', 'body']).where('seq', '<=', untilSeq),
    afterSeq,
    wanted,
  );
}

/** The events `rows` selects after seq `after`, in seq order. */
async function* forward(
  rows: SelectQueryBuilder<Database, 'events', { seq: number; type?: string; body: string }>,
  after: number,
  wanted?: (type: string, body: string) => boolean,
): AsyncGenerator<AuditEvent> {
  for (;;) {
    const page = await rows.where('seq', '>', after).orderBy('seq').limit(ROWS_PER_READ).execute();
    for (const row of page) {
      if (wanted === undefined || wanted(row.type as string, row.body)) {
        yield eventFromBody(row.body);
      }
    }
    if (page.length < ROWS_PER_READ) return;
    after = Number((page.at(-1) as { seq: number }).seq);
    // The store answers at once (SQLite, synchronously), so without this a long stretch would be
    // read and handled in one turn of the event loop, holding up every session on this thread.
    await nextTurn();
  }
}
