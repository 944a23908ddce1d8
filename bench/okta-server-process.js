// The Okta System Log stand-in for bench/collect.js, in a process of its own: a virtual backlog of
// `count` events, no rate limit. The events are serialized up front, before the clock starts, so
// that serving a page is slicing text: Okta's servers are not on the machine the collector runs
// on, and the stand-in should take as little of it as it can. Reports its URL and how long the
// rendering took; answers 'cpu' with its CPU time (µs); stops when the parent disconnects.
import { performance } from 'node:perf_hooks';
import { OktaLogServer } from '../dist/sandbox/okta-log-server.js';

const count = Number(process.argv[2]);
const server = await new OktaLogServer({ rateLimitPerMinute: null }).start();
const start = new Date(Date.now() - count * 10);
const renderStart = performance.now();
server.backlog(count, { start, stepMs: 10, rendered: true });
const renderSeconds = (performance.now() - renderStart) / 1000;
process.send({ url: server.url, start: start.toISOString(), renderSeconds });
process.on('message', (message) => {
  if (message === 'cpu') {
    const { user, system } = process.cpuUsage();
    process.send({ cpuMicros: user + system });
  }
});
process.on('disconnect', () => void server.close().then(() => process.exit(0)));
