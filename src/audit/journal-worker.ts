// The journal's writer thread (started by journal.ts): takes append requests from the main
// thread, commits them in groups through a JournalWriter, and answers each group with one message.
//
// Group commit: requests that arrive while a commit runs (this thread blocks on SQLite meanwhile)
// queue up in the port and are delivered together when it returns; the next commit runs once
// they are all taken in (setImmediate follows the delivery of the pending messages), so they
// form one transaction.
import { parentPort, workerData } from 'node:worker_threads';
import type { AppendRequest, FromWriter, ToWriter, WriterData } from './journal-messages.js';
import { JournalWriter } from './journal-writer.js';

const port = parentPort;
if (port === null) throw new Error('journal-worker.js runs as a worker thread of the journal');

function send(message: FromWriter): void {
  port!.postMessage(message);
}

let writer: JournalWriter | null = null;
try {
  const { store, sql, walAutocheckpointPages } = workerData as WriterData;
  writer = JournalWriter.open(store, sql, walAutocheckpointPages);
} catch (error) {
  // The thread then ends by itself, once the message is delivered (closing the port could drop it).
  send({ kind: 'failed', message: (error as Error).message });
}

if (writer !== null) {
  const opened = writer;
  let queue: AppendRequest[] = [];
  let scheduled = false;
  let closing = false;

  const drain = (): void => {
    scheduled = false;
    while (queue.length > 0) {
      const batch = queue;
      queue = [];
      const { committed, refused, failure, rollbackError } = opened.commit(batch);
      if (rollbackError !== null) {
        send({
          kind: 'log',
          level: 'warn',
          message: 'audit journal: rollback failed',
          fields: { err: { message: rollbackError.message } },
        });
      }
      send({ kind: 'results', committed, refused, failure });
    }
    if (closing) {
      opened.close();
      port.close();
    }
  };

  port.on('message', (message: ToWriter) => {
    if (message.kind === 'close') closing = true;
    else for (const request of message.requests) queue.push(request);
    if (!scheduled) {
      scheduled = true;
      setImmediate(drain);
    }
  });
  send({ kind: 'ready' });
}
