// JSON Lines into a file, rotated by size: `path` is renamed to `path.1` (and `path.1` to
// `path.2` …) before a batch would take it past `maxBytes`; files past `maxFiles` are removed.
// A batch is one write followed by fdatasync, so an acknowledged batch is on disk.
import { mkdir, open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { FileSinkConfig } from '../../config/index.js';
import type { DeliveryOutcome, Entry, ExportRecord, Sink } from '../sink.js';

export function createFileSink(config: FileSinkConfig): Sink {
  let file: FileHandle | null = null;
  let size = 0;

  const openFile = async () => {
    await mkdir(dirname(config.path), { recursive: true });
    file = await open(config.path, 'a', 0o600);
    size = (await stat(config.path)).size;
    return file;
  };

  const rotate = async () => {
    await file?.close();
    file = null;
    await rm(`${config.path}.${config.maxFiles}`, { force: true });
    for (let n = config.maxFiles - 1; n >= 1; n--) {
      await rename(`${config.path}.${n}`, `${config.path}.${n + 1}`).catch(ignoreMissing);
    }
    await rename(config.path, `${config.path}.1`).catch(ignoreMissing);
  };

  return {
    encode: (record: ExportRecord) => record.payloadText,
    async deliver(entries: readonly Entry[]): Promise<DeliveryOutcome> {
      const text = entries.map((entry) => `${entry.text}\n`).join('');
      const bytes = Buffer.byteLength(text);
      try {
        let handle = file ?? (await openFile());
        if (size > 0 && size + bytes > config.maxBytes) {
          await rotate();
          handle = await openFile();
        }
        await handle.write(text);
        await handle.datasync();
        size += bytes;
        return { kind: 'delivered' };
      } catch (error) {
        // A half-written batch is written again whole: a line may then appear twice, with its id.
        await file?.close().catch(() => undefined);
        file = null;
        return { kind: 'retry', reason: `file ${config.path}: ${(error as Error).message}` };
      }
    },
    async close() {
      await file?.close();
      file = null;
    },
  };
}

function ignoreMissing(error: NodeJS.ErrnoException): void {
  if (error.code !== 'ENOENT') throw error;
}
