// The journal's event log across restarts, damage and a second writer: what counts as committed
// is exactly what was acknowledged, and the chain in the table always verifies.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import {
  appendFileSync,
  cpSync,
  existsSync,
  readdirSync,
  readFileSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createAuditReader, openJournal, verifyJournal } from '../../src/audit/index.js';
import { eventLogDirectory, listSegments } from '../../src/audit/event-log-segments.js';
import {
  openStoreFile,
  openTempStore,
  queryDraft,
  withTableLocked,
  type TempStore,
} from './fixtures.js';

describe('event log', () => {
  const temps: TempStore[] = [];
  afterEach(async () => {
    for (const temp of temps.splice(0)) await temp.cleanup();
  });

  async function temp(): Promise<TempStore> {
    const opened = await openTempStore({ busyTimeoutMs: 50 });
    temps.push(opened);
    return opened;
  }

  async function requests(opened: TempStore): Promise<unknown[]> {
    const { events } = await createAuditReader(opened.store).listEvents({});
    return events.map((event) => event.request?.statementIndex);
  }

  it('refuses a writer while another process holds the log, and takes it once that one is gone', async () => {
    const opened = await temp();
    const lockPath = join(eventLogDirectory(opened.path), 'writer.lock');
    await (await openJournal(opened.store)).close();
    // Another process takes the lock as a Warden does, and holds it until told to stop.
    const holder = spawn(
      process.execPath,
      [
        '-e',
        `const db = new (require('better-sqlite3'))(process.argv[1]);
         db.pragma('locking_mode = EXCLUSIVE'); db.exec('BEGIN EXCLUSIVE');
         process.stdout.write('locked'); process.stdin.on('data', () => process.exit(0));`,
        lockPath,
      ],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    await once(holder.stdout, 'data');
    await expect(openJournal(opened.store)).rejects.toThrow(
      /cannot open the event log: the event log .* is in use by another Warden process/,
    );
    holder.stdin.write('stop\n');
    await once(holder, 'exit');

    const journal = await openJournal(opened.store);
    expect((await journal.append(queryDraft(1))).seq).toBe(1);
    await journal.close();
  });

  it('replaces a lock file that is not its own kind', async () => {
    const opened = await temp();
    await (await openJournal(opened.store)).close();
    writeFileSync(join(eventLogDirectory(opened.path), 'writer.lock'), '4242\n');
    const journal = await openJournal(opened.store);
    expect((await journal.append(queryDraft(1))).seq).toBe(1);
    await journal.close();
  });

  it('goes on from where its chain breaks, and keeps the damaged segments aside', async () => {
    const opened = await temp();
    // One segment per event, all left in the log.
    await withTableLocked(
      opened,
      async (journal) => {
        for (let i = 1; i <= 6; i++) await journal.append(queryDraft(i));
      },
      1,
    );
    // Event 5's segment lost its content (a power loss before it was synced, say).
    const directory = eventLogDirectory(opened.path);
    truncateSync(listSegments(directory).find((segment) => segment.base === 5)!.path, 0);

    const store = await opened.reopen();
    const journal = await openJournal(store);
    const next = await journal.append(queryDraft(7));
    await journal.close();
    expect(next.seq).toBe(5);
    expect(await requests(opened)).toEqual([1, 2, 3, 4, 7]);
    expect(await verifyJournal(store)).toMatchObject({ ok: true, events: 5 });
    const aside = readdirSync(directory).filter((name) => name.startsWith('damaged-'));
    expect(aside).toHaveLength(1);
    expect(readdirSync(join(directory, aside[0]!))).toHaveLength(6);
  });

  it('counts lines a failed write left behind as never committed', async () => {
    const opened = await temp();
    await withTableLocked(opened, async (journal) => {
      await journal.append(queryDraft(1));
      await journal.append(queryDraft(2));
    });
    // Two futures of the same log: in one, 30 and 40 are written; in the copy, 3 and 4.
    const copy = await copyOf(opened);
    await withTableLocked(opened, async (journal) => {
      await journal.append(queryDraft(30));
      await journal.append(queryDraft(40));
    });
    const refused = readFileSync(listSegments(eventLogDirectory(opened.path))[1]!.path);
    await withTableLocked(copy, async (journal) => {
      await journal.append(queryDraft(3));
      await journal.append(queryDraft(4));
    });
    // The copy as a failed write leaves it: 30 and 40 at the end of the first segment, and 3 and
    // 4 committed after the failure in the next segment, which starts at seq 3.
    appendFileSync(listSegments(eventLogDirectory(copy.path))[0]!.path, refused);

    const journal = await openJournal(copy.store);
    const next = await journal.append(queryDraft(5));
    await journal.close();
    expect(next.seq).toBe(5);
    expect(await requests(copy)).toEqual([1, 2, 3, 4, 5]);
    expect(await verifyJournal(copy.store)).toMatchObject({ ok: true, events: 5 });
  });

  it('removes segments indexed before a restart', async () => {
    const opened = await temp();
    for (let run = 0; run < 3; run++) {
      const journal = await openJournal(opened.store);
      await journal.append(queryDraft(run + 1));
      await journal.close();
    }
    const journal = await openJournal(opened.store);
    await journal.indexed();
    // The segment being written is all that is left.
    expect(listSegments(eventLogDirectory(opened.path))).toHaveLength(1);
    await journal.close();
  });

  /** A copy of a store (idle, its events in the log) and its log, opened as another store. */
  async function copyOf(opened: TempStore): Promise<TempStore> {
    const path = opened.path.replace(/journal\.db$/, 'copy.db');
    for (const suffix of ['', '-wal']) {
      if (existsSync(opened.path + suffix)) cpSync(opened.path + suffix, path + suffix);
    }
    cpSync(eventLogDirectory(opened.path), eventLogDirectory(path), { recursive: true });
    const copy = await openStoreFile(path, { busyTimeoutMs: 50 });
    temps.push(copy);
    return copy;
  }
});
