import { Worker } from 'node:worker_threads';
import { silentLogger, type Logger } from '../log/index.js';
import {
  startCheckpointer,
  workerReady,
  workerScript,
  WRITER_AUTOCHECKPOINT_PAGES,
  type Checkpointer,
  type Store,
} from '../store/index.js';
import type { UnhashedEvent } from './chain.js';
import { JournalWriteError } from './errors.js';
import type { AuditEvent, EventDraft } from './event.js';
import { newEventId } from './event-id.js';
import { compileInserts } from './event-insert.js';
import {
  HASH_LENGTH,
  type AppendRequest,
  type CommitFailure,
  type Committed,
  type FromWriter,
  type Refusal,
  type ToWriter,
  type WriterData,
  type WriterSql,
} from './journal-messages.js';
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
  /** Called after each group commit, before its appends resolve (metrics, tests). */
  onCommit?: (commit: GroupCommit) => void;
}

/** One transaction of the journal: the events it committed, seq `firstSeq` to `lastSeq`. */
export interface GroupCommit {
  events: number;
  firstSeq: number;
  lastSeq: number;
}

/** A request handed to the writer thread, waiting for its answer. */
interface PendingAppend {
  /** The events as they will be returned; the writer's answer completes their chain fields. */
  events: UnhashedEvent[];
  resolve(events: AuditEvent[]): void;
  reject(error: JournalWriteError): void;
}

/**
 * Opens the journal of a store. One journal (one process) writes to a store: its writer thread
 * holds the chain head, and a second writer would be refused by the unique `seq`, not chained.
 */
export async function openJournal(store: Store, options: JournalOptions = {}): Promise<Journal> {
  const logger = options.logger ?? silentLogger();
  const chainHead = store.db
    .selectFrom('events')
    .select(['seq', 'hash'])
    .orderBy('seq', 'desc')
    .limit(1)
    .compile();
  const sql: WriterSql = {
    chainHead: { sql: chainHead.sql, parameters: chainHead.parameters },
    inserts: compileInserts(store.db),
  };
  // Checkpoints run on a thread of their own, so that the writer's commits do not wait for them
  // (see store/checkpointer.ts); the writer keeps checkpointing itself, less often, as the bound
  // on the log, and as the only checkpoints should the checkpointer not start. Both threads
  // start together.
  const worker = new Worker(workerScript(import.meta.url, 'journal-worker.js'), {
    workerData: {
      store: store.spec,
      sql,
      walAutocheckpointPages: WRITER_AUTOCHECKPOINT_PAGES,
    } satisfies WriterData,
  });
  const [checkpointing, writing] = await Promise.allSettled([
    startCheckpointer(store.spec, {
      onError: (message) => logger.warn({ reason: message }, 'audit journal: checkpoint failed'),
    }),
    workerReady(
      worker,
      (reason) => new Error(`audit journal: cannot open the journal writer: ${reason}`),
    ),
  ]);
  const checkpointer = checkpointing.status === 'fulfilled' ? checkpointing.value : null;
  if (checkpointing.status === 'rejected') {
    logger.warn({ err: checkpointing.reason }, 'audit journal: checkpoints stay on the writer');
  }
  if (writing.status === 'rejected') {
    await worker.terminate();
    await checkpointer?.close();
    throw writing.reason;
  }
  return new WorkerJournal(worker, checkpointer, logger, options.onCommit ?? null);
}

/**
 * The journal as the rest of the process sees it. Appends are stamped (id, time) and shaped here,
 * handed to the writer thread once per event-loop turn in one message, and resolved when the
 * writer reports their group commit. The writer thread seals and commits (see journal-writer.ts),
 * so the main thread, which proxies every session, spends little more than a structured clone
 * per event on the journal.
 *
 * Group commit: the writer commits everything that reached it while its previous commit ran in
 * one transaction, so the cost of a commit is shared by every session appending at that moment.
 */
class WorkerJournal implements Journal {
  readonly #worker: Worker;
  readonly #checkpointer: Checkpointer | null;
  readonly #onCommit: ((commit: GroupCommit) => void) | null;
  readonly #logger: Logger;
  #nextId = 1;
  /** Requests made in this event-loop turn, posted together at its end. */
  #outgoing: AppendRequest[] = [];
  #flushScheduled = false;
  /** Requests handed over (or about to be), by id. */
  readonly #pending = new Map<number, PendingAppend>();
  #closed = false;
  #closing: Promise<void> | null = null;
  /** Set when the writer thread stopped unexpectedly: every later append is refused. */
  #stopped: string | null = null;
  #whenIdle: (() => void) | null = null;

  constructor(
    worker: Worker,
    checkpointer: Checkpointer | null,
    logger: Logger,
    onCommit: ((commit: GroupCommit) => void) | null,
  ) {
    this.#worker = worker;
    this.#checkpointer = checkpointer;
    this.#onCommit = onCommit;
    this.#logger = logger;
    worker.on('message', (message: FromWriter) => this.#onMessage(message));
    worker.on('error', (error) => this.#onStopped(`the writer thread failed: ${error.message}`));
    worker.on('exit', (code) => {
      if (!this.#closed || this.#pending.size > 0)
        this.#onStopped(`the writer thread exited (code ${code})`);
    });
    // An idle journal does not keep the process alive; one with appends in flight does.
    worker.unref();
  }

  append(draft: EventDraft): Promise<AuditEvent> {
    return new Promise((resolve, reject) =>
      this.#submit([draft], (events) => resolve(events[0] as AuditEvent), reject),
    );
  }

  appendMany(drafts: EventDraft[]): Promise<AuditEvent[]> {
    return new Promise((resolve, reject) => this.#submit(drafts, resolve, reject));
  }

  /** Queues one request for this turn's message to the writer, or refuses it at once. */
  #submit(
    drafts: EventDraft[],
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
    const id = this.#nextId++;
    if (this.#pending.size === 0) this.#worker.ref();
    this.#pending.set(id, { events, resolve, reject });
    this.#outgoing.push({ id, events });
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(this.#flush);
    }
  }

  close(): Promise<void> {
    this.#closed = true;
    this.#closing ??= this.#shutDown();
    return this.#closing;
  }

  async #shutDown(): Promise<void> {
    this.#flush();
    if (this.#pending.size > 0) {
      await new Promise<void>((resolve) => (this.#whenIdle = resolve));
    }
    if (this.#stopped === null) {
      const exited = new Promise((resolve) => this.#worker.once('exit', resolve));
      // Until the writer has closed its connection, the process must not end.
      this.#worker.ref();
      this.#post({ kind: 'close' });
      await exited;
    }
    await this.#checkpointer?.close();
  }

  /** Hands this turn's requests to the writer in one message. */
  readonly #flush = (): void => {
    this.#flushScheduled = false;
    if (this.#outgoing.length === 0) return;
    const requests = this.#outgoing;
    this.#outgoing = [];
    try {
      this.#post({ kind: 'append', requests });
    } catch {
      // Something in an event cannot cross to the writer thread (structured clone refuses, say,
      // a function). Hand the requests over one by one so that only the culprits are refused.
      for (const request of requests) {
        try {
          this.#post({ kind: 'append', requests: [request] });
        } catch (error) {
          this.#refuse({
            id: request.id,
            stage: 'seal',
            message: (error as Error).message,
            code: null,
          });
        }
      }
    }
  };

  #post(message: ToWriter): void {
    this.#worker.postMessage(message);
  }

  #onMessage(message: FromWriter): void {
    switch (message.kind) {
      case 'results':
        if (message.failure !== null) this.#logCommitFailure(message.failure);
        for (const refusal of message.refused) this.#refuse(refusal);
        if (message.committed !== null) this.#resolve(message.committed);
        return;
      case 'log':
        this.#logger[message.level](message.fields, message.message);
        return;
      default:
        return;
    }
  }

  /** Completes the committed requests' events with their chain fields and resolves them. */
  #resolve(committed: Committed): void {
    const { requests, hashes } = committed;
    if (this.#onCommit !== null) {
      const events = hashes.length / HASH_LENGTH;
      const firstSeq = requests[1] as number;
      try {
        this.#onCommit({ events, firstSeq, lastSeq: firstSeq + events - 1 });
      } catch (error) {
        this.#logger.warn({ err: error }, 'audit journal: onCommit failed');
      }
    }
    let prevHash = committed.prevHash;
    let at = 0;
    for (let index = 0; index < requests.length; index += 2) {
      const id = requests[index] as number;
      let seq = requests[index + 1] as number;
      const pending = this.#pending.get(id);
      if (pending === undefined) continue;
      this.#pending.delete(id);
      for (const event of pending.events) {
        const hash = hashes.slice(at, at + HASH_LENGTH);
        at += HASH_LENGTH;
        // seq and prevHash fill their placeholders; hash is added last.
        Object.assign(event, { seq, prevHash, hash });
        prevHash = hash;
        seq += 1;
      }
      pending.resolve(pending.events as AuditEvent[]);
    }
    if (this.#pending.size === 0) this.#becameIdle();
  }

  #refuse(refusal: Refusal): void {
    const pending = this.#pending.get(refusal.id);
    if (pending === undefined) return;
    this.#pending.delete(refusal.id);
    const message =
      refusal.stage === 'seal'
        ? `audit event cannot be recorded: ${refusal.message}`
        : `audit journal: commit failed: ${refusal.message}`;
    pending.reject(
      new JournalWriteError(message, { cause: driverError(refusal.message, refusal.code) }),
    );
    if (this.#pending.size === 0) this.#becameIdle();
  }

  #becameIdle(): void {
    this.#worker.unref();
    const wake = this.#whenIdle;
    this.#whenIdle = null;
    wake?.();
  }

  #logCommitFailure(failure: CommitFailure): void {
    this.#logger.error(
      {
        err: driverError(failure.message, failure.code),
        events: failure.events,
        firstSeq: failure.firstSeq,
      },
      'audit journal: commit failed, the batch is refused',
    );
  }

  /** The writer thread is gone: whatever it had not answered is refused, and so is what follows. */
  #onStopped(reason: string): void {
    if (this.#stopped !== null) return;
    this.#stopped = reason;
    this.#logger.error({ reason }, 'audit journal: the writer stopped, appends are refused');
    this.#outgoing = [];
    const failure = new JournalWriteError(`audit journal: ${reason}`);
    for (const pending of this.#pending.values()) pending.reject(failure);
    this.#pending.clear();
    this.#becameIdle();
  }
}

/** The fields every event has, in the order of DESIGN.md; a draft's others follow them. */
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
    id: newEventId(),
    seq: 0,
    time,
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
    prevHash: '',
  };
  // Fields added to AuditEvent later pass through as the producer gave them.
  for (const key in draft) {
    if (!EVENT_FIELDS.has(key) && Object.hasOwn(draft, key)) {
      (event as unknown as Record<string, unknown>)[key] = (draft as Record<string, unknown>)[key];
    }
  }
  return event;
}

function driverError(message: string, code: string | null): Error {
  return Object.assign(new Error(message), code === null ? {} : { code });
}
