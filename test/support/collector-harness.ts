// A gateway's journal and collectors over a temporary store, for the collector tests: the config
// is warden.yaml text, pauses are a thousand times shorter (the intervals start at 10 s),
// every pause asked for is recorded, and log lines are kept for assertions.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  eventsOfTypeFrom,
  openJournal,
  type AuditEvent,
  type Journal,
} from '../../src/audit/index.js';
import {
  createCollectorAdmin,
  startCollectors,
  type CollectorService,
  type CollectorStatus,
} from '../../src/collectors/index.js';
import { parseConfig, type WardenConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/log/index.js';
import { openStore, type Store } from '../../src/store/index.js';
import type { AddCleanup } from './cleanups.js';

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export class CollectorHarness {
  readonly logs: LogLine[] = [];
  /** Every pause the collectors asked for, in ms, before shortening. */
  readonly pauses: number[] = [];
  /** Everything logged, as written: for checking that no secret reaches a log line. */
  logText = '';
  config!: WardenConfig;
  #service: CollectorService | null = null;

  private constructor(
    readonly dir: string,
    private files: { store: Store; journal: Journal },
  ) {}

  static async open(
    dir = mkdtempSync(join(tmpdir(), 'warden-collectors-')),
  ): Promise<CollectorHarness> {
    return new CollectorHarness(dir, await openFiles(dir));
  }

  /** A harness for the running test, closed when it ends. */
  static async openFor(addCleanup: AddCleanup): Promise<CollectorHarness> {
    const harness = await CollectorHarness.open();
    addCleanup(() => harness.close());
    return harness;
  }

  get store(): Store {
    return this.files.store;
  }

  get journal(): Journal {
    return this.files.journal;
  }

  /** Stops the collectors and reopens the store, as a gateway restarting on the same files. */
  async restart(): Promise<void> {
    await this.stopCollectors();
    await this.journal.close();
    await this.store.close();
    this.files = await openFiles(this.dir);
  }

  /** Starts the collectors of `yaml` (a warden.yaml with a `collectors:` section). */
  start(yaml: string): void {
    this.config = parseConfig(yaml, { env: {}, baseDir: this.dir });
    const destination = new PassThrough();
    destination.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      this.logText += text;
      for (const line of text.split('\n').filter(Boolean))
        this.logs.push(JSON.parse(line) as LogLine);
    });
    this.#service = startCollectors({
      collectors: this.config.collectors,
      journal: this.journal,
      store: this.store,
      logger: createLogger({ level: 'debug', destination }),
      sleep: async (ms, signal) => {
        this.pauses.push(ms);
        await sleep(Math.ceil(ms / 1000), undefined, { signal }).catch(() => undefined);
      },
    });
  }

  async stopCollectors(): Promise<void> {
    await this.#service?.close();
    this.#service = null;
  }

  /** The events of `type` in the journal, in journal order. */
  async events(type: string): Promise<AuditEvent[]> {
    await this.journal.indexed();
    const events: AuditEvent[] = [];
    for await (const event of eventsOfTypeFrom(this.store.db, type, 1)) events.push(event);
    return events;
  }

  status(): Promise<CollectorStatus[]> {
    return createCollectorAdmin(this.store, this.config.collectors).list();
  }

  async resume(name: string): Promise<CollectorStatus> {
    return createCollectorAdmin(this.store, this.config.collectors).resume(name);
  }

  messages(): string[] {
    return this.logs.map((line) => line.msg);
  }

  async close(): Promise<void> {
    await this.stopCollectors();
    await this.journal.close();
    await this.store.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

async function openFiles(dir: string): Promise<{ store: Store; journal: Journal }> {
  const store = await openStore({ url: `sqlite:${join(dir, 'warden.db')}`, synchronous: 'normal' });
  return { store, journal: await openJournal(store) };
}
