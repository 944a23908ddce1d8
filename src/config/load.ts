import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { ConfigError } from './errors.js';
import { interpolateEnvironment } from './interpolate.js';
import { IssueList } from './issue-list.js';
import { fileErrorReason } from './readable-file.js';
import { readWardenConfig } from './schema.js';
import type { StoreConfig, WardenConfig } from './types.js';

export interface ParseConfigOptions {
  /** Where `${VAR}` references are looked up; defaults to `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Relative paths in the config (sqlite file, TLS files) resolve against this directory. */
  baseDir: string;
  /** Names the config in error messages, usually the file's path. */
  source?: string;
  /**
   * `placeholder`, for commands that use none of the secrets (reading the journal, testing an
   * alert rule): an unset `${VAR}` is not an error, and its value is not checked.
   */
  unsetVariables?: 'error' | 'placeholder';
}

/** Reads, interpolates and validates a config file; throws ConfigError listing every issue. */
export async function loadConfig(
  path: string,
  env: NodeJS.ProcessEnv = process.env,
  unsetVariables: ParseConfigOptions['unsetVariables'] = 'error',
): Promise<WardenConfig> {
  const { text, absolute } = await readConfigFile(path);
  return parseConfig(text, { env, baseDir: dirname(absolute), source: absolute, unsetVariables });
}

/**
 * Only the `store` section, for commands that read the journal (`sessions`, `verify`): they must
 * not need the targets' passwords in their environment.
 */
export async function loadStoreConfig(
  path: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<StoreConfig> {
  const { text, absolute } = await readConfigFile(path);
  const tree = parseYaml(text, absolute);
  const storeOnly = { store: (tree as { store?: unknown } | null)?.store };
  return validate(storeOnly, { env, baseDir: dirname(absolute), source: absolute }).store;
}

async function readConfigFile(path: string): Promise<{ text: string; absolute: string }> {
  const absolute = resolve(path);
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (error) {
    throw new ConfigError([
      { path: '', message: `cannot read config file ${absolute}: ${fileErrorReason(error)}` },
    ]);
  }
  return { text, absolute };
}

/** Parses, interpolates and validates config text; throws ConfigError listing every issue. */
export function parseConfig(text: string, options: ParseConfigOptions): WardenConfig {
  return validate(parseYaml(text, options.source), options);
}

function validate(tree: unknown, options: ParseConfigOptions): WardenConfig {
  const issues = new IssueList();
  const interpolated = interpolateEnvironment(
    tree,
    options.env ?? process.env,
    issues,
    options.unsetVariables,
  );
  const config = readWardenConfig(interpolated.tree, '', {
    issues,
    fromEnvironment: interpolated.fromEnvironment,
    placeholders: interpolated.placeholders,
    baseDir: resolve(options.baseDir),
  });
  if (issues.all.length > 0) throw new ConfigError([...issues.all], options.source);
  return config;
}

/**
 * YAML 1.2 (so `yes` stays a string), one document, no duplicate keys. Syntax errors give their
 * line and column but not the offending line's text, which could hold a literal secret.
 */
function parseYaml(text: string, source: string | undefined): unknown {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false });
  if (document.errors.length > 0) {
    throw new ConfigError(
      document.errors.map((error) => {
        const { line, col } = lineCounter.linePos(error.pos[0]);
        return {
          path: '',
          message: `YAML syntax error at line ${line}, column ${col}: ${error.message}`,
        };
      }),
      source,
    );
  }
  try {
    return document.toJS();
  } catch (error) {
    // Aliases expanding past the limit (a "billion laughs" document) fail here.
    throw new ConfigError(
      [{ path: '', message: `YAML error: ${(error as Error).message}` }],
      source,
    );
  }
}
