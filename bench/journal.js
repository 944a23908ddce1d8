// Journal append throughput: `npm run build && node bench/journal.js [events]`.
// Each event is a realistic db.query with actor, source, request and response, so the figures
// include what every append pays: UUIDv7, RFC 8785 canonical JSON, SHA-256, JSON body, insert.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openJournal } from '../dist/audit/index.js';
import { openStore } from '../dist/store/index.js';
import { draft } from './query-draft.js';

const total = Number(process.argv[2] ?? 200_000);

/** One producer awaiting each append before the next: commit latency bound. */
async function singleAppends(journal, count) {
  for (let i = 1; i <= count; i++) await journal.append(draft('single', i));
}

/** `sessions` producers appending concurrently, as many sessions of the gateway would. */
async function concurrentSessions(journal, count, sessions) {
  const perSession = Math.ceil(count / sessions);
  await Promise.all(
    Array.from({ length: sessions }, async (_, s) => {
      for (let i = 1; i <= perSession; i++) await journal.append(draft(`session-${s}`, i));
    }),
  );
  return perSession * sessions;
}

/** Batches of `size` appends made in one turn. */
async function batches(journal, count, size) {
  for (let done = 0; done < count; done += size) {
    await Promise.all(
      Array.from({ length: size }, (_, i) => journal.append(draft('batch', done + i))),
    );
  }
  return count;
}

async function measure(label, synchronous, run) {
  const dir = mkdtempSync(join(tmpdir(), 'warden-bench-'));
  const store = await openStore({ url: `sqlite:${join(dir, 'journal.db')}`, synchronous });
  const journal = await openJournal(store);
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const appended = await run(journal);
  const cpu = process.cpuUsage(cpuBefore);
  const seconds = (performance.now() - started) / 1000;
  await journal.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  const rate = Math.round(appended / seconds).toLocaleString('en-US');
  // CPU time per append (user + system) depends less on what else runs on the machine.
  const cpuPerAppend = ((cpu.user + cpu.system) / appended).toFixed(1);
  console.log(
    `${label.padEnd(38)} synchronous=${synchronous.padEnd(6)} ${rate.padStart(9)} appends/s` +
      `  ${cpuPerAppend.padStart(6)} µs CPU/append`,
  );
}

for (const synchronous of ['normal', 'full']) {
  const singles = Math.min(total, 20_000);
  await measure('single appends, one producer', synchronous, async (journal) => {
    await singleAppends(journal, singles);
    return singles;
  });
  await measure('100 sessions appending concurrently', synchronous, (journal) =>
    concurrentSessions(journal, total, 100),
  );
  await measure('1000 sessions appending concurrently', synchronous, (journal) =>
    concurrentSessions(journal, total, 1000),
  );
  await measure('batches of 1000 appends', synchronous, (journal) => batches(journal, total, 1000));
}
