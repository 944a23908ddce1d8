// Identity: an access token in, a verified Principal out (or a TokenRejectedError saying why not).
export { createTokenVerifier } from './verifier.js';
export type { TokenVerifier, TokenVerifierOptions } from './verifier.js';
export { TokenRejectedError } from './errors.js';
export type { TokenRejectionReason } from './errors.js';
export type { Principal } from './principal.js';
export { FailedLogins, type FailedLoginsConfig, type LoginGate } from './failed-logins.js';
