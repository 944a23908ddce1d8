import { createRemoteJWKSet, errors, type JWTVerifyGetKey } from 'jose';
import type { ProviderConfig } from '../config/types.js';
import type { Logger } from '../log/index.js';
import { discoverJwksUri } from './discovery.js';
import { TokenRejectedError } from './errors.js';
import { describeFetchFailure } from './fetch-failure.js';

export interface ProviderKeysOptions {
  logger: Logger;
  /** Least time between two key set fetches caused by an unknown `kid` (rate limit). */
  cooldownMs: number;
  /** How long a fetched key set is used before it is fetched again. */
  cacheMaxAgeMs: number;
  /** Per request to the provider (discovery, key set). */
  timeoutMs: number;
}

interface RemoteKeySet {
  jwksUri: URL;
  resolveKey: JWTVerifyGetKey;
}

/**
 * The signing keys of one provider, as a jose key resolver. Discovery happens on the first token,
 * not at start, so Warden starts while a provider is down; a failed discovery is not remembered,
 * so the next token tries again. The key set is cached and refetched when it is older than
 * `cacheMaxAgeMs`, or when a token names an unknown `kid` (the provider rotated its keys) and the
 * last fetch is older than `cooldownMs` — so a flood of made-up `kid`s cannot flood the provider.
 *
 * An unreachable or broken provider surfaces as a `provider_unavailable` rejection; a key the set
 * does not hold surfaces as jose's JWKSNoMatchingKey / JWKSMultipleMatchingKeys.
 */
export function createProviderKeys(
  provider: ProviderConfig,
  options: ProviderKeysOptions,
): JWTVerifyGetKey {
  const unavailable = (detail: string, cause: unknown): TokenRejectedError => {
    options.logger.warn({ provider: provider.name, detail }, 'identity provider unavailable');
    return new TokenRejectedError(
      'provider_unavailable',
      `identity provider ${provider.name} is unavailable: ${detail}`,
      { cause },
    );
  };

  let locatedKeySet: Promise<RemoteKeySet> | undefined;
  const loadKeySet = (): Promise<RemoteKeySet> => {
    if (locatedKeySet) return locatedKeySet;
    const loading = (async () => {
      const jwksUri = provider.jwksUri
        ? new URL(provider.jwksUri)
        : await discoverJwksUri(provider.issuer, options.timeoutMs);
      options.logger.debug({ provider: provider.name, jwksUri: jwksUri.href }, 'key set located');
      const resolveKey = createRemoteJWKSet(jwksUri, {
        cooldownDuration: options.cooldownMs,
        cacheMaxAge: options.cacheMaxAgeMs,
        timeoutDuration: options.timeoutMs,
      });
      return { jwksUri, resolveKey };
    })();
    locatedKeySet = loading;
    loading.catch(() => {
      if (locatedKeySet === loading) locatedKeySet = undefined;
    });
    return loading;
  };

  return async (protectedHeader, token) => {
    let keySet: RemoteKeySet;
    try {
      keySet = await loadKeySet();
    } catch (error) {
      throw unavailable(error instanceof Error ? error.message : String(error), error);
    }
    try {
      return await keySet.resolveKey(protectedHeader, token);
    } catch (error) {
      if (
        error instanceof errors.JWKSNoMatchingKey ||
        error instanceof errors.JWKSMultipleMatchingKeys
      ) {
        throw error;
      }
      throw unavailable(
        `key set at ${keySet.jwksUri.href} failed (${describeFetchFailure(error)})`,
        error,
      );
    }
  };
}
