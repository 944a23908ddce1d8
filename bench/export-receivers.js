// The destinations of bench/export.js, in a process of their own so that receiving does not take
// the engine's CPU: a webhook endpoint (JSON arrays) and a Datadog-like Logs intake (gzip JSON
// arrays, answered 202). Each counts every seq it receives, once and again, and reports on IPC.
import { createServer } from 'node:http';
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';

const total = Number(process.argv[2]);
const inflate = promisify(gunzip);

function receiver(name, decode, status) {
  const seen = new Uint8Array(total + 1);
  const counts = { name, requests: 0, events: 0, duplicates: 0, unexpected: 0 };
  const server = createServer((request, response) => {
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', async () => {
      const body = await decode(Buffer.concat(chunks), request.headers);
      const events = JSON.parse(body.toString('utf8'));
      counts.requests += 1;
      for (const event of events) {
        counts.events += 1;
        if (!(event.seq >= 1 && event.seq <= total)) counts.unexpected += 1;
        else if (seen[event.seq]++ > 0) counts.duplicates += 1;
      }
      response.writeHead(status).end();
    });
  });
  return {
    counts,
    missing: () =>
      seen.reduce((missing, n, seq) => (seq > 0 && n === 0 ? missing + 1 : missing), 0),
    listen: () =>
      new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port))),
  };
}

const webhook = receiver('webhook', (body) => body, 200);
const datadog = receiver(
  'datadog',
  (body, headers) => (headers['content-encoding'] === 'gzip' ? inflate(body) : body),
  202,
);
process.send({ webhook: await webhook.listen(), datadog: await datadog.listen() });
process.on('message', () => {
  process.send({
    results: [webhook, datadog].map((r) => ({ ...r.counts, missing: r.missing() })),
  });
});
