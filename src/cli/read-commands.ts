import { AuditQueryError, verifyJournal, type EventFilter } from '../audit/index.js';
import {
  renderEvents,
  renderSessionDetail,
  renderSessionList,
  renderVerifyResult,
} from './format.js';
import { withLocalStore } from './local-store.js';
import { isoTime, positiveInteger, print, type CommonOptions } from './options.js';

export async function listSessions(
  options: CommonOptions & {
    identity?: string;
    connection?: string;
    since?: string;
    until?: string;
    limit?: string;
    cursor?: string;
  },
): Promise<number> {
  const filter = {
    identity: options.identity,
    connection: options.connection,
    since: isoTime('since', options.since),
    until: isoTime('until', options.until),
    limit: positiveInteger('limit', options.limit, 1000) ?? 50,
    cursor: options.cursor,
  };
  const page = await withLocalStore(options.config, (_store, reader) =>
    reader.listSessions(filter),
  );
  print(options.json, page, () =>
    page.nextCursor
      ? `${renderSessionList(page.sessions)}\nMore: --cursor ${page.nextCursor}`
      : renderSessionList(page.sessions),
  );
  return 0;
}

export async function showSession(
  id: string,
  options: CommonOptions & { limit?: string; cursor?: string },
): Promise<number> {
  const filter = { limit: positiveInteger('limit', options.limit, 1000), cursor: options.cursor };
  const detail = await withLocalStore(options.config, (_store, reader) =>
    reader.getSession(id, filter),
  );
  if (!detail) {
    process.stderr.write(`warden: no session ${id}\n`);
    return 1;
  }
  print(options.json, detail, () =>
    detail.nextCursor
      ? `${renderSessionDetail(detail)}\nMore: --cursor ${detail.nextCursor}`
      : renderSessionDetail(detail),
  );
  return 0;
}

export async function listEvents(
  // The CLI's options are the reader's filters, as text.
  options: CommonOptions & Omit<EventFilter, 'limit'> & { limit?: string },
): Promise<number> {
  const { config, json, limit, ...filters } = options;
  const filter = { ...filters, limit: positiveInteger('limit', limit, 1000) ?? 100 };
  const page = await withLocalStore(config, (_store, reader) => reader.listEvents(filter)).catch(
    asOptionError,
  );
  print(json, page, () =>
    page.nextCursor
      ? `${renderEvents(page.events)}\nMore: --after ${page.nextCursor}`
      : renderEvents(page.events),
  );
  return 0;
}

/** The reader's complaint about a filter, worded for the option that gave it. */
export function asOptionError(error: unknown): never {
  throw error instanceof AuditQueryError ? new Error(`--${error.message}`) : error;
}

function parseAnchor(value: string | undefined): { seq: number; hash: string } | undefined {
  if (value === undefined) return undefined;
  const match = /^(\d+):([0-9a-f]{64})$/.exec(value);
  if (!match)
    throw new Error(`--anchor: expected SEQ:HASH as printed by a past verify, got "${value}"`);
  return { seq: Number(match[1]), hash: match[2]! };
}

export async function verify(options: CommonOptions & { anchor?: string }): Promise<number> {
  const anchor = parseAnchor(options.anchor);
  const result = await withLocalStore(options.config, (store) => verifyJournal(store, { anchor }));
  print(options.json, result, () => renderVerifyResult(result));
  return result.ok ? 0 : 2;
}
