import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Migrator, sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/index.js';
import { migrationProvider } from '../../src/store/migrations.js';
import { openSqlite } from '../../src/store/sqlite.js';
import { countEventLoopTurns } from '../support/event-loop-turns.js';

describe('openStore', () => {
  const dirs: string[] = [];
  const stores: Store[] = [];
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  function tempDir(): string {
    const dir = mkdtempSync(join(tmpdir(), 'warden-store-'));
    dirs.push(dir);
    return dir;
  }

  async function open(url: string, synchronous: 'normal' | 'full' = 'normal'): Promise<Store> {
    const store = await openStore({ url, synchronous });
    stores.push(store);
    return store;
  }

  async function pragma(store: Store, name: string, column = name): Promise<unknown> {
    const { rows } = await sql.raw<Record<string, unknown>>(`PRAGMA ${name}`).execute(store.db);
    return rows[0]?.[column];
  }

  it('creates the parent directories and the database file', async () => {
    const path = join(tempDir(), 'nested', 'deeper', 'warden.db');
    const store = await open(`sqlite:${path}`);
    expect(store.dialect).toBe('sqlite');
    expect(existsSync(path)).toBe(true);
  });

  it('uses WAL mode and the configured synchronous level', async () => {
    const dir = tempDir();
    const normal = await open(`sqlite:${join(dir, 'normal.db')}`, 'normal');
    expect(await pragma(normal, 'journal_mode')).toBe('wal');
    expect(await pragma(normal, 'synchronous')).toBe(1);
    const full = await open(`sqlite:${join(dir, 'full.db')}`, 'full');
    expect(await pragma(full, 'synchronous')).toBe(2);
  });

  it('creates a store with 16 KiB pages, and keeps the page size of one that exists', async () => {
    const dir = tempDir();
    const created = await open(`sqlite:${join(dir, 'new.db')}`);
    expect(await pragma(created, 'page_size')).toBe(16384);
    const path = join(dir, 'older.db');
    const older = new BetterSqlite3(path);
    older.pragma('page_size = 4096');
    older.exec('CREATE TABLE kept (x)');
    older.close();
    expect(await pragma(await open(`sqlite:${path}`), 'page_size')).toBe(4096);
  });

  it('runs the migrations at open, once', async () => {
    const path = join(tempDir(), 'warden.db');
    const first = await open(`sqlite:${path}`);
    await first.db
      .insertInto('events')
      .values({
        seq: 1,
        id: 'x',
        time: '2026-11-21T09:00:00.000Z',
        type: 't',
        session_id: null,
        actor_subject: null,
        actor_name: null,
        connection_name: null,
        outcome_result: null,
        body: '{}',
        prev_hash: '0',
        hash: '1',
      })
      .execute();
    await first.close();
    stores.splice(stores.indexOf(first), 1);

    const again = await open(`sqlite:${path}`);
    const migrations = await sql<{ name: string }>`SELECT name FROM kysely_migration`.execute(
      again.db,
    );
    expect(migrations.rows.map((row) => row.name)).toEqual([
      '0001_events',
      '0002_events_indexes_for_readers',
      '0003_export',
      '0004_retention',
      '0005_collectors',
      '0006_identities',
      '0007_reviews',
      '0008_alerts',
    ]);
    expect(await again.db.selectFrom('events').select('seq').execute()).toEqual([{ seq: 1 }]);
    const indexes = await sql<{ name: string }>`
      SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events' AND sql IS NOT NULL
    `.execute(again.db);
    expect(indexes.rows.map((row) => row.name).sort()).toEqual([
      'events_actor_subject_time',
      'events_session_end',
      'events_session_id_seq',
      'events_session_start',
      'events_type_seq',
    ]);
  });

  it('brings a journal written under migration 0001 up to date, its events intact', async () => {
    const path = join(tempDir(), 'warden.db');
    const old = openSqlite(path, { synchronous: 'normal', busyTimeoutMs: 5000 });
    const migrator = new Migrator({ db: old, provider: migrationProvider('sqlite') });
    expect((await migrator.migrateTo('0001_events')).error).toBeUndefined();
    await sql`INSERT INTO events VALUES
      (1, 'a', '2026-01-05T09:00:00.000Z', 'session.start', 's', 'sub', 'name', 'pg', 'success', '{}', '0', 'h1'),
      (2, 'b', '2026-01-05T09:00:01.000Z', 'db.query', 's', 'sub', 'name', 'pg', 'success', '{}', 'h1', 'h2')
    `.execute(old);
    await old.destroy();

    const store = await open(`sqlite:${path}`);
    const rows = await store.db
      .selectFrom('events')
      .select(['seq', 'type'])
      .orderBy('seq')
      .execute();
    expect(rows).toEqual([
      { seq: 1, type: 'session.start' },
      { seq: 2, type: 'db.query' },
    ]);
    // The partial indexes hold the rows they cover.
    const { rows: starts } = await sql<{ seq: number }>`
      SELECT seq FROM events INDEXED BY events_session_start WHERE type = 'session.start'
    `.execute(store.db);
    expect(starts).toEqual([{ seq: 1 }]);
  });

  it.each([
    [
      'postgres://warden:s3cret@db.internal/warden',
      'postgres://warden:[redacted]@db.internal/warden',
    ],
    ['./data/warden.db', './data/warden.db'],
    ['sqlite:', 'sqlite:'],
    ['sqlite://data/warden.db', 'sqlite://data/warden.db'],
  ])(
    'refuses store.url %s with a clear error that does not echo a password',
    async (url, shown) => {
      const attempt = openStore({ url, synchronous: 'normal' });
      await expect(attempt).rejects.toThrow(`store.url: expected sqlite:PATH, got "${shown}"`);
      await expect(attempt).rejects.not.toThrow('s3cret');
    },
  );

  describe("waiting for another connection's write lock", () => {
    /** A store with a table to write to, and a second connection holding the write lock. */
    async function locked(busyTimeoutMs: number) {
      const path = join(tempDir(), 'warden.db');
      const store = await openStore(
        { url: `sqlite:${path}`, synchronous: 'normal' },
        { busyTimeoutMs },
      );
      stores.push(store);
      await sql`create table probe (x integer)`.execute(store.db);
      const other = new BetterSqlite3(path);
      other.exec('BEGIN IMMEDIATE');
      const insert = (x: number) => sql`insert into probe (x) values (${x})`.execute(store.db);
      const rows = async () =>
        (await sql<{ x: number }>`select x from probe order by x`.execute(store.db)).rows.map(
          (row) => row.x,
        );
      return { other, insert, rows, store };
    }

    // The lock is released by a timer of this thread: a write that slept in SQLite's busy handler
    // would keep it from ever running, and fail after the busy timeout.
    it('waits without blocking the thread, and writes once the lock is released', async () => {
      const { other, insert, rows } = await locked(5000);
      const loop = countEventLoopTurns();
      setTimeout(() => other.exec('COMMIT'), 100);
      await insert(1);
      expect(loop.stop()).toBeGreaterThan(3);
      expect(await rows()).toEqual([1]);
      other.close();
    });

    it('retries the statements of a transaction too', async () => {
      const { other, rows, store } = await locked(5000);
      setTimeout(() => other.exec('COMMIT'), 100);
      await store.db.transaction().execute(async (trx) => {
        await sql`insert into probe (x) values (1)`.execute(trx);
        await sql`insert into probe (x) values (2)`.execute(trx);
      });
      expect(await rows()).toEqual([1, 2]);
      other.close();
    });

    it('fails with SQLITE_BUSY after the busy timeout, and the store stays usable', async () => {
      const { other, insert, rows } = await locked(100);
      await expect(insert(1)).rejects.toMatchObject({ code: 'SQLITE_BUSY' });
      other.exec('ROLLBACK');
      other.close();
      await insert(2);
      expect(await rows()).toEqual([2]);
    });
  });

  it('refuses a synchronous level it does not know', async () => {
    const path = join(tempDir(), 'warden.db');
    await expect(
      openStore({ url: `sqlite:${path}`, synchronous: 'off' as 'normal' }),
    ).rejects.toThrow('store.synchronous: expected normal or full, got "off"');
  });
});
