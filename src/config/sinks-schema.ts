import { duration } from './duration.js';
import { entryName } from './entry-name.js';
import { eventTypePattern } from './event-type-pattern.js';
import {
  integer,
  listOf,
  Mapping,
  namedListOf,
  nonEmptyString,
  oneOf,
  readEntryType,
  reportExpected,
  type Read,
  type ReadContext,
} from './reader.js';
import {
  sinkOutcomes,
  type SinkBatch,
  type SinkCommon,
  type SinkConfig,
  type SinkFilter,
  type SinkRetry,
  type SinkStart,
  type SinkType,
} from './sink-types.js';
import type { SinkTypeDefinition } from './sinks/definition.js';
import { datadogSink } from './sinks/datadog.js';
import { eventBridgeSink } from './sinks/eventbridge.js';
import { fileSink } from './sinks/file.js';
import { splunkSink } from './sinks/splunk.js';
import { syslogSink } from './sinks/syslog.js';
import { webhookSink } from './sinks/webhook.js';

const sinkTypes: { [T in SinkType]: SinkTypeDefinition<Extract<SinkConfig, { type: T }>> } = {
  webhook: webhookSink,
  file: fileSink,
  eventbridge: eventBridgeSink,
  syslog: syslogSink,
  datadog: datadogSink,
  splunk: splunkSink,
};

const COMMON_KEYS = ['name', 'type', 'filter', 'format', 'start', 'batch', 'retry'] as const;

export const readSinks: Read<SinkConfig[]> = (value, path, context) =>
  namedListOf(readSink, 'sink')(value, path, context);

const readSink: Read<SinkConfig> = (value, path, context) => {
  const type = readEntryType(value, path, context, sinkTypes);
  const definition = type === null ? null : (sinkTypes[type] as SinkTypeDefinition<SinkConfig>);
  const sink = Mapping.read(value, path, context, [...COMMON_KEYS, ...(definition?.keys ?? [])]);
  const common: SinkCommon = {
    name: sink.required('name', entryName),
    filter: sink.optional('filter', readFilter, {
      types: [],
      connections: [],
      groups: [],
      outcomes: [],
    }),
    format: sink.optional('format', oneOf(['native', 'ocsf']), 'native'),
    start: sink.optional('start', readStart, { from: 'now' }),
    batch: readBatch(sink, definition, context),
    retry: sink.optional('retry', readRetry, { minDelayMs: 1000, maxDelayMs: 300_000 }),
  };
  const own = definition ? definition.read(sink, context) : { type: 'webhook' };
  return { ...common, ...own } as SinkConfig;
};

const readFilter: Read<SinkFilter> = (value, path, context) => {
  const filter = Mapping.read(value, path, context, ['types', 'connections', 'groups', 'outcomes']);
  return {
    types: filter.optional('types', listOf(eventTypePattern), []),
    connections: filter.optional('connections', listOf(nonEmptyString), []),
    groups: filter.optional('groups', listOf(nonEmptyString), []),
    outcomes: filter.optional('outcomes', listOf(oneOf(sinkOutcomes)), []),
  };
};

/** `now` (the default), `beginning`, or an ISO 8601 time. */
const readStart: Read<SinkStart> = (value, path, context) => {
  if (value === 'now' || value === 'beginning') return { from: value };
  if (
    typeof value === 'string' &&
    /^\d{4}-\d\d-\d\dT/.test(value) &&
    !Number.isNaN(Date.parse(value))
  ) {
    return { from: 'time', time: new Date(value).toISOString() };
  }
  reportExpected(context, path, 'now, beginning, or an ISO 8601 time', value);
  return { from: 'now' };
};

function readBatch(
  sink: Mapping,
  definition: SinkTypeDefinition<SinkConfig> | null,
  context: ReadContext,
): SinkBatch {
  const limits = definition?.batch ?? { maxEvents: 1, maxBytes: 1, limitEvents: 1, limitBytes: 1 };
  const defaults = { maxEvents: limits.maxEvents, maxBytes: limits.maxBytes };
  return sink.optional(
    'batch',
    (value, path) => {
      const batch = Mapping.read(value, path, context, ['maxEvents', 'maxBytes']);
      return {
        maxEvents: batch.optional('maxEvents', integer(1, limits.limitEvents), defaults.maxEvents),
        maxBytes: batch.optional('maxBytes', integer(1024, limits.limitBytes), defaults.maxBytes),
      };
    },
    defaults,
  );
}

const readRetry: Read<SinkRetry> = (value, path, context) => {
  const retry = Mapping.read(value, path, context, ['minDelay', 'maxDelay']);
  const delay = duration(10, 86_400_000, 'of 10ms to 1d');
  const minDelayMs = retry.optional('minDelay', delay, 1000);
  const maxDelayMs = retry.optional('maxDelay', delay, 300_000);
  if (maxDelayMs < minDelayMs) {
    context.issues.add(retry.pathOf('maxDelay'), 'must not be shorter than minDelay');
  }
  return { minDelayMs, maxDelayMs };
};
