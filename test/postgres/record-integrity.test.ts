// The record must say what ran on the target, whatever order or mix of messages a client sends:
// these are the ways a hostile client could make it say something else.
import { serialize } from 'pg-protocol';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { connectionName, startHarness, type Harness } from './harness.js';
import { eventually } from '../support/eventually.js';
import type { AuditEvent } from '../../src/audit/index.js';
import { openSession, type RawConnection } from './raw-client.js';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
  await onTarget(`
    CREATE TABLE integrity (id int);
    GRANT ALL ON integrity TO app_rw;
    -- A domain whose CHECK writes a row: PostgreSQL evaluates it at Bind, before any Execute.
    CREATE FUNCTION integrity_log(v int) RETURNS boolean LANGUAGE plpgsql VOLATILE AS
      $$ BEGIN INSERT INTO integrity VALUES (v); RETURN true; END $$;
    CREATE DOMAIN logged_int AS int CHECK (integrity_log(VALUE));
  `);
});

afterAll(async () => {
  await h?.close();
});

/** Runs SQL straight on the target as its superuser, around Warden. */
async function onTarget(sql: string) {
  const admin = await h.admin();
  try {
    return await admin.query(sql);
  } finally {
    await admin.end();
  }
}

beforeEach(async () => {
  await onTarget('DELETE FROM integrity');
});

/** The first event recorded after the first `before` events that matches, once it is there. */
function recordedAfter(
  before: number,
  matches: (event: AuditEvent) => boolean,
): Promise<AuditEvent> {
  return eventually(async () => h.journal.events.slice(before).find(matches));
}

/** A statement's result event (`db.query`) with this text. */
function resultOf(command: string): (event: AuditEvent) => boolean {
  return (event) => event.type === 'db.query' && event.request?.command === command;
}

/** Parses a named statement in a batch of its own and waits until the target has answered. */
async function prepareNamed(client: RawConnection, name: string, text: string): Promise<void> {
  client.write(Buffer.concat([serialize.parse({ name, text }), serialize.sync()]));
  await client.until('readyForQuery');
}

async function rowsInTarget(): Promise<number[]> {
  const result = await onTarget('SELECT id FROM integrity ORDER BY id');
  return result.rows.map((row: { id: number }) => row.id);
}

describe('the record says what ran', () => {
  it('a prepared statement name reused after a refused Parse keeps the statement that exists', async () => {
    await onTarget('INSERT INTO integrity VALUES (1), (2), (3)');
    const client = await openSession(h.listener.address.port, h.tokens.agent, connectionName);
    await prepareNamed(client, 's1', 'DELETE FROM integrity');
    // The target refuses this Parse (42P05: s1 exists), so s1 is still the DELETE.
    await prepareNamed(client, 's1', 'SELECT 1');
    client.write(
      Buffer.concat([serialize.bind({ statement: 's1' }), serialize.execute(), serialize.sync()]),
    );
    await client.until('readyForQuery');
    client.end();

    expect(await rowsInTarget()).toEqual([]);
    const recorded = await h.journal.waitFor(
      (event) => event.type === 'db.query' && event.request?.protocol === 'extended',
    );
    expect(recorded.request?.command).toBe('DELETE FROM integrity');
    expect(recorded.response?.rows).toBe(3);
  });

  it('a Bind that runs code on the target is recorded before it is forwarded', async () => {
    const oid = Number((await onTarget("SELECT 'logged_int'::regtype::oid AS oid")).rows[0].oid);
    const before = h.journal.events.length;
    const client = await openSession(h.listener.address.port, h.tokens.agent, connectionName);
    client.write(
      Buffer.concat([
        serialize.parse({ name: 'b1', text: 'SELECT 1 WHERE $1 IS NOT NULL', types: [oid] }),
        serialize.bind({ statement: 'b1', values: ['42'] }),
        serialize.sync(),
      ]),
    );
    await client.until('readyForQuery');
    client.end();

    expect(await rowsInTarget()).toEqual([42]);
    const recorded = h.journal.events
      .slice(before)
      .filter((event) => event.type === 'db.query.start');
    expect(recorded.map((event) => event.request?.command)).toContain(
      'SELECT 1 WHERE $1 IS NOT NULL',
    );
    expect(recorded.find((event) => event.request?.params)?.request?.params).toEqual(['42']);
  });

  it('a statement sent together with Terminate is recorded with the result it had', async () => {
    const before = h.journal.events.length;
    const client = await openSession(h.listener.address.port, h.tokens.agent, connectionName);
    client.write(
      Buffer.concat([serialize.query('INSERT INTO integrity VALUES (7)'), serialize.end()]),
    );
    await client.waitClosed();

    await eventually(async () => (await rowsInTarget()).includes(7));
    const recorded = await recordedAfter(before, resultOf('INSERT INTO integrity VALUES (7)'));
    expect(recorded.outcome?.result).toBe('success');
    expect(recorded.response?.rows).toBe(1);
  });

  it('a refused Parse in an earlier batch of the same write does not relabel the statement', async () => {
    await onTarget('INSERT INTO integrity VALUES (1), (2)');
    const before = h.journal.events.length;
    const client = await openSession(h.listener.address.port, h.tokens.agent, connectionName);
    await prepareNamed(client, 's2', 'DELETE FROM integrity');
    // One write: the refused Parse and a Bind/Execute after its Sync, before it is answered.
    client.write(
      Buffer.concat([
        serialize.parse({ name: 's2', text: 'SELECT 1' }),
        serialize.sync(),
        serialize.bind({ statement: 's2' }),
        serialize.execute(),
        serialize.sync(),
      ]),
    );
    await client.until('readyForQuery');
    await client.until('readyForQuery');
    client.end();

    expect(await rowsInTarget()).toEqual([]);
    const recorded = await recordedAfter(
      before,
      (event) => event.type === 'db.query' && event.request?.protocol === 'extended',
    );
    expect(recorded.request?.command).not.toBe('SELECT 1');
    expect(recorded.request?.command).toContain('"s2"');
    expect(recorded.response?.rows).toBe(2);
  });

  it('statements dropped after a refusal, up to the Sync, are closed as not run', async () => {
    const before = h.journal.events.length;
    const client = await openSession(h.listener.address.port, h.tokens.agent, connectionName);
    h.journal.failWith(
      new Error('disk full'),
      (draft) =>
        draft.type === 'db.query.start' &&
        draft.request?.command === 'INSERT INTO integrity VALUES (1)',
    );
    try {
      client.write(
        Buffer.concat([
          serialize.parse({ text: 'INSERT INTO integrity VALUES (1)' }),
          serialize.bind(),
          serialize.execute(),
        ]),
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
      client.write(
        Buffer.concat([
          serialize.parse({ text: 'INSERT INTO integrity VALUES (2)' }),
          serialize.bind(),
          serialize.execute(),
          serialize.sync(),
        ]),
      );
      await client.until('readyForQuery');
    } finally {
      h.journal.failWith(null);
    }
    client.end();

    expect(await rowsInTarget()).toEqual([]);
    const completed = await recordedAfter(before, resultOf('INSERT INTO integrity VALUES (2)'));
    expect(completed.outcome?.result).toBe('failure');
    expect(completed.outcome?.error?.message).toMatch(/^not run/);
    const starts = h.journal.events
      .slice(before)
      .filter((event) => event.type === 'db.query.start');
    for (const start of starts)
      expect(
        h.journal.events.some(
          (event) =>
            event.type === 'db.query' &&
            event.sessionId === start.sessionId &&
            event.request?.statementIndex === start.request?.statementIndex,
        ),
      ).toBe(true);
  });

  it('a Bind whose Execute arrives in a later packet gets one start, with the Execute', async () => {
    const before = h.journal.events.length;
    const client = await openSession(h.listener.address.port, h.tokens.agent, connectionName);
    const batch = Buffer.concat([
      serialize.parse({ text: 'INSERT INTO integrity VALUES ($1)' }),
      serialize.bind({ values: ['5'] }),
      serialize.execute(),
      serialize.sync(),
    ]);
    const split = batch.length - serialize.sync().length - 3;
    client.write(batch.subarray(0, split));
    await new Promise((resolve) => setTimeout(resolve, 100));
    client.write(batch.subarray(split));
    await client.until('readyForQuery');
    client.end();

    expect(await rowsInTarget()).toEqual([5]);
    await recordedAfter(before, resultOf('INSERT INTO integrity VALUES ($1)'));
    const starts = h.journal.events
      .slice(before)
      .filter((event) => event.type === 'db.query.start');
    expect(starts.map((event) => event.request?.params)).toEqual([['5']]);
  });

  it('a statement replaced in SQL (DEALLOCATE, PREPARE) is not recorded with its old text', async () => {
    await onTarget('INSERT INTO integrity VALUES (1)');
    const before = h.journal.events.length;
    const client = await openSession(h.listener.address.port, h.tokens.agent, connectionName);
    await prepareNamed(client, 's3', 'SELECT 1');
    client.write(serialize.query('DEALLOCATE s3; PREPARE s3 AS DELETE FROM integrity'));
    await client.until('readyForQuery');
    client.write(
      Buffer.concat([serialize.bind({ statement: 's3' }), serialize.execute(), serialize.sync()]),
    );
    await client.until('readyForQuery');
    client.end();

    expect(await rowsInTarget()).toEqual([]);
    const recorded = await recordedAfter(
      before,
      (event) =>
        event.type === 'db.query' &&
        event.request?.protocol === 'extended' &&
        event.request?.command !== 'SELECT 1',
    );
    expect(recorded.request?.command).toContain('"s3"');
    expect(recorded.response?.rows).toBe(1);
    expect(
      h.journal.events
        .slice(before)
        .filter((event) => event.request?.protocol === 'extended')
        .map((event) => event.request?.command),
    ).not.toContain('SELECT 1');
  });
});
