// What the delivery engine keeps in the store: each sink's cursor and health, its dead letters,
// and replays. The engine writes here as it goes; the API and the CLI read (and request replays
// and redrives) through the same functions, so a running gateway and `warden sinks …` agree.
import type { Kysely } from 'kysely';
import type {
  Database,
  SinkDeadLettersTable,
  SinkReplaysTable,
  SinksTable,
} from '../store/index.js';

export type SinkRow = SinksTable;
export type DeadLetterRow = Omit<SinkDeadLettersTable, 'id'> & { id: number };
export type ReplayRow = Omit<SinkReplaysTable, 'id'> & { id: number };

export interface DeadLetterDraft {
  seq: number;
  eventId: string;
  status: number | null;
  reason: string;
}

export class SinkStateStore {
  constructor(private readonly db: Kysely<Database>) {}

  async sink(name: string): Promise<SinkRow | null> {
    return (
      (await this.db.selectFrom('sinks').selectAll().where('name', '=', name).executeTakeFirst()) ??
      null
    );
  }

  /** Creates the sink's row at `cursorSeq` unless it exists; returns the row. */
  async ensureSink(name: string, cursorSeq: () => Promise<number>): Promise<SinkRow> {
    const existing = await this.sink(name);
    if (existing) return existing;
    const row: SinkRow = {
      name,
      cursor_seq: await cursorSeq(),
      delivered: 0,
      last_success_at: null,
      last_error: null,
      last_error_at: null,
      degraded_since: null,
      updated_at: new Date().toISOString(),
    };
    await this.db
      .insertInto('sinks')
      .values(row)
      .onConflict((conflict) => conflict.doNothing())
      .execute();
    return (await this.sink(name)) ?? row;
  }

  /** The destination took everything up to `cursorSeq`; `delivered` events were sent. */
  async advance(name: string, cursorSeq: number, delivered: number): Promise<void> {
    const now = new Date().toISOString();
    await this.db
      .updateTable('sinks')
      .set((eb) => ({
        cursor_seq: cursorSeq,
        delivered: eb('delivered', '+', delivered),
        ...(delivered > 0 ? { last_success_at: now } : {}),
        updated_at: now,
      }))
      .where('name', '=', name)
      .execute();
  }

  async recordFailure(name: string, error: string, degradedSince: string | null): Promise<void> {
    const now = new Date().toISOString();
    await this.db
      .updateTable('sinks')
      .set({
        last_error: error,
        last_error_at: now,
        degraded_since: degradedSince,
        updated_at: now,
      })
      .where('name', '=', name)
      .execute();
  }

  async recordRecovery(name: string): Promise<void> {
    const now = new Date().toISOString();
    await this.db
      .updateTable('sinks')
      .set({ degraded_since: null, last_success_at: now, updated_at: now })
      .where('name', '=', name)
      .execute();
  }

  async addDeadLetters(sink: string, letters: readonly DeadLetterDraft[]): Promise<void> {
    if (letters.length === 0) return;
    const now = new Date().toISOString();
    await this.db
      .insertInto('sink_dead_letters')
      .values(
        letters.map((letter) => ({
          sink,
          seq: letter.seq,
          event_id: letter.eventId,
          status: letter.status,
          reason: letter.reason,
          created_at: now,
          redrive_requested_at: null,
        })),
      )
      .execute();
  }

  async deadLetters(
    sink: string,
    options: { afterId?: number; limit: number },
  ): Promise<DeadLetterRow[]> {
    return this.db
      .selectFrom('sink_dead_letters')
      .selectAll()
      .where('sink', '=', sink)
      .where('id', '>', options.afterId ?? 0)
      .orderBy('id')
      .limit(options.limit)
      .execute();
  }

  async deadLetterCount(sink: string): Promise<number> {
    const row = await this.db
      .selectFrom('sink_dead_letters')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('sink', '=', sink)
      .executeTakeFirst();
    return Number(row?.count ?? 0);
  }

  /** Marks dead letters (all of the sink's, or those ids) to be sent again; returns how many. */
  async requestRedrive(sink: string, ids?: readonly number[]): Promise<number> {
    let query = this.db
      .updateTable('sink_dead_letters')
      .set({ redrive_requested_at: new Date().toISOString() })
      .where('sink', '=', sink);
    if (ids !== undefined) query = query.where('id', 'in', ids.length > 0 ? [...ids] : [-1]);
    const result = await query.executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  async redriveRequested(sink: string, limit: number): Promise<DeadLetterRow[]> {
    return this.db
      .selectFrom('sink_dead_letters')
      .selectAll()
      .where('sink', '=', sink)
      .where('redrive_requested_at', 'is not', null)
      .orderBy('id')
      .limit(limit)
      .execute();
  }

  async removeDeadLetters(ids: readonly number[]): Promise<void> {
    if (ids.length === 0) return;
    await this.db
      .deleteFrom('sink_dead_letters')
      .where('id', 'in', [...ids])
      .execute();
  }

  /** A redriven letter refused again: it stays, with the new reason, until asked again. */
  async refuseAgain(id: number, status: number | null, reason: string): Promise<void> {
    await this.db
      .updateTable('sink_dead_letters')
      .set({ status, reason, redrive_requested_at: null, created_at: new Date().toISOString() })
      .where('id', '=', id)
      .execute();
  }

  async addReplay(sink: string, fromSeq: number, untilSeq: number): Promise<ReplayRow> {
    const now = new Date().toISOString();
    const row = await this.db
      .insertInto('sink_replays')
      .values({
        sink,
        from_seq: fromSeq,
        until_seq: untilSeq,
        cursor_seq: fromSeq - 1,
        state: fromSeq > untilSeq ? 'done' : 'pending',
        created_at: now,
        finished_at: fromSeq > untilSeq ? now : null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return row;
  }

  async replays(
    sink: string,
    options: { pendingOnly?: boolean; limit?: number } = {},
  ): Promise<ReplayRow[]> {
    let query = this.db.selectFrom('sink_replays').selectAll().where('sink', '=', sink);
    if (options.pendingOnly) query = query.where('state', '=', 'pending');
    return query
      .orderBy('id', options.pendingOnly ? 'asc' : 'desc')
      .limit(options.limit ?? 20)
      .execute();
  }

  async advanceReplay(id: number, cursorSeq: number, done: boolean): Promise<void> {
    await this.db
      .updateTable('sink_replays')
      .set({
        cursor_seq: cursorSeq,
        ...(done ? { state: 'done', finished_at: new Date().toISOString() } : {}),
      })
      .where('id', '=', id)
      .execute();
  }
}
