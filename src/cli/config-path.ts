import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

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
