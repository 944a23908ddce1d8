import type { Kysely } from 'kysely';
import { silentLogger, type Logger } from '../log/index.js';
import type { Database, EventsTable, Store } from '../store/index.js';
import { GENESIS_HASH, sealEvent, type SealedEvent } from './chain.js';
import { JournalWriteError } from './errors.js';
import type { AuditEvent, EventDraft } from './event.js';
import { newEventId } from './event-id.js';
import { EventInserter } from './event-insert.js';
import { eventRow } from './event-row.js';
import { toIsoTime } from './time.js';

/** The append-only, hash-chained record every other part of Warden writes to. */
export interface Journal {
  /** Resolves once the event is committed; rejects with JournalWriteError if it was not. */
  append(draft: EventDraft): Promise<AuditEvent>;
  /** Appends several events in one transaction: all are committed, or none. */
  appendMany(drafts: EventDraft[]): Promise<AuditEvent[]>;
  /** Waits for pending appends to settle; later appends are refused. Does not close the store. */
  close(): Promise<void>;
}

export interface JournalOptions {
  logger?: Logger;
}

interface ChainHead {
  seq: number;
  hash: string;
}

/** A draft with what is fixed when it is handed over: its id, and its time unless it had one. */
interface StampedDraft {
  draft: EventDraft;
  id: string;
  time: string;
}

/** One call to append or appendMany: its events commit together or not at all. */
interface AppendRequest {
  drafts: StampedDraft[];
  resolve(events: AuditEvent[]): void;
  reject(error: JournalWriteError): void;
}

/** A request whose events have been given their place in the chain, ready to be written. */
interface SealedRequest {
  request: AppendRequest;
  events: AuditEvent[];
  rows: EventsTable[];
}

/**
 * Opens the journal of a store. One journal (one process) writes to a store: the chain head is
 * kept in memory, and a second writer would be refused by the unique `seq`, not chained.
 */
export async function openJournal(store: Store, options: JournalOptions = {}): Promise<Journal> {
  const last = await store.db
    .selectFrom('events')
    .select(['seq', 'hash'])
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  const head = last ? { seq: Number(last.seq), hash: last.hash } : { seq: 0, hash: GENESIS_HASH };
  return new GroupCommitJournal(store.db, head, options.logger ?? silentLogger());
}

/**
 * Group commit: appends made in the same event-loop turn, and those arriving while a commit is
 * running, are written in one transaction. A statement proxied by the gateway waits for its
 * event to commit, so the cost of a commit is shared by every session appending at that moment
 * instead of being paid by each.
 */
class GroupCommitJournal implements Journal {
  readonly #db: Kysely<Database>;
  readonly #logger: Logger;
  readonly #inserter = new EventInserter();
  /** The last committed event: a failed commit leaves it where it was. */
  #head: ChainHead;
  #queue: AppendRequest[] = [];
  #drainScheduled = false;
  #draining: Promise<void> | null = null;
  #closed = false;

  constructor(db: Kysely<Database>, head: ChainHead, logger: Logger) {
    this.#db = db;
    this.#head = head;
    this.#logger = logger;
  }

  async append(draft: EventDraft): Promise<AuditEvent> {
    const [event] = await this.appendMany([draft]);
    return event as AuditEvent;
  }

  appendMany(drafts: EventDraft[]): Promise<AuditEvent[]> {
    if (this.#closed) {
      return Promise.reject(new JournalWriteError('audit journal is closed'));
    }
    if (drafts.length === 0) return Promise.resolve([]);
    let stamped: StampedDraft[];
    try {
      stamped = drafts.map(stampDraft);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise((resolve, reject) => {
      this.#queue.push({ drafts: stamped, resolve, reject });
      this.#scheduleDrain();
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#drain();
  }

  /** Lets the rest of this event-loop turn add to the batch before it is written. */
  #scheduleDrain(): void {
    if (this.#drainScheduled || this.#draining) return;
    this.#drainScheduled = true;
    setImmediate(() => {
      this.#drainScheduled = false;
      void this.#drain();
    });
  }

  /** Commits batches until the queue is empty; appends made meanwhile form the next batch. */
  #drain(): Promise<void> {
    if (this.#draining) return this.#draining;
    if (this.#queue.length === 0) return Promise.resolve();
    this.#draining = (async () => {
      while (this.#queue.length > 0) {
        const batch = this.#queue;
        this.#queue = [];
        await this.#commit(batch);
      }
      // Cleared in the same synchronous step as the emptiness check above, so an append can
      // never find the queue being drained by a loop that has already decided to stop.
      this.#draining = null;
    })();
    return this.#draining;
  }

  /** Writes one batch in one transaction and settles its requests; never throws. */
  async #commit(batch: AppendRequest[]): Promise<void> {
    const sealed: SealedRequest[] = [];
    let head = this.#head;
    for (const request of batch) {
      try {
        const next = sealRequest(request, head);
        sealed.push(next);
        head = chainHeadAfter(next, head);
      } catch (error) {
        request.reject(
          new JournalWriteError(`audit event cannot be recorded: ${(error as Error).message}`, {
            cause: error,
          }),
        );
      }
    }
    if (sealed.length === 0) return;

    const rows = sealed.flatMap((entry) => entry.rows);
    try {
      await this.#insert(rows);
    } catch (error) {
      const reason = (error as Error).message;
      this.#logger.error(
        { err: error, events: rows.length, firstSeq: this.#head.seq + 1 },
        'audit journal: commit failed, the batch is refused',
      );
      const failure = new JournalWriteError(`audit journal: commit failed: ${reason}`, {
        cause: error,
      });
      for (const entry of sealed) entry.request.reject(failure);
      return;
    }
    this.#head = head;
    for (const entry of sealed) entry.request.resolve(entry.events);
  }

  async #insert(rows: EventsTable[]): Promise<void> {
    const transaction = await this.#db.startTransaction().execute();
    try {
      await this.#inserter.insert(transaction, rows);
      await transaction.commit().execute();
    } catch (error) {
      // The rollback's own failure (e.g. SQLite already rolled back) matters less than the cause.
      await transaction
        .rollback()
        .execute()
        .catch((rollbackError: unknown) =>
          this.#logger.warn({ err: rollbackError }, 'audit journal: rollback failed'),
        );
      throw error;
    }
  }
}

function stampDraft(draft: EventDraft): StampedDraft {
  const time = draft.time === undefined ? new Date().toISOString() : toIsoTime(draft.time);
  if (time === null) {
    throw new JournalWriteError(`event time: expected an ISO 8601 time, got "${draft.time}"`);
  }
  return { draft, id: newEventId(), time };
}

function sealRequest(request: AppendRequest, head: ChainHead): SealedRequest {
  const events: AuditEvent[] = [];
  const rows: EventsTable[] = [];
  let { seq, hash } = head;
  for (const stamped of request.drafts) {
    seq += 1;
    const { event, body } = chainDraft(stamped, seq, hash);
    hash = event.hash;
    events.push(event);
    rows.push(eventRow(event, body));
  }
  return { request, events, rows };
}

function chainHeadAfter(sealed: SealedRequest, head: ChainHead): ChainHead {
  const last = sealed.events.at(-1);
  return last ? { seq: last.seq, hash: last.hash } : head;
}

/** The complete event: every absent optional field null (a stable shape), then chained. */
function chainDraft(stamped: StampedDraft, seq: number, prevHash: string): SealedEvent {
  // A draft spread from an existing event carries that event's chain fields. id, seq, time and
  // prevHash are overwritten below; hash must not reach the content being hashed.
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  const { hash: _staleHash, ...draft } = stamped.draft as EventDraft & { hash?: unknown };
  return sealEvent({
    // Fields added to AuditEvent later pass through as the producer gave them.
    ...draft,
    id: stamped.id,
    seq,
    time: stamped.time,
    type: draft.type,
    actor: draft.actor ?? null,
    source: draft.source ?? null,
    connection: draft.connection ?? null,
    sessionId: draft.sessionId ?? null,
    authorization: draft.authorization ?? null,
    request: draft.request ?? null,
    response: draft.response ?? null,
    outcome: draft.outcome ?? null,
    raw: draft.raw ?? null,
    totals: draft.totals ?? null,
    prevHash,
  });
}
