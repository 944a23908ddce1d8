import { Worker } from 'node:worker_threads';
import type { StoreSpec } from './index.js';
import { workerReady, workerScript } from './worker-thread.js';

// Checkpoints of a SQLite store on a thread of their own.
//
// In WAL mode every commit appends pages to the write-ahead log, and a checkpoint copies them
// back into the database file (and syncs it). By default SQLite runs one in the committing
// connection whenever the log passes 1000 pages: under a busy journal that is dozens of times a
// second, each one holding up the commits behind it for milliseconds. With the checkpointer
// copying the log as it grows, from another connection and concurrently with the writer, the
// writer's own automatic checkpoint (kept, at WRITER_AUTOCHECKPOINT_PAGES) finds little left to
// copy and runs less often: it remains the backstop that bounds the log, because only a
// checkpoint run between two of the writer's commits lets the log start over.

/** The writer's `wal_autocheckpoint` while a checkpointer runs (SQLite's default is 1000). */
export const WRITER_AUTOCHECKPOINT_PAGES = 4000;

export interface CheckpointerData {
  spec: StoreSpec;
  /** Between checkpoints while the log grows. */
  busyIntervalMs: number;
  /** At most, between checkpoints while nothing is written. */
  idleIntervalMs: number;
}

export type FromCheckpointer = { kind: 'ready' } | { kind: 'error'; message: string };

export interface Checkpointer {
  /** Stops checkpointing and closes its connection. */
  close(): Promise<void>;
}

export interface CheckpointerOptions {
  /** Told about a checkpoint that failed; the store goes on, its writer checkpointing itself. */
  onError?: (message: string) => void;
}

/** Starts checkpointing the store described by `spec` on a thread of its own. */
export async function startCheckpointer(
  spec: StoreSpec,
  options: CheckpointerOptions = {},
): Promise<Checkpointer> {
  const worker = new Worker(workerScript(import.meta.url, 'checkpointer-worker.js'), {
    workerData: { spec, busyIntervalMs: 20, idleIntervalMs: 1000 } satisfies CheckpointerData,
  });
  await workerReady(worker, (reason) => new Error(`store: cannot start checkpointing: ${reason}`));
  worker.on('message', (message: FromCheckpointer) => {
    if (message.kind === 'error') options.onError?.(message.message);
  });
  worker.on('error', (error) => options.onError?.(`the checkpointer stopped: ${error.message}`));
  // Checkpoints are housekeeping: they never keep the process alive.
  worker.unref();
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  let closing: Promise<void> | null = null;
  return {
    close() {
      closing ??= (async () => {
        worker.ref();
        worker.postMessage('close');
        await exited;
      })();
      return closing;
    },
  };
}
