import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/index.js';

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

  it('uses WAL mode, the configured synchronous level and a busy timeout', async () => {
    const dir = tempDir();
    const normal = await open(`sqlite:${join(dir, 'normal.db')}`, 'normal');
    expect(await pragma(normal, 'journal_mode')).toBe('wal');
    expect(await pragma(normal, 'synchronous')).toBe(1);
    expect(await pragma(normal, 'busy_timeout', 'timeout')).toBe(5000);
    const full = await open(`sqlite:${join(dir, 'full.db')}`, 'full');
    expect(await pragma(full, 'synchronous')).toBe(2);
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
    expect(migrations.rows.map((row) => row.name)).toEqual(['0001_events']);
    expect(await again.db.selectFrom('events').select('seq').execute()).toEqual([{ seq: 1 }]);
    const indexes = await sql<{ name: string }>`
      SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events' AND sql IS NOT NULL
    `.execute(again.db);
    expect(indexes.rows.map((row) => row.name).sort()).toEqual([
      'events_actor_subject_seq',
      'events_connection_name_seq',
      'events_session_id_seq',
      'events_time',
      'events_type_seq',
    ]);
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

  it('refuses a synchronous level it does not know', async () => {
    const path = join(tempDir(), 'warden.db');
    await expect(
      openStore({ url: `sqlite:${path}`, synchronous: 'off' as 'normal' }),
    ).rejects.toThrow('store.synchronous: expected normal or full, got "off"');
  });
});
