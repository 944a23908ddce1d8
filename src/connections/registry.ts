import type { ConnectionConfig, PostgresTarget } from '../config/index.js';

export interface ConnectionRegistry {
  /** The connection a client asked for by name (exact, case-sensitive), or undefined. */
  get(name: string): ConnectionConfig | undefined;
  /** Every connection, in configured order. */
  list(): ConnectionConfig[];
}

/** A connection as it may be logged, recorded or returned by the API: no credential in it. */
export interface ConnectionDescription {
  name: string;
  type: ConnectionConfig['type'];
  target: Pick<PostgresTarget, 'host' | 'port' | 'database' | 'user' | 'tls'>;
  allow: ConnectionConfig['allow'];
  tags: string[];
}

export function createConnectionRegistry(
  connections: readonly ConnectionConfig[],
): ConnectionRegistry {
  const byName = new Map<string, ConnectionConfig>();
  for (const connection of connections) {
    // The config already refuses duplicates; a registry built any other way must not let a
    // later entry silently replace an earlier one's target.
    if (byName.has(connection.name)) {
      throw new Error(`duplicate connection name "${connection.name}"`);
    }
    byName.set(connection.name, connection);
  }
  return {
    get: (name) => byName.get(name),
    list: () => [...byName.values()],
  };
}

/** A copy built field by field, so a credential added to the target later is left out too. */
export function describeConnection(connection: ConnectionConfig): ConnectionDescription {
  const { host, port, database, user, tls } = connection.target;
  return {
    name: connection.name,
    type: connection.type,
    target: { host, port, database, user, tls: { ...tls } },
    allow: connection.allow.map((entry) => ({ ...entry })),
    tags: [...connection.tags],
  };
}
