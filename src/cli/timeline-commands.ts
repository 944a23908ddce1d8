// `warden identities` and `warden timeline SUBJECT`: the identities the journal has seen, and one
// identity's story in time order (its provider's log beside what it did through Warden), read
// from the configured store directly, as `warden events` is.
import Table from 'cli-table3';
import {
  EventTypes,
  type AuditEvent,
  type Identity,
  type IdentityFilter,
  type Timeline,
  type TimelineFilter,
} from '../audit/index.js';
import { dash, oneLine, row, shortTime, tableStyle } from './format.js';
import { withLocalStore } from './local-store.js';
import { isoTime, positiveInteger, print, type CommonOptions } from './options.js';
import { asOptionError } from './read-commands.js';

export async function listIdentities(
  options: CommonOptions & Omit<IdentityFilter, 'limit'> & { limit?: string },
): Promise<number> {
  const { config, json, limit, ...filters } = options;
  const filter = { ...filters, limit: positiveInteger('limit', limit, 1000) ?? 50 };
  const page = await withLocalStore(config, (_store, reader) =>
    reader.listIdentities(filter),
  ).catch(asOptionError);
  print(json, page, () =>
    page.nextCursor
      ? `${renderIdentities(page.identities)}\nMore: --after ${page.nextCursor}`
      : renderIdentities(page.identities),
  );
  return 0;
}

export async function showTimeline(
  key: string,
  options: CommonOptions & Omit<TimelineFilter, 'limit'> & { limit?: string },
): Promise<number> {
  const filter = {
    since: isoTime('since', options.since),
    until: isoTime('until', options.until),
    after: options.after,
    limit: positiveInteger('limit', options.limit, 1000) ?? 100,
  };
  const timeline = await withLocalStore(options.config, (_store, reader) =>
    reader.timeline(key, filter),
  ).catch(asOptionError);
  if (!timeline) {
    process.stderr.write(
      `warden: no identity known as ${key} (by subject, client id or alternate id)\n`,
    );
    return 1;
  }
  print(options.json, timeline, () =>
    timeline.nextCursor
      ? `${renderTimeline(timeline)}\nMore: --after ${timeline.nextCursor}`
      : renderTimeline(timeline),
  );
  return 0;
}

export function renderIdentities(identities: Identity[]): string {
  if (identities.length === 0) return 'No identities recorded.';
  const table = new Table({
    ...tableStyle,
    head: [
      'identity',
      'kind',
      'provider',
      'subject',
      'also known as',
      'last seen',
      'events',
      'idp',
    ],
  });
  for (const identity of identities) {
    table.push(
      row([
        identity.name ?? dash,
        identity.kind ?? dash,
        identity.provider ?? dash,
        identity.subject,
        alsoKnownAs(identity) || dash,
        shortTime(identity.lastSeen),
        identity.gatewayEvents,
        identity.idpEvents,
      ]),
    );
  }
  return table.toString();
}

export function renderTimeline(timeline: Timeline): string {
  const header = timeline.identities
    .map(
      (identity) =>
        `${identity.name ?? identity.subject}: ${identity.kind ?? 'identity'} from ` +
        `${identity.provider ?? dash}, subject ${identity.subject}` +
        (alsoKnownAs(identity) ? `, also ${alsoKnownAs(identity)}` : ''),
    )
    .map((line) => oneLine(line, 160))
    .join('\n');
  if (timeline.items.length === 0) return `${header}\nNo events in this range.`;
  const table = new Table({ ...tableStyle, head: ['time', 'source', 'type', 'what', 'outcome'] });
  for (const event of timeline.items) {
    table.push(
      row([shortTime(event.time), source(event), event.type, what(event), outcome(event)]),
    );
  }
  return `${header}\n${table.toString()}`;
}

function alsoKnownAs(identity: Identity): string {
  const names = new Set([identity.clientId, identity.alternateId]);
  names.delete(identity.subject);
  names.delete(null);
  return [...names].join(', ');
}

/** What idp.* events carry beside the AuditEvent's fields (collectors/okta, collectors/entra). */
interface IdpFields {
  collector?: string;
  eventType?: string | null;
}

function idpFields(event: AuditEvent): IdpFields | null {
  const idp = (event as AuditEvent & { idp?: unknown }).idp;
  return event.type.startsWith('idp.') && typeof idp === 'object' && idp !== null
    ? (idp as IdpFields)
    : null;
}

/** The collector that brought an idp.* event in, or the connection a gateway event was on. */
function source(event: AuditEvent): string {
  return idpFields(event)?.collector ?? event.connection?.name ?? event.actor?.provider ?? dash;
}

/** The provider's event type, the SQL command, or what happened to the session. */
function what(event: AuditEvent): string {
  const idp = idpFields(event);
  if (idp !== null) return idp.eventType ?? dash;
  if (event.type === EventTypes.sessionStart) {
    const why = event.authorization;
    return why ? `session opened (group ${why.group}, ${why.rule})` : 'session opened';
  }
  if (event.type === EventTypes.sessionEnd) {
    const totals = event.totals;
    return totals
      ? `session ended (${totals.endReason}, ${totals.statements} statements)`
      : 'session ended';
  }
  return oneLine(event.request?.command ?? '', 60) || dash;
}

function outcome(event: AuditEvent): string {
  const result = event.outcome;
  if (!result) return dash;
  const error = result.error;
  if (!error) return result.result;
  return oneLine(`${result.result}: ${error.code ? `${error.code} ` : ''}${error.message}`, 50);
}
