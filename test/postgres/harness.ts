// The PostgreSQL listener under test, between real parts: a PostgreSQL server with SCRAM (the
// sandbox), a real OpenID provider issuing real tokens, the real token verifier and policy, and
// real clients (psql, node-postgres).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createAuditReader, openJournal, type AuditReader } from '../../src/audit/index.js';
import type { ConnectionConfig, PostgresTarget } from '../../src/config/types.js';
import { createConnectionRegistry } from '../../src/connections/index.js';
import { createTokenVerifier } from '../../src/identity/index.js';
import type { ReviewService } from '../../src/reviews/index.js';
import { silentLogger } from '../../src/log/index.js';
import { authorize } from '../../src/policy/index.js';
import {
  startPostgresListener,
  type PostgresListener,
} from '../../src/protocols/postgres/index.js';
import { freePort } from '../../src/sandbox/free-port.js';
import { startOidcProvider, type OidcSandbox } from '../../src/sandbox/oidc-provider.js';
import {
  startPostgres,
  type PostgresSandbox,
  type PostgresSandboxOptions,
} from '../../src/sandbox/postgres.js';
import { openStore, type Store } from '../../src/store/index.js';
import { postgresConnection, postgresTarget } from '../support/postgres-connection.js';
import { testJournal, type TestJournal } from '../support/test-journal.js';

export const audience = 'api://warden';
export const connectionName = 'pg-test';
export const appUser = { name: 'app_rw', password: 'app-rw-secret-never-shown' };

export const identities = {
  agent: {
    clientId: 'billing-agent',
    clientSecret: 'billing-secret',
    groups: ['agents-db'],
    name: 'billing-agent',
  },
  outsider: {
    clientId: 'marketing-agent',
    clientSecret: 'marketing-secret',
    groups: ['marketing'],
    name: 'marketing-agent',
  },
};

export interface HarnessOptions {
  /** The target server's options (auth method, TLS). */
  postgres?: PostgresSandboxOptions;
  /** More connections, given the sandbox (e.g. other credentials or TLS modes). */
  extraConnections?: (postgres: PostgresSandbox) => ConnectionConfig[];
  /** Lifetime of the sandbox provider's access tokens (default: its own, 600 s). */
  accessTokenTtlSeconds?: number;
  /** The clock skew Warden allows on token times (default 30 s). */
  clockSkewSeconds?: number;
}

export interface ListenerOverrides {
  /** Listen host (default 127.0.0.1). */
  host?: string;
  tls?: { cert: string; key: string } | null;
  responseSample?: number;
  /** listeners.postgres.maxMessageBytes (default 64 MiB). */
  maxMessageBytes?: number;
  /** listeners.postgres.failedLogins (default: 1000 per minute, so tests of refusals pass). */
  failedLogins?: { max: number; windowSeconds: number };
  /** Access requests and command reviews (default: none). */
  reviews?: ReviewService;
}

export interface Harness {
  postgres: PostgresSandbox;
  oidc: OidcSandbox;
  /** The SQLite store (a temp file) behind the journal. */
  store: Store;
  /** Reads the store as the API does: every event committed before a read is in it. */
  reader: AuditReader;
  /** The default listener: loopback, no TLS. */
  listener: PostgresListener;
  journal: TestJournal;
  /** Another listener on the same connections and journal (closed with the harness). */
  startListener(overrides: ListenerOverrides): Promise<PostgresListener>;
  tokens: { agent: string; outsider: string };
  /** A node-postgres client through Warden (not yet connected). */
  client(options?: Partial<pg.ClientConfig>): pg.Client;
  /** A superuser client straight to the target, connected. */
  admin(): Promise<pg.Client>;
  /** Runs psql through Warden. */
  psql(args: string[], options?: PsqlOptions): Promise<PsqlResult>;
  /** The connection string psql uses to reach Warden. */
  psqlTarget(options?: PsqlOptions): string;
  /** Runs psql straight against the target as the application user. */
  psqlDirect(args: string[], options?: { stdin?: string }): Promise<PsqlResult>;
  close(): Promise<void>;
}

export interface PsqlOptions {
  token?: string;
  database?: string;
  sslmode?: string;
  /** CA file psql verifies the listener's certificate with (sslmode=verify-full). */
  sslrootcert?: string;
  stdin?: string;
  host?: string;
  port?: number;
}

export interface PsqlResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export { postgresConnection };

export function appTarget(
  postgres: PostgresSandbox,
  overrides: Partial<PostgresTarget> = {},
): PostgresTarget {
  return postgresTarget({
    host: postgres.host,
    port: postgres.port,
    user: appUser.name,
    password: appUser.password,
    ...overrides,
  });
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const postgres = await startPostgres({ ...options.postgres, users: [appUser] });
  const setup = new pg.Client({ connectionString: postgres.url() });
  await setup.connect();
  await setup.query(`CREATE DATABASE app OWNER ${appUser.name}`);
  await setup.end();

  const oidc = await startOidcProvider({
    audience,
    clients: Object.values(identities),
    ...(options.accessTokenTtlSeconds
      ? { accessTokenTtlSeconds: options.accessTokenTtlSeconds }
      : {}),
  });
  const verifier = createTokenVerifier({
    providers: [
      {
        name: 'sandbox',
        preset: 'oidc',
        issuer: oidc.issuer,
        audience: [audience],
        groupsClaim: 'groups',
        algorithms: ['RS256'],
        nameClaims: ['name'],
        clientIdClaims: ['client_id', 'azp'],
        jwksUri: null,
      },
    ],
    adminGroups: [],
    clockSkewSeconds: options.clockSkewSeconds ?? 30,
  });
  const unreachablePort = await freePort();
  const connections = createConnectionRegistry([
    postgresConnection(connectionName, appTarget(postgres)),
    postgresConnection('pg-down', appTarget(postgres, { port: unreachablePort })),
    ...(options.extraConnections?.(postgres) ?? []),
  ]);
  const storeDir = await mkdtemp(join(tmpdir(), 'warden-journal-'));
  const store = await openStore({
    url: `sqlite:${join(storeDir, 'warden.db')}`,
    synchronous: 'normal',
  });
  const realJournal = await openJournal(store);
  const journal = testJournal((draft, options) => realJournal.append(draft, options));
  const listeners: PostgresListener[] = [];
  const startListener = async (overrides: ListenerOverrides) => {
    const started = await startPostgresListener({
      config: {
        listen: { host: overrides.host ?? '127.0.0.1', port: 0 },
        tls: overrides.tls ?? null,
        maxMessageBytes: overrides.maxMessageBytes ?? 64 * 1024 * 1024,
        failedLogins: overrides.failedLogins ?? { max: 1000, windowSeconds: 60 },
      },
      connections,
      verifyToken: (token) => verifier.verify(token),
      authorize,
      journal,
      recording: { responseSample: overrides.responseSample ?? 65_536, exclude: [] },
      reviews: overrides.reviews ?? null,
      approveUrl: null,
      logger: silentLogger(),
    });
    listeners.push(started);
    return started;
  };
  const listener = await startListener({});
  const tokens = {
    agent: await oidc.clientCredentialsToken(
      identities.agent.clientId,
      identities.agent.clientSecret,
    ),
    outsider: await oidc.clientCredentialsToken(
      identities.outsider.clientId,
      identities.outsider.clientSecret,
    ),
  };
  const psqlTarget = (psqlOptions: PsqlOptions = {}) =>
    `host=${psqlOptions.host ?? '127.0.0.1'} port=${psqlOptions.port ?? listener.address.port} ` +
    `dbname=${psqlOptions.database ?? connectionName} user=agent sslmode=${psqlOptions.sslmode ?? 'disable'}` +
    (psqlOptions.sslrootcert ? ` sslrootcert=${psqlOptions.sslrootcert}` : '');

  return {
    postgres,
    oidc,
    store,
    reader: createAuditReader(store, { settle: () => realJournal.indexed() }),
    listener,
    journal,
    startListener,
    tokens,
    client: (overrides = {}) =>
      new pg.Client({
        host: '127.0.0.1',
        port: listener.address.port,
        database: connectionName,
        user: 'agent',
        password: tokens.agent,
        ...overrides,
      }),
    admin: async () => {
      const client = new pg.Client({
        connectionString: postgres.url().replace(/\/postgres$/, '/app'),
      });
      await client.connect();
      return client;
    },
    psqlTarget,
    psql: (args, psqlOptions = {}) =>
      runPsql(
        [psqlTarget(psqlOptions), ...args],
        psqlOptions.token ?? tokens.agent,
        psqlOptions.stdin,
      ),
    psqlDirect: (args, directOptions = {}) =>
      runPsql(
        [
          `host=${postgres.host} port=${postgres.port} dbname=app user=${appUser.name} sslmode=disable`,
          ...args,
        ],
        appUser.password,
        directOptions.stdin,
      ),
    close: async () => {
      for (const started of listeners) await started.close();
      await realJournal.close();
      await store.close();
      await rm(storeDir, { recursive: true, force: true });
      await oidc.close();
      await postgres.stop();
    },
  };
}

/** psql without reading ~/.psqlrc, stopping at the first error, password from PGPASSWORD. */
export function runPsql(args: string[], password: string, stdin?: string): Promise<PsqlResult> {
  return startPsql(args, password, stdin).result;
}

/** psql as a running process, for tests that signal it (Ctrl-C is SIGINT). */
export function startPsql(
  args: string[],
  password: string,
  stdin?: string,
): { child: ChildProcess; result: Promise<PsqlResult> } {
  const child = spawn('psql', ['-X', '-v', 'ON_ERROR_STOP=1', ...args], {
    env: { ...process.env, PGPASSWORD: password, PGCONNECT_TIMEOUT: '10' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  child.stdin!.end(stdin ?? '');
  const result = new Promise<PsqlResult>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
  return { child, result };
}
