// Cost of classifying a PostgreSQL command for guardrails: `npm run build && node bench/classify.js
// [iterations]`. Cold: each command's text is new (a literal differs), so the parser runs and the
// cache evicts; cached: the same texts again, as an application repeating its statements (or
// an ORM's parameterised ones) sends them. The parser alone is shown for comparison.
import { parseSync } from 'libpg-query';
import { classifySql, loadSqlClassifier } from '../dist/policy/index.js';

const iterations = Number(process.argv[2] ?? 50_000);
const rounds = 5;

/** A realistic mix: short lookups, writes with parameters, a join, a CTE, a transaction step. */
const statements = [
  (n) => `SELECT * FROM orders WHERE id = ${n}`,
  (n) => `SELECT abalance FROM pgbench_accounts WHERE aid = ${n}`,
  (n) => `INSERT INTO audit_log (actor, action, at) VALUES ($1, 'login-${n}', now())`,
  (n) => `UPDATE accounts SET balance = balance - $1 WHERE id = ${n}`,
  (n) => `DELETE FROM sessions WHERE expires_at < now() - interval '${n} seconds'`,
  (n) =>
    `SELECT o.id, o.total, c.email FROM orders o JOIN customers c ON c.id = o.customer_id ` +
    `WHERE o.created_at > now() - interval '1 day' AND o.status = 'paid' ORDER BY o.id LIMIT ${n}`,
  (n) =>
    `WITH recent AS (SELECT * FROM orders WHERE created_at > now() - interval '${n} minutes') ` +
    `SELECT count(*) FROM recent`,
  (n) => (n % 2 === 0 ? 'BEGIN' : 'COMMIT'),
];

/** CPU time (user + system) per command: it depends less than wall time on what else runs. */
function cpuMicros(run, count) {
  const before = process.cpuUsage();
  for (let i = 0; i < count; i++) run(i);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / count;
}

/**
 * Runs the cases in turn, `rounds` times, so a busy spell on the machine does not fall on one of
 * them alone; prints each one's median.
 */
function compare(cases) {
  const perRound = Math.ceil(iterations / rounds);
  for (const { run } of cases) cpuMicros(run, 2_000); // warm up the JIT
  const samples = cases.map(() => []);
  for (let round = 0; round < rounds; round++) {
    cases.forEach(({ run }, i) => samples[i].push(cpuMicros(run, perRound)));
  }
  cases.forEach(({ label }, i) => {
    const median = samples[i].sort((a, b) => a - b)[Math.floor(rounds / 2)];
    console.log(`${label.padEnd(44)} ${median.toFixed(2).padStart(8)} µs CPU per command`);
  });
}

await loadSqlClassifier();
// A number no text has had before, so no cold command is found in the cache (the warm-up's included).
let unseen = 0;
const fresh = (i) => statements[i % statements.length](unseen++);

const repeated = statements.map((statement) => statement(7));
compare([
  { label: 'parser only (libpg-query parseSync)', run: (i) => parseSync(fresh(i)) },
  { label: 'classifySql, cold (new text each time)', run: (i) => classifySql(fresh(i)) },
  {
    label: 'classifySql, cached (repeated text)',
    run: (i) => classifySql(repeated[i % repeated.length]),
  },
]);
