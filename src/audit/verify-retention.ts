import type { Kysely } from 'kysely';
import type { Database } from '../store/index.js';
import type { AuditEvent } from './event.js';
import { recordOf, SeqRanges, type RetentionRecord } from './retention-record.js';
import type { Problem } from './verify.js';

// What verification accepts of retention (retention-pass.ts): the kept anchor, where the chain
// starts when the oldest events are gone, and the links kept for events removed after it, which
// the chain is walked through. Each is accepted only where the journal.retention record it names
// states it: the anchor's seq and hash, each link's seq (in the seqs the record lists) and type.
// A gap anything else explains is reported as a removal, at its first seq.

/** Every event up to `seq` was removed by retention; the chain goes on from `hash`. */
export interface KeptAnchor {
  seq: number;
  hash: string;
  /** When the pass that last moved it ran. */
  removedAt: string;
  /** The ages it applied: `older than 400d; db.query older than 90d`. */
  reason: string;
}

/** The intact event at a seq, or why there is none. */
export type EventAt = (seq: number) => Promise<AuditEvent | string>;

interface StatedRemoval {
  record: RetentionRecord;
  seqs: SeqRanges;
}

type KeptLink = Database['retention_links'];

/** Records looked up at once at most: links name few of them in a row, in seq order. */
const CACHED_RECORDS = 64;
const LINKS_PER_PAGE = 1000;

export class RetentionTrail {
  /** The kept anchor, if its record states it. */
  readonly anchor: KeptAnchor | null;
  /** Why a kept anchor is not accepted: it then explains nothing. */
  readonly anchorIssue: string | null;
  /** Events walked through after the anchor, by type. */
  readonly removedByType: Record<string, number> = {};
  readonly #links: LinkCursor;
  readonly #eventAt: EventAt;
  readonly #records = new Map<number, StatedRemoval | string>();

  static async read(db: Kysely<Database>, eventAt: EventAt): Promise<RetentionTrail> {
    const row = await db.selectFrom('retention_anchor').selectAll().executeTakeFirst();
    const trail = new RetentionTrail(db, eventAt, null, null);
    if (row === undefined) return trail;
    const stated = await trail.#removal(row.record_seq);
    const issue =
      typeof stated === 'string'
        ? `seq ${row.record_seq}, the record it names, ${stated}`
        : stated.record.anchor?.seq !== row.seq || stated.record.anchor.hash !== row.hash
          ? `the record it names (seq ${row.record_seq}) does not state it`
          : null;
    if (issue !== null) {
      return new RetentionTrail(
        db,
        eventAt,
        null,
        `a retention anchor is kept at seq ${row.seq}, but ${issue}`,
      );
    }
    const anchor = { seq: row.seq, hash: row.hash, removedAt: row.removed_at, reason: row.reason };
    return new RetentionTrail(db, eventAt, anchor, null);
  }

  private constructor(
    db: Kysely<Database>,
    eventAt: EventAt,
    anchor: KeptAnchor | null,
    anchorIssue: string | null,
  ) {
    this.anchor = anchor;
    this.anchorIssue = anchorIssue;
    this.#eventAt = eventAt;
    this.#links = new LinkCursor(db, anchor?.seq ?? 0);
  }

  /** Whether any event verification walked from or through was removed by retention. */
  get removedAny(): boolean {
    return this.anchor !== null || Object.keys(this.removedByType).length > 0;
  }

  /**
   * Walks the chain from `from` (which must link to `prevHash`) to just before `to`, over the
   * links kept for removed events; returns the hash `to` must link to, or the first problem.
   * `given` is an anchor to check on the way.
   */
  async walkGap(
    from: number,
    to: number,
    prevHash: string,
    given: { seq: number; hash: string } | undefined,
  ): Promise<{ hash: string } | Problem> {
    let hash = prevHash;
    for (let seq = from; seq < to; seq++) {
      const link = await this.#links.at(seq);
      if (link === null) return this.#missing(seq, to);
      const unexplained = await this.#unexplained(link);
      if (unexplained !== null) {
        return {
          firstBadSeq: seq,
          problem: 'removed',
          detail: `seq ${seq} missing: ${unexplained}`,
        };
      }
      if (link.prev_hash !== hash) {
        return {
          firstBadSeq: seq,
          problem: 'altered',
          detail: `seq ${seq} was removed by retention, but the link kept for it does not continue the chain from seq ${seq - 1}`,
        };
      }
      if (given?.seq === seq && given.hash !== link.hash) {
        return {
          firstBadSeq: seq,
          problem: 'altered',
          detail: `seq ${seq} was removed by retention with hash ${link.hash}, but the anchor says ${given.hash}`,
        };
      }
      hash = link.hash;
      this.removedByType[link.type] = (this.removedByType[link.type] ?? 0) + 1;
    }
    return { hash };
  }

  /** No link for `seq`: the events from it up to the next link (or `to`) are simply gone. */
  async #missing(seq: number, to: number): Promise<Problem> {
    const next = Math.min(to, (await this.#links.after(seq))?.seq ?? to);
    const missing = next - seq === 1 ? `seq ${seq}` : `seqs ${seq}-${next - 1}`;
    const anchorIssue = seq === 1 && this.anchorIssue !== null ? `; ${this.anchorIssue}` : '';
    return {
      firstBadSeq: seq,
      problem: 'removed',
      detail: `${missing} missing: the next event is seq ${next}${anchorIssue}`,
    };
  }

  /** Why the record a link names does not account for it; null if it does. */
  async #unexplained(link: KeptLink): Promise<string | null> {
    const stated = await this.#removal(link.record_seq);
    if (typeof stated === 'string') {
      return `a link is kept for it as removed by retention, but seq ${link.record_seq}, the record it names, ${stated}`;
    }
    if (!stated.seqs.has(link.seq) || !Object.hasOwn(stated.record.removed.byType, link.type)) {
      return `a link is kept for it as removed by retention, but the record it names (seq ${link.record_seq}) does not list it`;
    }
    return null;
  }

  async #removal(seq: number): Promise<StatedRemoval | string> {
    let removal = this.#records.get(seq);
    if (removal === undefined) {
      const event = await this.#eventAt(seq);
      const record = typeof event === 'string' ? event : recordOf(event);
      removal =
        typeof record === 'string' ? record : { record, seqs: new SeqRanges(record.removed.seqs) };
      if (this.#records.size === CACHED_RECORDS) {
        this.#records.delete(this.#records.keys().next().value as number);
      }
      this.#records.set(seq, removal);
    }
    return removal;
  }
}

/** The kept links in seq order, a page at a time, read as the walk reaches them. */
class LinkCursor {
  readonly #db: Kysely<Database>;
  #page: KeptLink[] = [];
  #index = 0;
  #after: number;
  #done = false;

  constructor(db: Kysely<Database>, after: number) {
    this.#db = db;
    this.#after = after;
  }

  /** The link for `seq`, if one is kept. Seqs are asked in ascending order. */
  async at(seq: number): Promise<KeptLink | null> {
    const link = await this.#firstFrom(seq);
    return link?.seq === seq ? link : null;
  }

  /** The first link after `seq`. */
  after(seq: number): Promise<KeptLink | null> {
    return this.#firstFrom(seq + 1);
  }

  async #firstFrom(seq: number): Promise<KeptLink | null> {
    for (;;) {
      while (this.#index < this.#page.length) {
        const link = this.#page[this.#index] as KeptLink;
        if (link.seq >= seq) return link;
        this.#index += 1;
      }
      if (this.#done) return null;
      this.#page = await this.#db
        .selectFrom('retention_links')
        .selectAll()
        .where('seq', '>', this.#after)
        .orderBy('seq')
        .limit(LINKS_PER_PAGE)
        .execute();
      this.#index = 0;
      this.#done = this.#page.length < LINKS_PER_PAGE;
      this.#after = this.#page.at(-1)?.seq ?? this.#after;
    }
  }
}
