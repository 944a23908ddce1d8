import { readFileSync } from 'node:fs';
import type { EntraCollectorConfig, EntraLog } from '../../config/index.js';
import { retryAfterMs } from '../../http/index.js';
import {
  ClientCredentials,
  clientAssertion,
  readPrivateKey,
  type AssertionKey,
} from '../client-credentials.js';
import { CollectorHalt, CollectorRetry } from '../failures.js';
import { jsonBody, LogApiClient, onBase, type ApiAnswer } from '../log-api-client.js';
import type {
  CollectedPage,
  CollectedRecord,
  CycleContext,
  LogSource,
  SourcePosition,
} from '../log-source.js';
import { fetchPage, type PagePolicy } from '../page-fetch.js';
import { entraRecord, TIME_FIELD } from './entra-event.js';

// Entra's logs through Microsoft Graph, as REFERENCE.md says to read them: entries arrive minutes
// late, so each cycle reads a window from where the last one ended, reaching back `lookback`
// before it, up to the cycle's start (fixed, so that pages are one snapshot), newest first, page
// by `@odata.nextLink`; entries read again are dropped by `id`. Each log has its own position.

/** One log's position: where the last finished window ended, and a window being read. */
export interface EntraLogPosition {
  /** The end of the last window read to its last page (ISO); null before the first. */
  watermark: string | null;
  /** The window being read, when a restart came between its pages. */
  window: { from: string; until: string; next: string } | null;
}

export interface EntraPosition extends SourcePosition {
  logs: Partial<Record<EntraLog, EntraLogPosition>>;
}

const GRAPH = 'https://graph.microsoft.com';
const LOGIN = 'https://login.microsoftonline.com';
const PAGE_SIZE = 1000;

const ENDPOINTS: Record<EntraLog, { path: string; filter: string | null }> = {
  signIns: { path: '/v1.0/auditLogs/signIns', filter: null },
  // Service principal sign-ins are only in beta's signIns, selected by their event type.
  servicePrincipalSignIns: {
    path: '/beta/auditLogs/signIns',
    filter: "signInEventTypes/any(t: t eq 'servicePrincipal')",
  },
  directoryAudits: { path: '/v1.0/auditLogs/directoryAudits', filter: null },
};

export class EntraSource implements LogSource {
  readonly #config: EntraCollectorConfig;
  readonly #graph: URL;
  readonly #client: LogApiClient;
  readonly #credentials: ClientCredentials;
  readonly #policy: PagePolicy;

  constructor(config: EntraCollectorConfig) {
    this.#config = config;
    this.#graph = new URL(config.url ?? GRAPH);
    this.#client = new LogApiClient(config.tls, 'Failed to fetch Entra logs');
    const tokenUrl = new URL(
      `/${encodeURIComponent(config.tenantId)}/oauth2/v2.0/token`,
      config.loginUrl ?? LOGIN,
    ).toString();
    const signing: AssertionKey | null = config.certificate
      ? {
          key: readPrivateKey(config.certificate.key, config.certificate.keyPassword),
          certificatePem: readFileSync(config.certificate.cert, 'utf8'),
        }
      : null;
    this.#credentials = new ClientCredentials(this.#client, {
      url: tokenUrl,
      provider: 'Entra',
      form: async () => ({
        grant_type: 'client_credentials',
        client_id: config.clientId,
        scope: `${GRAPH}/.default`,
        ...(signing
          ? {
              client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
              client_assertion: await clientAssertion(config.clientId, tokenUrl, signing),
            }
          : { client_secret: config.clientSecret ?? '' }),
      }),
    });
    this.#policy = {
      client: this.#client,
      credentials: this.#credentials,
      headers: async (context) => ({
        accept: 'application/json',
        authorization: `Bearer ${await this.#credentials.token(context)}`,
      }),
      throttledFor: (answer) => retryAfterMs(answer.headers) ?? 0,
      throttledMessage: 'Rate limit exceeded - will retry',
      refuse: (answer) => refuse(answer),
    };
  }

  async *cycle(
    position: SourcePosition | null,
    context: CycleContext,
  ): AsyncGenerator<CollectedPage> {
    const logs = { ...((position as EntraPosition | null)?.logs ?? {}) };
    const cycleStart = new Date().toISOString();
    for (const log of this.#config.logs) {
      const at = logs[log] ?? { watermark: null, window: null };
      const window = at.window ?? {
        from: this.#windowStart(at.watermark, cycleStart),
        until: cycleStart,
        next: this.#firstPage(log, at.watermark, cycleStart),
      };
      let url: string | null = window.next;
      while (url !== null) {
        const answer = await fetchPage(url, this.#policy, context);
        const body = jsonBody(answer, 'Microsoft Graph') as {
          value?: unknown;
          '@odata.nextLink'?: unknown;
        };
        if (!Array.isArray(body.value))
          throw new CollectorRetry('Failed to fetch Entra logs', 'the answer has no value list');
        const records: CollectedRecord[] = [];
        for (const entry of body.value) {
          const record = entraRecord(entry, log, this.#config.name);
          if (typeof record === 'string') context.logger.warn(`Graph sent ${record}; skipped`);
          else records.push(record);
        }
        const nextLink = body['@odata.nextLink'];
        url = typeof nextLink === 'string' ? onBase(nextLink, this.#graph) : null;
        logs[log] =
          url === null
            ? { watermark: window.until, window: null }
            : { watermark: at.watermark, window: { ...window, next: url } };
        yield { records, position: { logs: { ...logs } } };
      }
    }
  }

  rereadsFrom(position: SourcePosition | null): number | null {
    const logs = (position as EntraPosition | null)?.logs ?? {};
    let from: number | null = null;
    for (const log of this.#config.logs) {
      const at = logs[log];
      if (!at) continue;
      const start = at.window
        ? Date.parse(at.window.from)
        : at.watermark === null
          ? null
          : Date.parse(at.watermark) - this.#config.lookbackMs;
      if (start !== null && (from === null || start < from)) from = start;
    }
    return from;
  }

  async close(): Promise<void> {
    await this.#client.close();
  }

  #windowStart(watermark: string | null, cycleStart: string): string {
    if (watermark !== null)
      return new Date(Date.parse(watermark) - this.#config.lookbackMs).toISOString();
    return this.#config.startFrom ?? cycleStart;
  }

  #firstPage(log: EntraLog, watermark: string | null, until: string): string {
    const { path, filter } = ENDPOINTS[log];
    const field = TIME_FIELD[log];
    const from = this.#windowStart(watermark, until);
    const url = new URL(path, this.#graph);
    url.searchParams.set(
      '$filter',
      [filter, `${field} ge ${from}`, `${field} le ${until}`].filter(Boolean).join(' and '),
    );
    url.searchParams.set('$top', String(PAGE_SIZE));
    return url.toString();
  }
}

/** Graph's answers: what halts, what is retried at the next cycle. */
function refuse(answer: ApiAnswer): never {
  const detail = graphError(answer);
  if (answer.status === 400) throw new CollectorHalt('Bad request - check API parameters', detail);
  if (answer.status === 401)
    throw new CollectorHalt(
      "Authentication failed - check the app registration's credentials",
      detail,
    );
  if (answer.status === 403)
    throw new CollectorHalt(
      'Authentication failed - the app lacks the AuditLog.Read.All permission',
      detail,
    );
  throw new CollectorRetry(`Failed to fetch Entra logs. Status=${answer.status}`, detail);
}

/** Graph's error body in a line: `Authorization_RequestDenied: Insufficient privileges …`. */
function graphError(answer: ApiAnswer): string | null {
  try {
    const { error } = JSON.parse(answer.body) as { error?: { code?: unknown; message?: unknown } };
    const parts = [error?.code, error?.message].filter((part) => typeof part === 'string');
    return parts.length > 0 ? parts.join(': ') : null;
  } catch {
    return null;
  }
}
