// Stands in over HTTP for providers that cannot be reached from a test (Okta, Entra): their
// discovery documents and one key set, served from loopback. Tokens are then forged with its key
// in the exact shapes those providers issue.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import type { SigningKey } from './tokens.js';

export interface StaticIdp {
  origin: string;
  signingKey: SigningKey;
  /**
   * Serves discovery for the issuer `${origin}${path}` and returns that issuer. The document
   * names `advertisedIssuer` when given (a misconfigured or hostile document).
   */
  serveIssuer(path: string, advertisedIssuer?: string): string;
  close(): Promise<void>;
}

export async function startStaticIdp(): Promise<StaticIdp> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = 'static-idp-key';
  const signingKey: SigningKey = { privateJwk: await exportJWK(privateKey), kid, alg: 'RS256' };
  const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' }] };
  const discoveryDocuments = new Map<string, object>();

  const server = createServer((req, res) => {
    const body = req.url === '/keys' ? jwks : discoveryDocuments.get(req.url ?? '');
    if (body === undefined) res.writeHead(404).end();
    else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    origin,
    signingKey,
    serveIssuer(path, advertisedIssuer) {
      const issuer = `${origin}${path}`;
      // OpenID Connect Discovery 1.0 §4: a trailing "/" of the issuer is removed before appending.
      const discoveryPath = `${path.replace(/\/$/, '')}/.well-known/openid-configuration`;
      discoveryDocuments.set(discoveryPath, {
        issuer: advertisedIssuer ?? issuer,
        jwks_uri: `${origin}/keys`,
      });
      return issuer;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
