// The journal's indexer thread (started by journal.ts): passes over the event log every
// `intervalMs`, and at once when the journal asks (a reader wants everything committed so far).
// After a failed pass it waits longer before the next, up to a few seconds, and says so once,
// not every time.
import { parentPort, workerData } from 'node:worker_threads';
import { JournalIndexer } from './journal-indexer.js';
import type { FromIndexer, IndexerData, ToIndexer } from './journal-messages.js';

const port = parentPort;
if (port === null)
  throw new Error('journal-indexer-worker.js runs as a worker thread of the journal');

const MAX_RETRY_DELAY_MS = 5000;

function send(message: FromIndexer): void {
  port!.postMessage(message);
}

const data = workerData as IndexerData;
let indexer: JournalIndexer | null = null;
try {
  indexer = JournalIndexer.open(data.store, data.sql, data.directory, data.shared);
} catch (error) {
  // The thread then ends by itself, once the message is delivered (closing the port could drop it).
  send({ kind: 'failed', message: (error as Error).message });
}

if (indexer !== null) {
  const opened = indexer;
  let lastError: string | null = null;
  let delay = data.intervalMs;
  let timer: NodeJS.Timeout | null = null;

  const pass = (id: number | null): void => {
    let error: string | null = null;
    try {
      opened.pass();
    } catch (cause) {
      error = (cause as Error).message;
    }
    if (id !== null || error !== lastError) {
      send({ kind: 'indexed', id, seq: opened.indexedSeq, error });
    }
    lastError = error;
    delay = error === null ? data.intervalMs : Math.min(delay * 2, MAX_RETRY_DELAY_MS);
  };

  const schedule = (): void => {
    timer = setTimeout(() => {
      pass(null);
      schedule();
    }, delay);
  };

  port.on('message', (message: ToIndexer) => {
    if (message.kind === 'sealed') {
      opened.announce(message.events);
      return;
    }
    if (message.kind === 'index') {
      pass(message.id);
      return;
    }
    if (timer !== null) clearTimeout(timer);
    pass(null);
    opened.close();
    port.close();
  });
  schedule();
  send({ kind: 'ready' });
}
