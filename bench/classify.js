// Cost of classifying a PostgreSQL command for guardrails: `npm run build && node bench/classify.js
// [iterations]`. Cold: each command's text is new (a literal differs), so the parser runs and the
// cache evicts; cached: the same texts again, as an application repeating its statements (or
// an ORM's parameterised ones) sends them. The parser alone is shown for comparison.
import { performance } from 'node:perf_hooks';
import { parseSync } from 'libpg-query';
import { classifySql, loadSqlClassifier } from '../dist/policy/index.js';

const iterations = Number(process.argv[2] ?? 50_000);

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

function measure(label, run) {
  for (let i = 0; i < 2_000; i++) run(i); // warm up the JIT
  const started = performance.now();
  for (let i = 0; i < iterations; i++) run(i);
  const micros = ((performance.now() - started) * 1000) / iterations;
  console.log(`${label.padEnd(44)} ${micros.toFixed(2).padStart(8)} µs per command`);
}

await loadSqlClassifier();
// A number no text has had before, so no cold command is found in the cache (the warm-up's included).
let unseen = 0;
const fresh = (i) => statements[i % statements.length](unseen++);

measure('parser only (libpg-query parseSync)', (i) => parseSync(fresh(i)));
measure('classifySql, cold (new text each time)', (i) => classifySql(fresh(i)));

const repeated = statements.map((statement) => statement(7));
measure('classifySql, cached (repeated text)', (i) => classifySql(repeated[i % repeated.length]));
