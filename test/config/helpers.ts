import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll } from 'vitest';
import { ConfigError, parseConfig, type WardenConfig } from '../../src/config/index.js';

/** The directories makeConfigDir made for the test file that imports this: removed after it. */
const configDirs: string[] = [];
afterAll(() => {
  for (const dir of configDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh directory standing in for the config file's directory. */
export function makeConfigDir(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'warden-config-'));
  configDirs.push(dir);
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return dir;
}

export function parse(
  text: string,
  env: NodeJS.ProcessEnv = {},
  baseDir = makeConfigDir(),
): WardenConfig {
  return parseConfig(text, { env, baseDir });
}

/** The issues a config produces, as `path: message` lines; fails when it parses cleanly. */
export function issuesOf(
  text: string,
  env: NodeJS.ProcessEnv = {},
  baseDir = makeConfigDir(),
): string[] {
  try {
    parseConfig(text, { env, baseDir });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.issues.map((issue) =>
      issue.path ? `${issue.path}: ${issue.message}` : issue.message,
    );
  }
  throw new Error('expected the config to be refused, but it parsed');
}

export const oktaProvider = `
    - name: okta
      preset: okta
      issuer: https://example.okta.com/oauth2/default
      audience: api://warden`;

/** A minimal valid connection, at `connections[0]`. */
export const pgConnection = `
  - name: pg-prod
    type: postgres
    target: { host: db.internal, port: 5432, database: app, user: app_rw, password: "\${PG_PROD_PASSWORD}" }
    allow:
      - group: agents-db`;
