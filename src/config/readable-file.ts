import { accessSync, constants, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { nonEmptyString, type Read } from './reader.js';

/**
 * A file Warden must read at start (a TLS certificate, key or CA): resolved against the config
 * file's directory and checked now, so a wrong path fails at start with its location in the
 * config rather than at the first TLS handshake.
 */
export const readableFile: Read<string> = (value, path, context) => {
  const given = nonEmptyString(value, path, context);
  if (!given) return given;
  const absolute = resolve(context.baseDir, given);
  const problem = fileProblem(absolute);
  if (problem) context.issues.add(path, `cannot read ${absolute}: ${problem}`);
  return absolute;
};

function fileProblem(absolute: string): string | null {
  try {
    if (!statSync(absolute).isFile()) return 'not a regular file';
    accessSync(absolute, constants.R_OK);
    return null;
  } catch (error) {
    return fileErrorReason(error);
  }
}

/** A short reason for a failed file access, without the stack or the syscall noise. */
export function fileErrorReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'not a regular file';
  return error instanceof Error ? error.message : String(error);
}
