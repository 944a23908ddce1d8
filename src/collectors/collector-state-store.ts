import type { Kysely } from 'kysely';
import type { CollectorType } from '../config/index.js';
import type { CollectorsTable, Database } from '../store/index.js';

// The collectors table (migration 0005): what the API and the CLI show of each collector, and a
// resume asked for from the CLI, which a running gateway picks up. Operational state only: where
// a collector stands is in the journal (checkpoint.ts).

export type CollectorRow = CollectorsTable;

export class CollectorStateStore {
  constructor(private readonly db: Kysely<Database>) {}

  /** The collector's row, made (running) when it has none yet. */
  async open(name: string, type: CollectorType): Promise<CollectorRow> {
    await this.db
      .insertInto('collectors')
      .values({ name, type, state: 'running', collected: 0, updated_at: now() })
      .onConflict((conflict) => conflict.column('name').doNothing())
      .execute();
    return this.read(name) as Promise<CollectorRow>;
  }

  async read(name: string): Promise<CollectorRow | undefined> {
    return this.db.selectFrom('collectors').selectAll().where('name', '=', name).executeTakeFirst();
  }

  async update(name: string, changes: Partial<Omit<CollectorRow, 'name' | 'type'>>): Promise<void> {
    await this.db
      .updateTable('collectors')
      .set({ ...changes, updated_at: now() })
      .where('name', '=', name)
      .execute();
  }

  async halt(name: string, reason: string, config: string): Promise<void> {
    const at = now();
    await this.update(name, {
      state: 'halted',
      halted_reason: reason,
      halted_at: at,
      halted_config: config,
      last_error: reason,
      last_error_at: at,
      resume_requested_at: null,
    });
  }

  async resume(name: string): Promise<void> {
    await this.update(name, {
      state: 'running',
      halted_reason: null,
      halted_at: null,
      halted_config: null,
      resume_requested_at: null,
    });
  }

  /** Asks a halted collector to resume; false when there is no such collector. */
  async requestResume(name: string): Promise<boolean> {
    const result = await this.db
      .updateTable('collectors')
      .set({ resume_requested_at: now(), updated_at: now() })
      .where('name', '=', name)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }
}

function now(): string {
  return new Date().toISOString();
}
