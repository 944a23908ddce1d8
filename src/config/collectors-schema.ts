import type { CollectorCommon, CollectorConfig, CollectorType } from './collector-types.js';
import { readCollectorTls } from './collectors/tls.js';
import { ENTRA_KEYS, readEntraCollector } from './collectors/entra.js';
import { OKTA_KEYS, readOktaCollector } from './collectors/okta.js';
import { entryName } from './entry-name.js';
import {
  integer,
  Mapping,
  namedListOf,
  readEntryType,
  reportExpected,
  type Read,
} from './reader.js';

const COMMON_KEYS = ['name', 'type', 'interval', 'startFrom', 'tls'] as const;

const collectorTypes = {
  okta: { keys: OKTA_KEYS, read: readOktaCollector },
  entra: { keys: ENTRA_KEYS, read: readEntraCollector },
} as const;

export const readCollectors: Read<CollectorConfig[]> = (value, path, context) =>
  namedListOf(readCollector, 'collector')(value, path, context);

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
  const type = readEntryType<CollectorType>(value, path, context, collectorTypes);
  const definition = type === null ? null : collectorTypes[type];
  const entry = Mapping.read(value, path, context, [...COMMON_KEYS, ...(definition?.keys ?? [])]);
  const common: CollectorCommon = {
    name: entry.required('name', entryName),
    intervalSeconds: entry.optional('interval', integer(10, 86_401), 120),
    startFrom: entry.optional('startFrom', startFrom, null),
    tls: entry.section('tls', readCollectorTls),
  };
  const own = definition ? definition.read(entry, context) : { type: 'okta' };
  return { ...common, ...own } as CollectorConfig;
};
