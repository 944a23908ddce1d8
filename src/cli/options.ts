// Checks and output shared by the CLI's commands: an option given wrong is an error naming it and
// what was expected, and every command prints either JSON or text for people.

export interface CommonOptions {
  config?: string;
  json?: boolean;
}

export function print(json: boolean | undefined, value: unknown, readable: () => string): void {
  process.stdout.write(`${json ? JSON.stringify(value, null, 2) : readable()}\n`);
}

export function positiveInteger(
  name: string,
  value: string | undefined,
  max: number,
): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw new Error(`--${name}: expected an integer 1-${max}, got "${value}"`);
  }
  return n;
}

export function isoTime(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (Number.isNaN(Date.parse(value)))
    throw new Error(`--${name}: expected an ISO 8601 time, got "${value}"`);
  return new Date(value).toISOString();
}
