// A gateway killed with SIGKILL while delivering resumes from its cursor: every committed event
// reaches the destination, and the only repeats are the batch in flight, with the same ids.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, expect, it } from 'vitest';
import { WebhookReceiver } from '../support/webhook-receiver.js';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

function startGateway(
  storePath: string,
  url: string,
  count: number,
): { child: ChildProcess; committed: Promise<number> } {
  const child = spawn(
    process.execPath,
    [join(import.meta.dirname, '../support/export-child.mjs'), storePath, url, String(count)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  children.push(child);
  const committed = new Promise<number>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const match = /^committed (\d+)$/.exec(line);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code, signal) =>
      reject(new Error(`the gateway exited (${code ?? signal})`)),
    );
  });
  return { child, committed };
}

it('resumes after SIGKILL during delivery without losing an event', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-export-crash-'));
  const hook = await WebhookReceiver.start();
  try {
    const storePath = join(dir, 'warden.db');
    const first = startGateway(storePath, hook.url, 3000);
    first.committed.catch(() => undefined); // it is killed before it gets there, or just after
    await hook.waitUntil(() => hook.acceptedSeqs().length >= 400, 60_000);
    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));
    const deliveredBeforeCrash = hook.acceptedSeqs().length;

    const second = startGateway(storePath, hook.url, 0);
    const committed = await second.committed;
    expect(committed).toBeGreaterThanOrEqual(deliveredBeforeCrash);
    await hook.waitUntil(() => new Set(hook.acceptedSeqs()).size === committed, 60_000);

    const seqs = hook.acceptedSeqs();
    expect([...new Set(seqs)].sort((a, b) => a - b)).toEqual(
      Array.from({ length: committed }, (_, i) => i + 1),
    );
    // Repeats: at most the batch that was in flight when the process died, with the same ids.
    expect(seqs.length - committed).toBeLessThanOrEqual(20);
    const idOfSeq = new Map<number, string>();
    for (const delivery of hook.accepted) {
      for (const event of delivery.events) {
        expect(idOfSeq.get(event.seq) ?? event.id).toBe(event.id);
        idOfSeq.set(event.seq, event.id);
      }
    }
  } finally {
    await hook.close();
    rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);
