// The Okta System Log stand-in for bench/collect.js, in a process of its own so that serving
// pages takes no time from the collector measured: a virtual backlog of `count` events (made from
// their index when asked for), no rate limit. Reports its URL; stops when the parent disconnects.
import { OktaLogServer } from '../dist/sandbox/okta-log-server.js';

const count = Number(process.argv[2]);
const server = await new OktaLogServer({ rateLimitPerMinute: null }).start();
const start = new Date(Date.now() - count * 10);
server.backlog(count, { start, stepMs: 10 });
process.send({ url: server.url, start: start.toISOString() });
process.on('disconnect', () => void server.close().then(() => process.exit(0)));
