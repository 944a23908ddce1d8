// A gateway killed with SIGKILL in the middle of collecting resumes from the checkpoint committed
// with the last page it stored: no event lost, none stored twice.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, expect, it } from 'vitest';
import { OktaLogServer } from '../../src/sandbox/okta-log-server.js';
import { CollectorHarness } from '../support/collector-harness.js';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

/** Starts the collector process; resolves once it has collected at least `count` events. */
function collectUntil(storePath: string, url: string, startFrom: string, count: number) {
  const child = spawn(
    process.execPath,
    [join(import.meta.dirname, '../support/collector-child.mjs'), storePath, url, startFrom],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  children.push(child);
  const reached = new Promise<number>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const match = /^collected (\d+)$/.exec(line);
      if (match && Number(match[1]) >= count) resolve(Number(match[1]));
    });
    child.once('exit', (code, signal) =>
      reject(new Error(`the collector exited (${code ?? signal})`)),
    );
  });
  return { child, reached };
}

it('resumes after SIGKILL mid-collection without losing or repeating an event', async () => {
  const server = await new OktaLogServer({ rateLimitPerMinute: null }).start();
  const harness = await CollectorHarness.open();
  await harness.journal.close();
  await harness.store.close();
  try {
    const total = 20_000;
    const sent = server.generate(total, { published: (i) => new Date(Date.now() - 3_600_000 + i) });
    const storePath = join(harness.dir, 'warden.db');
    const startFrom = new Date(Date.now() - 7_200_000).toISOString();

    const first = collectUntil(storePath, server.url, startFrom, 3000);
    await first.reached;
    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));
    const requestsBefore = server.requests.length;

    const second = collectUntil(storePath, server.url, startFrom, total);
    expect(await second.reached).toBe(total);
    second.child.kill('SIGKILL');
    await new Promise((resolve) => second.child.once('exit', resolve));
    // The second process went on with a next link: no polling request from `since` again.
    const resumed = server.requests.slice(requestsBefore).filter((r) => r.path === '/api/v1/logs');
    expect(resumed[0]!.query.has('since')).toBe(false);

    const reopened = await CollectorHarness.open(harness.dir);
    try {
      const ids = (await reopened.events('idp.okta')).map(
        (event) => (event as { idp?: { id?: string } }).idp?.id,
      );
      expect(ids).toHaveLength(total);
      expect(ids).toEqual(sent.map((event) => event.uuid));
    } finally {
      await reopened.close();
    }
  } finally {
    await server.close();
  }
}, 120_000);
