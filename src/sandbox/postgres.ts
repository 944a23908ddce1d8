// A throwaway PostgreSQL server for tests, `npm run demo` and the benchmark: initdb into a temp
// directory, a real password with real authentication on 127.0.0.1 (SCRAM by default), optional
// TLS with a self-signed certificate, gone again on stop(). Uses the system's PostgreSQL binaries.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync } from 'node:fs';
import { chmod, chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import pg from 'pg';
import { freePort } from './free-port.js';

export type SandboxAuthMethod = 'scram-sha-256' | 'md5' | 'password';

export interface PostgresSandboxOptions {
  /** How clients on 127.0.0.1 authenticate (pg_hba.conf `host` lines). */
  authMethod?: SandboxAuthMethod;
  /** Serve TLS with a self-signed certificate (see `tls.caFile`). */
  tls?: boolean;
  /** Extra login roles, created with the chosen password method. */
  users?: Array<{ name: string; password: string }>;
}

export interface PostgresSandbox {
  host: '127.0.0.1';
  port: number;
  superuser: { user: string; password: string };
  database: string;
  /** The self-signed certificate the server presents, usable as the CA for verify-full. */
  tls: { caFile: string } | null;
  /** A connection URL for the superuser, or for one of `users`. */
  url(user?: string): string;
  stop(): Promise<void>;
}

const superuser = { user: 'sandbox_admin', password: 'sandbox-admin-password' };
const database = 'postgres';

export async function startPostgres(
  options: PostgresSandboxOptions = {},
): Promise<PostgresSandbox> {
  const authMethod = options.authMethod ?? 'scram-sha-256';
  const users = options.users ?? [];
  const binaries = findPostgresBinaries();
  const runAs = postgresSystemUser();
  const baseDir = await mkdtemp(join(tmpdir(), 'warden-pg-'));
  let server: ChildProcess | null = null;
  try {
    if (runAs) await chown(baseDir, runAs.uid, runAs.gid);
    const dataDir = join(baseDir, 'data');
    await initDataDirectory(binaries.initdb, dataDir, baseDir, authMethod, runAs);
    const tls = options.tls ? await createSelfSignedCertificate(baseDir, 'localhost', runAs) : null;
    const started = await startServer(binaries.postgres, dataDir, baseDir, authMethod, tls, runAs);
    server = started.process;
    const port = started.port;
    await createRoles(baseDir, port, users);
    const passwords = new Map([
      [superuser.user, superuser.password],
      ...users.map((u) => [u.name, u.password] as const),
    ]);
    return {
      host: '127.0.0.1',
      port,
      superuser,
      database,
      tls: tls ? { caFile: tls.certFile } : null,
      url(user = superuser.user) {
        const password = passwords.get(user);
        if (password === undefined) throw new Error(`the PostgreSQL sandbox has no user "${user}"`);
        return `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
      },
      stop: async () => {
        await stopServer(started.process);
        await rm(baseDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    if (server) await stopServer(server);
    await rm(baseDir, { recursive: true, force: true });
    throw error;
  }
}

interface RunAs {
  uid: number;
  gid: number;
}

/** PostgreSQL refuses to run as root: when we are root, run it as the `postgres` system user. */
function postgresSystemUser(): RunAs | null {
  if (process.getuid?.() !== 0) return null;
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    throw new Error('running as root, and there is no "postgres" system user to run PostgreSQL as');
  }
}

interface PostgresBinaries {
  initdb: string;
  postgres: string;
}

/** The PATH first, then Debian's versioned directories (newest first). */
function findPostgresBinaries(): PostgresBinaries {
  const debianDirs = existsSync('/usr/lib/postgresql')
    ? readdirSync('/usr/lib/postgresql')
        .filter((version) => /^\d+$/.test(version))
        .sort((a, b) => Number(b) - Number(a))
        .map((version) => `/usr/lib/postgresql/${version}/bin`)
    : [];
  const candidates = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...debianDirs];
  for (const dir of candidates) {
    const initdb = join(dir, 'initdb');
    const postgres = join(dir, 'postgres');
    if (isExecutable(initdb) && isExecutable(postgres)) return { initdb, postgres };
  }
  throw new Error(
    'PostgreSQL server binaries (initdb, postgres) were not found on PATH or in /usr/lib/postgresql/*/bin; ' +
      'install PostgreSQL (Debian/Ubuntu: apt-get install postgresql) or add its bin directory to PATH',
  );
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

async function initDataDirectory(
  initdb: string,
  dataDir: string,
  baseDir: string,
  authMethod: SandboxAuthMethod,
  runAs: RunAs | null,
): Promise<void> {
  const passwordFile = join(baseDir, 'superuser-password');
  await writeFile(passwordFile, superuser.password + '\n', { mode: 0o600 });
  if (runAs) await chown(passwordFile, runAs.uid, runAs.gid);
  await run(
    initdb,
    [
      '-D',
      dataDir,
      '-U',
      superuser.user,
      `--pwfile=${passwordFile}`,
      `--auth-host=${authMethod}`,
      // The unix socket lives in the sandbox's own directory; trust there is how roles get created.
      '--auth-local=trust',
      '-E',
      'UTF8',
      '--locale=C',
      // A throwaway server: skipping fsync makes initdb several times faster.
      '--no-sync',
    ],
    runAs,
  );
  await rm(passwordFile);
}

interface StartedServer {
  process: ChildProcess;
  port: number;
}

async function startServer(
  postgresBinary: string,
  dataDir: string,
  socketDir: string,
  authMethod: SandboxAuthMethod,
  tls: CertificateFiles | null,
  runAs: RunAs | null,
): Promise<StartedServer> {
  // A free port can be taken by someone else before PostgreSQL binds it: try a few.
  let lastError: Error | null = null;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const settings: Record<string, string> = {
      listen_addresses: '127.0.0.1',
      port: String(port),
      unix_socket_directories: socketDir,
      fsync: 'off',
      synchronous_commit: 'off',
      full_page_writes: 'off',
      max_connections: '200',
      // md5 authentication needs md5-hashed passwords (a SCRAM verifier makes the server use SCRAM).
      password_encryption: authMethod === 'md5' ? 'md5' : 'scram-sha-256',
      ...(tls ? { ssl: 'on', ssl_cert_file: tls.certFile, ssl_key_file: tls.keyFile } : {}),
    };
    const args = [
      '-D',
      dataDir,
      ...Object.entries(settings).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
    ];
    const child = spawn(postgresBinary, args, {
      stdio: ['ignore', 'ignore', 'pipe'],
      ...spawnIdentity(runAs),
    });
    const output = collectOutput(child);
    try {
      await waitUntilReady(child, socketDir, port, output);
      return { process: child, port };
    } catch (error) {
      lastError = error as Error;
      await stopServer(child);
      if (!/could not (bind|create listen socket)/i.test(output.text())) break;
    }
  }
  throw lastError ?? new Error('PostgreSQL did not start');
}

async function waitUntilReady(
  child: ChildProcess,
  socketDir: string,
  port: number,
  output: { text(): string },
): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`PostgreSQL exited during startup:\n${output.text()}`);
    }
    const client = new pg.Client({ host: socketDir, port, user: superuser.user, database });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.end();
      return;
    } catch {
      await client.end().catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  throw new Error(`PostgreSQL was not ready within 30 s:\n${output.text()}`);
}

async function createRoles(
  socketDir: string,
  port: number,
  users: Array<{ name: string; password: string }>,
): Promise<void> {
  const client = new pg.Client({ host: socketDir, port, user: superuser.user, database });
  await client.connect();
  try {
    // initdb stored the superuser's password as SCRAM; store it again under the chosen encryption.
    await client.query(
      `ALTER ROLE ${client.escapeIdentifier(superuser.user)} PASSWORD ${client.escapeLiteral(superuser.password)}`,
    );
    for (const user of users) {
      await client.query(
        `CREATE ROLE ${client.escapeIdentifier(user.name)} LOGIN PASSWORD ${client.escapeLiteral(user.password)}`,
      );
    }
  } finally {
    await client.end();
  }
}

function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(killer);
      resolve();
    });
    // SIGINT is PostgreSQL's "fast shutdown": disconnect clients, shut down cleanly.
    child.kill('SIGINT');
  });
}

export interface CertificateFiles {
  certFile: string;
  keyFile: string;
}

/**
 * A self-signed certificate (RSA 2048, valid for `commonName`, localhost and 127.0.0.1) written
 * into `dir` with openssl. The certificate is its own CA: trust `certFile` to verify it.
 */
export async function createSelfSignedCertificate(
  dir: string,
  commonName: string,
  owner: RunAs | null = null,
): Promise<CertificateFiles> {
  const certFile = join(dir, `${commonName}.crt`);
  const keyFile = join(dir, `${commonName}.key`);
  await run(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-sha256',
      '-days',
      '2',
      '-subj',
      `/CN=${commonName}`,
      '-addext',
      `subjectAltName=DNS:${commonName},DNS:localhost,IP:127.0.0.1`,
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ],
    null,
  );
  // PostgreSQL refuses a key file that others can read, or that it does not own.
  await chmod(keyFile, 0o600);
  if (owner) {
    await chown(keyFile, owner.uid, owner.gid);
    await chown(certFile, owner.uid, owner.gid);
  }
  return { certFile, keyFile };
}

function spawnIdentity(runAs: RunAs | null): {
  uid?: number;
  gid?: number;
  env: NodeJS.ProcessEnv;
} {
  const env = { ...process.env, LC_ALL: 'C' };
  if (!runAs) return { env };
  // HOME of root is not readable by postgres; some tools look there.
  return { uid: runAs.uid, gid: runAs.gid, env: { ...env, HOME: tmpdir(), USER: 'postgres' } };
}

function collectOutput(child: ChildProcess): { text(): string } {
  const chunks: string[] = [];
  let size = 0;
  child.stderr?.on('data', (chunk: Buffer) => {
    // Keep the tail only: enough to explain a failed start.
    chunks.push(chunk.toString('utf8'));
    size += chunk.length;
    while (size > 16_384 && chunks.length > 1) size -= chunks.shift()!.length;
  });
  return { text: () => chunks.join('') };
}

function run(command: string, args: string[], runAs: RunAs | null): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      ...spawnIdentity(runAs),
    });
    const output: Buffer[] = [];
    child.stdout?.on('data', (chunk: Buffer) => output.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => output.push(chunk));
    child.once('error', (error) => reject(new Error(`could not run ${command}: ${error.message}`)));
    child.once('close', (code) => {
      if (code === 0) resolve();
      else
        reject(
          new Error(`${command} failed (exit ${code}):\n${Buffer.concat(output).toString('utf8')}`),
        );
    });
  });
}
