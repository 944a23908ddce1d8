import type { Kysely } from 'kysely';
import type { Database } from '../store/index.js';
import type { IndexedEvent } from './event-row.js';
import { isStatementType } from './statements.js';

// The identities table (migration 0006) is kept by the journal's indexer: while it collects a
// transaction's rows, it merges each actor's events here, and then writes one upsert per subject
// in the same transaction. As with the inserts (event-insert.ts), the upsert's SQL is compiled by
// Kysely on the main thread and run by the indexer thread; this file imports Kysely's types only.

type IdentityRow = Database['identities'];

/**
 * Every column of the identities table, in the order parameters are bound. `satisfies` makes a
 * column added to the table but not here (or the reverse) a compile error.
 */
const COLUMNS = Object.keys({
  subject: true,
  name: true,
  provider: true,
  kind: true,
  client_id: true,
  alternate_id: true,
  first_seen: true,
  last_seen: true,
  last_seq: true,
  gateway_events: true,
  idp_events: true,
} satisfies Record<keyof IdentityRow, true>) as (keyof IdentityRow)[];

/**
 * Compiles the upsert that adds one subject's merged events to its row: the latest non-null
 * names, the earliest and latest times, the counts added. Migration 0006 merges the same way.
 */
export function compileIdentityUpsert(db: Kysely<Database>): string {
  const placeholder = Object.fromEntries(COLUMNS.map((column) => [column, null]));
  return db
    .insertInto('identities')
    .values(placeholder as unknown as IdentityRow)
    .onConflict((conflict) =>
      conflict.column('subject').doUpdateSet((eb) => ({
        name: eb.fn.coalesce('excluded.name', 'identities.name'),
        provider: eb.fn.coalesce('excluded.provider', 'identities.provider'),
        kind: eb.fn.coalesce('excluded.kind', 'identities.kind'),
        client_id: eb.fn.coalesce('excluded.client_id', 'identities.client_id'),
        alternate_id: eb.fn.coalesce('excluded.alternate_id', 'identities.alternate_id'),
        // SQLite's min() and max() of two values.
        first_seen: eb.fn<string>('min', ['excluded.first_seen', 'identities.first_seen']),
        last_seen: eb.fn<string>('max', ['excluded.last_seen', 'identities.last_seen']),
        last_seq: eb.fn<number>('max', ['excluded.last_seq', 'identities.last_seq']),
        gateway_events: eb('identities.gateway_events', '+', eb.ref('excluded.gateway_events')),
        idp_events: eb('identities.idp_events', '+', eb.ref('excluded.idp_events')),
      })),
    )
    .compile().sql;
}

/** One transaction's events merged per subject, in journal order. */
export class IdentityRollup {
  readonly #identities = new Map<string, IdentityRow>();

  /** Counts the event for its actor; statement events and events without an actor are skipped. */
  add(event: IndexedEvent): void {
    if (isStatementType(event.type) || event.actor === null) return;
    const actor = event.actor;
    // The values are the producer's (a collector's, for idp.* events): anything but text is left
    // out rather than let a binding error stop the indexer.
    const subject = text(actor.subject);
    if (subject === null) return;
    const idp = event.type.startsWith('idp.');
    const known = this.#identities.get(subject);
    if (known === undefined) {
      this.#identities.set(subject, {
        subject,
        name: text(actor.name),
        provider: text(actor.provider),
        kind: text(actor.kind),
        client_id: text(actor.clientId),
        alternate_id: text(actor.alternateId),
        first_seen: event.time,
        last_seen: event.time,
        last_seq: event.seq,
        gateway_events: idp ? 0 : 1,
        idp_events: idp ? 1 : 0,
      });
      return;
    }
    known.name = text(actor.name) ?? known.name;
    known.provider = text(actor.provider) ?? known.provider;
    known.kind = text(actor.kind) ?? known.kind;
    known.client_id = text(actor.clientId) ?? known.client_id;
    known.alternate_id = text(actor.alternateId) ?? known.alternate_id;
    if (event.time < known.first_seen) known.first_seen = event.time;
    if (event.time > known.last_seen) known.last_seen = event.time;
    known.last_seq = event.seq;
    if (idp) known.idp_events += 1;
    else known.gateway_events += 1;
  }

  /** The upsert's parameters, one list per subject. */
  *parameters(): Iterable<unknown[]> {
    for (const row of this.#identities.values()) yield COLUMNS.map((column) => row[column]);
  }
}

function text(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}
