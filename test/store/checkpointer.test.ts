import { statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { startCheckpointer, type Checkpointer } from '../../src/store/index.js';
import { openTempStore, type TempStore } from '../audit/fixtures.js';

describe('checkpointer', () => {
  const temps: TempStore[] = [];
  const checkpointers: Checkpointer[] = [];
  afterEach(async () => {
    for (const checkpointer of checkpointers.splice(0)) await checkpointer.close();
    for (const temp of temps.splice(0)) await temp.cleanup();
  });

  it('copies the write-ahead log into the database file while another connection writes', async () => {
    const temp = await openTempStore();
    temps.push(temp);
    // A writer that never checkpoints itself: only the checkpointer moves pages to the file.
    const writer = new BetterSqlite3(temp.path);
    writer.pragma('wal_autocheckpoint = 0');
    const insert = writer.prepare(
      `INSERT INTO events (seq, id, time, type, body, prev_hash, hash)
       VALUES (?, ?, '2026-01-01T00:00:00.000Z', 'x', ?, '', '')`,
    );
    const write = (from: number) =>
      writer.transaction(() => {
        for (let seq = from; seq < from + 500; seq++) insert.run(seq, `id-${seq}`, 'x'.repeat(900));
      })();
    write(1);
    const fileBefore = statSync(temp.path).size;

    const errors: string[] = [];
    const checkpointer = await startCheckpointer(temp.store.spec, {
      onError: (message) => errors.push(message),
    });
    checkpointers.push(checkpointer);
    const deadline = Date.now() + 5000;
    while (statSync(temp.path).size <= fileBefore && Date.now() < deadline) await sleep(10);
    expect(statSync(temp.path).size).toBeGreaterThan(fileBefore);

    // It keeps up with later writes too, and the writer never waits for it.
    write(501);
    const count = () =>
      (writer.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n;
    expect(count()).toBe(1000);
    const grown = statSync(temp.path).size;
    while (statSync(temp.path).size <= grown && Date.now() < deadline) await sleep(10);
    expect(statSync(temp.path).size).toBeGreaterThan(grown);
    writer.close();
    await checkpointer.close();
    await checkpointer.close();
    expect(errors).toEqual([]);
  });

  it('fails to start, saying why, when the database cannot be opened', async () => {
    const temp = await openTempStore();
    temps.push(temp);
    // A directory where a file is: the database cannot be created under it.
    const path = join(temp.path, 'journal.db');
    await expect(startCheckpointer({ ...temp.store.spec, path })).rejects.toThrow(
      /store: cannot start checkpointing: .*cannot open SQLite database/,
    );
  });
});
