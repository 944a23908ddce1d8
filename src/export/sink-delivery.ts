// The delivery of one sink: the journal is the queue, and the sink's cursor (the last seq its
// destination acknowledged or its filter skipped) is the only state. The loop reads forward from
// the cursor, filters, encodes, sends a batch, and moves the cursor only once the destination
// took every entry of it, or refused some for good (those go to the dead-letter list). So a crash
// loses nothing: the batch in flight is sent again, with the same event ids.
//
// Between live batches the same loop serves re-drives of dead letters and replays of history
// (each with a cursor of its own), so one destination sees one request at a time.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Kysely } from 'kysely';
import type { AuditEvent } from '../audit/index.js';
import type { SinkConfig } from '../config/index.js';
import type { Logger } from '../log/index.js';
import type { Database } from '../store/index.js';
import { retryDelay } from '../http/index.js';
import { rowsAt, type JournalEntry, type JournalWindow } from './journal-pages.js';
import { exportRecord } from './payload.js';
import { compileSinkFilter } from './sink-filter.js';
import type { SinkStateStore } from './sink-state-store.js';
import type { DeliveryOutcome, Entry, Sink } from './sink.js';

/** Consecutive failed attempts after which a sink is shown degraded. */
const DEGRADED_AFTER_FAILURES = 3;
/** Rows read to fill one batch at most: a sparse filter still moves its cursor in bounded steps. */
const MAX_ROWS_SCANNED_PER_BATCH = 20_000;
/** How long a stop waits for the answer to a request in flight. */
const STOP_GRACE_MS = 10_000;
/** Replay and re-drive requests are looked for this often. */
const REQUEST_CHECK_INTERVAL_MS = 1000;

export interface SinkDeliveryOptions {
  config: SinkConfig;
  sink: Sink;
  db: Kysely<Database>;
  /** Where the journal is read from, shared by the gateway's sinks. */
  journal: JournalWindow;
  state: SinkStateStore;
  logger: Logger;
  /** Where the cursor starts the first time the sink runs. */
  startCursor: () => Promise<number>;
  /** The wait when the sink has caught up with the journal. */
  pollIntervalMs: number;
}

/** What the API's health shows of a sink without a store read. */
export interface SinkHealth {
  name: string;
  degradedSince: string | null;
  lastError: string | null;
}

interface Batch {
  entries: Entry[];
  /** The last seq read for this batch: the cursor once it is delivered. */
  lastSeq: number;
}

/** What to do with entries a destination refused for good. */
type Refuse = (entries: readonly Entry[], status: number | null, reason: string) => Promise<void>;

export class SinkDelivery {
  readonly #options: SinkDeliveryOptions;
  readonly #matches: (event: AuditEvent) => boolean;
  readonly #stopping = new AbortController();
  /** Aborts requests in flight: only when a stop has waited the grace period for them. */
  readonly #abandoning = new AbortController();
  #loop: Promise<void> | null = null;
  #failures = 0;
  #degradedSince: string | null = null;
  #lastError: string | null = null;
  #lastRequestCheck = 0;
  /** The wait before the next request, set by a failure. */
  #pauseMs = 0;

  constructor(options: SinkDeliveryOptions) {
    this.#options = options;
    this.#matches = compileSinkFilter(options.config.filter);
  }

  get name(): string {
    return this.#options.config.name;
  }

  health(): SinkHealth {
    return { name: this.name, degradedSince: this.#degradedSince, lastError: this.#lastError };
  }

  start(): void {
    this.#loop ??= this.#supervise();
  }

  /**
   * Runs the loop, and runs it again after an error of its own (a store that cannot be read for a
   * while, say): a sink is never switched off by a failure, it is shown failing and retried.
   */
  async #supervise(): Promise<void> {
    while (!this.#stopping.signal.aborted) {
      try {
        await this.#run();
      } catch (error) {
        const reason = `delivery failed: ${(error as Error).message}`;
        this.#options.logger.error({ sink: this.name, err: error }, `sink ${this.name}: ${reason}`);
        await this.#failed(reason).catch(() => undefined);
        await this.#sleep(this.#pauseMs);
        this.#pauseMs = 0;
      }
    }
  }

  /**
   * Stops after the request in flight, if any, is answered: aborting it could deliver its events
   * without the cursor knowing, and a stop must not cause duplicates. After STOP_GRACE_MS it is
   * abandoned all the same.
   */
  async stop(): Promise<void> {
    this.#stopping.abort();
    const grace = setTimeout(() => this.#abandoning.abort(), STOP_GRACE_MS);
    try {
      await this.#loop;
    } finally {
      clearTimeout(grace);
    }
  }

  async #run(): Promise<void> {
    const { state, config } = this.#options;
    const row = await state.ensureSink(config.name, this.#options.startCursor);
    let cursor = row.cursor_seq;
    this.#degradedSince = row.degraded_since;
    this.#lastError = row.last_error;
    let prefetched: Promise<Batch | null> | null = null;
    while (!this.#stopping.signal.aborted) {
      let worked = false;
      if (Date.now() - this.#lastRequestCheck >= REQUEST_CHECK_INTERVAL_MS) {
        this.#lastRequestCheck = Date.now();
        worked = (await this.#redriveStep()) || (await this.#replayStep());
      }
      const batch = await (prefetched ?? this.#readBatch(cursor, null));
      prefetched = null;
      if (batch !== null) {
        // The next batch is read and encoded while this one is on its way.
        const next = this.#readBatch(batch.lastSeq, null);
        next.catch(() => undefined); // its failure is thrown where it is awaited
        const delivered = await this.#send(batch.entries, this.#deadLetter);
        if (delivered === null) return;
        await state.advance(config.name, batch.lastSeq, delivered);
        cursor = batch.lastSeq;
        prefetched = next;
        worked = true;
      }
      if (!worked) await this.#sleep(this.#options.pollIntervalMs);
    }
  }

  /** Events per request: the sink's batch size, within what its destination takes in one. */
  get #maxEvents(): number {
    const { config, sink } = this.#options;
    return Math.min(config.batch.maxEvents, sink.maxEventsPerRequest ?? Infinity);
  }

  /** Reads the next batch after `afterSeq` (up to `untilSeq`); null when there is nothing new. */
  async #readBatch(afterSeq: number, untilSeq: number | null): Promise<Batch | null> {
    const { journal } = this.#options;
    const { maxBytes } = this.#options.config.batch;
    const maxEvents = this.#maxEvents;
    const pageSize = Math.min(1000, Math.max(100, maxEvents * 2));
    const entries: Entry[] = [];
    let bytes = 0;
    let lastSeq = afterSeq;
    let scanned = 0;
    while (scanned < MAX_ROWS_SCANNED_PER_BATCH) {
      const page = await journal.after(lastSeq, pageSize, untilSeq);
      if (page.length === 0) break;
      scanned += page.length;
      for (const read of page) {
        if (!this.#matches(read.event)) {
          lastSeq = read.seq;
          continue;
        }
        const entry = await this.#encode(read);
        if (entry === null) {
          lastSeq = read.seq;
          continue;
        }
        if (
          entries.length === maxEvents ||
          (entries.length > 0 && bytes + entry.bytes > maxBytes)
        ) {
          return { entries, lastSeq };
        }
        entries.push(entry);
        bytes += entry.bytes;
        lastSeq = read.seq;
      }
    }
    return lastSeq === afterSeq ? null : { entries, lastSeq };
  }

  /** The event's entry; null when it cannot be sent at all (it is dead-lettered at once). */
  async #encode(read: JournalEntry): Promise<Entry | null> {
    const { maxBytes } = this.#options.config.batch;
    let entry: Entry;
    try {
      entry = this.#entryOf(read);
    } catch (error) {
      await this.#refuseOne(read, `could not be encoded: ${(error as Error).message}`);
      return null;
    }
    if (entry.bytes > maxBytes) {
      const reason = `its entry is ${entry.bytes} bytes, more than batch.maxBytes (${maxBytes})`;
      await this.#refuseOne(read, reason);
      return null;
    }
    return entry;
  }

  #entryOf(read: JournalEntry): Entry {
    const record = exportRecord(read.event, read.body, this.#options.config.format);
    const text = this.#options.sink.encode(record);
    return { record, text, bytes: Buffer.byteLength(text) };
  }

  async #refuseOne(read: JournalEntry, reason: string): Promise<void> {
    this.#options.logger.error({ sink: this.name, seq: read.seq }, `event ${read.seq} ${reason}`);
    await this.#options.state.addDeadLetters(this.name, [
      { seq: read.seq, eventId: read.event.id, status: null, reason },
    ]);
  }

  /**
   * Sends the entries until the destination has taken or refused every one of them; returns how
   * many it took, or null when the gateway stopped first (the cursor then stays).
   */
  async #send(entries: readonly Entry[], refuse: Refuse): Promise<number | null> {
    const pending: Entry[][] = entries.length > 0 ? [[...entries]] : [];
    let delivered = 0;
    while (pending.length > 0) {
      if (this.#pauseMs > 0) {
        await this.#sleep(this.#pauseMs);
        this.#pauseMs = 0;
      }
      if (this.#stopping.signal.aborted) return null;
      const group = pending[0] as Entry[];
      const outcome = await this.#options.sink.deliver(group, this.#abandoning.signal);
      if (this.#stopping.signal.aborted && outcome.kind !== 'delivered') return null;
      const next = await this.#apply(outcome, group, refuse);
      delivered += deliveredCount(outcome, group);
      pending.splice(0, 1, ...next);
    }
    return delivered;
  }

  /** Acts on one answer; returns what of the group remains to be sent, in order. */
  async #apply(outcome: DeliveryOutcome, group: Entry[], refuse: Refuse): Promise<Entry[][]> {
    switch (outcome.kind) {
      case 'delivered':
        await this.#succeeded();
        return [];
      case 'retry':
        await this.#failed(outcome.reason, outcome.retryAfterMs);
        return [group];
      case 'split':
        if (group.length > 1) return halves(group);
        await refuse(group, outcome.status ?? null, `too large even alone: ${outcome.reason}`);
        return [];
      case 'rejected':
        if (outcome.splittable && group.length > 1) return halves(group);
        await refuse(group, outcome.status ?? null, outcome.reason);
        // A refused credential refuses every event: the sink is failing, not the events. They are
        // kept as dead letters (to re-drive once it is fixed), at the pace of the retry delay.
        if (outcome.status === 401 || outcome.status === 403) await this.#failed(outcome.reason);
        else await this.#succeeded();
        return [];
      case 'partial': {
        const retryable: Entry[] = [];
        for (const failure of outcome.failed) {
          const entry = group[failure.index];
          if (entry === undefined) continue;
          if (failure.retryable) retryable.push(entry);
          else await refuse([entry], null, failure.reason);
        }
        if (retryable.length === 0) {
          await this.#succeeded();
          return [];
        }
        await this.#failed(
          `${retryable.length} of ${group.length} entries not taken: ${outcome.failed[0]?.reason ?? ''}`,
        );
        return [retryable];
      }
    }
  }

  readonly #deadLetter: Refuse = async (entries, status, reason) => {
    this.#options.logger.error(
      { sink: this.name, events: entries.length, status },
      `sink ${this.name}: ${entries.length} events refused for good, kept as dead letters: ${reason}`,
    );
    await this.#options.state.addDeadLetters(
      this.name,
      entries.map((entry) => ({
        seq: entry.record.event.seq,
        eventId: entry.record.event.id,
        status,
        reason,
      })),
    );
  };

  /** Counts a failed attempt; the next request waits the retry delay. */
  async #failed(reason: string, retryAfterMs?: number): Promise<void> {
    const { logger, state, config } = this.#options;
    this.#failures += 1;
    this.#lastError = reason;
    if (this.#failures >= DEGRADED_AFTER_FAILURES && this.#degradedSince === null) {
      this.#degradedSince = new Date().toISOString();
      logger.warn(
        { sink: this.name, failures: this.#failures },
        `sink ${this.name} degraded: ${reason}; it keeps retrying`,
      );
    }
    await state.recordFailure(config.name, reason, this.#degradedSince);
    this.#pauseMs = retryDelay(config.retry, this.#failures, retryAfterMs);
    logger.info({ sink: this.name, retryInMs: this.#pauseMs }, `sink ${this.name}: ${reason}`);
  }

  async #succeeded(): Promise<void> {
    if (this.#failures === 0) return;
    this.#failures = 0;
    if (this.#degradedSince !== null) {
      this.#options.logger.info({ sink: this.name }, `sink ${this.name} recovered`);
      this.#degradedSince = null;
    }
    await this.#options.state.recordRecovery(this.name);
  }

  /** Sends one batch of re-drive requests; true if there was one. */
  async #redriveStep(): Promise<boolean> {
    const { state, db } = this.#options;
    const letters = await state.redriveRequested(this.name, this.#maxEvents);
    if (letters.length === 0) return false;
    const rows = new Map(
      (
        await rowsAt(
          db,
          letters.map((letter) => letter.seq),
        )
      ).map((row) => [row.seq, row]),
    );
    const letterOfSeq = new Map(letters.map((letter) => [letter.seq, letter.id]));
    const entries: Entry[] = [];
    let bytes = 0;
    for (const letter of letters) {
      const row = rows.get(letter.seq);
      if (row === undefined) {
        await state.refuseAgain(
          letter.id,
          null,
          'the event is no longer in the journal (retention)',
        );
        continue;
      }
      const entry = await this.#encode({ ...row, event: JSON.parse(row.body) as AuditEvent });
      if (entry === null) {
        await state.removeDeadLetters([letter.id]); // dead-lettered anew
        continue;
      }
      // The rest stay asked for, and go in the next request.
      if (entries.length > 0 && bytes + entry.bytes > this.#options.config.batch.maxBytes) break;
      entries.push(entry);
      bytes += entry.bytes;
    }
    const refusedAgain = new Set<number>();
    const refuse: Refuse = async (refused, status, reason) => {
      for (const entry of refused) {
        const id = letterOfSeq.get(entry.record.event.seq) as number;
        refusedAgain.add(id);
        await state.refuseAgain(id, status, reason);
      }
    };
    if ((await this.#send(entries, refuse)) === null) return true;
    const delivered = entries
      .map((entry) => letterOfSeq.get(entry.record.event.seq) as number)
      .filter((id) => !refusedAgain.has(id));
    await state.removeDeadLetters(delivered);
    this.#options.logger.info(
      { sink: this.name, events: delivered.length },
      `sink ${this.name}: dead letters re-driven`,
    );
    return true;
  }

  /** Sends the next batch of the oldest pending replay; true if there was one. */
  async #replayStep(): Promise<boolean> {
    const { state } = this.#options;
    const [replay] = await state.replays(this.name, { pendingOnly: true, limit: 1 });
    if (replay === undefined) return false;
    const batch = await this.#readBatch(replay.cursor_seq, replay.until_seq);
    if (batch === null) {
      await state.advanceReplay(replay.id, replay.until_seq, true);
      return true;
    }
    if ((await this.#send(batch.entries, this.#deadLetter)) === null) return true;
    await state.advanceReplay(replay.id, batch.lastSeq, batch.lastSeq >= replay.until_seq);
    // A replay in progress is checked again at once rather than after the request interval.
    this.#lastRequestCheck = 0;
    return true;
  }

  /** Waits, or less if the gateway stops. */
  #sleep(ms: number): Promise<void> {
    return sleep(ms, undefined, { signal: this.#stopping.signal }).catch(() => undefined);
  }
}

/** Entries of the group the destination took with this answer. */
function deliveredCount(outcome: DeliveryOutcome, group: readonly Entry[]): number {
  if (outcome.kind === 'delivered') return group.length;
  if (outcome.kind === 'partial') return group.length - outcome.failed.length;
  return 0;
}

function halves(group: Entry[]): Entry[][] {
  const middle = Math.ceil(group.length / 2);
  return [group.slice(0, middle), group.slice(middle)];
}
