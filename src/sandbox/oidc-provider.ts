// An embedded, real OpenID provider (panva's certified `oidc-provider`) for tests and the demo.
// It issues real RS256-signed JWT access tokens for the client_credentials grant through its real
// token endpoint, publishes its keys at a real JWKS endpoint and its metadata at a real discovery
// document — so Warden is exercised against an OP, never against a mock. Loopback http only.
import { randomUUID } from 'node:crypto';
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK } from 'jose';

interface ResourceServerInfo {
  scope: string;
  audience: string;
  accessTokenTTL: number;
  accessTokenFormat: 'jwt';
  jwt: { sign: { alg: string } };
}

interface SandboxClientMetadata {
  client_id: string;
  client_secret: string;
  client_name?: string;
  grant_types: string[];
  response_types: string[];
  redirect_uris: string[];
  token_endpoint_auth_method: string;
  groups: string[];
}

interface TokenContext {
  oidc: { client?: { clientName?: string; groups?: string[] } };
}

interface OidcProviderConfiguration {
  adapter: new (modelName: string) => StatelessAdapter;
  clients: SandboxClientMetadata[];
  jwks: { keys: JWK[] };
  extraClientMetadata: { properties: string[] };
  extraTokenClaims: (ctx: TokenContext) => Promise<Record<string, unknown>>;
  features: {
    clientCredentials: { enabled: boolean };
    devInteractions: { enabled: boolean };
    resourceIndicators: {
      enabled: boolean;
      defaultResource: () => Promise<string>;
      useGrantedResource: () => Promise<boolean>;
      getResourceServerInfo: (
        ctx: unknown,
        resourceIndicator: string,
      ) => Promise<ResourceServerInfo>;
    };
  };
  clientDefaults: { id_token_signed_response_alg: string };
  cookies: { keys: string[] };
  ttl: { ClientCredentials: number };
}

interface OidcProvider {
  callback(): RequestListener;
}

interface OidcProviderModule {
  Provider: new (issuer: string, configuration: OidcProviderConfiguration) => OidcProvider;
  errors: { InvalidTarget: new (description?: string) => Error };
}

/**
 * oidc-provider ships no type declarations and @types/oidc-provider is not a dependency: the few
 * members used here are described by OidcProviderModule. Its import prints "Unsupported runtime"
 * on any Node release older than 22 LTS although it works on Node 20 (the whole suite runs it);
 * that one line is kept out of the demo's and the tests' output.
 */
async function importOidcProvider(): Promise<OidcProviderModule> {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (!String(args[0]).includes('Unsupported runtime')) warn(...args);
  };
  try {
    // @ts-expect-error TS7016: untyped module, narrowed to OidcProviderModule.
    return (await import('oidc-provider')) as OidcProviderModule;
  } finally {
    console.warn = warn;
  }
}

const { Provider, errors } = await importOidcProvider();

// The sandbox issues only self-contained JWT access tokens to statically configured clients, so
// the provider has nothing to store: lookups find nothing, and a write would be a sandbox bug.
// (It also spares the warning oidc-provider prints for its default in-memory adapter.)
async function refuseWrite(): Promise<never> {
  throw new Error('the OIDC sandbox stores no provider state');
}

class StatelessAdapter {
  async find(): Promise<undefined> {
    return undefined;
  }
  async findByUid(): Promise<undefined> {
    return undefined;
  }
  async findByUserCode(): Promise<undefined> {
    return undefined;
  }
  upsert = refuseWrite;
  consume = refuseWrite;
  destroy = refuseWrite;
  revokeByGrantId = refuseWrite;
}

export interface SandboxClient {
  clientId: string;
  clientSecret: string;
  /** Carried in the token's `groups` claim. */
  groups: string[];
  /** Carried in the token's `name` claim when set. */
  name?: string;
}

export interface OidcSandboxOptions {
  /** 0 or absent: any free port. */
  port?: number;
  /** The `aud` of every access token (the resource indicator of Warden). */
  audience: string;
  clients: SandboxClient[];
  accessTokenTtlSeconds?: number;
}

export interface SandboxSigningKey {
  privateJwk: JWK;
  publicJwk: JWK;
  kid: string;
  alg: string;
}

export interface OidcSandbox {
  issuer: string;
  tokenEndpoint: string;
  /** Runs the client_credentials grant at the token endpoint (client_secret_basic). */
  clientCredentialsToken(clientId: string, clientSecret: string): Promise<string>;
  /** The key currently signing access tokens, so tests can forge tokens with the real key. */
  readonly signingKey: SandboxSigningKey;
  /** Signs with a new key (new `kid`) from now on; the JWKS keeps publishing the previous one. */
  rotateSigningKey(): Promise<void>;
  close(): Promise<void>;
}

const signingAlgorithm = 'RS256';

async function generateSigningKey(): Promise<SandboxSigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(signingAlgorithm, { extractable: true });
  const kid = randomUUID();
  const keyFields = { kid, alg: signingAlgorithm, use: 'sig' };
  return {
    privateJwk: { ...(await exportJWK(privateKey)), ...keyFields },
    publicJwk: { ...(await exportJWK(publicKey)), ...keyFields },
    kid,
    alg: signingAlgorithm,
  };
}

export async function startOidcProvider(options: OidcSandboxOptions): Promise<OidcSandbox> {
  const accessTokenTtlSeconds = options.accessTokenTtlSeconds ?? 600;

  // The provider's configuration (keys included) is fixed at construction, so a key rotation
  // builds a new Provider behind the same listener; this is the one serving requests.
  let serveProvider: RequestListener | undefined;
  const server = createServer((req, res) => {
    if (serveProvider) serveProvider(req, res);
    else res.writeHead(503).end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const issuer = `http://127.0.0.1:${port}`;

  const buildProvider = (publishedKeys: SandboxSigningKey[]): OidcProvider =>
    new Provider(issuer, {
      adapter: StatelessAdapter,
      clients: options.clients.map((client) => ({
        client_id: client.clientId,
        client_secret: client.clientSecret,
        ...(client.name === undefined ? {} : { client_name: client.name }),
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        token_endpoint_auth_method: 'client_secret_basic',
        groups: client.groups,
      })),
      // The first key signs; the others stay published, as an IdP does during a rotation.
      jwks: { keys: publishedKeys.map((key) => key.privateJwk) },
      extraClientMetadata: { properties: ['groups'] },
      extraTokenClaims: async (ctx) => {
        const client = ctx.oidc.client;
        return {
          groups: client?.groups ?? [],
          ...(client?.clientName === undefined ? {} : { name: client.clientName }),
        };
      },
      features: {
        clientCredentials: { enabled: true },
        devInteractions: { enabled: false },
        resourceIndicators: {
          enabled: true,
          // A client that names no resource (most do not) still gets a JWT for Warden.
          defaultResource: async () => options.audience,
          useGrantedResource: async () => true,
          getResourceServerInfo: async (_ctx, resourceIndicator) => {
            if (resourceIndicator !== options.audience) {
              throw new errors.InvalidTarget(`unknown resource ${resourceIndicator}`);
            }
            return {
              scope: '',
              audience: options.audience,
              accessTokenTTL: accessTokenTtlSeconds,
              accessTokenFormat: 'jwt',
              jwt: { sign: { alg: signingAlgorithm } },
            };
          },
        },
      },
      clientDefaults: { id_token_signed_response_alg: signingAlgorithm },
      cookies: { keys: [randomUUID()] },
      ttl: { ClientCredentials: accessTokenTtlSeconds },
    });

  let publishedKeys = [await generateSigningKey()];
  serveProvider = buildProvider(publishedKeys).callback();
  const tokenEndpoint = `${issuer}/token`;

  return {
    issuer,
    tokenEndpoint,
    get signingKey() {
      return publishedKeys[0] as SandboxSigningKey;
    },
    async clientCredentialsToken(clientId, clientSecret) {
      const basic = Buffer.from(
        `${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`,
      ).toString('base64');
      const response = await fetch(tokenEndpoint, {
        method: 'POST',
        headers: {
          authorization: `Basic ${basic}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ grant_type: 'client_credentials' }),
      });
      const body = (await response.json()) as { access_token?: string; error?: string };
      if (!response.ok || typeof body.access_token !== 'string') {
        throw new Error(
          `token endpoint refused client ${clientId}: ${response.status} ${body.error ?? ''}`.trim(),
        );
      }
      return body.access_token;
    },
    async rotateSigningKey() {
      publishedKeys = [await generateSigningKey(), ...publishedKeys];
      serveProvider = buildProvider(publishedKeys).callback();
    },
    async close() {
      serveProvider = undefined;
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
}
