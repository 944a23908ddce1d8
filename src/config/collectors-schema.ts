import type { CollectorCommon, CollectorConfig, CollectorType } from './collector-types.js';
import { readCollectorTls } from './collectors/tls.js';
import { ENTRA_KEYS, readEntraCollector } from './collectors/entra.js';
import { OKTA_KEYS, readOktaCollector } from './collectors/okta.js';
import {
  integer,
  listOf,
  Mapping,
  reportDuplicateNames,
  reportExpected,
  stringMatching,
  type Read,
} from './reader.js';

const COMMON_KEYS = ['name', 'type', 'interval', 'startFrom', 'tls'] as const;

const collectorTypes = {
  okta: { keys: OKTA_KEYS, read: readOktaCollector },
  entra: { keys: ENTRA_KEYS, read: readEntraCollector },
} as const;

export const readCollectors: Read<CollectorConfig[]> = (value, path, context) => {
  const collectors = listOf(readCollector)(value, path, context);
  reportDuplicateNames(
    collectors.map((collector) => collector.name),
    path,
    'collector',
    context,
  );
  return collectors;
};

/** Collector names appear in URLs, the CLI and the journal. */
const collectorName = stringMatching(
  /^[A-Za-z0-9_.-]{1,63}$/,
  'a name of 1-63 letters, digits, "_", "." or "-"',
);

const collectorType: Read<CollectorType | null> = (value, path, context) => {
  if (typeof value === 'string' && Object.hasOwn(collectorTypes, value))
    return value as CollectorType;
  reportExpected(context, path, `one of ${Object.keys(collectorTypes).join(', ')}`, value);
  return null;
};

/** ISO 8601 with a time and a zone (2024-01-01T00:00:00.000Z); empty means now. */
const startFrom: Read<string | null> = (value, path, context) => {
  if (value === '') return null;
  if (
    typeof value === 'string' &&
    /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)$/.test(value) &&
    !Number.isNaN(Date.parse(value))
  ) {
    return new Date(value).toISOString();
  }
  reportExpected(context, path, 'an ISO 8601 time such as 2024-01-01T00:00:00.000Z', value);
  return null;
};

const readCollector: Read<CollectorConfig> = (value, path, context) => {
  // The type decides which keys are known: read it first, then the entry with all its keys.
  const probe =
    typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : {};
  const type = collectorType(probe.type, `${path}.type`, context);
  const definition = type === null ? null : collectorTypes[type];
  const entry = Mapping.read(value, path, context, [...COMMON_KEYS, ...(definition?.keys ?? [])]);
  const common: CollectorCommon = {
    name: entry.required('name', collectorName),
    intervalSeconds: entry.optional('interval', integer(10, 86_401), 120),
    startFrom: entry.optional('startFrom', startFrom, null),
    tls: entry.section('tls', readCollectorTls),
  };
  const own = definition ? definition.read(entry, context) : { type: 'okta' };
  return { ...common, ...own } as CollectorConfig;
};
