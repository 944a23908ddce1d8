import { sql, type Kysely } from 'kysely';
import type { Database } from '../store/index.js';
import { likeContaining, pageLimit, textFilter } from './query-input.js';
import { timeCursor, timePosition } from './time-cursor.js';

// The identities the journal has seen act (the identities table, kept by the journal's indexer):
// each actor subject with the other names its provider knows it by and its last activity.

export interface Identity {
  subject: string;
  name: string | null;
  /** The provider's name in the gateway's config, or the collector's for one seen in idp.* events. */
  provider: string | null;
  kind: string | null;
  clientId: string | null;
  alternateId: string | null;
  /** The earliest and latest event `time`: the provider's time for idp.* events. */
  firstSeen: string;
  lastSeen: string;
  /** Events recorded by Warden, statements not counted (they are in the sessions). */
  gatewayEvents: number;
  /** idp.* events: the identity provider's own log. */
  idpEvents: number;
}

export interface IdentityFilter {
  /** Text in the subject, name, client id or alternate id, case-insensitively (ASCII letters). */
  q?: string;
  /** `nextCursor` of the previous page. */
  after?: string;
  /** Default 100, at most 1000. */
  limit?: number;
}

export interface IdentityPage {
  /** Newest `lastSeen` first. */
  identities: Identity[];
  /** Null on the last page. */
  nextCursor: string | null;
}

const SEARCHED_COLUMNS = ['subject', 'name', 'client_id', 'alternate_id'] as const;

export async function listIdentities(
  db: Kysely<Database>,
  filter: IdentityFilter = {},
): Promise<IdentityPage> {
  const limit = pageLimit(filter.limit);
  const after = filter.after === undefined ? undefined : timePosition(filter.after, 'string');
  const like = filter.q === undefined ? undefined : likeContaining(textFilter('q', filter.q));
  let query = db
    .selectFrom('identities')
    .selectAll()
    .orderBy('last_seen', 'desc')
    .orderBy('subject', 'desc')
    // One more than asked tells whether another page exists.
    .limit(limit + 1);
  if (after !== undefined) {
    query = query.where((eb) =>
      eb(eb.refTuple('last_seen', 'subject'), '<', eb.tuple(after.time, after.key)),
    );
  }
  if (like !== undefined) {
    query = query.where((eb) =>
      eb.or(
        SEARCHED_COLUMNS.map((column) => sql<boolean>`${sql.ref(column)} like ${like} escape '\\'`),
      ),
    );
  }
  const rows = await query.execute();
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    identities: page.map(identityFromRow),
    nextCursor: rows.length > limit && last ? timeCursor(last.last_seen, last.subject) : null,
  };
}

/**
 * The identities known as `key`: by subject, client id or alternate id. Several may be: an agent's
 * client id is its subject at the gateway and in Okta's log, and Entra's app id names the
 * application whose service principal is the subject.
 */
export async function identitiesKnownAs(db: Kysely<Database>, key: string): Promise<Identity[]> {
  const rows = await db
    .selectFrom('identities')
    .selectAll()
    .where((eb) =>
      eb.or([eb('subject', '=', key), eb('client_id', '=', key), eb('alternate_id', '=', key)]),
    )
    .orderBy('subject')
    .execute();
  return rows.map(identityFromRow);
}

function identityFromRow(row: Database['identities']): Identity {
  return {
    subject: row.subject,
    name: row.name,
    provider: row.provider,
    kind: row.kind,
    clientId: row.client_id,
    alternateId: row.alternate_id,
    firstSeen: row.first_seen,
    lastSeen: row.last_seen,
    gatewayEvents: row.gateway_events,
    idpEvents: row.idp_events,
  };
}
