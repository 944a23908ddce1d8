// Realistic Microsoft Graph audit log entries (REFERENCE.md, "Microsoft Entra (Graph) sign-in and
// audit logs"), made deterministically from an index: user sign-ins (v1.0 signIn), service
// principal sign-ins (beta signIn with signInEventTypes ["servicePrincipal"]) and directory audits.
// Successes and failures carry Entra's real AADSTS codes and reasons.
import { ALPHANUMERIC, SeededRandom } from './log-api-server.js';

export interface GraphSignInStatus {
  /** 0 for a success, else the AADSTS code. */
  errorCode: number;
  failureReason: string | null;
  additionalDetails: string | null;
}

export interface GraphSignIn {
  id: string;
  createdDateTime: string;
  userDisplayName: string | null;
  userPrincipalName: string | null;
  userId: string | null;
  appId: string;
  appDisplayName: string;
  ipAddress: string;
  clientAppUsed: string | null;
  correlationId: string;
  conditionalAccessStatus: 'success' | 'failure' | 'notApplied';
  isInteractive: boolean;
  riskDetail: string;
  riskLevelAggregated: string;
  riskLevelDuringSignIn: string;
  riskState: string;
  riskEventTypes_v2: string[];
  resourceDisplayName: string;
  resourceId: string;
  status: GraphSignInStatus;
  deviceDetail: {
    deviceId: string;
    displayName: string;
    operatingSystem: string;
    browser: string;
    isCompliant: boolean;
    isManaged: boolean;
    trustType: string;
  };
  location: {
    city: string;
    state: string;
    countryOrRegion: string;
    geoCoordinates: { altitude: number | null; latitude: number; longitude: number };
  };
  appliedConditionalAccessPolicies: {
    id: string;
    displayName: string;
    enforcedGrantControls: string[];
    enforcedSessionControls: string[];
    result: string;
  }[];
}

/** A beta signIn of an application acting as itself (client credentials). */
export interface GraphServicePrincipalSignIn extends GraphSignIn {
  signInEventTypes: string[];
  servicePrincipalId: string;
  servicePrincipalName: string;
  clientCredentialType: 'clientSecret' | 'certificate' | 'clientAssertion';
}

export interface GraphDirectoryAudit {
  id: string;
  category: string;
  correlationId: string;
  result: 'success' | 'failure' | 'timeout';
  resultReason: string;
  activityDisplayName: string;
  activityDateTime: string;
  loggedByService: string;
  operationType: string;
  initiatedBy: {
    user: { id: string; displayName: string; userPrincipalName: string; ipAddress: string } | null;
    app: {
      appId: string;
      displayName: string;
      servicePrincipalId: string;
      servicePrincipalName: string;
    } | null;
  };
  targetResources: {
    id: string;
    displayName: string | null;
    type: string;
    userPrincipalName: string | null;
    modifiedProperties: { displayName: string; oldValue: string | null; newValue: string | null }[];
  }[];
  additionalDetails: { key: string; value: string }[];
}

export type GraphLogEntry = GraphSignIn | GraphServicePrincipalSignIn | GraphDirectoryAudit;

/** An application's service principal in the tenant. */
export interface GraphServicePrincipal {
  appId: string;
  servicePrincipalId: string;
  name: string;
}

/** A user's sign-in to an app, at `createdAt`. */
export function graphSignIn(index: number, createdAt: Date): GraphSignIn {
  const random = new SeededRandom(`entra-signin:${index}`);
  const user = random.pick(USERS);
  const app = random.pick(USER_APPS);
  const where = random.pick(LOCATIONS);
  const device = random.pick(DEVICES);
  const [status, conditionalAccess] = random.weighted(USER_OUTCOMES);
  const risky = random.chance(0.04);
  return {
    id: random.uuid(index),
    createdDateTime: createdAt.toISOString(),
    userDisplayName: user.displayName,
    userPrincipalName: user.userPrincipalName,
    userId: user.id,
    appId: app.appId,
    appDisplayName: app.name,
    ipAddress: where.ip(random),
    clientAppUsed: device.browser.startsWith('Rich Client')
      ? 'Mobile Apps and Desktop clients'
      : 'Browser',
    correlationId: random.uuid(),
    conditionalAccessStatus: conditionalAccess,
    isInteractive: random.chance(0.9),
    riskDetail: 'none',
    riskLevelAggregated: risky ? 'medium' : 'none',
    riskLevelDuringSignIn: risky ? 'medium' : 'none',
    riskState: risky ? 'atRisk' : 'none',
    riskEventTypes_v2: risky ? ['unfamiliarFeatures'] : [],
    resourceDisplayName: app.resource.name,
    resourceId: app.resource.id,
    status,
    deviceDetail: { ...device, deviceId: device.isManaged ? random.uuid() : '' },
    location: where.location,
    appliedConditionalAccessPolicies: [
      {
        ...REQUIRE_MFA,
        result: conditionalAccess === 'notApplied' ? 'notApplied' : conditionalAccess,
      },
    ],
  };
}

/** An application's client credentials sign-in; a realistic mix unless `app` is given (a success). */
export function graphServicePrincipalSignIn(
  index: number,
  createdAt: Date,
  app?: GraphServicePrincipal,
): GraphServicePrincipalSignIn {
  const random = new SeededRandom(`entra-sp-signin:${index}`);
  const principal = app ?? random.pick(SERVICE_PRINCIPALS);
  const where = random.pick(DATA_CENTERS);
  const [status, credential] = app
    ? [SUCCEEDED, null]
    : random.weighted(SERVICE_PRINCIPAL_OUTCOMES);
  return {
    id: random.uuid(index),
    createdDateTime: createdAt.toISOString(),
    userDisplayName: null,
    userPrincipalName: null,
    userId: null,
    appId: principal.appId,
    appDisplayName: principal.name,
    ipAddress: where.ip(random),
    clientAppUsed: null,
    correlationId: random.uuid(),
    conditionalAccessStatus: 'notApplied',
    isInteractive: false,
    riskDetail: 'none',
    riskLevelAggregated: 'none',
    riskLevelDuringSignIn: 'none',
    riskState: 'none',
    riskEventTypes_v2: [],
    resourceDisplayName: GRAPH.name,
    resourceId: GRAPH.id,
    status,
    deviceDetail: {
      deviceId: '',
      displayName: '',
      operatingSystem: '',
      browser: '',
      isCompliant: false,
      isManaged: false,
      trustType: '',
    },
    location: where.location,
    appliedConditionalAccessPolicies: [],
    signInEventTypes: ['servicePrincipal'],
    servicePrincipalId: principal.servicePrincipalId,
    servicePrincipalName: principal.name,
    clientCredentialType: credential ?? random.pick(['clientSecret', 'certificate'] as const),
  };
}

/** A change to the directory (users, groups, apps, roles, policies), at `at`. */
export function graphDirectoryAudit(index: number, at: Date): GraphDirectoryAudit {
  const random = new SeededRandom(`entra-audit:${index}`);
  const activity = random.weighted(ACTIVITIES);
  const [result, resultReason] = random.weighted(AUDIT_RESULTS);
  const byApp = random.chance(0.25);
  const actor = random.pick(ADMINS);
  const app = random.pick(SERVICE_PRINCIPALS);
  const correlationId = random.uuid(index);
  return {
    id: `Directory_${correlationId}_${random.chars(ALPHANUMERIC, 5).toUpperCase()}_${10_000_000 + random.int(89_999_999)}`,
    category: activity.category,
    correlationId,
    result,
    resultReason,
    activityDisplayName: activity.name,
    activityDateTime: at.toISOString(),
    loggedByService: activity.service,
    operationType: activity.operation,
    initiatedBy: {
      user: byApp
        ? null
        : {
            id: actor.id,
            displayName: actor.displayName,
            userPrincipalName: actor.userPrincipalName,
            ipAddress: random.pick(LOCATIONS).ip(random),
          },
      app: byApp
        ? {
            appId: app.appId,
            displayName: app.name,
            servicePrincipalId: app.servicePrincipalId,
            servicePrincipalName: app.name,
          }
        : null,
    },
    targetResources: activity.targets(random),
    additionalDetails: [
      { key: 'User-Agent', value: byApp ? 'Microsoft Graph SDK' : BROWSER_AGENT },
    ],
  };
}

interface User {
  id: string;
  displayName: string;
  userPrincipalName: string;
}

interface Location {
  location: GraphSignIn['location'];
  ip(random: SeededRandom): string;
}

interface Activity {
  category: string;
  name: string;
  service: string;
  operation: string;
  targets(random: SeededRandom): GraphDirectoryAudit['targetResources'];
}

const pools = new SeededRandom('entra-pools');

const USERS: User[] = [
  'Adele Vance',
  'Alex Wilber',
  'Diego Siciliani',
  'Grady Archie',
  'Isaiah Langer',
  'Johanna Lorenz',
  'Lee Gu',
  'Lidia Holloway',
  'Megan Bowen',
  'Miriam Graham',
  'Nestor Wilke',
  'Patti Fernandez',
  'Pradeep Gupta',
].map((displayName) => ({
  id: pools.uuid(),
  displayName,
  userPrincipalName: `${displayName.split(' ')[0]!.toLowerCase()}.${displayName.split(' ')[1]!.toLowerCase()}@contoso.com`,
}));
const ADMINS = USERS.slice(0, 3);

const GRAPH = { id: '00000003-0000-0000-c000-000000000000', name: 'Microsoft Graph' };
const USER_APPS = [
  {
    appId: 'c44b4083-3bb0-49c1-b47d-974e53cbdf3c',
    name: 'Azure Portal',
    resource: {
      id: '797f4846-ba00-4fd7-ba43-dac1f8f63013',
      name: 'Windows Azure Service Management API',
    },
  },
  {
    appId: '1fec8e78-bce4-4aaf-ab1b-5451cc387264',
    name: 'Microsoft Teams',
    resource: { id: 'cc15fd57-2c6c-4117-a88c-83b1d56b4bbe', name: 'Microsoft Teams Services' },
  },
  {
    appId: '4765445b-32c6-49b0-83e6-1d93765276ca',
    name: 'OfficeHome',
    resource: { id: '00000002-0000-0ff1-ce00-000000000000', name: 'Office 365 Exchange Online' },
  },
  { appId: '04b07795-8ddb-461a-bbee-02f9e1bf7b46', name: 'Microsoft Azure CLI', resource: GRAPH },
  { appId: pools.uuid(), name: 'Warden Gateway', resource: GRAPH },
];
const SERVICE_PRINCIPALS: GraphServicePrincipal[] = [
  'billing-sync',
  'terraform-deployer',
  'siem-exporter',
  'nightly-reports',
].map((name) => ({ appId: pools.uuid(), servicePrincipalId: pools.uuid(), name }));

const DEVICES: Omit<GraphSignIn['deviceDetail'], 'deviceId'>[] = [
  {
    displayName: 'LAPTOP-7Q2K9',
    operatingSystem: 'Windows10',
    browser: 'Edge 130.0.0',
    isCompliant: true,
    isManaged: true,
    trustType: 'Azure AD joined',
  },
  {
    displayName: '',
    operatingSystem: 'MacOs',
    browser: 'Chrome 130.0.0',
    isCompliant: false,
    isManaged: false,
    trustType: '',
  },
  {
    displayName: '',
    operatingSystem: 'Ios',
    browser: 'Rich Client 5.2411.1',
    isCompliant: false,
    isManaged: false,
    trustType: '',
  },
  {
    displayName: 'DESKTOP-4HM2R',
    operatingSystem: 'Windows10',
    browser: 'Rich Client 16.0.18129',
    isCompliant: true,
    isManaged: true,
    trustType: 'Hybrid Azure AD joined',
  },
];

function place(
  city: string,
  state: string,
  countryOrRegion: string,
  latitude: number,
  longitude: number,
  network: string,
): Location {
  return {
    location: {
      city,
      state,
      countryOrRegion,
      geoCoordinates: { altitude: null, latitude, longitude },
    },
    ip: (random) => `${network}.${1 + random.int(254)}`,
  };
}

const LOCATIONS = [
  place('Redmond', 'Washington', 'US', 47.674, -122.1215, '73.53.104'),
  place('New York', 'New York', 'US', 40.7128, -74.006, '68.174.29'),
  place('London', 'London', 'GB', 51.5072, -0.1276, '86.140.22'),
  place('Munich', 'Bayern', 'DE', 48.1351, 11.582, '91.64.117'),
  place('Singapore', 'Singapore', 'SG', 1.3521, 103.8198, '116.86.42'),
];
const DATA_CENTERS = [
  place('Boydton', 'Virginia', 'US', 36.6676, -78.3875, '20.42.66'),
  place('Dublin', 'Dublin', 'IE', 53.3498, -6.2603, '52.169.12'),
];

const SUCCEEDED: GraphSignInStatus = { errorCode: 0, failureReason: null, additionalDetails: null };
const failure = (
  errorCode: number,
  failureReason: string,
  additionalDetails: string | null = null,
) => ({
  errorCode,
  failureReason,
  additionalDetails,
});

const USER_OUTCOMES: readonly (readonly [
  readonly [GraphSignInStatus, GraphSignIn['conditionalAccessStatus']],
  number,
])[] = [
  [[SUCCEEDED, 'success'], 60],
  [
    [
      { ...SUCCEEDED, additionalDetails: 'MFA requirement satisfied by claim in the token' },
      'success',
    ],
    12,
  ],
  [[SUCCEEDED, 'notApplied'], 8],
  [
    [
      failure(
        50126,
        'Error validating credentials due to invalid username or password.',
        "The user didn't enter the right credentials. It's expected to see some number of these errors in your logs due to users making mistakes.",
      ),
      'notApplied',
    ],
    8,
  ],
  [[failure(50074, 'Strong Authentication is required.'), 'notApplied'], 4],
  [
    [
      failure(
        50140,
        "This error occurred due to 'Keep me signed in' interrupt when the user was signing in.",
      ),
      'notApplied',
    ],
    3,
  ],
  [
    [
      failure(
        50053,
        'Account is locked because user tried to sign in too many times with an incorrect user ID or password.',
      ),
      'notApplied',
    ],
    2,
  ],
  [
    [
      failure(
        53003,
        'Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.',
      ),
      'failure',
    ],
    2,
  ],
  [
    [failure(500121, 'Authentication failed during strong authentication request.'), 'notApplied'],
    1,
  ],
];

/** A failure says how the app authenticated: a secret, or an assertion signed with its certificate. */
const SERVICE_PRINCIPAL_OUTCOMES: readonly (readonly [
  readonly [GraphSignInStatus, GraphServicePrincipalSignIn['clientCredentialType'] | null],
  number,
])[] = [
  [[SUCCEEDED, null], 90],
  [[failure(7000215, 'Invalid client secret is provided.'), 'clientSecret'], 5],
  [
    [
      failure(
        7000222,
        'The provided client secret keys are expired. Visit the Azure Portal to create new keys for your app.',
      ),
      'clientSecret',
    ],
    3,
  ],
  [[failure(700027, 'Client assertion failed signature validation.'), 'certificate'], 2],
];

const REQUIRE_MFA = {
  id: pools.uuid(),
  displayName: 'Require MFA for all users',
  enforcedGrantControls: ['Mfa'],
  enforcedSessionControls: [],
};

const BROWSER_AGENT =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36 Edg/130.0.0.0';

const AUDIT_RESULTS: readonly (readonly [
  readonly [GraphDirectoryAudit['result'], string],
  number,
])[] = [
  [['success', ''], 94],
  [['failure', 'Microsoft.Online.Workflows.ObjectAlreadyExistsException'], 3],
  [['failure', 'Insufficient privileges to complete the operation.'], 2],
  [['timeout', 'The operation timed out.'], 1],
];

function userTarget(
  user: User,
  modifiedProperties: GraphDirectoryAudit['targetResources'][number]['modifiedProperties'] = [],
) {
  return {
    id: user.id,
    displayName: null,
    type: 'User',
    userPrincipalName: user.userPrincipalName,
    modifiedProperties,
  };
}

const GROUPS = ['Finance', 'Engineering', 'Warden Operators'].map((name) => ({
  id: pools.uuid(),
  name,
}));

const ACTIVITIES: readonly (readonly [Activity, number])[] = [
  [
    {
      category: 'UserManagement',
      name: 'Add user',
      service: 'Core Directory',
      operation: 'Add',
      targets: (random) => [
        userTarget(random.pick(USERS), [
          { displayName: 'AccountEnabled', oldValue: '[]', newValue: '[true]' },
        ]),
      ],
    },
    3,
  ],
  [
    {
      category: 'UserManagement',
      name: 'Update user',
      service: 'Core Directory',
      operation: 'Update',
      targets: (random) => [
        userTarget(random.pick(USERS), [
          { displayName: 'JobTitle', oldValue: '["Analyst"]', newValue: '["Senior Analyst"]' },
        ]),
      ],
    },
    5,
  ],
  [
    {
      category: 'GroupManagement',
      name: 'Add member to group',
      service: 'Core Directory',
      operation: 'Assign',
      targets: (random) => {
        const group = random.pick(GROUPS);
        return [
          userTarget(random.pick(USERS), [
            { displayName: 'Group.DisplayName', oldValue: null, newValue: `"${group.name}"` },
          ]),
          {
            id: group.id,
            displayName: group.name,
            type: 'Group',
            userPrincipalName: null,
            modifiedProperties: [],
          },
        ];
      },
    },
    4,
  ],
  [
    {
      category: 'ApplicationManagement',
      name: 'Update application – Certificates and secrets management ',
      service: 'Core Directory',
      operation: 'Update',
      targets: (random) => {
        const app = random.pick(SERVICE_PRINCIPALS);
        return [
          {
            id: app.servicePrincipalId,
            displayName: app.name,
            type: 'Application',
            userPrincipalName: null,
            modifiedProperties: [
              {
                displayName: 'KeyDescription',
                oldValue: '[]',
                newValue: `["[KeyIdentifier=${random.uuid()},KeyType=Password,KeyUsage=Verify,DisplayName=ci]"]`,
              },
            ],
          },
        ];
      },
    },
    2,
  ],
  [
    {
      category: 'ApplicationManagement',
      name: 'Consent to application',
      service: 'Core Directory',
      operation: 'Assign',
      targets: (random) => {
        const app = random.pick(SERVICE_PRINCIPALS);
        return [
          {
            id: app.servicePrincipalId,
            displayName: app.name,
            type: 'ServicePrincipal',
            userPrincipalName: null,
            modifiedProperties: [
              {
                displayName: 'ConsentAction.Permissions',
                oldValue: null,
                newValue: '"Scope: AuditLog.Read.All Directory.Read.All"',
              },
            ],
          },
        ];
      },
    },
    1,
  ],
  [
    {
      category: 'RoleManagement',
      name: 'Add member to role',
      service: 'Core Directory',
      operation: 'Assign',
      targets: (random) => [
        userTarget(random.pick(USERS), [
          { displayName: 'Role.DisplayName', oldValue: null, newValue: '"Security Reader"' },
        ]),
      ],
    },
    1,
  ],
  [
    {
      category: 'Policy',
      name: 'Update conditional access policy',
      service: 'Conditional Access',
      operation: 'Update',
      targets: () => [
        {
          id: REQUIRE_MFA.id,
          displayName: REQUIRE_MFA.displayName,
          type: 'Policy',
          userPrincipalName: null,
          modifiedProperties: [],
        },
      ],
    },
    1,
  ],
  [
    {
      category: 'UserManagement',
      name: 'User registered security info',
      service: 'Authentication Methods',
      operation: 'Add',
      targets: (random) => [userTarget(random.pick(USERS))],
    },
    2,
  ],
];
