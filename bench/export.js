// The delivery engine's throughput: 1,000,000 events (BENCH_EVENTS) are written to a journal,
// then delivered from the beginning to a webhook receiver and a Datadog-like receiver at once
// (receivers in a child process). Prints events/s per sink, the engine's peak memory, and the
// loss and duplicate counts at each receiver (both must be 0).
//
//   npm run build && node bench/export.js
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openJournal } from '../dist/audit/index.js';
import { parseConfig } from '../dist/config/index.js';
import { createSinkAdmin, startExport } from '../dist/export/index.js';
import { silentLogger } from '../dist/log/index.js';
import { openStore } from '../dist/store/index.js';
import { draft } from './query-draft.js';

const total = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const producers = 64;

async function fill(journal) {
  const perProducer = Math.ceil(total / producers);
  let written = 0;
  await Promise.all(
    Array.from({ length: producers }, async (_, session) => {
      for (let i = 0; i < perProducer && written < total; i++) {
        written += 1;
        await journal.append(draft(`bench-${session}`, i));
      }
    }),
  );
  await journal.indexed();
}

function startReceivers() {
  const child = fork(new URL('./export-receivers.js', import.meta.url), [String(total)]);
  return new Promise((resolve) => {
    child.once('message', (ports) =>
      resolve({
        ports,
        results: () =>
          new Promise((done) => {
            child.once('message', (message) => done(message.results));
            child.send('results');
          }),
        stop: () => child.kill(),
      }),
    );
  });
}

const dir = mkdtempSync(join(tmpdir(), 'warden-bench-export-'));
try {
  const store = await openStore({ url: `sqlite:${join(dir, 'warden.db')}`, synchronous: 'normal' });
  const journal = await openJournal(store);
  let started = performance.now();
  await fill(journal);
  console.log(
    `journal: ${total} events written and indexed in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );

  const receivers = await startReceivers();
  const { sinks } = parseConfig(
    `sinks:
  - { name: webhook, type: webhook, url: "http://127.0.0.1:${receivers.ports.webhook}/", mode: batch, start: beginning, batch: { maxEvents: 1000, maxBytes: 5000000 } }
  - { name: datadog, type: datadog, url: "http://127.0.0.1:${receivers.ports.datadog}/api/v2/logs", apiKey: bench-key, start: beginning }
`,
    { env: {}, baseDir: '.' },
  );
  const admin = createSinkAdmin(store, sinks);
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  started = performance.now();
  const exporter = startExport({ sinks, store, logger: silentLogger() });
  const finished = {};
  while (Object.keys(finished).length < sinks.length) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    for (const sink of await admin.list()) {
      if (sink.cursor === total && !(sink.name in finished))
        finished[sink.name] = performance.now() - started;
    }
  }
  clearInterval(sampler);
  await exporter.close();
  const results = await receivers.results();
  receivers.stop();

  console.log(`\ndelivery of ${total} events to two sinks at once (batches of 1000):`);
  for (const result of results) {
    const seconds = finished[result.name] / 1000;
    console.log(
      `  ${result.name.padEnd(8)} ${Math.round(total / seconds)} events/s (${seconds.toFixed(1)} s, ${result.requests} requests)  lost ${result.missing}  duplicates ${result.duplicates}  unexpected ${result.unexpected}`,
    );
  }
  console.log(
    `  peak memory of the engine's process: ${Math.round(peak / 2 ** 20)} MiB (${Math.round((peak - baseline) / 2 ** 20)} MiB above the start)`,
  );
  await journal.close();
  await store.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
