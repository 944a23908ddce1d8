import { existsSync } from 'node:fs';
import type { Kysely } from 'kysely';
import type { Database, EventsTable, Store } from '../store/index.js';
import { GENESIS_HASH, hashEvent } from './chain.js';
import type { AuditEvent } from './event.js';
import { EventLogReader } from './event-log-reader.js';
import { eventLogDirectory, type ChainHead } from './event-log-segments.js';
import { eventFromBody, eventRow } from './event-row.js';
import { RetentionTrail, type KeptAnchor } from './verify-retention.js';

export type VerifyResult =
  | {
      ok: true;
      events: number;
      /**
       * Of the events, those committed to the event log but not yet in the table (a gateway
       * indexes them within moments, or at its next start).
       */
      unindexed: number;
      lastSeq: number;
      /** Hash of the newest event: kept outside the database, it anchors a later verification. */
      headHash: string;
      /** What retention removed that the chain was verified from or through; null: nothing. */
      retention: VerifiedRetention | null;
    }
  | {
      ok: false;
      /** Intact events before the first bad one. */
      events: number;
      firstBadSeq: number;
      problem: TamperKind;
      detail: string;
    };

export interface VerifiedRetention {
  /** Every event up to its seq was removed by retention: the chain is verified from its hash. */
  keptAnchor: KeptAnchor | null;
  /** Events removed by retention after the anchor, whose kept links the chain was walked through. */
  removedByType: Record<string, number>;
  /** The anchor given lies before the kept anchor: its event is gone, so it was not checked. */
  givenAnchorRemoved: boolean;
}

/** `damaged`: the event log after the table's end does not continue the chain. */
export type TamperKind = 'altered' | 'removed' | 'inserted' | 'damaged';

export interface VerifyOptions {
  /** Rows read per query; memory stays bounded by it whatever the journal's size. */
  pageSize?: number;
  /** Called after each page with the number of events checked so far. */
  onProgress?: (eventsChecked: number) => void;
  /**
   * A head seen earlier (`lastSeq` and `headHash` of a past verification, kept elsewhere): the
   * journal must still hold that event with that hash. This catches what the chain alone cannot,
   * events cut from the end or the whole tail rewritten.
   */
  anchor?: { seq: number; hash: string };
}

export interface Problem {
  firstBadSeq: number;
  problem: TamperKind;
  detail: string;
}

/** What the chain so far says the next row must be. */
interface Expectation {
  seq: number;
  /** Hash of the last intact event (genesis before the first). */
  prevHash: string;
  /** The prevHash of that last intact event: lets a row that skips one be recognized. */
  hashBeforePrev: string | null;
  /** The last intact event was removed by retention: only its link is kept. */
  afterRemoved: boolean;
}

/**
 * Walks the whole journal in seq order and checks every event: its body against its hash
 * (recomputed from the canonical JSON), its indexed columns against its body, its seq against
 * its predecessor's, and its prevHash against its predecessor's hash. Stops at the first problem.
 *
 * After retention, the walk starts from the kept anchor and passes through the links kept for
 * events removed after it, each accepted only where a journal.retention record states it
 * (verify-retention.ts).
 *
 * What a chain cannot show: events removed from the end, or events appended at the end by
 * someone who computed their hashes. Those need an anchor outside the database (a sink that
 * received the events, a published head hash).
 */
export async function verifyJournal(
  store: Store,
  options: VerifyOptions = {},
): Promise<VerifyResult> {
  const pageSize = options.pageSize ?? 1000;
  const anchor = options.anchor;
  const trail = await RetentionTrail.read(store.db, (seq) => intactEventAt(store.db, seq));
  let checked = 0;
  /** The seq of the last row checked. */
  let lastChecked = 0;
  let expected: Expectation = {
    seq: (trail.anchor?.seq ?? 0) + 1,
    prevHash: trail.anchor?.hash ?? GENESIS_HASH,
    hashBeforePrev: null,
    afterRemoved: trail.anchor !== null,
  };
  const fail = (problem: Problem): VerifyResult => {
    // A problem may lie with the last row checked.
    const intactBefore = problem.firstBadSeq <= lastChecked ? checked - 1 : checked;
    return { ok: false, events: Math.max(0, intactBefore), ...problem };
  };
  const kept = trail.anchor;
  if (anchor && kept?.seq === anchor.seq && kept.hash !== anchor.hash) {
    return fail(
      altered(
        anchor.seq,
        `seq ${anchor.seq} was removed by retention with hash ${kept.hash}, but the anchor says ${anchor.hash}`,
      ),
    );
  }
  for await (const [row, next] of withNext(journalRows(store.db, pageSize))) {
    if (row.seq > expected.seq) {
      const walked = await trail.walkGap(expected.seq, row.seq, expected.prevHash, anchor);
      if ('problem' in walked) return fail(walked);
      expected = { seq: row.seq, prevHash: walked.hash, hashBeforePrev: null, afterRemoved: true };
    }
    const problem =
      findProblem(row, next, expected, kept) ??
      (anchor && row.seq === anchor.seq && row.hash !== anchor.hash
        ? altered(
            row.seq,
            `seq ${row.seq} has hash ${row.hash}, but the anchor says ${anchor.hash}`,
          )
        : null);
    if (problem !== null) return fail(problem);
    checked += 1;
    lastChecked = row.seq;
    expected = {
      seq: row.seq + 1,
      prevHash: row.hash,
      hashBeforePrev: expected.prevHash,
      afterRemoved: false,
    };
    if (checked % pageSize === 0) options.onProgress?.(checked);
  }
  options.onProgress?.(checked);
  // The table's newest event is never removed: a kept anchor with no event after it is not
  // retention's.
  if (checked === 0 && trail.anchorIssue !== null) {
    return fail(removed(1, `the journal is empty, but ${trail.anchorIssue}`));
  }
  const logged = verifyLogged(
    eventLogDirectory(store.spec.path),
    { seq: expected.seq - 1, hash: expected.prevHash },
    anchor,
  );
  if ('problem' in logged) return { ok: false, ...logged, events: checked + logged.events };
  const lastSeq = logged.head.seq;
  if (anchor && anchor.seq > lastSeq) {
    return {
      ok: false,
      events: checked,
      firstBadSeq: lastSeq + 1,
      problem: 'removed',
      detail: `the journal ends at seq ${lastSeq}, but the anchor says seq ${anchor.seq} existed`,
    };
  }
  return {
    ok: true,
    events: checked + logged.events,
    unindexed: logged.events,
    lastSeq,
    headHash: logged.head.hash,
    retention: trail.removedAny
      ? {
          keptAnchor: trail.anchor,
          removedByType: trail.removedByType,
          givenAnchorRemoved:
            anchor !== undefined && trail.anchor !== null && anchor.seq < trail.anchor.seq,
        }
      : null,
  };
}

/**
 * The committed events of the event log after the table's end: each must continue the chain and
 * match its hash (and the anchor, where it is one of them).
 */
function verifyLogged(
  directory: string,
  tableHead: ChainHead,
  anchor: VerifyOptions['anchor'],
): { events: number; head: ChainHead } | (Problem & { events: number }) {
  if (!existsSync(directory)) return { events: 0, head: tableHead };
  const reader = new EventLogReader(directory, tableHead, () => 0);
  let events = 0;
  try {
    for (;;) {
      const read = reader.next(Number.MAX_SAFE_INTEGER);
      if (read.kind === 'end') return { events, head: reader.head };
      if (read.kind === 'broken') {
        return {
          events,
          firstBadSeq: reader.head.seq + 1,
          problem: 'damaged',
          detail: read.reason,
        };
      }
      const { seq } = read.link;
      const { hash, ...unhashed } = read.event as AuditEvent;
      if (hashEvent(unhashed) !== hash) {
        return {
          events,
          ...altered(seq, `event log: seq ${seq}'s content does not match its hash`),
        };
      }
      if (anchor && anchor.seq === seq && anchor.hash !== hash) {
        return {
          events,
          ...altered(seq, `seq ${seq} has hash ${hash}, but the anchor says ${anchor.hash}`),
        };
      }
      events += 1;
    }
  } finally {
    reader.close();
  }
}

/** Checks a row at the seq the chain expects, or below it (a gap before it was walked already). */
function findProblem(
  row: EventsTable,
  next: EventsTable | undefined,
  expected: Expectation,
  keptAnchor: KeptAnchor | null,
): Problem | null {
  if (row.seq < expected.seq) {
    return inserted(
      row.seq,
      keptAnchor === null
        ? `seq ${row.seq} precedes the first event of a journal (seq 1)`
        : `seq ${row.seq} lies at or before the kept anchor (seq ${keptAnchor.seq}): retention removed every event up to it`,
    );
  }
  const content = inspectContent(row);
  if (row.prev_hash !== expected.prevHash) {
    return brokenLink(row, next, expected, content);
  }
  return content.issue === null ? null : altered(row.seq, content.issue);
}

/** The row does not link to its predecessor: tell which event broke the chain, and how. */
function brokenLink(
  row: EventsTable,
  next: EventsTable | undefined,
  expected: Expectation,
  content: ContentCheck,
): Problem {
  const seq = row.seq;
  if (next?.seq === seq + 1 && next.prev_hash === expected.prevHash) {
    return inserted(seq, `seq ${seq} does not link to seq ${seq - 1}, but seq ${seq + 1} does`);
  }
  if (expected.hashBeforePrev !== null && row.prev_hash === expected.hashBeforePrev) {
    return inserted(seq - 1, `seq ${seq} links past seq ${seq - 1} to seq ${seq - 2}`);
  }
  if (content.event !== null && content.issue !== null && content.event.seq > seq) {
    return removed(
      seq,
      `seq ${seq} holds the event written as seq ${String(content.event.seq)}: ` +
        'events were removed and the rest renumbered',
    );
  }
  if (content.issue !== null) return altered(seq, content.issue);
  if (seq === 1) return altered(seq, 'the first event does not link to the genesis hash');
  if (expected.afterRemoved) {
    return altered(
      seq - 1,
      `seq ${seq} does not link to the hash kept for seq ${seq - 1}, which retention removed`,
    );
  }
  return altered(
    seq - 1,
    `seq ${seq} does not link to seq ${seq - 1}: seq ${seq - 1} was rewritten and re-hashed, ` +
      `or seq ${seq} was inserted`,
  );
}

interface ContentCheck {
  /** The body, when it is an intact event (it hashes to the hash it carries). */
  event: AuditEvent | null;
  /** What is wrong with the row on its own, or null. */
  issue: string | null;
}

/** Checks a row on its own: its body against its hash, and its columns against its body. */
function inspectContent(row: EventsTable): ContentCheck {
  let event: AuditEvent;
  try {
    event = eventFromBody(row.body);
  } catch {
    return { event: null, issue: 'the body is not valid JSON' };
  }
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    return { event: null, issue: 'the body is not a JSON object' };
  }
  const { hash, ...unhashed } = event;
  let recomputed: string;
  try {
    recomputed = hashEvent(unhashed);
  } catch (error) {
    return { event: null, issue: `the body cannot be hashed: ${(error as Error).message}` };
  }
  if (recomputed !== hash) {
    return { event: null, issue: 'the body does not match its hash' };
  }
  const columns = eventRow(event, row.body);
  for (const [column, value] of Object.entries(columns)) {
    const stored = row[column as keyof EventsTable];
    if (stored !== value) {
      return {
        event,
        issue: `column ${column} is ${JSON.stringify(stored)} but the body says ${JSON.stringify(value)}`,
      };
    }
  }
  return { event, issue: null };
}

/** The event at `seq` if its row is intact, or why not: what a retention record is read from. */
async function intactEventAt(db: Kysely<Database>, seq: number): Promise<AuditEvent | string> {
  const row = await db.selectFrom('events').selectAll().where('seq', '=', seq).executeTakeFirst();
  if (row === undefined) return 'is not in the journal';
  const content = inspectContent(row);
  if (content.event === null || content.issue !== null) {
    return `is not intact: ${content.issue ?? 'unreadable'}`;
  }
  return content.event;
}

function altered(firstBadSeq: number, detail: string): Problem {
  return { firstBadSeq, problem: 'altered', detail };
}

function removed(firstBadSeq: number, detail: string): Problem {
  return { firstBadSeq, problem: 'removed', detail };
}

function inserted(firstBadSeq: number, detail: string): Problem {
  return { firstBadSeq, problem: 'inserted', detail };
}

/** The journal in seq order, one page in memory at a time. */
async function* journalRows(db: Kysely<Database>, pageSize: number): AsyncGenerator<EventsTable> {
  // The first page has no lower bound: a row forged below seq 1 must be seen too.
  let after: number | null = null;
  for (;;) {
    let query = db.selectFrom('events').selectAll().orderBy('seq').limit(pageSize);
    if (after !== null) query = query.where('seq', '>', after);
    const page = await query.execute();
    yield* page;
    const last = page.at(-1);
    if (page.length < pageSize || last === undefined) return;
    after = last.seq;
  }
}

/** Pairs each item with the one after it: deciding whether a row was inserted needs its successor. */
async function* withNext<T>(items: AsyncIterable<T>): AsyncGenerator<[T, T | undefined]> {
  let previous: { item: T } | null = null;
  for await (const item of items) {
    if (previous !== null) yield [previous.item, item];
    previous = { item };
  }
  if (previous !== null) yield [previous.item, undefined];
}
