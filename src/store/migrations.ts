import { sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
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
    '0002_events_indexes_for_readers': {
      // Every index of the events table is paid for by every append (a b-tree insert, and pages
      // written to the WAL at each commit); statement events (db.query.start, db.query) are
      // nearly all of the appends and only need to be found by session. So the indexes keep
      // what the readers ask (see test/audit/query-plans.test.ts) and leave statement rows out
      // wherever a reader does not need them:
      // - a session's events: (session_id, seq), over every row (kept from 0001);
      // - sessions listed (by identity, connection, time): a partial index over session.start;
      // - a session's end: a partial index over session.end;
      // - events by type: (type, seq) over every type but the statement events. A listing of
      //   those scans in seq order instead, which is cheap because they are most rows; a query
      //   for another type names the excluded types (literally) so that SQLite can use it.
      // `events_time` served no reader (listing events since a time scans in seq order).
      // The unique index on `id` stays: ids come from the journal (UUIDv7), but they are the
      // dedupe key everywhere, and the database refusing a duplicate costs about 1 µs a row.
      async up(db: Kysely<unknown>): Promise<void> {
        for (const index of [
          'events_type_seq',
          'events_actor_subject_seq',
          'events_connection_name_seq',
          'events_time',
        ]) {
          await db.schema.dropIndex(index).execute();
        }
        await db.schema
          .createIndex('events_type_seq')
          .on('events')
          .columns(['type', 'seq'])
          .where(sql.ref('type'), 'not in', sql`('db.query.start', 'db.query')`)
          .execute();
        // Covering the filters: a listing walks session.start rows newest first and reads the
        // body of those that match only.
        await db.schema
          .createIndex('events_session_start')
          .on('events')
          .columns(['seq', 'actor_subject', 'actor_name', 'connection_name', 'time'])
          .where(sql.ref('type'), '=', 'session.start')
          .execute();
        await db.schema
          .createIndex('events_session_end')
          .on('events')
          .column('session_id')
          .where(sql.ref('type'), '=', 'session.end')
          .execute();
      },
    },
    '0003_export': {
      // Each sink's delivery state (export/): its cursor, the last seq its destination
      // acknowledged, and what the API shows of its health. Dead letters name journal events by
      // seq (the event stays in the journal); a replay is a second cursor over a range of seqs.
      async up(db: Kysely<unknown>): Promise<void> {
        await db.schema
          .createTable('sinks')
          .addColumn('name', 'text', (column) => column.primaryKey())
          .addColumn('cursor_seq', 'integer', (column) => column.notNull())
          .addColumn('delivered', 'integer', (column) => column.notNull().defaultTo(0))
          .addColumn('last_success_at', 'text')
          .addColumn('last_error', 'text')
          .addColumn('last_error_at', 'text')
          .addColumn('degraded_since', 'text')
          .addColumn('updated_at', 'text', (column) => column.notNull())
          .execute();
        await db.schema
          .createTable('sink_dead_letters')
          .addColumn('id', 'integer', (column) => column.primaryKey().autoIncrement())
          .addColumn('sink', 'text', (column) => column.notNull())
          .addColumn('seq', 'integer', (column) => column.notNull())
          .addColumn('event_id', 'text', (column) => column.notNull())
          .addColumn('status', 'integer')
          .addColumn('reason', 'text', (column) => column.notNull())
          .addColumn('created_at', 'text', (column) => column.notNull())
          .addColumn('redrive_requested_at', 'text')
          .execute();
        await db.schema
          .createIndex('sink_dead_letters_sink_seq')
          .on('sink_dead_letters')
          .columns(['sink', 'seq'])
          .execute();
        await db.schema
          .createTable('sink_replays')
          .addColumn('id', 'integer', (column) => column.primaryKey().autoIncrement())
          .addColumn('sink', 'text', (column) => column.notNull())
          .addColumn('from_seq', 'integer', (column) => column.notNull())
          .addColumn('until_seq', 'integer', (column) => column.notNull())
          .addColumn('cursor_seq', 'integer', (column) => column.notNull())
          .addColumn('state', 'text', (column) => column.notNull())
          .addColumn('created_at', 'text', (column) => column.notNull())
          .addColumn('finished_at', 'text')
          .execute();
      },
    },
    '0004_retention': {
      // What retention (audit/retention-*.ts) keeps of the events it removes, so that the chain
      // can still be verified: the anchor (every event up to its seq was removed; the chain goes
      // on from its hash), a link per removed event after it (seq, hash, prevHash: the chain is
      // walked through the gap), and how far each age rule has got. The anchor and each link
      // name the journal.retention event that recorded their removal.
      async up(db: Kysely<unknown>): Promise<void> {
        await db.schema
          .createTable('retention_anchor')
          // One row: the anchor is replaced, never added to.
          .addColumn('id', 'integer', (column) => column.primaryKey().check(sql`id = 1`))
          .addColumn('seq', 'integer', (column) => column.notNull())
          .addColumn('hash', 'text', (column) => column.notNull())
          .addColumn('removed_at', 'text', (column) => column.notNull())
          .addColumn('reason', 'text', (column) => column.notNull())
          .addColumn('record_seq', 'integer', (column) => column.notNull())
          .execute();
        await db.schema
          .createTable('retention_links')
          .addColumn('seq', seqColumnType[dialect], (column) => column.primaryKey())
          .addColumn('hash', 'text', (column) => column.notNull())
          .addColumn('prev_hash', 'text', (column) => column.notNull())
          .addColumn('type', 'text', (column) => column.notNull())
          .addColumn('record_seq', 'integer', (column) => column.notNull())
          .execute();
        await db.schema
          .createTable('retention_progress')
          .addColumn('rule', 'text', (column) => column.primaryKey())
          .addColumn('terms', 'text', (column) => column.notNull())
          .addColumn('seq', 'integer', (column) => column.notNull())
          .execute();
      },
    },
    '0005_collectors': {
      // Each identity-provider log collector's operational state (collectors/): whether it runs or
      // is halted and why, its last success and error, and a resume asked for from the CLI. Where
      // it stands in the provider's log is not here: that checkpoint is a journal event written in
      // the same commit as the events it covers (collector.checkpoint).
      async up(db: Kysely<unknown>): Promise<void> {
        await db.schema
          .createTable('collectors')
          .addColumn('name', 'text', (column) => column.primaryKey())
          .addColumn('type', 'text', (column) => column.notNull())
          .addColumn('state', 'text', (column) => column.notNull())
          .addColumn('halted_reason', 'text')
          .addColumn('halted_at', 'text')
          .addColumn('halted_config', 'text')
          .addColumn('collected', 'integer', (column) => column.notNull().defaultTo(0))
          .addColumn('last_published', 'text')
          .addColumn('caught_up_at', 'text')
          .addColumn('last_success_at', 'text')
          .addColumn('last_error', 'text')
          .addColumn('last_error_at', 'text')
          .addColumn('resume_requested_at', 'text')
          .addColumn('updated_at', 'text', (column) => column.notNull())
          .execute();
      },
    },
    '0006_identities': {
      // One timeline per identity (audit/timeline.ts): the identity provider's events about it
      // (idp.*) beside what it did through Warden.
      // - `identities`: every actor subject seen, with the names it is known by, so that a
      //   timeline can be asked for by subject, client id or alternate id, and listed by last
      //   activity. The journal's indexer keeps it in the transaction that adds the events (once
      //   per subject per transaction); statement events are not counted (they are nearly all
      //   appends, and belong to a session whose start is counted).
      // - a partial index over the actor's non-statement events in time order: the timeline reads
      //   them (and finds the identity's sessions) in `time` order, which is not seq order for
      //   idp.* events, dated by the provider before Warden recorded them. Like 0002's, it leaves
      //   statement rows out, so that appending them costs nothing more.
      async up(db: Kysely<unknown>): Promise<void> {
        await db.schema
          .createTable('identities')
          .addColumn('subject', 'text', (column) => column.primaryKey())
          .addColumn('name', 'text')
          .addColumn('provider', 'text')
          .addColumn('kind', 'text')
          .addColumn('client_id', 'text')
          .addColumn('alternate_id', 'text')
          .addColumn('first_seen', 'text', (column) => column.notNull())
          .addColumn('last_seen', 'text', (column) => column.notNull())
          .addColumn('last_seq', 'integer', (column) => column.notNull())
          .addColumn('gateway_events', 'integer', (column) => column.notNull())
          .addColumn('idp_events', 'integer', (column) => column.notNull())
          .execute();
        for (const column of ['client_id', 'alternate_id']) {
          await db.schema
            .createIndex(`identities_${column}`)
            .on('identities')
            .column(column)
            .execute();
        }
        // Identities are listed newest activity first.
        await db.schema
          .createIndex('identities_last_seen')
          .on('identities')
          .columns(['last_seen', 'subject'])
          .execute();
        await db.schema
          .createIndex('events_actor_subject_time')
          .on('events')
          .columns(['actor_subject', 'time', 'seq'])
          .where(sql.ref('type'), 'not in', sql`('db.query.start', 'db.query')`)
          .execute();
        // The identities of the events already recorded, merged in journal order as the indexer
        // merges them (journal-indexer.ts), reading the non-statement rows through the new index.
        await sql`
          insert into identities (subject, name, provider, kind, client_id, alternate_id,
            first_seen, last_seen, last_seq, gateway_events, idp_events)
          select actor_subject,
            json_extract(body, '$.actor.name'),
            json_extract(body, '$.actor.provider'),
            json_extract(body, '$.actor.kind'),
            json_extract(body, '$.actor.clientId'),
            json_extract(body, '$.actor.alternateId'),
            time, time, seq,
            substr(type, 1, 4) <> 'idp.',
            substr(type, 1, 4) = 'idp.'
          from events indexed by events_actor_subject_time
          where actor_subject is not null and type not in ('db.query.start', 'db.query')
          order by seq
          on conflict (subject) do update set
            name = coalesce(excluded.name, identities.name),
            provider = coalesce(excluded.provider, identities.provider),
            kind = coalesce(excluded.kind, identities.kind),
            client_id = coalesce(excluded.client_id, identities.client_id),
            alternate_id = coalesce(excluded.alternate_id, identities.alternate_id),
            first_seen = min(excluded.first_seen, identities.first_seen),
            last_seen = max(excluded.last_seen, identities.last_seen),
            last_seq = max(excluded.last_seq, identities.last_seq),
            gateway_events = identities.gateway_events + excluded.gateway_events,
            idp_events = identities.idp_events + excluded.idp_events
        `.execute(db);
      },
    },
    '0007_reviews': {
      // Access requests and command reviews (reviews/): what is asked, by whom, under which
      // approval rule (kept as it was when asked, so a later config change does not decide an
      // open request), the approvals so far, and how it ended. Every step is also a journal
      // event (review.*); this table is what the API lists and what decides the next step.
      // - open requests are found by state, for timers at start and the sweep of a restart;
      // - an identity's access requests for a connection are looked up at each connection.
      async up(db: Kysely<unknown>): Promise<void> {
        await db.schema
          .createTable('reviews')
          .addColumn('id', 'text', (column) => column.primaryKey())
          .addColumn('kind', 'text', (column) => column.notNull())
          .addColumn('state', 'text', (column) => column.notNull())
          .addColumn('connection_name', 'text', (column) => column.notNull())
          .addColumn('connection_type', 'text', (column) => column.notNull())
          .addColumn('rule', 'text', (column) => column.notNull())
          .addColumn('requester_subject', 'text', (column) => column.notNull())
          .addColumn('requester_provider', 'text', (column) => column.notNull())
          .addColumn('requester', 'text', (column) => column.notNull())
          .addColumn('source', 'text')
          .addColumn('session_id', 'text')
          .addColumn('command', 'text')
          .addColumn('params', 'text')
          .addColumn('approver_groups', 'text', (column) => column.notNull())
          .addColumn('approvals_required', 'integer', (column) => column.notNull())
          .addColumn('approvals', 'text', (column) => column.notNull())
          .addColumn('grant_ms', 'integer')
          .addColumn('created_at', 'text', (column) => column.notNull())
          .addColumn('expires_at', 'text', (column) => column.notNull())
          .addColumn('decided_at', 'text')
          .addColumn('decided_by', 'text')
          .addColumn('reason', 'text')
          .addColumn('granted_until', 'text')
          .execute();
        await db.schema
          .createIndex('reviews_created')
          .on('reviews')
          .columns(['created_at', 'id'])
          .execute();
        await db.schema
          .createIndex('reviews_state')
          .on('reviews')
          .columns(['state', 'kind'])
          .execute();
        await db.schema
          .createIndex('reviews_requester')
          .on('reviews')
          .columns(['requester_subject', 'requester_provider', 'connection_name', 'kind'])
          .execute();
      },
    },
    '0008_alerts': {
      // The alert rules' place in the journal (rules/): the last event they evaluated. One row:
      // one gateway evaluates the rules of a store. Their counting windows are not kept here:
      // they are rebuilt at start from the journal's events before this cursor.
      async up(db: Kysely<unknown>): Promise<void> {
        await db.schema
          .createTable('alert_engine')
          .addColumn('id', 'integer', (column) => column.primaryKey())
          .addColumn('cursor_seq', 'integer', (column) => column.notNull())
          .addColumn('updated_at', 'text', (column) => column.notNull())
          .execute();
      },
    },
  };
}

export function migrationProvider(dialect: StoreDialect): MigrationProvider {
  const migrations = migrationsFor(dialect);
  return { getMigrations: () => Promise.resolve(migrations) };
}
