// The alert rules' place in the journal (migration 0008): the last event they evaluated.
import type { Kysely } from 'kysely';
import type { Database } from '../store/index.js';

/** The one row: one gateway evaluates the rules of a store. */
const ROW_ID = 1;

/** The saved cursor, or null before the first start. */
export async function loadAlertCursor(db: Kysely<Database>): Promise<number | null> {
  const row = await db
    .selectFrom('alert_engine')
    .select('cursor_seq')
    .where('id', '=', ROW_ID)
    .executeTakeFirst();
  return row?.cursor_seq ?? null;
}

export async function saveAlertCursor(db: Kysely<Database>, cursorSeq: number): Promise<void> {
  const updatedAt = new Date().toISOString();
  await db
    .insertInto('alert_engine')
    .values({ id: ROW_ID, cursor_seq: cursorSeq, updated_at: updatedAt })
    .onConflict((conflict) =>
      conflict.column('id').doUpdateSet({ cursor_seq: cursorSeq, updated_at: updatedAt }),
    )
    .execute();
}
