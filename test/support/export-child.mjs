// A gateway's journal and delivery engine in a process of its own, for the crash test: it appends
// `count` events while delivering to a webhook, prints `committed <seq>` once they are all
// committed and indexed, and runs until it is killed. Loads the build (npm test builds first).
import { openJournal } from '../../dist/audit/index.js';
import { parseConfig } from '../../dist/config/index.js';
import { startExport } from '../../dist/export/index.js';
import { silentLogger } from '../../dist/log/index.js';
import { openStore } from '../../dist/store/index.js';

const [storePath, url, count] = process.argv.slice(2);
const store = await openStore({ url: `sqlite:${storePath}`, synchronous: 'normal' });
const journal = await openJournal(store);
const { sinks } = parseConfig(
  `sinks:
  - { name: hook, type: webhook, url: "${url}", mode: batch, start: beginning, batch: { maxEvents: 20 }, retry: { minDelay: 10ms, maxDelay: 50ms } }
`,
  { env: {}, baseDir: '.' },
);
startExport({ sinks, store, logger: silentLogger(), pollIntervalMs: 5 });
for (let i = 1; i <= Number(count); i++) {
  await journal.append({
    type: 'db.query',
    sessionId: 'crash-test',
    request: { command: `SELECT ${i}` },
  });
}
await journal.indexed();
process.stdout.write(`committed ${journal.status().committedSeq}\n`);
setInterval(() => undefined, 60_000);
