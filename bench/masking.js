// Masking cost per statement: `npm run build && node bench/masking.js [iterations]`.
// A statement is recorded as a pair of drafts (db.query.start, then db.query with its result),
// each masked with every built-in detector on, as the gateway does before the journal stores it.
// Figures: ns per maskDraft pair for a statement without findings (the common case) and with
// some (an email parameter and a card number in the sample). Timed in CPU time of this process,
// so other work on a shared machine does not inflate the figures.
import { Masker } from '../dist/policy/masking/index.js';
import { draft } from './query-draft.js';

const iterations = Number(process.argv[2] ?? 200_000);

const masker = new Masker({
  detectors: ['email', 'card', 'secrets', 'passwords'],
  custom: [],
  results: { columns: [], detectors: [] },
});

// About 100 characters of SQL and a 200-byte sample of the kind ResultSample renders.
const command =
  'SELECT o.id, o.item, o.amount, c.name FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.id = $1';
const sample = [
  'id | item | amount | name',
  '1 | apple | 3.50 | Ada Lovelace',
  '2 | pear | 2.10 | Grace Hopper',
  '42 | plum | 9.99 | Edsger Dijkstra',
  '43 | fig | 12.00 | Barbara Liskov',
  '44 | kiwi | 0.75 | Donald Knuth',
  'SELECT 5',
].join('\n');

function pair(index, param, rows) {
  const { response, outcome, ...session } = draft('bench', index);
  // A different text per statement, so only the pair's second draft can reuse the first's work.
  const request = {
    ...session.request,
    command: `${command} LIMIT ${100 + index}`,
    params: [param],
  };
  const start = { ...session, type: 'db.query.start', request };
  const completed = { ...session, request, response: { ...response, sample: rows }, outcome };
  return [start, completed];
}

function measure(name, pairs) {
  let masked = 0;
  // Warm-up, so the figure is the optimized code's.
  for (let i = 0; i < 20_000; i++) {
    const [start, completed] = pairs[i % pairs.length];
    masker.maskDraft(start);
    masker.maskDraft(completed);
  }
  const began = process.cpuUsage();
  for (let i = 0; i < iterations; i++) {
    const [start, completed] = pairs[i % pairs.length];
    if (masker.maskDraft(start) !== start) masked++;
    if (masker.maskDraft(completed) !== completed) masked++;
  }
  const used = process.cpuUsage(began);
  const ns = ((used.user + used.system) * 1e3) / iterations;
  console.log(
    `${name}: ${ns.toFixed(0)} ns per statement pair, ${(ns / 2).toFixed(0)} ns per maskDraft ` +
      `(${masked} of ${iterations * 2} drafts masked)`,
  );
}

const clean = Array.from({ length: 64 }, (_, i) => pair(i, String(i), sample));
const withFindings = Array.from({ length: 64 }, (_, i) =>
  pair(i, `customer${i}@example.com`, sample.replace('9.99', '4111 1111 1111 1111')),
);
console.log(
  `${iterations} statements: ${clean[0][0].request.command.length} chars of SQL, one parameter, ` +
    `a ${Buffer.byteLength(sample)}-byte result sample`,
);
measure('no findings', clean);
measure('with findings (an email parameter, a card number in the sample)', withFindings);
