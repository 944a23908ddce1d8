/** Why a token was refused. Stable strings: callers record them and tests assert them. */
export type TokenRejectionReason =
  | 'malformed'
  | 'expired'
  | 'not_yet_valid'
  | 'wrong_issuer'
  | 'wrong_audience'
  | 'disallowed_algorithm'
  | 'bad_signature'
  | 'unknown_key'
  | 'provider_unavailable'
  | 'missing_claim';

/**
 * A token Warden will not accept. The message is a sentence for a person (it reaches the client
 * and the audit record); it never quotes the token, nor any part of its signature.
 */
export class TokenRejectedError extends Error {
  readonly reason: TokenRejectionReason;

  constructor(reason: TokenRejectionReason, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TokenRejectedError';
    this.reason = reason;
  }
}

const longestQuotedValue = 120;

/**
 * A claim or header value from a token not yet trusted, fit to appear in a message: a plain
 * printable string stays as is, anything else is JSON (so no control character reaches a log
 * line), and long values are cut.
 */
export function describeUntrusted(value: unknown): string {
  const plain = typeof value === 'string' && /^[\x21-\x7e]+$/.test(value);
  const text = plain ? value : (JSON.stringify(value) ?? String(value));
  return text.length > longestQuotedValue ? `${text.slice(0, longestQuotedValue)}…` : text;
}

/** A NumericDate claim as an ISO 8601 instant to the second, e.g. 2026-11-21T09:12:15Z. */
export function describeNumericDate(seconds: number): string {
  const instant = new Date(seconds * 1000);
  // A forged date can lie outside what Date represents; say the number rather than throw.
  if (Number.isNaN(instant.getTime())) return `${seconds} (seconds since 1970)`;
  return instant.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
