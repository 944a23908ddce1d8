// The Okta collector's throughput: 1,000,000 events (BENCH_EVENTS) collected from the local Okta
// stand-in (a child process, no throttling) into a journal. Prints events/s, the CPU time per
// event of the collector and of the stand-in, and the collector process's peak memory, with the
// memory at a fifth of the way for comparison: it must not grow with the total.
//
//   npm run build && node bench/collect.js
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openJournal } from '../dist/audit/index.js';
import { createCollectorAdmin, startCollectors } from '../dist/collectors/index.js';
import { parseConfig } from '../dist/config/index.js';
import { silentLogger } from '../dist/log/index.js';
import { openStore } from '../dist/store/index.js';

const total = Number(process.env.BENCH_EVENTS ?? 1_000_000);
/** Without a new event for this long, the bench gives up and says where the collector is. */
const STALL_MS = 30_000;
const mib = (bytes) => (bytes / 1024 / 1024).toFixed(0);

const okta = fork(new URL('./okta-server-process.js', import.meta.url), [String(total)]);
const { url, start, renderSeconds } = await new Promise((resolve) => okta.once('message', resolve));
const standInCpu = () =>
  new Promise((resolve) => {
    okta.once('message', ({ cpuMicros }) => resolve(cpuMicros));
    okta.send('cpu');
  });
console.log(
  `the stand-in serialized its backlog in ${renderSeconds.toFixed(1)} s, before the clock`,
);
const dir = mkdtempSync(join(tmpdir(), 'warden-bench-collect-'));
const store = await openStore({ url: `sqlite:${join(dir, 'warden.db')}`, synchronous: 'normal' });
const journal = await openJournal(store);
const { collectors } = parseConfig(
  `collectors:
  - { name: okta-bench, type: okta, domain: bench.okta.com, url: "${url}", startFrom: "${start}", auth: { token: test-okta-token } }
`,
  { env: {}, baseDir: dir },
);
const admin = createCollectorAdmin(store, collectors);
const rssAtStart = process.memoryUsage.rss();
let peakRss = rssAtStart;
let rssAtFifth = null;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
}, 50);

console.log(`collecting ${total.toLocaleString('en-US')} Okta events from the local stand-in`);
const standInCpuAtStart = await standInCpu();
const cpuAtStart = process.cpuUsage();
const began = performance.now();
const service = startCollectors({ collectors, journal, store, logger: silentLogger() });
let collected = 0;
let progressAt = performance.now();
while (collected < total) {
  await new Promise((resolve) => setTimeout(resolve, 200));
  const [status] = await admin.list();
  if (status.collected > collected) progressAt = performance.now();
  else if (performance.now() - progressAt > STALL_MS) {
    console.error(`collection stalled at ${status.collected} events: ${JSON.stringify(status)}`);
    process.exit(1);
  }
  collected = status.collected;
  if (rssAtFifth === null && collected >= total / 5) rssAtFifth = peakRss;
}
const seconds = (performance.now() - began) / 1000;
const cpu = process.cpuUsage(cpuAtStart);
const standInCpuMicros = (await standInCpu()) - standInCpuAtStart;
clearInterval(sampler);
await service.close();
await journal.indexed();
const stored = (
  await store.db
    .selectFrom('events')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('type', '=', 'idp.okta')
    .executeTakeFirst()
).n;

console.log(
  `  ${(total / seconds).toFixed(0)} events/s (${seconds.toFixed(1)} s), ${stored} idp.okta events in the journal`,
);
const perEvent = (micros) => (micros / total).toFixed(1);
console.log(
  `  CPU per event: collector ${perEvent(cpu.user + cpu.system)} µs (main thread and indexer; ` +
    `${perEvent(cpu.system)} µs of it in the kernel), stand-in ${perEvent(standInCpuMicros)} µs`,
);
console.log(
  `  peak RSS ${mib(peakRss)} MiB (${mib(peakRss - rssAtStart)} above the start); ` +
    `at a fifth of the way ${mib(rssAtFifth)} MiB`,
);
await journal.close();
await store.close();
okta.disconnect();
rmSync(dir, { recursive: true, force: true });
