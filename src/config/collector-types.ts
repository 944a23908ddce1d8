// The `collectors:` section of warden.yaml: pull-based collectors of the identity providers' own
// logs (collectors/). Key names follow the issue that specified them; rename none.

export const ENTRA_LOGS = ['signIns', 'servicePrincipalSignIns', 'directoryAudits'] as const;
export type EntraLog = (typeof ENTRA_LOGS)[number];

/** How a collector's HTTPS connections are made; absent, the system's roots and full checks. */
export interface CollectorTls {
  /** false ignores the other keys. */
  enabled: boolean;
  /** A PEM file trusted besides the system's roots. */
  ca: string | null;
  /** A client certificate and its key (mutual TLS). */
  cert: string | null;
  key: string | null;
  /** The passphrase of an encrypted `key`: a secret. */
  keyPassword: string | null;
  /** false accepts any server certificate (tests only). */
  verifyCertificate: boolean;
  /** false accepts a certificate issued for another host name. */
  verifyHostname: boolean;
}

export interface CollectorCommon {
  name: string;
  /** Between the starts of two collection cycles, in seconds (10-86401). */
  intervalSeconds: number;
  /** Where the first cycle starts (ISO 8601); null: now. */
  startFrom: string | null;
  tls: CollectorTls;
}

/** An OAuth 2.0 service app: a client assertion signed with its private key (private_key_jwt). */
export interface OktaOAuth {
  clientId: string;
  /** PEM file of the private key (PKCS#8, RSA or EC). */
  privateKey: string;
  /** The `kid` of the key registered with the app, when Okta needs it to pick the key. */
  keyId: string | null;
  scopes: string[];
}

export interface OktaCollectorConfig extends CollectorCommon {
  type: 'okta';
  /** The org's domain, without a scheme (company.okta.com). */
  domain: string;
  /** Overrides `https://{domain}` (a proxy, a test server). */
  url: string | null;
  auth: {
    /** An API token (SSWS); null when `oauth` is used. */
    token: string | null;
    header: string;
    prefix: string;
    oauth: OktaOAuth | null;
  };
}

export interface EntraCertificate {
  cert: string;
  key: string;
  keyPassword: string | null;
}

export interface EntraCollectorConfig extends CollectorCommon {
  type: 'entra';
  tenantId: string;
  clientId: string;
  /** One of clientSecret and certificate is given. */
  clientSecret: string | null;
  certificate: EntraCertificate | null;
  logs: EntraLog[];
  /** How far each cycle reaches back before where the last one ended, in ms (late entries). */
  lookbackMs: number;
  /** Overrides `https://graph.microsoft.com`. */
  url: string | null;
  /** Overrides `https://login.microsoftonline.com`. */
  loginUrl: string | null;
}

export type CollectorConfig = OktaCollectorConfig | EntraCollectorConfig;
export type CollectorType = CollectorConfig['type'];
