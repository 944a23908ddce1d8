// Memory: what a client sends is bounded where PostgreSQL bounds it, and statement text goes into
// the record cut to a fixed size, with its full length and SHA-256 so the record stays honest.
import { createHash } from 'node:crypto';
import { serialize } from 'pg-protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectionName, startHarness, type Harness } from './harness.js';
import { openSession } from './raw-client.js';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h?.close();
});

describe('sizes', () => {
  it('a multi-MB query runs whole, and is recorded cut with its length and SHA-256', async () => {
    const literal = 'x'.repeat(3 * 1024 * 1024);
    const text = `SELECT length('${literal}') AS n`;
    const client = await openSession(h.listener.address.port, h.tokens.agent, connectionName);
    client.write(serialize.query(text));
    const answer = await client.until('readyForQuery');
    client.end();
    const row = answer.find((message) => message.name === 'dataRow');
    expect(row?.fields).toEqual([String(literal.length)]);

    const bytes = Buffer.byteLength(text);
    const digest = createHash('sha256').update(text).digest('hex');
    for (const type of ['db.query.start', 'db.query']) {
      const recorded = await h.journal.waitFor(
        (event) =>
          event.type === type && event.request?.command?.startsWith("SELECT length('xxx") === true,
      );
      const command = recorded.request!.command!;
      expect(command.length).toBeLessThan(70 * 1024);
      expect(command.startsWith(text.slice(0, 64 * 1024))).toBe(true);
      expect(command).toContain(`text cut at 65536 of ${bytes} bytes; sha256 ${digest}`);
    }
  });

  it('messages without statement text or data are held to PostgreSQL’s 10,000 bytes', async () => {
    const client = await openSession(h.listener.address.port, h.tokens.agent, connectionName);
    const name = 'n'.repeat(20_000);
    client.write(serialize.describe({ type: 'S', name }));
    const answer = await client.until('errorResponse');
    expect(answer.at(-1)?.message).toMatch(/message "D" of 20\d{3} bytes is larger than the 10000/);
    await client.waitClosed();
  });
});
