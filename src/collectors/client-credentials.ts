// An OAuth 2.0 client-credentials access token, fetched when first needed and renewed before it
// expires: Okta service apps (private_key_jwt) and Entra app registrations (secret or certificate).
import {
  createHash,
  createPrivateKey,
  randomUUID,
  X509Certificate,
  type KeyObject,
} from 'node:crypto';
import { readFileSync } from 'node:fs';
import { SignJWT } from 'jose';
import { CollectorHalt, CollectorRetry } from './failures.js';
import { jsonBody, type LogApiClient } from './log-api-client.js';
import type { CycleContext } from './log-source.js';

/** Renewed this long before it expires, so that no request carries a token about to lapse. */
const RENEW_BEFORE_MS = 60_000;

export interface TokenRequest {
  /** The token endpoint. */
  url: string;
  /** The provider, in messages ("Okta", "Entra"). */
  provider: string;
  /** The form's fields; a function because each request needs a fresh client assertion. */
  form(): Promise<Record<string, string>>;
}

export class ClientCredentials {
  #token: { value: string; renewAt: number } | null = null;

  constructor(
    private readonly client: LogApiClient,
    private readonly tokenRequest: TokenRequest,
  ) {}

  async token(context: CycleContext): Promise<string> {
    if (this.#token && Date.now() < this.#token.renewAt) return this.#token.value;
    const { url, provider } = this.tokenRequest;
    const answer = await this.client.postForm(url, await this.tokenRequest.form(), context);
    const body = jsonBody(answer, `${provider}'s token endpoint`) as {
      access_token?: unknown;
      expires_in?: unknown;
      error?: unknown;
      error_description?: unknown;
    };
    if (answer.status === 200 && typeof body.access_token === 'string') {
      const lifetimeMs = typeof body.expires_in === 'number' ? body.expires_in * 1000 : 3_600_000;
      this.#token = {
        value: body.access_token,
        renewAt: Date.now() + Math.max(lifetimeMs - RENEW_BEFORE_MS, lifetimeMs / 2),
      };
      return body.access_token;
    }
    const detail = [body.error, body.error_description].filter((part) => typeof part === 'string');
    const message = `${provider}'s token endpoint answered ${answer.status}`;
    const reason = detail.length > 0 ? detail.join(': ') : null;
    // 400 and 401 are the client's own fault (unknown client, bad secret, bad scope).
    if (answer.status === 400 || answer.status === 401) throw new CollectorHalt(message, reason);
    throw new CollectorRetry(message, reason);
  }

  /** Forgets the token, after the API refused it: the next request gets a new one. */
  forget(): void {
    this.#token = null;
  }
}

export interface AssertionKey {
  key: KeyObject;
  /** `kid`, when the provider picks the key by it (Okta). */
  keyId?: string | null;
  /** The certificate of the key, whose thumbprint Entra picks the key by (`x5t#S256`). */
  certificatePem?: string | null;
}

/** Reads a PEM private key, encrypted or not. */
export function readPrivateKey(path: string, passphrase: string | null = null): KeyObject {
  return createPrivateKey({
    key: readFileSync(path, 'utf8'),
    ...(passphrase ? { passphrase } : {}),
  });
}

/** A client assertion (RFC 7523) for `clientId` at `audience`, valid five minutes. */
export async function clientAssertion(
  clientId: string,
  audience: string,
  signing: AssertionKey,
): Promise<string> {
  const header: Record<string, string> = { alg: algorithmOf(signing.key), typ: 'JWT' };
  if (signing.keyId) header.kid = signing.keyId;
  if (signing.certificatePem) {
    const der = new X509Certificate(signing.certificatePem).raw;
    header['x5t#S256'] = createHash('sha256').update(der).digest('base64url');
  }
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader(header as { alg: string })
    .setIssuer(clientId)
    .setSubject(clientId)
    .setAudience(audience)
    .setJti(randomUUID())
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(now + 300)
    .sign(signing.key);
}

function algorithmOf(key: KeyObject): string {
  if (key.asymmetricKeyType === 'rsa') return 'RS256';
  if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === 'prime256v1') return 'ES256';
    if (curve === 'secp384r1') return 'ES384';
    if (curve === 'secp521r1') return 'ES512';
  }
  throw new Error(
    `a ${key.asymmetricKeyType} key cannot sign a client assertion (RSA or EC expected)`,
  );
}
