import { sql, type Kysely } from 'kysely';
import { TYPES_WITHOUT_TYPE_INDEX, type Database } from '../store/index.js';
import type { AuditEvent } from './event.js';
import { eventFromBody } from './event-row.js';
import { pageLimit, seqFilter, timeFilter } from './query-input.js';

export interface EventFilter {
  type?: string;
  /** Events whose time is at or after this ISO 8601 time. */
  since?: string;
  /** Events after this seq: pass the last seq of a page to get the next one. */
  after?: number;
  /** Default 100, at most 1000. */
  limit?: number;
}

/** Raw AuditEvents in journal order (ascending seq). */
export async function listEvents(
  db: Kysely<Database>,
  filter: EventFilter = {},
): Promise<AuditEvent[]> {
  let query = db.selectFrom('events').select('body').orderBy('seq').limit(pageLimit(filter.limit));
  if (filter.type !== undefined) {
    query = query.where('type', '=', filter.type);
    // Statement events are most of the journal: they are found scanning in seq order. Any other
    // type is found through the partial type index, which SQLite uses only when the query
    // repeats the index's condition, literally.
    const unindexed: readonly string[] = TYPES_WITHOUT_TYPE_INDEX;
    if (!unindexed.includes(filter.type)) {
      query = query.where(
        'type',
        'not in',
        TYPES_WITHOUT_TYPE_INDEX.map((type) => sql.lit(type)),
      );
    }
  }
  if (filter.since !== undefined) {
    query = query.where('time', '>=', timeFilter('since', filter.since));
  }
  if (filter.after !== undefined) {
    query = query.where('seq', '>', seqFilter('after', filter.after));
  }
  const rows = await query.execute();
  return rows.map((row) => eventFromBody(row.body));
}
