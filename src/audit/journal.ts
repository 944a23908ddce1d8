import { Worker } from 'node:worker_threads';
import { silentLogger, type Logger } from '../log/index.js';
import { workerReady, workerScript, type Store } from '../store/index.js';
import { GENESIS_HASH, sealEvent, type UnhashedEvent } from './chain.js';
import { JournalWriteError } from './errors.js';
import type { AuditEvent, EventDraft } from './event.js';
import { newEventId } from './event-id.js';
import { compileInserts } from './event-insert.js';
import { indexedEvent, type IndexedEvent } from './event-row.js';
import { compileIdentityUpsert } from './identity-rollup.js';
import { DEFAULT_SEGMENT_BYTES, EventLog, INDEXED_SEQ } from './event-log.js';
import { eventLogDirectory, type ChainHead } from './event-log-segments.js';
import type { FromIndexer, IndexerData, ToIndexer } from './journal-messages.js';
import { toIsoTime } from './time.js';

/** The append-only, hash-chained record every other part of Warden writes to. */
export interface Journal {
  /** Resolves once the event is committed; rejects with JournalWriteError if it was not. */
  append(draft: EventDraft, options?: AppendOptions): Promise<AuditEvent>;
  /** Appends several events in one group commit: all are committed, or none. */
  appendMany(drafts: EventDraft[]): Promise<AuditEvent[]>;
  /**
   * Resolves once every event committed before the call is in the store's events table, where
   * readers find it (they get there within milliseconds anyway: this is for reading one's own
   * writes). Resolves as well when indexing fails; the failure is logged.
   */
  indexed(): Promise<void>;
  /** Where committing and indexing stand, for health checks. */
  status(): JournalStatus;
  /** Waits for pending appends to settle and indexes them; later appends are refused. Does not close the store. */
  close(): Promise<void>;
}

export interface JournalStatus {
  /** The last committed event. */
  committedSeq: number;
  /** The last event in the store's events table, where readers find it. */
  indexedSeq: number;
  /** Why indexing stopped short, while it does (it retries); null when it keeps up. */
  indexError: string | null;
  /** Why appends are refused, once they are; null while they are taken. */
  stopped: string | null;
}

export interface AppendOptions {
  /**
   * Whether something waits for this commit, as a statement held until its record is committed
   * does (the default). An event nothing waits for, as a result recorded after the fact, joins
   * the next group commit instead of causing one of its own, at most LINGER_MS later.
   */
  awaited?: boolean;
}

export interface JournalOptions {
  logger?: Logger;
  /** Called after each group commit, before its appends resolve (metrics, tests). */
  onCommit?: (commit: GroupCommit) => void;
  /** The event log's segment size (bytes): a segment is closed once it has grown past it. */
  segmentBytes?: number;
}

/** One group commit of the journal: the events it committed, seq `firstSeq` to `lastSeq`. */
export interface GroupCommit {
  events: number;
  firstSeq: number;
  lastSeq: number;
}

/** One call to append or appendMany, waiting to be committed. */
interface PendingAppend {
  /** Sealed in place when written: seq, prevHash and hash are filled in then. */
  events: UnhashedEvent[];
  resolve(events: AuditEvent[]): void;
  reject(error: JournalWriteError): void;
}

/** Appends written to the log together, waiting for the sync that commits them (full). */
interface WrittenGroup {
  appends: PendingAppend[];
  commit: GroupCommit;
}

/** At most, between an append nothing waits for and its commit. */
const LINGER_MS = 5;

/** Between the indexer's passes over the log. */
const INDEX_INTERVAL_MS = 50;

/** Written events announced to the indexer together, or after ANNOUNCE_LINGER_MS at most. */
const ANNOUNCE_BATCH = 64;
const ANNOUNCE_LINGER_MS = 10;

/**
 * Opens the journal of a store. One process writes to a store: the event log's lock refuses a
 * second one.
 */
export async function openJournal(store: Store, options: JournalOptions = {}): Promise<Journal> {
  const logger = options.logger ?? silentLogger();
  // The table's last event: where the log's chain goes on from, here and on the indexer thread.
  const lastEvent = store.db
    .selectFrom('events')
    .select(['seq', 'hash'])
    .orderBy('seq', 'desc')
    .limit(1);
  const chainHead = lastEvent.compile();
  const last = await lastEvent.executeTakeFirst();
  let log: EventLog;
  try {
    log = EventLog.open(eventLogDirectory(store.spec.path), {
      synchronous: store.spec.synchronous,
      segmentBytes: options.segmentBytes ?? DEFAULT_SEGMENT_BYTES,
      indexedHead: last
        ? { seq: Number(last.seq), hash: last.hash }
        : { seq: 0, hash: GENESIS_HASH },
    });
  } catch (error) {
    throw new Error(`audit journal: cannot open the event log: ${(error as Error).message}`, {
      cause: error,
    });
  }
  // The indexer's connection also checkpoints the store (SQLite's automatic checkpoint): that
  // holds up nothing but the next index pass.
  const indexer = new Worker(workerScript(import.meta.url, 'journal-indexer-worker.js'), {
    workerData: {
      store: store.spec,
      sql: {
        chainHead: { sql: chainHead.sql, parameters: chainHead.parameters },
        inserts: compileInserts(store.db),
        identityUpsert: compileIdentityUpsert(store.db),
      },
      directory: log.directory,
      shared: log.shared,
      intervalMs: INDEX_INTERVAL_MS,
    } satisfies IndexerData,
  });
  try {
    await workerReady(
      indexer,
      (reason) => new Error(`audit journal: cannot open the journal's indexer: ${reason}`),
    );
  } catch (error) {
    await indexer.terminate();
    log.close();
    throw error;
  }
  return new LoggedJournal(log, store.spec.synchronous, indexer, logger, options);
}

/**
 * The journal as the rest of the process sees it. Appends are stamped (id, time) and shaped at
 * once; at the end of the event-loop turn they are sealed into the chain (seq, prevHash, SHA-256
 * over the canonical JSON) and written to the event log together, in one write: a group commit,
 * shared by every session that appended in that turn. They resolve when it returned (`normal`)
 * or once the log is synced (`full`; appends written while a sync runs wait for the next one).
 */
class LoggedJournal implements Journal {
  readonly #log: EventLog;
  readonly #synchronous: 'normal' | 'full';
  readonly #indexer: Worker;
  readonly #onCommit: ((commit: GroupCommit) => void) | null;
  readonly #logger: Logger;
  /** The last event written to the log. */
  #head: ChainHead;
  /** Appends for the next group commit, at the end of this event-loop turn (or lingering). */
  #outgoing: PendingAppend[] = [];
  #flushScheduled = false;
  /** Set while only appends nothing waits for are queued: their commit at the latest. */
  #lingering: NodeJS.Timeout | null = null;
  /** Written, waiting for a sync (full). */
  #unsynced: WrittenGroup[] = [];
  #syncing: Promise<void> | null = null;
  /** Written events not yet announced to the indexer (#announce). */
  #announcing: IndexedEvent[] = [];
  #announceTimer: NodeJS.Timeout | null = null;
  /** Answers the indexer owes, by request id. */
  readonly #indexRequests = new Map<number, () => void>();
  #nextIndexRequest = 1;
  #indexError: string | null = null;
  #indexerRunning = true;
  #closed = false;
  #closing: Promise<void> | null = null;
  /** Set when the log cannot be trusted any more (a sync failed): every later append is refused. */
  #stopped: string | null = null;

  constructor(
    log: EventLog,
    synchronous: 'normal' | 'full',
    indexer: Worker,
    logger: Logger,
    options: JournalOptions,
  ) {
    this.#log = log;
    this.#synchronous = synchronous;
    this.#head = log.head;
    this.#indexer = indexer;
    this.#logger = logger;
    this.#onCommit = options.onCommit ?? null;
    if (log.broken !== null) {
      logger.error(
        { reason: log.broken, headSeq: log.head.seq },
        'audit journal: the event log holds events its chain does not reach; they are not part ' +
          'of the journal, which goes on from the head (the segments as found are copied to a ' +
          'damaged-* folder of the event log)',
      );
    }
    indexer.on('message', (message: FromIndexer) => this.#onIndexerMessage(message));
    indexer.on('error', (error) => this.#onIndexerStopped(`it failed: ${error.message}`));
    indexer.on('exit', (code) => {
      if (!this.#closed) this.#onIndexerStopped(`its thread exited (code ${code})`);
    });
    // Indexing is a background task: it keeps the process alive only while someone waits for it.
    indexer.unref();
  }

  append(draft: EventDraft, options: AppendOptions = {}): Promise<AuditEvent> {
    return new Promise((resolve, reject) =>
      this.#submit(
        [draft],
        options.awaited ?? true,
        (events) => resolve(events[0] as AuditEvent),
        reject,
      ),
    );
  }

  appendMany(drafts: EventDraft[]): Promise<AuditEvent[]> {
    return new Promise((resolve, reject) => this.#submit(drafts, true, resolve, reject));
  }

  indexed(): Promise<void> {
    if (this.#closed || !this.#indexerRunning) return Promise.resolve();
    return new Promise((resolve) => {
      const id = this.#nextIndexRequest++;
      if (this.#indexRequests.size === 0) this.#indexer.ref();
      this.#indexRequests.set(id, resolve);
      this.#indexer.postMessage({ kind: 'index', id } satisfies ToIndexer);
    });
  }

  status(): JournalStatus {
    return {
      committedSeq: this.#log.committedSeq,
      indexedSeq: Number(Atomics.load(this.#log.shared, INDEXED_SEQ)),
      indexError: this.#indexerRunning ? this.#indexError : 'the indexer stopped',
      stopped: this.#stopped,
    };
  }

  close(): Promise<void> {
    this.#closed = true;
    this.#closing ??= this.#shutDown();
    return this.#closing;
  }

  /** Queues one request for the next group commit, or refuses it at once. */
  #submit(
    drafts: EventDraft[],
    awaited: boolean,
    resolve: (events: AuditEvent[]) => void,
    reject: (error: unknown) => void,
  ): void {
    if (this.#closed) {
      reject(new JournalWriteError('audit journal is closed'));
      return;
    }
    if (this.#stopped !== null) {
      reject(new JournalWriteError(`audit journal: ${this.#stopped}`));
      return;
    }
    if (drafts.length === 0) {
      resolve([]);
      return;
    }
    let events: UnhashedEvent[];
    try {
      events = drafts.map(shapeEvent);
    } catch (error) {
      reject(error);
      return;
    }
    this.#outgoing.push({ events, resolve, reject });
    if (this.#flushScheduled) return;
    if (awaited) {
      this.#flushScheduled = true;
      if (this.#lingering !== null) clearTimeout(this.#lingering);
      this.#lingering = null;
      setImmediate(this.#flush);
    } else {
      this.#lingering ??= setTimeout(this.#flush, LINGER_MS);
    }
  }

  /** Seals this turn's appends and writes them to the log in one write: the group commit. */
  readonly #flush = (): void => {
    this.#flushScheduled = false;
    if (this.#lingering !== null) clearTimeout(this.#lingering);
    this.#lingering = null;
    const appends = this.#outgoing;
    this.#outgoing = [];
    if (appends.length === 0) return;
    if (this.#stopped !== null) {
      this.#refuse(appends, `audit journal: ${this.#stopped}`);
      return;
    }
    const sealed: PendingAppend[] = [];
    const lines: string[] = [];
    let head = this.#head;
    for (const pending of appends) {
      try {
        head = sealLines(pending.events, head, lines);
        sealed.push(pending);
      } catch (error) {
        pending.reject(
          new JournalWriteError(`audit event cannot be recorded: ${(error as Error).message}`, {
            cause: error,
          }),
        );
      }
    }
    if (sealed.length === 0) return;
    const firstSeq = this.#head.seq + 1;
    try {
      this.#log.append(lines, firstSeq);
    } catch (error) {
      this.#logger.error(
        { err: error, events: head.seq - this.#head.seq, firstSeq },
        'audit journal: writing to the event log failed, the group commit is refused',
      );
      this.#refuse(sealed, `audit journal: commit failed: ${(error as Error).message}`, error);
      return;
    }
    this.#head = head;
    this.#announce(sealed);
    const written = {
      appends: sealed,
      commit: { events: head.seq - firstSeq + 1, firstSeq, lastSeq: head.seq },
    };
    if (this.#synchronous === 'full') {
      this.#unsynced.push(written);
      this.#syncing ??= this.#syncAll();
    } else {
      this.#committed(written);
    }
  };

  /**
   * Tells the indexer what it needs of the events just written, so that it does not parse their
   * lines again: in batches, as a message per small group commit would cost the main thread more
   * than the parsing costs the indexer.
   */
  #announce(appends: PendingAppend[]): void {
    for (const pending of appends) {
      for (const event of pending.events) {
        const announced = indexedEvent(event as AuditEvent);
        if (announced !== null) this.#announcing.push(announced);
      }
    }
    if (this.#announcing.length >= ANNOUNCE_BATCH) this.#sendAnnouncements();
    else this.#announceTimer ??= setTimeout(this.#sendAnnouncements, ANNOUNCE_LINGER_MS).unref();
  }

  readonly #sendAnnouncements = (): void => {
    if (this.#announceTimer !== null) clearTimeout(this.#announceTimer);
    this.#announceTimer = null;
    if (this.#announcing.length === 0) return;
    this.#indexer.postMessage({ kind: 'sealed', events: this.#announcing } satisfies ToIndexer);
    this.#announcing = [];
  };

  /** Syncs the log until nothing written is unsynced, committing each group once it is synced. */
  async #syncAll(): Promise<void> {
    while (this.#unsynced.length > 0) {
      const groups = this.#unsynced;
      this.#unsynced = [];
      try {
        await this.#log.sync();
      } catch (error) {
        // After a failed sync the kernel may have dropped the unsynced pages: what was written
        // cannot be known to be on the disk, now or later. Nothing more is accepted, and what
        // was written since the last commit must not count as committed at the next start.
        this.#stop(`syncing the event log failed: ${(error as Error).message}`);
        this.#log.supersede(this.#log.committedSeq + 1);
        for (const group of [...groups, ...this.#unsynced.splice(0)]) {
          this.#refuse(
            group.appends,
            `audit journal: commit failed: ${(error as Error).message}`,
            error,
          );
        }
        break;
      }
      for (const group of groups) this.#committed(group);
    }
    this.#syncing = null;
  }

  #committed({ appends, commit }: WrittenGroup): void {
    this.#log.publish(commit.lastSeq);
    if (this.#onCommit !== null) {
      try {
        this.#onCommit(commit);
      } catch (error) {
        this.#logger.warn({ err: error }, 'audit journal: onCommit failed');
      }
    }
    for (const pending of appends) pending.resolve(pending.events as AuditEvent[]);
  }

  #refuse(appends: PendingAppend[], message: string, cause?: unknown): void {
    for (const pending of appends) pending.reject(new JournalWriteError(message, { cause }));
  }

  #stop(reason: string): void {
    if (this.#stopped !== null) return;
    this.#stopped = reason;
    this.#logger.error({ reason }, 'audit journal: stopped, appends are refused');
  }

  async #shutDown(): Promise<void> {
    this.#flush();
    while (this.#syncing !== null) await this.#syncing;
    // The indexer indexes what is left, then stops.
    if (this.#indexerRunning) {
      this.#sendAnnouncements();
      const exited = new Promise((resolve) => this.#indexer.once('exit', resolve));
      this.#indexer.ref();
      this.#indexer.postMessage({ kind: 'close' } satisfies ToIndexer);
      await exited;
    }
    this.#answerIndexRequests();
    this.#log.close();
  }

  #onIndexerMessage(message: FromIndexer): void {
    if (message.kind !== 'indexed') return;
    if (message.error !== this.#indexError) {
      if (message.error !== null) {
        this.#logger.error(
          { reason: message.error, indexedSeq: message.seq, committedSeq: this.#head.seq },
          'audit journal: indexing stopped short; events stay in the event log and are retried',
        );
      } else {
        this.#logger.info({ indexedSeq: message.seq }, 'audit journal: indexing recovered');
      }
      this.#indexError = message.error;
    }
    if (message.id !== null) {
      const answer = this.#indexRequests.get(message.id);
      this.#indexRequests.delete(message.id);
      answer?.();
      if (this.#indexRequests.size === 0) this.#indexer.unref();
    }
  }

  #onIndexerStopped(reason: string): void {
    if (!this.#indexerRunning) return;
    this.#indexerRunning = false;
    this.#logger.error(
      { reason },
      'audit journal: the indexer stopped; events are still committed to the event log, and ' +
        'indexed at the next start',
    );
    this.#answerIndexRequests();
  }

  #answerIndexRequests(): void {
    for (const answer of this.#indexRequests.values()) answer();
    this.#indexRequests.clear();
    this.#indexer.unref();
  }
}

/** Seals events after `head` in place, adds their lines for the log to `lines`, gives the new head. */
function sealLines(events: UnhashedEvent[], head: ChainHead, lines: string[]): ChainHead {
  let { seq, hash } = head;
  const firstLine = lines.length;
  try {
    for (const event of events) {
      seq += 1;
      event.seq = seq;
      event.prevHash = hash;
      const sealed = sealEvent(event);
      hash = sealed.event.hash;
      lines.push(sealed.body);
    }
  } catch (error) {
    // None of this append's lines is written.
    lines.length = firstLine;
    throw error;
  }
  return { seq, hash };
}

/** The fields every event has; a draft's others follow them. */
const EVENT_FIELDS = new Set<string>([
  'id',
  'seq',
  'time',
  'type',
  'actor',
  'source',
  'connection',
  'sessionId',
  'authorization',
  'request',
  'response',
  'outcome',
  'raw',
  'totals',
  'prevHash',
  'hash',
]);

/**
 * The event a draft becomes: stamped with its id and time (unless it had one), and every absent
 * optional field null (a stable shape). `seq` and `prevHash` are placeholders until the writer
 * gives the event its place in the chain. A draft spread from an existing event carries that
 * event's chain fields: id, seq and prevHash are replaced, and its hash is left out.
 *
 * The fields are in canonical (sorted) order, so that the canonical JSON of the event is mostly
 * JSON.stringify's, which writes them in this order (see canonical-json.ts).
 *
 * Written out field by field rather than spreading the draft first: overwriting a spread
 * object's fields turns it into a slow dictionary, which cost more than the rest of the append on
 * the main thread (8 us against 1, and a slower structured clone).
 */
function shapeEvent(draft: EventDraft): UnhashedEvent {
  const time = draft.time === undefined ? new Date().toISOString() : toIsoTime(draft.time);
  if (time === null) {
    throw new JournalWriteError(`event time: expected an ISO 8601 time, got "${draft.time}"`);
  }
  const event: UnhashedEvent = {
    actor: draft.actor ?? null,
    authorization: draft.authorization ?? null,
    connection: draft.connection ?? null,
    id: newEventId(),
    outcome: draft.outcome ?? null,
    prevHash: '',
    raw: draft.raw ?? null,
    request: draft.request ?? null,
    response: draft.response ?? null,
    seq: 0,
    sessionId: draft.sessionId ?? null,
    source: draft.source ?? null,
    time,
    totals: draft.totals ?? null,
    type: draft.type,
  };
  // Fields added to AuditEvent later pass through as the producer gave them.
  for (const key in draft) {
    if (!EVENT_FIELDS.has(key) && Object.hasOwn(draft, key)) {
      (event as unknown as Record<string, unknown>)[key] = (draft as Record<string, unknown>)[key];
    }
  }
  return event;
}
