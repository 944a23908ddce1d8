import type { AuditEvent } from '../audit/index.js';
import type { SinkFilter } from '../config/index.js';

/**
 * The sink's filter as a predicate. Each list given must match (any of its items); an empty list
 * does not restrict. A type ending in `.*` matches that prefix; `*` matches every type.
 */
export function compileSinkFilter(filter: SinkFilter): (event: AuditEvent) => boolean {
  const typeMatches = compileTypeFilter(filter.types);
  const connections = new Set(filter.connections);
  const groups = new Set(filter.groups);
  const outcomes = new Set<string>(filter.outcomes);
  return (event) =>
    typeMatches(event.type) &&
    (connections.size === 0 ||
      (event.connection !== null && connections.has(event.connection.name))) &&
    (groups.size === 0 || (event.actor?.groups ?? []).some((group) => groups.has(group))) &&
    (outcomes.size === 0 || (event.outcome !== null && outcomes.has(event.outcome.result)));
}

/** A filter's `types` as a predicate on the type alone: no list, or an item that matches it. */
export function compileTypeFilter(types: readonly string[]): (type: string) => boolean {
  if (types.length === 0) return () => true;
  const exactTypes = new Set(types.filter((type) => !type.endsWith('*')));
  const typePrefixes = types.filter((type) => type.endsWith('*')).map((type) => type.slice(0, -1));
  return (type) => exactTypes.has(type) || typePrefixes.some((prefix) => type.startsWith(prefix));
}
