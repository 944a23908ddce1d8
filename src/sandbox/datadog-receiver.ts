// A stand-in for Datadog's Logs intake v2 (REFERENCE.md): POST /api/v2/logs with DD-API-KEY
// (missing: 401, wrong: 403), gzip or deflate bodies, at most 1000 entries and 5 MB uncompressed
// per request (413), 400 for a body that is no JSON log or array of logs, 202 `{}` otherwise.
// Logs whose timestamp is older than 18 hours are taken (202) but dropped, as Datadog does.
import { gunzipSync, inflateSync } from 'node:zlib';
import { HttpReceiver, type ReceivedRequest, type ReceiverAnswer } from './http-receiver.js';

export type DatadogLog = Record<string, unknown>;

export interface DatadogReceiverOptions {
  apiKey: string;
  maxEntries?: number;
  /** Uncompressed bytes per request. */
  maxBytes?: number;
}

const MAX_AGE_MS = 18 * 3_600_000;

export class DatadogReceiver extends HttpReceiver<DatadogLog> {
  /** Logs taken but dropped for their age. */
  readonly dropped: DatadogLog[] = [];
  private readonly apiKey: string;
  private readonly maxEntries: number;
  private readonly maxBytes: number;

  constructor(options: DatadogReceiverOptions) {
    super(null);
    this.apiKey = options.apiKey;
    this.maxEntries = options.maxEntries ?? 1000;
    this.maxBytes = options.maxBytes ?? 5_000_000;
  }

  /** What a sink's `url` is set to. */
  get intakeUrl(): string {
    return `${this.url}/api/v2/logs`;
  }

  protected answer(request: ReceivedRequest): ReceiverAnswer {
    if (request.method !== 'POST' || request.path !== '/api/v2/logs') return this.errorAnswer(404);
    const key = request.headers['dd-api-key'] ?? request.query.get('dd-api-key');
    if (!key) return this.errorAnswer(401);
    if (key !== this.apiKey) return this.errorAnswer(403);
    const text = decode(request);
    if (text === null) return this.errorAnswer(400);
    if (Buffer.byteLength(text) > this.maxBytes) return this.errorAnswer(413);
    const logs = parseLogs(text);
    if (logs === null) return this.errorAnswer(400);
    if (logs.length > this.maxEntries) return this.errorAnswer(413);
    const oldest = Date.now() - MAX_AGE_MS;
    for (const log of logs) {
      if (typeof log.timestamp === 'number' && log.timestamp < oldest) this.dropped.push(log);
      else this.received.push(log);
    }
    return { status: 202, body: '{}' };
  }

  protected errorAnswer(status: number): ReceiverAnswer {
    const title = this.statusText(status);
    return { status, body: JSON.stringify({ errors: [{ status: String(status), title }] }) };
  }
}

/** The body as text, uncompressed; null when its encoding is unknown or broken. */
function decode(request: ReceivedRequest): string | null {
  try {
    switch (request.headers['content-encoding'] ?? 'identity') {
      case 'identity':
        return request.raw.toString('utf8');
      case 'gzip':
        return gunzipSync(request.raw).toString('utf8');
      case 'deflate':
        return inflateSync(request.raw).toString('utf8');
      default:
        return null;
    }
  } catch {
    return null;
  }
}

/** One log object or an array of them; null for anything else. */
function parseLogs(text: string): DatadogLog[] | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  const logs = Array.isArray(parsed) ? (parsed as unknown[]) : [parsed];
  const valid = logs.every((log) => typeof log === 'object' && log !== null && !Array.isArray(log));
  return valid ? (logs as DatadogLog[]) : null;
}
