// The reader takes what the journal announced of an event in place of parsing its line, only
// when the line is that event: it starts with the announced hash.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { GENESIS_HASH, sealEvent, type UnhashedEvent } from '../../src/audit/chain.js';
import { EventLogReader } from '../../src/audit/event-log-reader.js';
import { segmentFileName } from '../../src/audit/event-log-segments.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A log of one segment holding `count` sealed events; their hashes. */
function logOf(count: number): { directory: string; hashes: string[] } {
  const directory = mkdtempSync(join(tmpdir(), 'warden-log-reader-'));
  dirs.push(directory);
  const lines: string[] = [];
  const hashes: string[] = [];
  let prevHash = GENESIS_HASH;
  for (let seq = 1; seq <= count; seq++) {
    const event = {
      seq,
      prevHash,
      id: `evt-${seq}`,
      type: 'test.event',
      time: '2026-01-01T00:00:00.000Z',
    };
    const sealed = sealEvent(event as unknown as UnhashedEvent);
    lines.push(sealed.body);
    hashes.push(sealed.event.hash);
    prevHash = sealed.event.hash;
  }
  writeFileSync(join(directory, segmentFileName(1, 1)), `${lines.join('\n')}\n`);
  return { directory, hashes };
}

it('takes an announced event whose hash starts the line, and parses a line announced wrongly', () => {
  const { directory, hashes } = logOf(3);
  const announced = new Map([
    [1, { seq: 1, hash: hashes[0]!, prevHash: GENESIS_HASH, announced: true }],
    // Another event's hash: this line is not the announced event.
    [2, { seq: 2, hash: hashes[2]!, prevHash: hashes[0]!, announced: true }],
  ]);
  const reader = new EventLogReader(directory, { seq: 0, hash: GENESIS_HASH }, () => 0);
  const reads = [1, 2, 3].map(() =>
    reader.next(Number.MAX_SAFE_INTEGER, (seq) => announced.get(seq)),
  );
  reader.close();

  expect(reads.map((read) => read.kind)).toEqual(['event', 'event', 'event']);
  const events = reads.map((read) => (read.kind === 'event' ? read.event : null));
  expect(events[0]).toBe(announced.get(1));
  expect(events[1]).toMatchObject({ seq: 2, id: 'evt-2', hash: hashes[1] });
  expect(events[1]).not.toHaveProperty('announced');
  expect(events[2]).toMatchObject({ seq: 3, id: 'evt-3' });
  expect(reader.head).toEqual({ seq: 3, hash: hashes[2] });
});

it('reports a break in the chain even where the announcement would have matched a later line', () => {
  const { directory, hashes } = logOf(2);
  const reader = new EventLogReader(directory, { seq: 1, hash: 'f'.repeat(64) }, () => 0);
  const read = reader.next(Number.MAX_SAFE_INTEGER, () => ({
    seq: 2,
    hash: hashes[1]!,
    prevHash: hashes[0]!,
  }));
  reader.close();
  expect(read).toMatchObject({
    kind: 'broken',
    reason: expect.stringMatching(/where seq 2 following f{12}/),
  });
});
