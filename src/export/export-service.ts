// The delivery engine: one SinkDelivery per configured sink, all reading the one journal. It runs
// on the gateway's event loop: a sink spends most of its time waiting for its destination, and
// its store reads are short pages by primary key.
import { lastSeq, seqAtTime } from '../audit/index.js';
import type { SinkConfig, SinkStart } from '../config/index.js';
import type { Logger } from '../log/index.js';
import type { Store } from '../store/index.js';
import { JournalWindow } from './journal-pages.js';
import { SinkDelivery, type SinkHealth } from './sink-delivery.js';
import { SinkStateStore } from './sink-state-store.js';
import { createSink } from './sinks/index.js';

export interface ExportOptions {
  sinks: readonly SinkConfig[];
  store: Store;
  logger: Logger;
  /** How long a sink that has caught up waits before it looks again; default 200 ms. */
  pollIntervalMs?: number;
}

export interface ExportService {
  /** Per sink, what health shows without reading the store. */
  health(): SinkHealth[];
  close(): Promise<void>;
}

export function startExport(options: ExportOptions): ExportService {
  const state = new SinkStateStore(options.store.db);
  const journal = new JournalWindow(options.store.db);
  const running = options.sinks.map((config) => {
    const sink = createSink(config);
    const delivery = new SinkDelivery({
      config,
      sink,
      db: options.store.db,
      journal,
      state,
      logger: options.logger,
      startCursor: () => startCursor(options.store, config.start),
      pollIntervalMs: options.pollIntervalMs ?? 200,
    });
    delivery.start();
    return { delivery, sink };
  });
  return {
    health: () => running.map(({ delivery }) => delivery.health()),
    async close() {
      await Promise.all(running.map(({ delivery }) => delivery.stop()));
      await Promise.all(running.map(({ sink }) => sink.close()));
    },
  };
}

/** The cursor of a sink's first run: before the first event it is to send. */
export async function startCursor(store: Store, start: SinkStart): Promise<number> {
  switch (start.from) {
    case 'now':
      return lastSeq(store.db);
    case 'beginning':
      return 0;
    case 'time':
      return (await seqAtTime(store.db, start.time)) - 1;
  }
}
