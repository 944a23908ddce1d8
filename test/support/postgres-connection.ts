// Connection configs for tests, as the config loader would produce them: one place that knows
// every field of a PostgreSQL target.
import {
  BUILTIN_DETECTORS,
  type ConnectionConfig,
  type PostgresTarget,
} from '../../src/config/index.js';

export function postgresTarget(overrides: Partial<PostgresTarget> = {}): PostgresTarget {
  return {
    host: 'db.internal',
    port: 5432,
    database: 'app',
    user: 'app_rw',
    password: 'secret',
    tls: { mode: 'disable', ca: null },
    requireAuth: null,
    ...overrides,
  };
}

export function postgresConnection(
  name: string,
  target: PostgresTarget,
  groups = ['agents-db'],
  tags: string[] = [],
): ConnectionConfig {
  return {
    name,
    type: 'postgres',
    target,
    allow: groups.map((group) => ({ group })),
    tags,
    guardrails: [],
    accessApproval: null,
    masking: {
      detectors: [...BUILTIN_DETECTORS],
      custom: [],
      results: { columns: [], detectors: [] },
    },
  };
}
