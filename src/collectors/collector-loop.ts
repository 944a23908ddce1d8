import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { eventsOfTypeFrom, seqAtTime, type Journal } from '../audit/index.js';
import type { CollectorConfig } from '../config/index.js';
import type { Logger } from '../log/index.js';
import type { Store } from '../store/index.js';
import { checkpointDraft, latestCheckpoint, type CheckpointRecord } from './checkpoint.js';
import { CollectorStateStore } from './collector-state-store.js';
import { CollectorHalt, CollectorRetry } from './failures.js';
import type { CollectedPage, CycleContext, LogSource } from './log-source.js';
import { SeenIds } from './seen-ids.js';

/** Pauses of the loop; tests pass a faster one (the intervals are 10 s and more). */
export type Sleep = (ms: number, signal: AbortSignal) => Promise<void>;

export const realSleep: Sleep = (ms, signal) =>
  sleep(ms, undefined, { signal }).catch(() => undefined);

/** A halted collector looks for a resume asked for from the CLI this often. */
const RESUME_POLL_MS = 1000;
/**
 * The collectors table is written at most this often while pages come in: its writes wait for
 * the journal indexer's transactions, which a page every few milliseconds would keep meeting.
 */
const PROGRESS_WRITE_MS = 1000;
/** Entries remembered for dedupe at most (about 100 bytes each). */
const SEEN_CAPACITY = 200_000;

export interface CollectorLoopOptions {
  config: CollectorConfig;
  source: LogSource;
  /** The journal event type of the entries (idp.okta, idp.entra). */
  eventType: string;
  journal: Journal;
  store: Store;
  logger: Logger;
  sleep: Sleep;
}

/**
 * One collector: a cycle every `interval` seconds, each reading the provider's log to its end and
 * committing every page with its checkpoint. Halts on a refusal retrying cannot fix, until
 * resumed or reconfigured; retries anything else at the next cycle.
 */
export class CollectorLoop {
  readonly #options: CollectorLoopOptions;
  readonly #state: CollectorStateStore;
  readonly #stop = new AbortController();
  readonly #fingerprint: string;
  readonly #seen = new SeenIds(SEEN_CAPACITY);
  #checkpoint: CheckpointRecord | null = null;
  #progressWrittenAt = 0;
  #running: Promise<void> | null = null;
  /** Why the collector is halted, while it is: what /healthz shows. */
  #haltedReason: string | null = null;

  constructor(options: CollectorLoopOptions) {
    this.#options = options;
    this.#state = new CollectorStateStore(options.store.db);
    this.#fingerprint = configFingerprint(options.config);
  }

  get name(): string {
    return this.#options.config.name;
  }

  /** Null while it runs; the reason while it is halted. */
  get haltedReason(): string | null {
    return this.#haltedReason;
  }

  start(): void {
    this.#running ??= this.#run().catch((error: unknown) => {
      this.#options.logger.error({ err: error }, 'collector: stopped by an unexpected error');
    });
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#running;
    await this.#options.source.close();
  }

  async #run(): Promise<void> {
    const { config, logger } = this.#options;
    const signal = this.#stop.signal;
    let row = await this.#state.open(config.name, config.type);
    if (row.state === 'halted' && row.halted_config !== this.#fingerprint) {
      logger.info('collector: configuration changed, resuming');
      await this.#state.resume(config.name);
      row = { ...row, state: 'running' };
    }
    await this.#options.journal.indexed();
    this.#checkpoint = await latestCheckpoint(this.#options.store.db, config.name);
    this.#haltedReason = row.state === 'halted' ? (row.halted_reason ?? 'halted') : null;
    let rememberedFrom: number | null = null;
    while (!signal.aborted) {
      if (this.#haltedReason !== null) {
        if (await this.#resumeRequested()) this.#haltedReason = null;
        else await this.#options.sleep(RESUME_POLL_MS, signal);
        continue;
      }
      // The entries the source may send again, once, and again whenever its look-back moves
      // earlier (after a lost cursor).
      const rereadsFrom = this.#options.source.rereadsFrom(this.#checkpoint?.position ?? null);
      if (rereadsFrom !== null && (rememberedFrom === null || rereadsFrom < rememberedFrom)) {
        await this.#rememberStoredEntries(rereadsFrom);
        rememberedFrom = rereadsFrom;
      }
      const cycleStart = Date.now();
      try {
        await this.#cycle(signal);
        if (signal.aborted) break;
        await this.#state.update(config.name, {
          ...this.#progress(),
          caught_up_at: new Date(cycleStart).toISOString(),
        });
      } catch (error) {
        if (signal.aborted) break;
        if (await this.#failed(error)) continue;
      }
      const next = cycleStart + config.intervalSeconds * 1000;
      await this.#options.sleep(Math.max(0, next - Date.now()), signal);
    }
  }

  async #cycle(signal: AbortSignal): Promise<void> {
    const context: CycleContext = {
      signal,
      wait: (ms) => this.#options.sleep(ms, signal),
      logger: this.#options.logger,
    };
    const position = this.#checkpoint?.position ?? null;
    for await (const page of this.#options.source.cycle(position, context)) {
      if (signal.aborted) return;
      await this.#commit(page);
    }
  }

  /** Stores the page's new entries and its checkpoint in one commit, then notes the progress. */
  async #commit(page: CollectedPage): Promise<void> {
    const { config, journal } = this.#options;
    const fresh = page.records.filter((record) => !this.#seen.has(record.key));
    // Duplicates within the page count once too.
    const unique = [...new Map(fresh.map((record) => [record.key, record])).values()];
    if (page.records.length === 0 && samePosition(this.#checkpoint?.position, page.position))
      return;
    let newest = this.#checkpoint?.lastPublished ? Date.parse(this.#checkpoint.lastPublished) : 0;
    for (const record of unique) newest = Math.max(newest, record.timeMs);
    const checkpoint: CheckpointRecord = {
      name: config.name,
      type: config.type,
      position: page.position,
      page: { events: unique.length, duplicates: page.records.length - unique.length },
      collected: (this.#checkpoint?.collected ?? 0) + unique.length,
      lastPublished: newest > 0 ? new Date(newest).toISOString() : null,
    };
    await journal.appendMany([
      ...unique.map((record) => record.draft),
      checkpointDraft(checkpoint),
    ]);
    this.#checkpoint = checkpoint;
    for (const record of unique) this.#seen.add(record.key, record.timeMs);
    const rereadsFrom = this.#options.source.rereadsFrom(page.position);
    if (rereadsFrom !== null) this.#seen.forgetBefore(rereadsFrom);
    if (Date.now() - this.#progressWrittenAt >= PROGRESS_WRITE_MS) {
      await this.#state.update(config.name, this.#progress());
    }
  }

  /** What the collectors table shows of the progress; the journal has it exactly. */
  #progress() {
    this.#progressWrittenAt = Date.now();
    return {
      collected: this.#checkpoint?.collected ?? 0,
      last_published: this.#checkpoint?.lastPublished ?? null,
      last_success_at: new Date().toISOString(),
    };
  }

  /**
   * Learns the ids of the entries already stored that the source may read again (its look-back),
   * from the journal: entries are recorded after their provider time, so reading from the record
   * time of the look-back's start finds them all.
   */
  async #rememberStoredEntries(from: number): Promise<void> {
    const { db } = this.#options.store;
    const firstSeq = await seqAtTime(db, new Date(from).toISOString());
    for await (const event of eventsOfTypeFrom(db, this.#options.eventType, firstSeq)) {
      const idp = (event as { idp?: { collector?: unknown; id?: unknown } }).idp;
      if (idp?.collector !== this.name || typeof idp.id !== 'string') continue;
      const timeMs = Date.parse(event.time);
      if (timeMs >= from) this.#seen.add(idp.id, timeMs);
    }
  }

  /** Records and logs a failed cycle; true when the collector halts. */
  async #failed(error: unknown): Promise<boolean> {
    const { config, logger } = this.#options;
    const at = new Date().toISOString();
    if (error instanceof CollectorHalt) {
      logger.error({ detail: error.detail }, error.message);
      await this.#state.halt(config.name, error.reason, this.#fingerprint);
      this.#haltedReason = error.reason;
      return true;
    }
    const reason =
      error instanceof CollectorRetry
        ? error.reason
        : `the cycle failed: ${(error as Error).message}`;
    logger.error(
      { detail: error instanceof CollectorRetry ? error.detail : null },
      error instanceof CollectorRetry ? error.message : reason,
    );
    await this.#state.update(config.name, { last_error: reason, last_error_at: at });
    return false;
  }

  async #resumeRequested(): Promise<boolean> {
    const row = await this.#state.read(this.name);
    if (!row || row.state !== 'halted' || row.resume_requested_at === null) return false;
    await this.#state.resume(this.name);
    this.#options.logger.info('collector: resumed');
    return true;
  }
}

function samePosition(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * A fingerprint of a configuration: a halted collector resumes when its configuration changes.
 * Secrets go into the hash, never into the store.
 */
function configFingerprint(config: CollectorConfig): string {
  return createHash('sha256').update(JSON.stringify(config)).digest('hex');
}
