// The engine's small parts: the filter, the retry delay, and the file sink's rotation.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../src/audit/index.js';
import { parseConfig, type FileSinkConfig, type SinkRetry } from '../../src/config/index.js';
import { retryDelay } from '../../src/http/index.js';
import { compileSinkFilter } from '../../src/export/sink-filter.js';
import { createFileSink } from '../../src/export/sinks/file.js';
import { deleteQuery, nativeEntries } from '../support/export-records.js';

describe('sink filter', () => {
  const filter = (yaml: string) =>
    compileSinkFilter(
      parseConfig(`sinks: [{ name: s, type: file, path: x, filter: ${yaml} }]`, {
        env: {},
        baseDir: '.',
      }).sinks[0]!.filter,
    );

  it('selects by type, type prefix, connection, group and outcome; every list given must match', () => {
    expect(filter('{}')(deleteQuery(1))).toBe(true);
    expect(filter('{ types: [db.*] }')(deleteQuery(1))).toBe(true);
    expect(filter('{ types: [session.*] }')(deleteQuery(1))).toBe(false);
    expect(filter('{ types: [db.query.start] }')(deleteQuery(1))).toBe(false);
    expect(filter('{ connections: [pg-prod], groups: [agents-db] }')(deleteQuery(1))).toBe(true);
    expect(filter('{ connections: [pg-prod], groups: [analysts] }')(deleteQuery(1))).toBe(false);
    expect(filter('{ outcomes: [failure, denied] }')(deleteQuery(1))).toBe(false);
    expect(
      filter('{ outcomes: [failure] }')(
        deleteQuery(1, { outcome: { result: 'failure', error: null } }),
      ),
    ).toBe(true);
    expect(filter('{ groups: [agents-db] }')(deleteQuery(1, { actor: null }))).toBe(false);
  });
});

describe('retry delay', () => {
  const retry: SinkRetry = { minDelayMs: 1000, maxDelayMs: 60_000 };

  it('doubles from minDelay with half of it random, capped at maxDelay', () => {
    expect(retryDelay(retry, 1, undefined, () => 0)).toBe(500);
    expect(retryDelay(retry, 1, undefined, () => 1)).toBe(1000);
    expect(retryDelay(retry, 4, undefined, () => 1)).toBe(8000);
    expect(retryDelay(retry, 30, undefined, () => 0)).toBe(30_000);
    expect(retryDelay(retry, 30, undefined, () => 1)).toBe(60_000);
  });

  it("never waits less than the destination's Retry-After, up to an hour", () => {
    expect(retryDelay(retry, 1, 5000, () => 0)).toBe(5000);
    expect(retryDelay(retry, 1, 10 * 3_600_000, () => 0)).toBe(3_600_000);
  });
});

describe('file sink', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('writes JSON Lines and rotates by size, keeping maxFiles rotated files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'warden-file-sink-'));
    dirs.push(dir);
    const config = parseConfig(
      `sinks: [{ name: f, type: file, path: out/audit.jsonl, maxBytes: 4096, maxFiles: 2 }]`,
      { env: {}, baseDir: dir },
    ).sinks[0] as FileSinkConfig;
    expect(config.path).toBe(join(dir, 'out/audit.jsonl'));
    const sink = createFileSink(config);
    const entries = nativeEntries(
      sink,
      Array.from({ length: 20 }, (_, i) => deleteQuery(i + 1)),
    );
    for (let i = 0; i < 20; i += 2) {
      expect(await sink.deliver(entries.slice(i, i + 2), new AbortController().signal)).toEqual({
        kind: 'delivered',
      });
    }
    await sink.close();
    expect(readdirSync(join(dir, 'out')).sort()).toEqual([
      'audit.jsonl',
      'audit.jsonl.1',
      'audit.jsonl.2',
    ]);
    const lines = ['audit.jsonl.2', 'audit.jsonl.1', 'audit.jsonl'].flatMap((name) =>
      readFileSync(join(dir, 'out', name), 'utf8')
        .trimEnd()
        .split('\n'),
    );
    const seqs = lines.map((line) => (JSON.parse(line) as AuditEvent).seq);
    // The oldest file was removed: what is left is the newest events, in order, none twice.
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => 21 - seqs.length + i));
    for (const name of readdirSync(join(dir, 'out'))) {
      expect(readFileSync(join(dir, 'out', name)).length).toBeLessThanOrEqual(4096);
    }
  });
});
