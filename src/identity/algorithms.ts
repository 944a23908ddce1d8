import { publicKeyAlgorithms, type ProviderConfig } from '../config/index.js';
import { describeUntrusted, TokenRejectedError } from './errors.js';

// `none` proves nothing, and an HMAC (HS*) token "verified" with a provider's public key was
// signed by whoever read that public key: both are refused by name, before any key is looked up.

/** The provider's allow-list, kept to asymmetric algorithms whatever the configuration says. */
export function acceptedAlgorithms(provider: ProviderConfig): string[] {
  return provider.algorithms.filter((alg) => publicKeyAlgorithms.has(alg));
}

/** Refuses `none`, HS* and anything that is not a public-key signature algorithm. */
export function assertAsymmetricAlgorithm(alg: unknown): asserts alg is string {
  if (typeof alg !== 'string' || alg === '') {
    throw new TokenRejectedError('malformed', 'token header names no signing algorithm (alg)');
  }
  if (alg.toLowerCase() === 'none') {
    throw new TokenRejectedError(
      'disallowed_algorithm',
      'token is unsigned (alg none); unsigned tokens are never accepted',
    );
  }
  if (/^HS\d+$/i.test(alg)) {
    throw new TokenRejectedError(
      'disallowed_algorithm',
      `token algorithm ${alg} is a shared-secret signature; only public-key signatures are accepted`,
    );
  }
  if (!publicKeyAlgorithms.has(alg)) {
    throw new TokenRejectedError(
      'disallowed_algorithm',
      `token algorithm ${describeUntrusted(alg)} is not a supported public-key signature algorithm`,
    );
  }
}

/** Refuses an algorithm outside the provider's allow-list. */
export function assertAcceptedAlgorithm(alg: string, provider: string, accepted: string[]): void {
  if (!accepted.includes(alg)) {
    throw new TokenRejectedError(
      'disallowed_algorithm',
      `token algorithm ${alg} is not accepted for provider ${provider} (accepted: ${accepted.join(', ')})`,
    );
  }
}
