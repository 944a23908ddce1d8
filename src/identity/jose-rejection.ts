import { errors, type JWTPayload } from 'jose';
import type { ProviderConfig } from '../config/types.js';
import { describeNumericDate, describeUntrusted, TokenRejectedError } from './errors.js';

/**
 * Translates what `jwtVerify` threw into a rejection a person understands, or `undefined` when it
 * is not a verdict on the token (a bug: the caller rethrows it). jose's own errors are not kept as
 * `cause`: some carry the claims set, which has no place in a log line.
 */
export function rejectionFromJoseError(
  error: unknown,
  provider: ProviderConfig,
  kid: unknown,
): TokenRejectedError | undefined {
  if (error instanceof errors.JWTExpired) {
    return new TokenRejectedError(
      'expired',
      `token expired at ${describeClaimDate(error.payload, 'exp')}`,
    );
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    return claimRejection(error, provider);
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return new TokenRejectedError(
      'bad_signature',
      `token signature does not verify with key ${describeUntrusted(kid)} of provider ${provider.name}`,
    );
  }
  if (error instanceof errors.JWKSNoMatchingKey) {
    return new TokenRejectedError(
      'unknown_key',
      kid === undefined
        ? `token names no key id (kid) and no key of provider ${provider.name} fits its algorithm`
        : `token key id ${describeUntrusted(kid)} is not among the signing keys of provider ${provider.name}`,
    );
  }
  if (error instanceof errors.JWKSMultipleMatchingKeys) {
    return new TokenRejectedError(
      'unknown_key',
      `token names no key id (kid) and several keys of provider ${provider.name} could have signed it`,
    );
  }
  if (
    error instanceof errors.JWSInvalid ||
    error instanceof errors.JWTInvalid ||
    error instanceof errors.JOSENotSupported
  ) {
    // jose's messages here are fixed sentences ("Invalid Compact JWS"), never token content.
    return new TokenRejectedError('malformed', `token is malformed: ${error.message}`);
  }
  return undefined;
}

function claimRejection(
  error: InstanceType<typeof errors.JWTClaimValidationFailed>,
  provider: ProviderConfig,
): TokenRejectedError {
  const { claim, reason, payload } = error;
  if (reason === 'missing') {
    return new TokenRejectedError('missing_claim', `token has no ${claim} claim`);
  }
  if (reason === 'invalid') {
    return new TokenRejectedError('malformed', `token ${claim} claim is not a number of seconds`);
  }
  switch (claim) {
    case 'nbf':
      return new TokenRejectedError(
        'not_yet_valid',
        `token is not valid before ${describeClaimDate(payload, 'nbf')}`,
      );
    case 'aud':
      return new TokenRejectedError(
        'wrong_audience',
        `token audience ${describeAudience(payload.aud)} is not accepted (expected ${provider.audience.join(' or ')})`,
      );
    default:
      return new TokenRejectedError('malformed', `token ${claim} claim is not acceptable`);
  }
}

function describeClaimDate(payload: JWTPayload, claim: 'exp' | 'nbf'): string {
  const value = payload[claim];
  return typeof value === 'number' ? describeNumericDate(value) : describeUntrusted(value);
}

function describeAudience(aud: unknown): string {
  if (aud === undefined) return '(none)';
  if (Array.isArray(aud)) return aud.map((value) => describeUntrusted(value)).join(', ');
  return describeUntrusted(aud);
}
