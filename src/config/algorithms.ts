// JWS algorithms for access tokens. Only public-key signatures prove that the identity provider
// signed a token, so these are the only ones a provider may list (config) and the only ones the
// verifier accepts (identity), whatever a token's header says.

/** The default allow-list of a provider. */
export const defaultAlgorithms: readonly string[] = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
];

/** Also accepted when listed: Ed25519 is EdDSA's fully specified name (RFC 9864). */
export const publicKeyAlgorithms: ReadonlySet<string> = new Set([...defaultAlgorithms, 'Ed25519']);
