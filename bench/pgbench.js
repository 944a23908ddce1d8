// pgbench select-only (-S, 8 clients, simple and prepared protocol) straight to PostgreSQL, through
// PgBouncer in session mode, through a bare Node.js relay (node-relay.js: the ceiling of a proxy on
// Node.js here) and through Warden with recording on, plain and behind guardrails and masking, and
// with every statement left out of the record (what proxying alone costs Warden) — in one run,
// alternating the order each round so drift on the machine does not favour one of them. Prints
// TPS, ratios, each proxy's CPU time per transaction, and how late Warden's event loop ran.
//
//   npm run build && node bench/pgbench.js          (BENCH_SECONDS=10 BENCH_ROUNDS=3 by default;
//                                                   BENCH_SYNCHRONOUS=full for the journal's full)
//
// Needs pgbench and pgbouncer (Debian: apt-get install postgresql-contrib pgbouncer).
import { execFile, execFileSync, fork, spawn } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
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
      return { port, pid: child.pid, stop: () => child.kill('SIGTERM') };
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
 * CPU time (µs) used so far by a process (`/proc/PID/stat`) or by the calling thread
 * (`/proc/thread-self/stat`: the main thread, where Warden proxies every session; the rest of
 * Warden's CPU time is the journal's indexer thread and Node's helper threads). Linux only;
 * NaN elsewhere. Resolution is one clock tick (10 ms).
 */
function cpuMicros(statFile) {
  try {
    const stat = readFileSync(statFile, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of stat(5); fields[0] here is field 3.
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100;
  } catch {
    return NaN;
  }
}

/** This process's CPU time (µs): Warden's, as the gateway runs here. */
function wardenCpuMicros() {
  const { user, system } = process.cpuUsage();
  return user + system;
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
    child.once('message', (port) =>
      resolve({ port, pid: child.pid, stop: () => child.disconnect() }),
    );
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
  # The same again with every statement left out of the record: Warden's cost of proxying alone.
  - name: bench-unrecorded
    type: postgres
    target: { host: ${postgres.host}, port: ${postgres.port}, database: bench, user: ${benchUser.name}, password: "${benchUser.password}" }
    allow: [{ group: agents-db }]
recording:
  exclude: [{ patterns: ['.'], connections: [bench-unrecorded] }]
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

const processCpu = (pid) => () => ({ total: cpuMicros(`/proc/${pid}/stat`), main: NaN });
// The indexer may still be copying a run's events into the store when pgbench ends: the run's CPU
// is read once it has caught up, so that it is charged to Warden and not to the next target.
const gatewayCpu = async () => {
  await gateway.journal.indexed();
  return { total: wardenCpuMicros(), main: cpuMicros('/proc/thread-self/stat') };
};
const wardenTarget = (name, database) => ({
  name,
  port: gateway.postgres.address.port,
  user: 'bench-agent',
  database,
  password: () => token,
  cpu: gatewayCpu,
});
/** Whether the target is the gateway running in this process, whose event loop can be watched. */
const inGateway = (target) => target.cpu === gatewayCpu;
const allTargets = [
  {
    name: 'direct',
    port: postgres.port,
    user: benchUser.name,
    database: 'bench',
    password: () => benchUser.password,
    cpu: null,
  },
  {
    name: 'pgbouncer',
    port: bouncer.port,
    user: benchUser.name,
    database: 'bench',
    password: () => benchUser.password,
    cpu: processCpu(bouncer.pid),
  },
  {
    name: 'node-relay',
    port: relay.port,
    user: benchUser.name,
    database: 'bench',
    password: () => benchUser.password,
    cpu: processCpu(relay.pid),
  },
  wardenTarget('warden', 'bench'),
  wardenTarget('warden-policy', 'bench-guarded'),
  wardenTarget('warden-unrecorded', 'bench-unrecorded'),
];
// BENCH_TARGETS=warden runs one path alone, e.g. under --cpu-prof.
const chosen = process.env.BENCH_TARGETS?.split(',');
const targets = chosen ? allTargets.filter((t) => chosen.includes(t.name)) : allTargets;
/**
 * By `${mode} ${target}`: each run's TPS, its CPU time per transaction (µs), and for the gateway
 * how late its event loop ran (ms).
 */
const results = {};
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
        const before = await target.cpu?.();
        // How late the main thread's event loop ran: a session waits as long for its next read.
        const loopDelay = inGateway(target) ? monitorEventLoopDelay({ resolution: 1 }) : null;
        loopDelay?.enable();
        const tps = await pgbench(target, mode);
        loopDelay?.disable();
        const after = await target.cpu?.();
        const perTransaction = (field) =>
          after ? (after[field] - before[field]) / (tps * seconds) : NaN;
        const run = (results[`${mode} ${target.name}`] ??= {
          tps: [],
          cpu: [],
          mainCpu: [],
          loopDelayP99: [],
          loopDelayMax: [],
        });
        run.tps.push(tps);
        run.cpu.push(perTransaction('total'));
        run.mainCpu.push(perTransaction('main'));
        const cpu = after ? `  ${perTransaction('total').toFixed(1)} µs CPU/txn` : '';
        let delay = '';
        if (loopDelay) {
          run.loopDelayP99.push(loopDelay.percentile(99) / 1e6);
          run.loopDelayMax.push(loopDelay.max / 1e6);
          delay = `  loop delay p99 ${run.loopDelayP99.at(-1).toFixed(1)} ms, max ${run.loopDelayMax.at(-1).toFixed(1)} ms`;
        }
        console.log(
          `  round ${round + 1} ${mode.padEnd(8)} ${target.name.padEnd(17)} ${tps.toFixed(0)} tps${cpu}${delay}`,
        );
      }
    }
  }
  const ran = (mode, name) => results[`${mode} ${name}`];
  const tps = (mode, name) => median(ran(mode, name)?.tps ?? [NaN]);
  console.log('\nmedians: TPS, and CPU µs per transaction (Warden: main thread in brackets)');
  for (const mode of ['simple', 'prepared']) {
    const cells = targets.map(({ name }) => {
      const run = ran(mode, name);
      const cpu = median(run.cpu);
      const main = median(run.mainCpu);
      const cpuText = Number.isNaN(cpu)
        ? ''
        : ` (${cpu.toFixed(1)} µs${Number.isNaN(main) ? '' : ` [${main.toFixed(1)}]`})`;
      return `${name} ${tps(mode, name).toFixed(0)}${cpuText}`;
    });
    console.log(`  ${mode.padEnd(8)} ${cells.join('  ')}`);
    const delays = targets.filter(inGateway).map(({ name }) => {
      const run = ran(mode, name);
      return `${name} p99 ${median(run.loopDelayP99).toFixed(1)} ms, max ${median(run.loopDelayMax).toFixed(1)} ms`;
    });
    if (delays.length > 0) console.log(`           event-loop delay: ${delays.join('  ')}`);
    const ratio = (a, b) => (tps(mode, a) / tps(mode, b)).toFixed(2);
    if (targets.length === allTargets.length) {
      console.log(
        `           warden/pgbouncer ${ratio('warden', 'pgbouncer')}  ` +
          `warden-policy/pgbouncer ${ratio('warden-policy', 'pgbouncer')}  ` +
          `warden-unrecorded/pgbouncer ${ratio('warden-unrecorded', 'pgbouncer')}  ` +
          `node-relay/pgbouncer ${ratio('node-relay', 'pgbouncer')}  ` +
          `pgbouncer/direct ${ratio('pgbouncer', 'direct')}\n` +
          `           warden-policy/warden ${ratio('warden-policy', 'warden')}  ` +
          `warden/warden-unrecorded ${ratio('warden', 'warden-unrecorded')}  ` +
          `warden/node-relay ${ratio('warden', 'node-relay')}`,
      );
    }
  }
  const journalEvents = (
    await gateway.store.db
      .selectFrom('events')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirst()
  )?.n;
  console.log(`journal: ${journalEvents} events recorded`);
} finally {
  bouncer.stop();
  relay.stop();
  await gateway.close();
  await oidc.close();
  await postgres.stop();
  rmSync(dir, { recursive: true, force: true });
}
