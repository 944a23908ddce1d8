// OpenID Connect Discovery 1.0: where an issuer publishes its keys.
import { describeFetchFailure } from './fetch-failure.js';

/** Where the discovery document of `issuer` lives (a trailing `/` of the issuer is dropped first). */
export function discoveryUrl(issuer: string): string {
  return `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
}

/**
 * Fetches the issuer's discovery document and returns its `jwks_uri`. The document must name the
 * very issuer it was fetched for: otherwise keys from one issuer could vouch for another.
 * Throws an Error whose message says what went wrong (unreachable, not 200, not JSON, wrong issuer).
 */
export async function discoverJwksUri(issuer: string, timeoutMs: number): Promise<URL> {
  const url = discoveryUrl(issuer);
  let response: Response;
  try {
    response = await fetch(url, {
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    throw new Error(`discovery at ${url} is unreachable (${describeFetchFailure(error)})`, {
      cause: error,
    });
  }
  if (response.status !== 200) {
    await response.body?.cancel();
    throw new Error(`discovery at ${url} answered HTTP ${response.status}`);
  }

  let metadata: unknown;
  try {
    metadata = await response.json();
  } catch (error) {
    throw new Error(`discovery at ${url} did not return JSON`, { cause: error });
  }
  if (typeof metadata !== 'object' || metadata === null) {
    throw new Error(`discovery at ${url} did not return a JSON object`);
  }
  const { issuer: documentIssuer, jwks_uri: jwksUri } = metadata as Record<string, unknown>;
  if (documentIssuer !== issuer) {
    throw new Error(
      `discovery at ${url} names issuer ${JSON.stringify(documentIssuer)}, expected ${issuer}`,
    );
  }
  if (typeof jwksUri !== 'string' || !URL.canParse(jwksUri)) {
    throw new Error(`discovery at ${url} has no valid jwks_uri`);
  }
  return new URL(jwksUri);
}
