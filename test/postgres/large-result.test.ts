// Streaming with backpressure: a result far larger than anything the gateway may hold passes
// through to a client that stops reading, and the gateway's memory stays flat meanwhile.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { serialize } from 'pg-protocol';
import { startHarness, type Harness } from './harness.js';
import { openSession } from './raw-client.js';

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness();
});

afterAll(async () => {
  await harness?.close();
});

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/** Memory the gateway could be holding a result in: the JS heap plus buffers outside it. */
function heldMemory(): number {
  collectGarbage();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

const megabytes = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;
const rowCount = 2_000_000;

test('2,000,000 rows through a client that stops reading: gateway memory stays bounded', async () => {
  const connection = await openSession(
    harness.listener.address.port,
    harness.tokens.agent,
    'pg-test',
  );
  const socket = connection.takeSocket();
  let received = 0;
  let tail = Buffer.alloc(0);
  const finished = new Promise<void>((resolve) => {
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length;
      tail = Buffer.concat([tail, chunk]).subarray(-6);
      // ReadyForQuery ('Z', length 5, idle) ends the result.
      if (tail.equals(Buffer.from([0x5a, 0, 0, 0, 5, 0x49]))) resolve();
    });
  });

  const before = heldMemory();
  socket.pause();
  socket.write(
    serialize.query(`SELECT g, md5(g::text) AS digest FROM generate_series(1, ${rowCount}) g`),
  );
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const whilePaused = heldMemory() - before;

  let peak = 0;
  const sampler = setInterval(() => {
    const usage = process.memoryUsage();
    peak = Math.max(peak, usage.heapUsed + usage.arrayBuffers - before);
  }, 50);
  socket.resume();
  await finished;
  clearInterval(sampler);
  connection.end();

  const recorded = await harness.journal.waitFor(
    (event) =>
      event.type === 'db.query' &&
      event.request?.command?.includes('generate_series(1, 2000000)') === true,
  );
  console.log(
    `large result: ${megabytes(received)} MB to the client; gateway memory growth while the client was paused: ` +
      `${megabytes(whilePaused)} MB; peak while streaming (garbage included): ${megabytes(peak)} MB`,
  );
  expect(received).toBeGreaterThan(100 * 1024 * 1024);
  // The whole result is over 100 MB: a gateway that buffered it would grow by that much.
  expect(whilePaused).toBeLessThan(16 * 1024 * 1024);
  expect(peak).toBeLessThan(64 * 1024 * 1024);
  expect(recorded.response).toMatchObject({
    rows: rowCount,
    truncated: true,
    tags: [`SELECT ${rowCount}`],
  });
  expect(Buffer.byteLength(recorded.response!.sample)).toBeLessThanOrEqual(65_536);
  expect(recorded.response!.bytes).toBeGreaterThan(100 * 1024 * 1024);
}, 60_000);
