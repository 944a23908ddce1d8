import { readFile } from 'node:fs/promises';
import { rootCertificates } from 'node:tls';
import { request, type Dispatcher } from 'undici';
import type { ApiConfig } from '../config/index.js';
import { describeNetworkError, readBody, tlsDispatcher } from '../http/index.js';
import { loadConfigWithoutSecrets, resolveConfigPath } from './config-path.js';

// The CLI's client of a running gateway's API, for the commands that act as a verified identity
// (deciding a review): the gateway checks the token and records who acted, which a command
// reading the store directly could not prove.

export interface ApiClientOptions {
  /** The API's base URL; else $WARDEN_API; else built from the config's `api`. */
  api?: string;
  /** An access token; else $WARDEN_TOKEN. Never printed. */
  token?: string;
  config?: string;
}

export interface ApiClient {
  /** The answer's JSON; an error answer throws the API's message. */
  get<T>(path: string): Promise<T>;
  post<T>(path: string, body: unknown): Promise<T>;
}

/** Answers from the API are small JSON documents; anything larger is not the API. */
const MAX_ANSWER_BYTES = 4 * 1024 * 1024;
const TIMEOUT_MS = 30_000;

export async function openApiClient(options: ApiClientOptions): Promise<ApiClient> {
  const token = options.token ?? process.env.WARDEN_TOKEN;
  if (!token) {
    throw new Error(
      'no token: pass --token TOKEN or set WARDEN_TOKEN to an access token from your identity provider',
    );
  }
  const { url, dispatcher } = await apiLocation(options);
  const call = async <T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> => {
    let status: number;
    let text: string;
    try {
      const answer = await request(`${url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        ...(dispatcher ? { dispatcher } : {}),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      status = answer.statusCode;
      text = await readBody(answer.body, MAX_ANSWER_BYTES, 'fail');
    } catch (error) {
      throw new Error(`cannot reach the Warden API at ${url}: ${describeNetworkError(error)}`, {
        cause: error,
      });
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new Error(`the Warden API at ${url} answered ${status} with something not JSON`);
    }
    if (status >= 400) {
      const message = (parsed as { error?: { message?: unknown } }).error?.message;
      throw new Error(typeof message === 'string' ? message : `the API answered ${status}`);
    }
    return parsed as T;
  };
  return {
    get: (path) => call('GET', path),
    post: (path, body) => call('POST', path, body),
  };
}

interface ApiLocation {
  url: string;
  /** Set for a gateway found through its config with TLS: its own certificate is trusted too. */
  dispatcher: Dispatcher | null;
}

async function apiLocation(options: ApiClientOptions): Promise<ApiLocation> {
  const given = options.api ?? process.env.WARDEN_API;
  if (given !== undefined) return { url: baseUrl(given), dispatcher: null };
  let configPath: string;
  try {
    configPath = resolveConfigPath(options.config);
  } catch (error) {
    throw new Error(
      `where is the gateway's API? Pass --api URL or set WARDEN_API; else ${(error as Error).message}`,
    );
  }
  const { api } = await loadConfigWithoutSecrets(configPath);
  return {
    url: listenUrl(api),
    // A gateway's own certificate is often self-signed: trusted here beside the system's roots.
    dispatcher: api.tls
      ? tlsDispatcher({
          ca: [...rootCertificates, await readFile(api.tls.cert, 'utf8')].join('\n'),
        })
      : null,
  };
}

function baseUrl(text: string): string {
  let url: URL | null = null;
  try {
    url = new URL(text);
  } catch {
    // Told below.
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new Error(
      `--api (or WARDEN_API): expected the API's http(s) URL, such as http://127.0.0.1:8080, got "${text}"`,
    );
  }
  return url.href.replace(/\/+$/, '');
}

/** Where a gateway listening on `api.listen` is reached from its own host. */
function listenUrl(api: ApiConfig): string {
  const host = api.listen.host;
  // A gateway listening on every address is reached on the loopback one.
  const reachable = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  const authority = reachable.includes(':') ? `[${reachable}]` : reachable;
  return `${api.tls ? 'https' : 'http'}://${authority}:${api.listen.port}`;
}
