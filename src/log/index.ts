import { pino, type Logger } from 'pino';

export type { Logger };

// Tokens and target credentials must never reach a log line, whatever object carries them.
const redactedPaths = [
  'password',
  'token',
  'accessToken',
  'authorization',
  '*.password',
  '*.token',
  '*.accessToken',
  '*.authorization',
  'req.headers.authorization',
  'headers.authorization',
  'target.password',
  '*.target.password',
];

export interface LoggerOptions {
  level?: string;
  /** Where lines go; defaults to stderr so command output on stdout stays clean. */
  destination?: NodeJS.WritableStream;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? process.env.WARDEN_LOG_LEVEL ?? 'info',
      redact: { paths: redactedPaths, censor: '[redacted]' },
      base: { service: 'warden' },
    },
    options.destination ?? pino.destination(2),
  );
}

/** A logger that writes nothing, for tests and embedded use. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
