import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/log/index.js';

/** A real logger whose lines are kept, for assertions on what was (and was not) logged. */
export function capturedLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const destination = new Writable({
    write: (chunk: Buffer, _encoding, done) => {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: createLogger({ destination }), lines };
}
