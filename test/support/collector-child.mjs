// A gateway's journal and one Okta collector in a process of its own, for the crash test: it
// collects from the Okta stand-in at `url` and prints `collected <n>` as its count grows, until
// it is killed. Loads the build (npm test builds first).
import { openJournal } from '../../dist/audit/index.js';
import { createCollectorAdmin, startCollectors } from '../../dist/collectors/index.js';
import { parseConfig } from '../../dist/config/index.js';
import { silentLogger } from '../../dist/log/index.js';
import { openStore } from '../../dist/store/index.js';

const [storePath, url, startFrom] = process.argv.slice(2);
const store = await openStore({ url: `sqlite:${storePath}`, synchronous: 'normal' });
const journal = await openJournal(store);
const { collectors } = parseConfig(
  `collectors:
  - { name: okta-main, type: okta, domain: company.okta.com, url: "${url}", startFrom: "${startFrom}", auth: { token: test-okta-token } }
`,
  { env: {}, baseDir: '.' },
);
startCollectors({ collectors, journal, store, logger: silentLogger() });
const admin = createCollectorAdmin(store, collectors);
let last = -1;
setInterval(async () => {
  const [status] = await admin.list();
  if (status.collected !== last) process.stdout.write(`collected ${(last = status.collected)}\n`);
}, 20);
