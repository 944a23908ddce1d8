// pgbench select-only (-S, 8 clients, simple and prepared protocol) straight to PostgreSQL, through
// PgBouncer in session mode, through a bare Node.js relay (node-relay.js: the ceiling of a proxy on
// Node.js here) and through Warden with recording on, plain and behind guardrails and masking — in
// one run, alternating the order each round so drift on the machine does not favour one of them.
// Prints TPS and ratios.
//
//   npm run build && node bench/pgbench.js          (BENCH_SECONDS=10 BENCH_ROUNDS=3 by default;
//                                                   BENCH_SYNCHRONOUS=full for the journal's full)
//
// Needs pgbench and pgbouncer (Debian: apt-get install postgresql-contrib pgbouncer).
import { execFile, execFileSync, fork, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { chownSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { parseConfig } from '../dist/config/index.js';
import { startGateway } from '../dist/gateway/index.js';
import { createLogger } from '../dist/log/index.js';
import { freePort } from '../dist/sandbox/free-port.js';
import { startPostgres } from '../dist/sandbox/postgres.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const clients = 8;
// The journal's durability: normal (a commit survives a crash of Warden) or full (a power loss).
const synchronous = process.env.BENCH_SYNCHRONOUS ?? 'normal';
const benchUser = { name: 'bench_user', password: 'bench-password' };

function requireCommand(name, hint) {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
  } catch {
    console.error(`bench: ${name} is not installed (${hint})`);
    process.exit(1);
  }
}

/** PgBouncer, like PostgreSQL, refuses to run as root. */
function unprivileged() {
  if (process.getuid?.() !== 0) return {};
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
  return { uid, gid };
}

async function startPgBouncer(postgres, dir) {
  const port = await freePort();
  writeFileSync(join(dir, 'userlist.txt'), `"${benchUser.name}" "${benchUser.password}"\n`);
  writeFileSync(
    join(dir, 'pgbouncer.ini'),
    `[databases]
bench = host=${postgres.host} port=${postgres.port} dbname=bench
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = ${port}
unix_socket_dir =
auth_type = scram-sha-256
auth_file = ${join(dir, 'userlist.txt')}
pool_mode = session
max_client_conn = 200
default_pool_size = 20
logfile = ${join(dir, 'pgbouncer.log')}
`,
  );
  const ids = unprivileged();
  if (ids.uid !== undefined)
    for (const f of ['', 'userlist.txt', 'pgbouncer.ini'])
      chownSync(join(dir, f), ids.uid, ids.gid);
  const child = spawn('pgbouncer', [join(dir, 'pgbouncer.ini')], { ...ids, stdio: 'ignore' });
  for (let i = 0; i < 50; i++) {
    try {
      const c = new pg.Client({
        host: '127.0.0.1',
        port,
        database: 'bench',
        user: benchUser.name,
        password: benchUser.password,
      });
      await c.connect();
      await c.end();
      return { port, stop: () => child.kill('SIGTERM') };
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  child.kill('SIGKILL');
  throw new Error('pgbouncer did not start');
}

// Asynchronous: Warden runs in this process, and a blocking call would stall the gateway.
async function pgbench(target, mode) {
  const args = [
    '-S',
    '-n',
    '-c',
    String(clients),
    '-j',
    '2',
    '-T',
    String(seconds),
    '-M',
    mode,
    '-h',
    '127.0.0.1',
    '-p',
    String(target.port),
    '-U',
    target.user,
    target.database,
  ];
  const { stdout: output } = await promisify(execFile)('pgbench', args, {
    env: { ...process.env, PGPASSWORD: target.password() },
  });
  const match = /tps = ([\d.]+) \(without initial connection time\)/.exec(output);
  if (!match) throw new Error(`could not read pgbench output:\n${output}`);
  return Number(match[1]);
}

/**
 * CPU time (µs) of the calling thread: the main thread, where Warden proxies every session. The
 * rest of the process's CPU time is the journal's indexer thread (and Node's helper threads).
 * Linux only (/proc); reports 0 elsewhere. Resolution is one clock tick (10 ms).
 */
function mainThreadCpuMicros() {
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of stat(5); fields[0] here is field 3.
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100;
  } catch {
    return 0;
  }
}

/** The OpenID provider in a child process (see oidc-provider-process.js): its issuer and a token. */
function startOidcProcess(clientId, clientSecret, group) {
  const child = fork(new URL('./oidc-provider-process.js', import.meta.url), [
    clientId,
    clientSecret,
    group,
  ]);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the OpenID provider exited (code ${code})`)));
    child.once('message', ({ issuer, token }) => {
      child.removeAllListeners('exit');
      const exited = new Promise((done) => child.once('exit', done));
      resolve({
        issuer,
        token,
        close: () => {
          child.disconnect();
          return exited;
        },
      });
    });
  });
}

/** The bare Node.js relay (node-relay.js) to `target`, in a child process: its port and a stop. */
function startNodeRelay(target) {
  const child = fork(new URL('./node-relay.js', import.meta.url), [
    target.host,
    String(target.port),
  ]);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('message', (port) => resolve({ port, stop: () => child.disconnect() }));
  });
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

requireCommand('pgbench', 'Debian: postgresql-contrib or postgresql-client');
requireCommand('pgbouncer', 'Debian: pgbouncer');
const dir = mkdtempSync(join(tmpdir(), 'warden-bench-'));
const postgres = await startPostgres({ authMethod: 'scram-sha-256', users: [benchUser] });
const admin = new pg.Client({ connectionString: postgres.url() });
await admin.connect();
await admin.query(`CREATE DATABASE bench OWNER ${benchUser.name}`);
await admin.end();
execFileSync(
  'pgbench',
  [
    '-i',
    '-q',
    '-s',
    '10',
    '-h',
    postgres.host,
    '-p',
    String(postgres.port),
    '-U',
    benchUser.name,
    'bench',
  ],
  {
    env: { ...process.env, PGPASSWORD: benchUser.password },
    stdio: 'ignore',
  },
);
const oidc = await startOidcProcess('bench-agent', 'bench-secret', 'agents-db');
const config = parseConfig(
  `store: { url: "sqlite:./warden-bench.db", synchronous: ${synchronous} }
api: { listen: "127.0.0.1:${await freePort()}" }
identity:
  providers: [{ name: bench-idp, issuer: "${oidc.issuer}", audience: "api://warden" }]
listeners:
  postgres: { listen: "127.0.0.1:${await freePort()}" }
connections:
  - name: bench
    type: postgres
    target: { host: ${postgres.host}, port: ${postgres.port}, database: bench, user: ${benchUser.name}, password: "${benchUser.password}" }
    allow: [{ group: agents-db }]
  # The same database behind a realistic policy: guardrails that parse every statement, and
  # masking (all built-in detectors, the default) of every recorded command and result.
  - name: bench-guarded
    type: postgres
    target: { host: ${postgres.host}, port: ${postgres.port}, database: bench, user: ${benchUser.name}, password: "${benchUser.password}" }
    allow: [{ group: agents-db }]
    guardrails:
      - name: no-unbounded-writes
        match: { statements: [delete-without-where, update-without-where] }
      - name: no-schema-changes
        match: { statements: [ddl, grant, revoke, role] }
      - name: no-truncate-history
        match: { statements: [truncate, delete], tables: [pgbench_history] }
      - name: no-sleep
        match: { patterns: ['\\bpg_sleep\\b', '\\bdblink\\b'] }
      - name: copy-needs-review
        match: { statements: [copy] }
        action: review
        review: { approverGroups: [{ group: dba }] }
alerts:
  - name: delete-burst
    match: { types: [db.query], statements: [delete] }
    threshold: { count: 5, window: 1m, by: actor }
`,
  { baseDir: dir, env: process.env },
);
const gateway = await startGateway(config, createLogger({ level: 'warn' }));
const bouncer = await startPgBouncer(postgres, dir);
const relay = await startNodeRelay(postgres);
const token = oidc.token;

const allTargets = [
  {
    name: 'direct',
    port: postgres.port,
    user: benchUser.name,
    database: 'bench',
    password: () => benchUser.password,
  },
  {
    name: 'pgbouncer',
    port: bouncer.port,
    user: benchUser.name,
    database: 'bench',
    password: () => benchUser.password,
  },
  {
    name: 'node-relay',
    port: relay.port,
    user: benchUser.name,
    database: 'bench',
    password: () => benchUser.password,
  },
  {
    name: 'warden',
    port: gateway.postgres.address.port,
    user: 'bench-agent',
    database: 'bench',
    password: () => token,
  },
  {
    name: 'warden-policy',
    port: gateway.postgres.address.port,
    user: 'bench-agent',
    database: 'bench-guarded',
    password: () => token,
  },
];
// BENCH_TARGETS=warden runs one path alone, e.g. under --cpu-prof.
const chosen = process.env.BENCH_TARGETS?.split(',');
const targets = chosen ? allTargets.filter((t) => chosen.includes(t.name)) : allTargets;
const results = {};
let wardenCpuMicros = 0;
let wardenMainCpuMicros = 0;
let wardenTransactions = 0;
try {
  console.log(
    `pgbench -S, ${clients} clients, ${seconds} s per run, ${rounds} rounds (alternating order)`,
  );
  for (let round = 0; round < rounds; round++) {
    const order = targets
      .slice(round % targets.length)
      .concat(targets.slice(0, round % targets.length));
    for (const mode of ['simple', 'prepared']) {
      for (const target of order) {
        const cpuBefore = process.cpuUsage();
        const mainCpuBefore = mainThreadCpuMicros();
        const tps = await pgbench(target, mode);
        if (target.name === 'warden') {
          const cpu = process.cpuUsage(cpuBefore);
          wardenCpuMicros += cpu.user + cpu.system;
          wardenMainCpuMicros += mainThreadCpuMicros() - mainCpuBefore;
          wardenTransactions += tps * seconds;
        }
        (results[`${mode} ${target.name}`] ??= []).push(tps);
        console.log(
          `  round ${round + 1} ${mode.padEnd(8)} ${target.name.padEnd(10)} ${tps.toFixed(0)} tps`,
        );
      }
    }
  }
  console.log('\nmedian TPS');
  for (const mode of ['simple', 'prepared']) {
    if (targets.length < allTargets.length) break;
    const [d, b, r, w, p] = ['direct', 'pgbouncer', 'node-relay', 'warden', 'warden-policy'].map(
      (t) => median(results[`${mode} ${t}`]),
    );
    console.log(
      `  ${mode.padEnd(8)} direct ${d.toFixed(0)}  pgbouncer ${b.toFixed(0)}  node-relay ${r.toFixed(0)}  warden ${w.toFixed(0)}  warden+policy ${p.toFixed(0)}\n` +
        `           warden+policy/warden ${(p / w).toFixed(2)}  warden+policy/pgbouncer ${(p / b).toFixed(2)}\n` +
        `           warden/pgbouncer ${(w / b).toFixed(2)}  node-relay/pgbouncer ${(r / b).toFixed(2)}  ` +
        `warden/node-relay ${(w / r).toFixed(2)}  warden/direct ${(w / d).toFixed(2)}  pgbouncer/direct ${(b / d).toFixed(2)}`,
    );
  }
  const journalEvents = (
    await gateway.store.db
      .selectFrom('events')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirst()
  )?.n;
  const perTransaction = (micros) => (micros / wardenTransactions).toFixed(1);
  console.log(
    `\nwarden process CPU: ${perTransaction(wardenCpuMicros)} µs per transaction ` +
      `(main thread ${perTransaction(wardenMainCpuMicros)}, ` +
      `other threads ${perTransaction(wardenCpuMicros - wardenMainCpuMicros)})`,
  );
  console.log(`journal: ${journalEvents} events recorded`);
} finally {
  bouncer.stop();
  relay.stop();
  await gateway.close();
  await oidc.close();
  await postgres.stop();
  rmSync(dir, { recursive: true, force: true });
}
