import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadConfig, type WardenConfig } from '../config/index.js';

/** `--config`, else `$WARDEN_CONFIG`, else `./warden.yaml`. */
export function resolveConfigPath(option: string | undefined): string {
  const path = option ?? process.env.WARDEN_CONFIG ?? 'warden.yaml';
  const absolute = resolve(path);
  if (!existsSync(absolute)) {
    throw new Error(
      `no configuration at ${absolute}: pass --config PATH or set WARDEN_CONFIG (warden.example.yaml is a starting point)`,
    );
  }
  return absolute;
}

/**
 * The whole configuration, valid, for commands that send nothing and open no target (`sinks`,
 * `alerts`, `retention run`): they need none of its secrets, so a `${VAR}` not set in this shell
 * reads as a placeholder rather than failing.
 */
export function loadConfigWithoutSecrets(configPath: string): Promise<WardenConfig> {
  return loadConfig(configPath, process.env, 'placeholder');
}
