import pg from 'pg';
import { startOidcProvider, type OidcSandbox } from '../../sandbox/oidc-provider.js';
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
    return {
      postgres,
      oidc,
      close: async () => {
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
    await admin.query(`CREATE ROLE ${demoTarget.user} LOGIN PASSWORD '${demoTarget.password}'`);
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
    `);
  } finally {
    await app.end();
  }
}
