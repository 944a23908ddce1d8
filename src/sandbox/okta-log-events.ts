// Realistic Okta System Log events (REFERENCE.md, "Okta System Log API"), made deterministically
// from an index: the same index gives the same event, so tests can reason about results and the
// benchmark's virtual backlog needs no memory. The mix covers authentication, user management,
// administration, system and security events, by people (actor.type "User") and by OAuth client
// applications (actor.type "PublicClientApp", actor.id = the client id).
import { ALPHANUMERIC, SeededRandom } from './log-api-server.js';

export type OktaSeverity = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
export type OktaOutcomeResult =
  'SUCCESS' | 'FAILURE' | 'SKIPPED' | 'ALLOW' | 'DENY' | 'CHALLENGE' | 'UNKNOWN';

export interface OktaActor {
  id: string;
  type: string;
  alternateId: string;
  displayName: string;
  detailEntry: Record<string, unknown> | null;
}

export type OktaTarget = OktaActor;

export interface OktaGeographicalContext {
  city: string | null;
  state: string | null;
  country: string | null;
  postalCode: string | null;
  geolocation: { lat: number; lon: number } | null;
}

export interface OktaLogEvent {
  uuid: string;
  /** ISO 8601 with milliseconds. */
  published: string;
  eventType: string;
  version: string;
  severity: OktaSeverity;
  legacyEventType: string | null;
  displayMessage: string;
  actor: OktaActor;
  client: {
    userAgent: { rawUserAgent: string; os: string; browser: string } | null;
    geographicalContext: OktaGeographicalContext | null;
    zone: string | null;
    ipAddress: string | null;
    device: string | null;
    id: string | null;
  };
  outcome: { result: OktaOutcomeResult; reason: string | null };
  target: OktaTarget[];
  transaction: { id: string; type: string; detail: Record<string, unknown> };
  debugContext: { debugData: Record<string, string> };
  authenticationContext: {
    authenticationProvider: string | null;
    credentialProvider: string | null;
    credentialType: string | null;
    issuer: { id: string; type: string } | null;
    interface: string | null;
    authenticationStep: number;
    externalSessionId: string | null;
  };
  securityContext: {
    asNumber: number | null;
    asOrg: string | null;
    isp: string | null;
    domain: string | null;
    isProxy: boolean | null;
  };
  request: {
    ipChain: {
      ip: string;
      geographicalContext: OktaGeographicalContext | null;
      version: string;
      source: string | null;
    }[];
  };
}

/** An OAuth client application, as the actor of its token grants. */
export interface OktaClientApp {
  clientId: string;
  appName: string;
}

/** The event at `index` of a realistic mix, published at `published`. */
export function oktaLogEvent(index: number, published: Date): OktaLogEvent {
  const random = new SeededRandom(`okta-event:${index}`);
  const kind = random.weighted(KINDS);
  if (kind === TOKEN_GRANT) {
    const app = random.pick(CLIENT_APPS);
    return tokenGrant(random, index, app, published, random.chance(0.95));
  }
  const actor = kind.actor === 'admin' ? random.pick(ADMINS) : random.pick(USERS);
  const [result, reason] = random.weighted(kind.outcomes);
  const where = random.pick(LOCATIONS);
  const ip = where.ip(random);
  const requestId = random.chars(ALPHANUMERIC, 27);
  const person = kind.actor === 'system' ? SYSTEM : personActor(actor);
  return {
    uuid: random.uuid(index),
    published: published.toISOString(),
    eventType: kind.eventType,
    version: '0',
    severity: result === 'SUCCESS' || result === 'ALLOW' ? kind.severity : 'WARN',
    legacyEventType: kind.legacy(result),
    displayMessage: kind.displayMessage,
    actor: person,
    client:
      kind.actor === 'system'
        ? {
            userAgent: null,
            geographicalContext: null,
            zone: null,
            ipAddress: null,
            device: null,
            id: null,
          }
        : browserClient(random, where, ip),
    outcome: { result, reason },
    target: kind.targets(random, actor),
    transaction: { id: requestId, type: kind.actor === 'system' ? 'JOB' : 'WEB', detail: {} },
    debugContext: {
      debugData: {
        requestId,
        requestUri: kind.requestUri,
        url: `${kind.requestUri}?`,
        threatSuspected: String(kind.eventType === 'security.threat.detected'),
        ...kind.debugData?.(random),
      },
    },
    authenticationContext: {
      authenticationProvider: kind.actor === 'system' ? null : 'OKTA_AUTHENTICATION_PROVIDER',
      credentialProvider: kind.credentialType === 'OTP' ? 'OKTA_CREDENTIAL_PROVIDER' : null,
      credentialType: kind.credentialType,
      issuer: null,
      interface: null,
      authenticationStep: 0,
      externalSessionId: kind.actor === 'system' ? null : `102${random.chars(ALPHANUMERIC, 22)}`,
    },
    securityContext: securityContext(where),
    request: { ipChain: kind.actor === 'system' ? [] : ipChain(where, ip) },
  };
}

/**
 * `app.oauth2.as.token.grant.access_token`: the client credentials grant of a service app. The
 * actor is the client application; its id is the client id, the access token's `sub` and `cid`.
 */
export function oktaTokenGrantEvent(
  index: number,
  app: OktaClientApp,
  published: Date,
): OktaLogEvent {
  return tokenGrant(new SeededRandom(`okta-event:${index}`), index, app, published, true);
}

function tokenGrant(
  random: SeededRandom,
  index: number,
  app: OktaClientApp,
  published: Date,
  granted: boolean,
): OktaLogEvent {
  const where = random.pick(DATA_CENTERS);
  const ip = where.ip(random);
  const requestId = random.chars(ALPHANUMERIC, 27);
  const expires = new Date(published.getTime() + 3_600_000).toISOString();
  const accessToken: OktaTarget = {
    id: `AT.${random.chars(ALPHANUMERIC, 43)}`,
    type: 'access_token',
    alternateId: 'access_token v2',
    displayName: 'Access Token',
    detailEntry: { expires, subject: app.clientId, hash: random.chars(ALPHANUMERIC, 22) },
  };
  return {
    uuid: random.uuid(index),
    published: published.toISOString(),
    eventType: 'app.oauth2.as.token.grant.access_token',
    version: '0',
    severity: granted ? 'INFO' : 'WARN',
    legacyEventType: `app.oauth2.as.token.grant.access_token_${granted ? 'success' : 'failure'}`,
    displayMessage: 'OAuth2 access token is granted',
    actor: {
      id: app.clientId,
      type: 'PublicClientApp',
      alternateId: app.clientId,
      displayName: app.appName,
      detailEntry: null,
    },
    client: {
      userAgent: random.pick(SERVICE_AGENTS),
      geographicalContext: where.geo,
      zone: 'null',
      ipAddress: ip,
      device: 'Unknown',
      id: app.clientId,
    },
    outcome: granted
      ? { result: 'SUCCESS', reason: null }
      : { result: 'FAILURE', reason: 'invalid_client: The client_assertion signature is invalid.' },
    target: granted ? [ORG_AUTHORIZATION_SERVER, accessToken] : [ORG_AUTHORIZATION_SERVER],
    transaction: { id: requestId, type: 'WEB', detail: {} },
    debugContext: {
      debugData: {
        requestId,
        requestUri: '/oauth2/v1/token',
        url: '/oauth2/v1/token?',
        grantType: 'client_credentials',
        clientAuthType: 'private_key_jwt',
        requestedScopes: 'okta.logs.read',
        ...(granted ? { grantedScopes: 'okta.logs.read' } : {}),
        threatSuspected: 'false',
      },
    },
    authenticationContext: {
      authenticationProvider: null,
      credentialProvider: null,
      credentialType: null,
      issuer: null,
      interface: null,
      authenticationStep: 0,
      externalSessionId: null,
    },
    securityContext: securityContext(where),
    request: { ipChain: ipChain(where, ip) },
  };
}

interface Person {
  id: string;
  login: string;
  name: string;
}

interface Location {
  geo: OktaGeographicalContext;
  ip(random: SeededRandom): string;
  as: { asNumber: number; asOrg: string; isp: string; domain: string };
}

interface EventKind {
  eventType: string;
  displayMessage: string;
  severity: OktaSeverity;
  actor: 'user' | 'admin' | 'system';
  outcomes: readonly (readonly [readonly [OktaOutcomeResult, string | null], number])[];
  legacy(result: OktaOutcomeResult): string | null;
  targets(random: SeededRandom, actor: Person): OktaTarget[];
  requestUri: string;
  credentialType: string | null;
  debugData?(random: SeededRandom): Record<string, string>;
}

const pools = new SeededRandom('okta-pools');
const oktaId = (prefix: string) => `${prefix}${pools.chars(ALPHANUMERIC, 17)}`;

const FIRST = ['Ana', 'Ben', 'Chloé', 'Dmitri', 'Emeka', 'Farah', 'Grace', 'Hiro', 'Ines', 'Jonas'];
const LAST = ['Silva', 'Okafor', 'Nguyen', 'Schmidt', 'Haddad', 'Kowalski', 'Tanaka', 'Murphy'];
const USERS: Person[] = FIRST.flatMap((first, f) =>
  LAST.slice(f % 3, (f % 3) + 4).map((last) => ({
    id: oktaId('00u'),
    login: `${first.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase()}.${last.toLowerCase()}@example.com`,
    name: `${first} ${last}`,
  })),
);
const ADMINS = USERS.slice(0, 4);

const SYSTEM: OktaActor = {
  id: '0oa1gjh63g214q0Hq0g4',
  type: 'SystemPrincipal',
  alternateId: 'system@okta.com',
  displayName: 'Okta System',
  detailEntry: null,
};

const CLIENT_APPS: OktaClientApp[] = [
  'Terraform Provisioner',
  'Billing Sync',
  'CI Deploy Bot',
  'SIEM Log Collector',
  'Nightly Reports',
].map((appName) => ({ clientId: oktaId('0oa'), appName }));

const SSO_APPS = [
  'Salesforce.com',
  'Slack',
  'GitHub Enterprise Cloud',
  'Zoom',
  'AWS IAM Identity Center',
].map((name) => ({ id: oktaId('0oa'), name }));
const GROUPS = ['Engineering', 'Finance', 'Sales', 'Contractors', 'Okta Administrators'].map(
  (name) => ({ id: oktaId('00g'), name }),
);
const POLICIES = [
  'Default Policy',
  'MFA for Admins',
  'Contractor Sign-On',
  'Global Session Policy',
].map((name) => ({ id: oktaId('00p'), name }));
const ORG_AUTHORIZATION_SERVER: OktaTarget = {
  id: oktaId('00o'),
  type: 'AuthorizationServer',
  alternateId: 'Okta Org Authorization Server',
  displayName: 'Okta Org Authorization Server',
  detailEntry: null,
};

function location(
  city: string,
  state: string,
  country: string,
  postalCode: string,
  [lat, lon]: [number, number],
  network: string,
  as: Location['as'],
): Location {
  return {
    geo: { city, state, country, postalCode, geolocation: { lat, lon } },
    ip: (random) => `${network}.${1 + random.int(254)}`,
    as,
  };
}

const COMCAST = {
  asNumber: 7922,
  asOrg: 'comcast',
  isp: 'comcast cable communications',
  domain: 'comcast.net',
};
const LOCATIONS: Location[] = [
  location(
    'San Francisco',
    'California',
    'United States',
    '94107',
    [37.7697, -122.3933],
    '73.162.18',
    COMCAST,
  ),
  location(
    'Chicago',
    'Illinois',
    'United States',
    '60601',
    [41.8858, -87.6181],
    '98.227.41',
    COMCAST,
  ),
  location('London', 'England', 'United Kingdom', 'EC2V', [51.5164, -0.093], '86.140.22', {
    asNumber: 2856,
    asOrg: 'british telecommunications plc',
    isp: 'bt public internet service',
    domain: 'bt.com',
  }),
  location('Berlin', 'Land Berlin', 'Germany', '10115', [52.5323, 13.3846], '91.64.117', {
    asNumber: 3320,
    asOrg: 'deutsche telekom ag',
    isp: 'deutsche telekom ag',
    domain: 'telekom.de',
  }),
  location('Bengaluru', 'Karnataka', 'India', '560001', [12.9753, 77.591], '49.207.53', {
    asNumber: 24560,
    asOrg: 'bharti airtel ltd.',
    isp: 'bharti airtel',
    domain: 'airtel.in',
  }),
];
const DATA_CENTERS: Location[] = [
  location('Ashburn', 'Virginia', 'United States', '20149', [39.0469, -77.4903], '3.219.44', {
    asNumber: 14618,
    asOrg: 'amazon.com inc.',
    isp: 'amazon.com inc.',
    domain: 'amazonaws.com',
  }),
  location('Dublin', 'Leinster', 'Ireland', 'D02', [53.3382, -6.2591], '52.169.12', {
    asNumber: 8075,
    asOrg: 'microsoft corporation',
    isp: 'microsoft corporation',
    domain: 'microsoft.com',
  }),
];

const BROWSERS = [
  {
    rawUserAgent:
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36',
    os: 'Mac OS X',
    browser: 'CHROME',
  },
  {
    rawUserAgent:
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36 Edg/130.0.0.0',
    os: 'Windows 10',
    browser: 'EDGE_CHROMIUM',
  },
  {
    rawUserAgent: 'Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0',
    os: 'Linux',
    browser: 'FIREFOX',
  },
  {
    rawUserAgent:
      'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
    os: 'iOS',
    browser: 'SAFARI',
  },
];
const SERVICE_AGENTS = [
  { rawUserAgent: 'okta-sdk-java/8.2.5 java/17.0.9 Linux/6.1.0', os: 'Linux', browser: 'UNKNOWN' },
  { rawUserAgent: 'python-requests/2.32.3', os: 'Unknown', browser: 'UNKNOWN' },
  { rawUserAgent: 'Terraform/1.9.8 okta/4.11.1', os: 'Unknown', browser: 'UNKNOWN' },
];

function personActor(person: Person): OktaActor {
  return {
    id: person.id,
    type: 'User',
    alternateId: person.login,
    displayName: person.name,
    detailEntry: null,
  };
}

function browserClient(random: SeededRandom, where: Location, ip: string): OktaLogEvent['client'] {
  const agent = random.pick(BROWSERS);
  return {
    userAgent: agent,
    geographicalContext: where.geo,
    zone: 'null',
    ipAddress: ip,
    device: agent.os === 'iOS' ? 'Mobile' : 'Computer',
    id: null,
  };
}

function securityContext(where: Location): OktaLogEvent['securityContext'] {
  return { ...where.as, isProxy: false };
}

function ipChain(where: Location, ip: string): OktaLogEvent['request']['ipChain'] {
  return [{ ip, geographicalContext: where.geo, version: 'V4', source: null }];
}

const always = (legacy: string | null) => () => legacy;
const bySuccess = (success: string, failure: string) => (result: OktaOutcomeResult) =>
  result === 'SUCCESS' ? success : failure;
const SUCCESS_ONLY = [[['SUCCESS', null], 1]] as const;

function ssoApp(random: SeededRandom): OktaTarget {
  const app = random.pick(SSO_APPS);
  return {
    id: app.id,
    type: 'AppInstance',
    alternateId: app.name,
    displayName: app.name,
    detailEntry: { signOnModeType: 'SAML_2_0' },
  };
}

function appUser(random: SeededRandom, person: Person): OktaTarget {
  return {
    id: `0ua${random.chars(ALPHANUMERIC, 17)}`,
    type: 'AppUser',
    alternateId: person.login,
    displayName: person.name,
    detailEntry: null,
  };
}

const TOKEN_GRANT = 'token-grant';

const KINDS: readonly (readonly [EventKind | typeof TOKEN_GRANT, number])[] = [
  [
    {
      eventType: 'user.session.start',
      displayMessage: 'User login to Okta',
      severity: 'INFO',
      actor: 'user',
      outcomes: [
        [['SUCCESS', null], 80],
        [['FAILURE', 'INVALID_CREDENTIALS'], 12],
        [['FAILURE', 'VERIFICATION_ERROR'], 3],
        [['CHALLENGE', 'Sign-on policy evaluation resulted in CHALLENGE'], 5],
      ],
      legacy: bySuccess('core.user_auth.login_success', 'core.user_auth.login_failed'),
      targets: () => [],
      requestUri: '/idp/idx/identify',
      credentialType: 'PASSWORD',
    },
    20,
  ],
  [
    {
      eventType: 'user.authentication.sso',
      displayMessage: 'User single sign on to app',
      severity: 'INFO',
      actor: 'user',
      outcomes: [
        [['SUCCESS', null], 92],
        [['FAILURE', 'User is not assigned to this application'], 8],
      ],
      legacy: always('app.auth.sso'),
      targets: (random, person) => [ssoApp(random), appUser(random, person)],
      requestUri: '/app/sso/saml',
      credentialType: null,
    },
    18,
  ],
  [
    {
      eventType: 'user.authentication.auth_via_mfa',
      displayMessage: 'Authentication of user via MFA',
      severity: 'INFO',
      actor: 'user',
      outcomes: [
        [['SUCCESS', null], 85],
        [['FAILURE', 'INVALID_CREDENTIALS'], 10],
        [['CHALLENGE', null], 5],
      ],
      legacy: bySuccess('core.user.factor.attempt_success', 'core.user.factor.attempt_fail'),
      targets: (random) => [
        {
          id: `pfd${random.chars(ALPHANUMERIC, 17)}`,
          type: 'AuthenticatorEnrollment',
          alternateId: 'unknown',
          displayName: 'Okta Verify',
          detailEntry: null,
        },
      ],
      requestUri: '/idp/idx/challenge/answer',
      credentialType: 'OTP',
    },
    12,
  ],
  [
    {
      eventType: 'user.session.end',
      displayMessage: 'User logout from Okta',
      severity: 'INFO',
      actor: 'user',
      outcomes: SUCCESS_ONLY,
      legacy: always('core.user_auth.logout_success'),
      targets: () => [],
      requestUri: '/login/signout',
      credentialType: null,
    },
    8,
  ],
  [
    {
      eventType: 'user.lifecycle.create',
      displayMessage: 'Create Okta user',
      severity: 'INFO',
      actor: 'admin',
      outcomes: [
        [['SUCCESS', null], 95],
        [['FAILURE', 'Api validation failed: login'], 5],
      ],
      legacy: bySuccess(
        'core.user.config.user_creation.success',
        'core.user.config.user_creation.failure',
      ),
      targets: (random) => [personActor(random.pick(USERS))],
      requestUri: '/api/v1/users',
      credentialType: null,
    },
    3,
  ],
  [
    {
      eventType: 'user.account.update_profile',
      displayMessage: 'Update user profile for Okta',
      severity: 'INFO',
      actor: 'user',
      outcomes: SUCCESS_ONLY,
      legacy: always('core.user.config.profile_update.success'),
      targets: (_random, person) => [personActor(person)],
      requestUri: '/api/v1/users/me',
      credentialType: null,
    },
    4,
  ],
  [
    {
      eventType: 'group.user_membership.add',
      displayMessage: 'Add user to group membership',
      severity: 'INFO',
      actor: 'admin',
      outcomes: SUCCESS_ONLY,
      legacy: always('core.user_group_member.user_add'),
      targets: (random) => {
        const group = random.pick(GROUPS);
        return [
          personActor(random.pick(USERS)),
          {
            id: group.id,
            type: 'UserGroup',
            alternateId: 'unknown',
            displayName: group.name,
            detailEntry: null,
          },
        ];
      },
      requestUri: '/api/v1/groups/users',
      credentialType: null,
    },
    4,
  ],
  [
    {
      eventType: 'policy.lifecycle.update',
      displayMessage: 'Update policy',
      severity: 'INFO',
      actor: 'admin',
      outcomes: SUCCESS_ONLY,
      legacy: always(null),
      targets: (random) => {
        const policy = random.pick(POLICIES);
        return [
          {
            id: policy.id,
            type: 'PolicyEntity',
            alternateId: 'unknown',
            displayName: policy.name,
            detailEntry: { policyType: 'OktaSignOn' },
          },
        ];
      },
      requestUri: '/api/v1/policies',
      credentialType: null,
    },
    2,
  ],
  [
    {
      eventType: 'application.user_membership.add',
      displayMessage: 'Add user to application membership',
      severity: 'INFO',
      actor: 'admin',
      outcomes: SUCCESS_ONLY,
      legacy: always('app.generic.provision.assign_user_to_app'),
      targets: (random) => {
        const person = random.pick(USERS);
        return [appUser(random, person), ssoApp(random)];
      },
      requestUri: '/api/v1/apps/users',
      credentialType: null,
    },
    3,
  ],
  [
    {
      eventType: 'user.account.privilege.grant',
      displayMessage: 'Grant user privilege',
      severity: 'INFO',
      actor: 'admin',
      outcomes: SUCCESS_ONLY,
      legacy: always('core.user.admin_privilege.granted'),
      targets: (random) => [personActor(random.pick(USERS))],
      requestUri: '/api/v1/users/roles',
      credentialType: null,
      debugData: (random) => ({
        privilegeGranted: random.pick([
          'Super administrator',
          'Read-only administrator',
          'Report administrator',
        ]),
      }),
    },
    1,
  ],
  [
    {
      eventType: 'system.api_token.create',
      displayMessage: 'Create API token',
      severity: 'INFO',
      actor: 'admin',
      outcomes: SUCCESS_ONLY,
      legacy: always('api.token.create'),
      targets: (random) => [
        {
          id: `00T${random.chars(ALPHANUMERIC, 17)}`,
          type: 'Token',
          alternateId: 'unknown',
          displayName: random.pick(['siem-export', 'terraform', 'warden-collector']),
          detailEntry: null,
        },
      ],
      requestUri: '/api/internal/tokens',
      credentialType: null,
    },
    1,
  ],
  [
    {
      eventType: 'system.org.rate_limit.warning',
      displayMessage: 'Rate limit warning',
      severity: 'WARN',
      actor: 'system',
      outcomes: SUCCESS_ONLY,
      legacy: always('core.framework.ratelimit.warning'),
      targets: () => [],
      requestUri: '/api/v1/logs',
      credentialType: null,
      debugData: () => ({
        threshold: '90',
        rateLimitScopeType: 'ORG',
        rateLimitSecondsToReset: '37',
      }),
    },
    1,
  ],
  [TOKEN_GRANT, 10],
  [
    {
      eventType: 'user.account.lock',
      displayMessage: 'Max sign in attempts exceeded',
      severity: 'WARN',
      actor: 'user',
      outcomes: [[['SUCCESS', 'LOCKED_OUT'], 1]],
      legacy: always('core.user_auth.account_locked'),
      targets: () => [],
      requestUri: '/idp/idx/challenge/answer',
      credentialType: 'PASSWORD',
    },
    2,
  ],
  [
    {
      eventType: 'security.threat.detected',
      displayMessage: 'Request from suspicious actor',
      severity: 'WARN',
      actor: 'user',
      outcomes: [
        [['DENY', 'Password Spray'], 70],
        [['ALLOW', 'Brute Force'], 30],
      ],
      legacy: always('security.threat.detected'),
      targets: () => [],
      requestUri: '/idp/idx/identify',
      credentialType: null,
      debugData: () => ({ threatDetections: '{"Password Spray":"HIGH"}' }),
    },
    2,
  ],
  [
    {
      eventType: 'user.session.access_admin_app',
      displayMessage: 'User accessing Okta admin app',
      severity: 'INFO',
      actor: 'admin',
      outcomes: [
        [['SUCCESS', null], 90],
        [['FAILURE', 'User does not have administrator privileges'], 10],
      ],
      legacy: always('app.admin_app.access'),
      targets: () => [],
      requestUri: '/admin/sso/callback',
      credentialType: null,
    },
    3,
  ],
];
