// Tokens as an attacker (or a test) builds them, with jose or by hand.
import { createPublicKey, type JsonWebKey } from 'node:crypto';
import { base64url, importJWK, SignJWT, type JWK, type JWTPayload } from 'jose';

export interface SigningKey {
  privateJwk: JWK;
  kid: string;
  alg: string;
}

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

export async function signToken(
  claims: JWTPayload,
  key: SigningKey,
  header: { typ?: string; kid?: string } = {},
): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt', ...header })
    .sign(await importJWK(key.privateJwk, key.alg));
}

/** `alg: none`, empty signature: the oldest JWT forgery. */
export function unsignedToken(claims: JWTPayload, kid: string): string {
  const encode = (value: object) => base64url.encode(JSON.stringify(value));
  return `${encode({ alg: 'none', typ: 'JWT', kid })}.${encode(claims)}.`;
}

/**
 * HS256 keyed with the provider's public key (PEM): a verifier that lets the token choose its
 * algorithm would "verify" this with the public key it fetched as if it were a shared secret.
 */
export async function hmacWithPublicKeyToken(
  claims: JWTPayload,
  publicJwk: JWK,
  kid: string,
): Promise<string> {
  const pem = createPublicKey({ key: publicJwk as JsonWebKey, format: 'jwk' })
    .export({ type: 'spki', format: 'pem' })
    .toString();
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid })
    .sign(new TextEncoder().encode(pem));
}

/** The three segments of a compact JWS. */
export function segments(token: string): { header: string; payload: string; signature: string } {
  const [header = '', payload = '', signature = ''] = token.split('.');
  return { header, payload, signature };
}
