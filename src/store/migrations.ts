import type { Kysely, Migration, MigrationProvider } from 'kysely';
import type { StoreDialect } from './dialect.js';

// Versioned schema changes, applied in name order at open and recorded by Kysely's Migrator.
// An applied migration is never edited: a change to the schema is a new entry.
// Migrations take Kysely<unknown> because they must keep working when later code changes the
// Database type.

/**
 * The column type of `seq` per dialect. In SQLite, `integer primary key` makes seq the rowid: the
 * table itself is stored in seq order and needs no second index for it.
 */
const seqColumnType = {
  sqlite: 'integer',
} as const satisfies Record<StoreDialect, string>;

function migrationsFor(dialect: StoreDialect): Record<string, Migration> {
  return {
    '0001_events': {
      async up(db: Kysely<unknown>): Promise<void> {
        await db.schema
          .createTable('events')
          .addColumn('seq', seqColumnType[dialect], (column) => column.primaryKey())
          .addColumn('id', 'text', (column) => column.notNull().unique())
          .addColumn('time', 'text', (column) => column.notNull())
          .addColumn('type', 'text', (column) => column.notNull())
          .addColumn('session_id', 'text')
          .addColumn('actor_subject', 'text')
          .addColumn('actor_name', 'text')
          .addColumn('connection_name', 'text')
          .addColumn('outcome_result', 'text')
          .addColumn('body', 'text', (column) => column.notNull())
          .addColumn('prev_hash', 'text', (column) => column.notNull())
          .addColumn('hash', 'text', (column) => column.notNull())
          .execute();
        // Every listing pages by seq within its filter, hence (filter column, seq).
        for (const column of ['type', 'session_id', 'actor_subject', 'connection_name']) {
          await db.schema
            .createIndex(`events_${column}_seq`)
            .on('events')
            .columns([column, 'seq'])
            .execute();
        }
        await db.schema.createIndex('events_time').on('events').column('time').execute();
      },
    },
  };
}

export function migrationProvider(dialect: StoreDialect): MigrationProvider {
  const migrations = migrationsFor(dialect);
  return { getMigrations: () => Promise.resolve(migrations) };
}
