// The checkpointer's thread (started by checkpointer.ts): a connection of its own that copies
// the write-ahead log back into the database file, off the journal writer's thread.
//
// It runs PASSIVE checkpoints, which never wait for and never block readers or the writer: each
// copies what it can. While there is something to copy it runs every `busyIntervalMs`; when there
// is nothing, it waits longer each time, up to `idleIntervalMs`, so an idle store costs little.
import { parentPort, workerData } from 'node:worker_threads';
import type BetterSqlite3 from 'better-sqlite3';
import type { CheckpointerData, FromCheckpointer } from './checkpointer.js';
// Not through index.ts, which loads Kysely: see sqlite-connection.ts.
import { openSqliteDatabase } from './sqlite-connection.js';

const port = parentPort;
if (port === null) throw new Error('checkpointer-worker.js runs as a worker thread');

const { spec, busyIntervalMs, idleIntervalMs } = workerData as CheckpointerData;

function send(message: FromCheckpointer): void {
  port!.postMessage(message);
}

let database: BetterSqlite3.Database | null = null;
try {
  database = openSqliteDatabase(spec.path, spec);
} catch (error) {
  // The thread then ends by itself, once the message is delivered (closing the port could drop it).
  send({ kind: 'error', message: (error as Error).message });
}

if (database !== null) {
  const opened = database;
  let timer: NodeJS.Timeout | null = null;
  let interval = busyIntervalMs;

  /** Frames in the log at the last checkpoint: whether the writer has written since. */
  let lastLog = -1;

  const checkpoint = (): void => {
    timer = null;
    let written = false;
    try {
      // One row: busy (0 or 1), frames in the log, frames of it now in the database file.
      const [result] = opened.pragma('wal_checkpoint(PASSIVE)') as { log: number }[];
      const log = result?.log ?? 0;
      written = log !== lastLog;
      lastLog = log;
    } catch (error) {
      // SQLITE_BUSY: another checkpoint runs (the writer's own). Anything else is reported; the
      // writer's own checkpoints keep the log bounded meanwhile.
      if ((error as { code?: unknown }).code !== 'SQLITE_BUSY') {
        send({ kind: 'error', message: (error as Error).message });
      }
    }
    interval = written ? busyIntervalMs : Math.min(interval * 2, idleIntervalMs);
    timer = setTimeout(checkpoint, interval);
  };

  port.on('message', (message: 'close') => {
    if (message !== 'close') return;
    if (timer !== null) clearTimeout(timer);
    opened.close();
    port.close();
  });
  timer = setTimeout(checkpoint, interval);
  send({ kind: 'ready' });
}
