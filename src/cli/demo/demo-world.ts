import pg from 'pg';
import { EntraGraphServer } from '../../sandbox/entra-graph-server.js';
import { startOidcProvider, type OidcSandbox } from '../../sandbox/oidc-provider.js';
import { OktaLogServer } from '../../sandbox/okta-log-server.js';
import { startPostgres, type PostgresSandbox } from '../../sandbox/postgres.js';

export const demoAudience = 'api://warden';

export const demoIdentities = {
  agent: {
    clientId: 'billing-agent',
    clientSecret: 'billing-agent-secret',
    groups: ['agents-db'],
    name: 'billing-agent',
  },
  outsider: {
    clientId: 'marketing-agent',
    clientSecret: 'marketing-agent-secret',
    groups: ['marketing'],
    name: 'marketing-agent',
  },
  auditor: {
    clientId: 'auditor',
    clientSecret: 'auditor-secret',
    groups: ['warden-admins'],
    name: 'auditor',
  },
  /** A person who approves what the agents' guardrails hold for review. */
  approver: {
    clientId: 'dba-lead',
    clientSecret: 'dba-lead-secret',
    groups: ['dba'],
    name: 'dba-lead',
  },
};

/** The identity providers' log APIs the demo's collectors read (stand-ins, as in the tests). */
export const demoIdpLogs = {
  oktaToken: 'demo-okta-api-token',
  entraTenant: '72f988bf-86f1-41af-91ab-2d7cd011db47',
  entraClientId: '5d3e1a2b-0c4f-4e6a-9b8d-7f1e2d3c4b5a',
  entraSecret: 'demo-entra-client-secret',
};

export const demoTarget = {
  database: 'app',
  user: 'app_rw',
  password: 'app-rw-password-never-shown',
};

/** The outside world Warden sits between: a database with data, and an identity provider. */
export interface DemoWorld {
  postgres: PostgresSandbox;
  oidc: OidcSandbox;
  okta: OktaLogServer;
  entra: EntraGraphServer;
  /** Entries in the Entra stand-in's logs. */
  entraEntries: number;
  close(): Promise<void>;
}

export async function startDemoWorld(): Promise<DemoWorld> {
  const postgres = await startPostgres({ authMethod: 'scram-sha-256' });
  try {
    await seedDatabase(postgres);
    const oidc = await startOidcProvider({
      audience: demoAudience,
      clients: Object.values(demoIdentities),
    });
    const okta = await new OktaLogServer({ apiTokens: [demoIdpLogs.oktaToken] }).start();
    const entra = await new EntraGraphServer({
      tenantId: demoIdpLogs.entraTenant,
      clients: [{ clientId: demoIdpLogs.entraClientId, secret: demoIdpLogs.entraSecret }],
      throttle: null,
    }).start();
    // An hour of the organisation's own activity, already in the providers' logs.
    const hourAgo = Date.now() - 3_600_000;
    okta.generate(40, { published: (i) => new Date(hourAgo + i * 60_000) });
    const signIns = entra.generate('signIns', 12, { at: (i) => new Date(hourAgo + i * 240_000) });
    const audits = entra.generate('directoryAudits', 6, {
      at: (i) => new Date(hourAgo + i * 480_000),
    });
    return {
      postgres,
      oidc,
      okta,
      entra,
      entraEntries: signIns.length + audits.length,
      close: async () => {
        await entra.close();
        await okta.close();
        await oidc.close();
        await postgres.stop();
      },
    };
  } catch (error) {
    await postgres.stop();
    throw error;
  }
}

async function seedDatabase(postgres: PostgresSandbox): Promise<void> {
  const admin = new pg.Client({ connectionString: postgres.url() });
  await admin.connect();
  try {
    // CREATEROLE: the agent creates a reporting role, to show its password kept out of the record.
    await admin.query(
      `CREATE ROLE ${demoTarget.user} LOGIN CREATEROLE PASSWORD '${demoTarget.password}'`,
    );
    await admin.query(`CREATE DATABASE ${demoTarget.database} OWNER ${demoTarget.user}`);
  } finally {
    await admin.end();
  }
  const app = new pg.Client({
    host: postgres.host,
    port: postgres.port,
    database: demoTarget.database,
    user: demoTarget.user,
    password: demoTarget.password,
  });
  await app.connect();
  try {
    await app.query(`
      CREATE TABLE invoices (id serial PRIMARY KEY, customer text NOT NULL, amount_cents integer NOT NULL, status text NOT NULL);
      INSERT INTO invoices (customer, amount_cents, status) VALUES
        ('acme', 120000, 'paid'), ('globex', 54000, 'overdue'), ('initech', 9900, 'void'),
        ('umbrella', 310000, 'paid'), ('hooli', 7700, 'void');
      CREATE TABLE import_staging (id serial PRIMARY KEY, payload text);
      INSERT INTO import_staging (payload) SELECT 'row ' || n FROM generate_series(1, 8) n;
    `);
  } finally {
    await app.end();
  }
}
