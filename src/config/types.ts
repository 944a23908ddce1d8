// The validated shape of warden.yaml. Key names are a contract with users and documentation:
// add keys freely, rename none.
import type { SinkConfig } from './sink-types.js';
import type { CollectorConfig } from './collector-types.js';
import type {
  AccessApprovalPolicy,
  AlertRule,
  GuardrailRule,
  MaskingConfig,
  NotificationChannel,
  RecordingExclusion,
  ReviewsConfig,
} from './policy-types.js';

export type * from './sink-types.js';
export type * from './collector-types.js';
export type * from './policy-types.js';

export interface HostPort {
  host: string;
  port: number;
}

export interface TlsFiles {
  cert: string;
  key: string;
}

export type ProviderPreset = 'oidc' | 'okta' | 'entra';

export interface ProviderConfig {
  name: string;
  preset: ProviderPreset;
  issuer: string;
  /** One or several accepted `aud` values. */
  audience: string[];
  /** Claim holding the groups: Okta `groups`; Entra `roles` (app roles) or `groups` (object ids). */
  groupsClaim: string;
  /** Allowed JWS algorithms; asymmetric only. */
  algorithms: string[];
  /** Claims tried in order for the display name. */
  nameClaims: string[];
  /** Claims tried in order for the OAuth client id (Okta `cid`, Entra v2 `azp`, v1 `appid`). */
  clientIdClaims: string[];
  /** Overrides discovery's `jwks_uri` (rarely needed). */
  jwksUri: string | null;
}

export interface IdentityConfig {
  providers: ProviderConfig[];
  /** Groups whose members may read the audit API. */
  adminGroups: GroupRef[];
  /** Tolerance for `exp`/`nbf`, seconds. */
  clockSkewSeconds: number;
}

export interface PostgresListenerConfig {
  listen: HostPort;
  /** Required unless `listen` is a loopback address. */
  tls: TlsFiles | null;
  /**
   * The largest client message taken (a Query, Parse, Bind or CopyData is held whole to be read
   * and recorded): each session may hold this much, so it bounds the gateway's memory.
   */
  maxMessageBytes: number;
  /** After `max` failed logins from an address within `windowSeconds`, it is refused until then. */
  failedLogins: { max: number; windowSeconds: number };
}

export interface ListenersConfig {
  postgres: PostgresListenerConfig | null;
}

/**
 * A group from a token. With `provider`, only identities verified by that provider count: with
 * several providers, a group name in one must not open what the same name opens in another.
 */
export interface GroupRef {
  group: string;
  /** A configured provider's `name`; absent or null for any provider. */
  provider?: string | null;
}

export type AllowRule = GroupRef;

export type TargetTlsMode = 'disable' | 'require' | 'verify-full';

export interface PostgresTarget {
  host: string;
  port: number;
  database: string;
  user: string;
  /** Never logged, never recorded, never returned. */
  password: string | null;
  tls: { mode: TargetTlsMode; ca: string | null };
  /**
   * The authentication methods the target may ask for (libpq's `require_auth`); null: any it
   * asks. `[scram-sha-256]` keeps a target (or something posing as it) from getting the password
   * through md5 or in clear.
   */
  requireAuth: TargetAuthMethod[] | null;
}

export const targetAuthMethods = ['scram-sha-256', 'md5', 'password', 'none'] as const;
export type TargetAuthMethod = (typeof targetAuthMethods)[number];

export interface PostgresConnectionConfig {
  name: string;
  type: 'postgres';
  target: PostgresTarget;
  allow: AllowRule[];
  tags: string[];
  /** Checked in order before each command; the first that matches acts. */
  guardrails: GuardrailRule[];
  /** Null: no approval needed to connect (the allow list decides alone). */
  accessApproval: AccessApprovalPolicy | null;
  masking: MaskingConfig;
}

export type ConnectionConfig = PostgresConnectionConfig;

export interface RecordingConfig {
  /** Bytes of each result kept in the record. */
  responseSample: number;
  /** Off by default: every command is recorded. */
  exclude: RecordingExclusion[];
}

export interface StoreConfig {
  /** `sqlite:PATH` (the embedded default). */
  url: string;
  /** SQLite `synchronous`: `normal` survives a process crash, `full` also a power loss. */
  synchronous: 'normal' | 'full';
}

export interface ApiConfig {
  listen: HostPort;
  /** Required unless `listen` is a loopback address. */
  tls: TlsFiles | null;
}

/** How long events are kept; null (the default) keeps them forever. */
export interface RetentionConfig {
  /** Age in milliseconds after which any event is removed. */
  events: number | null;
  /** Ages by event type, which override `events` for that type. */
  types: Record<string, number>;
  /** How often the retention pass runs. */
  intervalMs: number;
}

export interface WardenConfig {
  store: StoreConfig;
  api: ApiConfig;
  identity: IdentityConfig;
  listeners: ListenersConfig;
  connections: ConnectionConfig[];
  recording: RecordingConfig;
  sinks: SinkConfig[];
  retention: RetentionConfig;
  collectors: CollectorConfig[];
  alerts: AlertRule[];
  notifications: NotificationChannel[];
  reviews: ReviewsConfig;
}
