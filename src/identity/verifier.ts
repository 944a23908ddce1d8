import {
  decodeJwt,
  decodeProtectedHeader,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyGetKey,
  type ProtectedHeaderParameters,
} from 'jose';
import type { IdentityConfig, ProviderConfig } from '../config/types.js';
import { silentLogger, type Logger } from '../log/index.js';
import {
  acceptedAlgorithms,
  assertAcceptedAlgorithm,
  assertAsymmetricAlgorithm,
} from './algorithms.js';
import { principalFromClaims } from './claims.js';
import { describeUntrusted, TokenRejectedError } from './errors.js';
import { rejectionFromJoseError } from './jose-rejection.js';
import type { Principal } from './principal.js';
import { createProviderKeys } from './provider-keys.js';

export interface TokenVerifier {
  /** The Principal the token proves; rejects with a TokenRejectedError otherwise. */
  verify(token: string): Promise<Principal>;
}

export interface TokenVerifierOptions {
  logger?: Logger;
  /** Least time between two key set fetches caused by an unknown `kid`. Default 30 s. */
  jwksCooldownMs?: number;
  /** How long a fetched key set is trusted before it is fetched again. Default 10 min. */
  jwksCacheMaxAgeMs?: number;
}

// jose's own defaults, spelled out so they are documented in one place.
const defaultJwksCooldownMs = 30_000;
const defaultJwksCacheMaxAgeMs = 10 * 60_000;
const providerRequestTimeoutMs = 5_000;

interface VerifyingProvider {
  config: ProviderConfig;
  algorithms: string[];
  keys: JWTVerifyGetKey;
}

export function createTokenVerifier(
  config: IdentityConfig,
  options: TokenVerifierOptions = {},
): TokenVerifier {
  const logger = options.logger ?? silentLogger();
  const providers: VerifyingProvider[] = config.providers.map((provider) => ({
    config: provider,
    algorithms: acceptedAlgorithms(provider),
    keys: createProviderKeys(provider, {
      logger,
      cooldownMs: options.jwksCooldownMs ?? defaultJwksCooldownMs,
      cacheMaxAgeMs: options.jwksCacheMaxAgeMs ?? defaultJwksCacheMaxAgeMs,
      timeoutMs: providerRequestTimeoutMs,
    }),
  }));

  return {
    async verify(token) {
      const { header, claims } = decodeUntrusted(token);
      assertAsymmetricAlgorithm(header.alg);

      // The issuer is read before the signature is checked only to choose whose keys check it:
      // jwtVerify below requires the same issuer again, signed.
      if (typeof claims.iss !== 'string') {
        throw new TokenRejectedError('missing_claim', 'token has no iss claim');
      }
      const provider = providers.find((candidate) => candidate.config.issuer === claims.iss);
      if (!provider) {
        throw new TokenRejectedError(
          'wrong_issuer',
          `token issuer ${describeUntrusted(claims.iss)} is not a configured identity provider`,
        );
      }
      assertAcceptedAlgorithm(header.alg, provider.config.name, provider.algorithms);

      let verified: JWTPayload;
      try {
        ({ payload: verified } = await jwtVerify(token, provider.keys, {
          algorithms: provider.algorithms,
          issuer: provider.config.issuer,
          audience: provider.config.audience,
          clockTolerance: config.clockSkewSeconds,
          requiredClaims: ['exp'],
        }));
      } catch (error) {
        if (error instanceof TokenRejectedError) throw error;
        throw rejectionFromJoseError(error, provider.config, header.kid) ?? error;
      }
      return principalFromClaims(verified, provider.config, config.clockSkewSeconds);
    },
  };
}

const compactJws = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** Header and claims of a token whose signature nobody has checked yet. */
function decodeUntrusted(token: string): {
  header: ProtectedHeaderParameters;
  claims: JWTPayload;
} {
  if (token === '') throw new TokenRejectedError('malformed', 'token is empty');
  if (!compactJws.test(token)) {
    throw new TokenRejectedError(
      'malformed',
      'token is not a JWT (expected three base64url segments separated by dots)',
    );
  }
  let header: ProtectedHeaderParameters;
  try {
    header = decodeProtectedHeader(token);
  } catch {
    throw new TokenRejectedError('malformed', 'token header is not base64url-encoded JSON');
  }
  let claims: JWTPayload;
  try {
    claims = decodeJwt(token);
  } catch {
    throw new TokenRejectedError(
      'malformed',
      'token payload is not a base64url-encoded JSON object',
    );
  }
  return { header, claims };
}
