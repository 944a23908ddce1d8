import { COMMAND_MATCH_KEYS, readCommandMatch } from './command-match-schema.js';
import { configuredName } from './configured-name.js';
import { listOf, Mapping, type Read } from './reader.js';
import type { RecordingExclusion } from './policy-types.js';

/** `recording.exclude`: commands left out of the record, on the named connections or on all. */
export function exclusionsReader(connectionNames: readonly string[]): Read<RecordingExclusion[]> {
  const connections = listOf(configuredName(connectionNames, 'connection'));
  return listOf((value, path, context) => {
    const exclusion = Mapping.read(value, path, context, [...COMMAND_MATCH_KEYS, 'connections']);
    return {
      ...readCommandMatch(exclusion, path, context, 'required'),
      connections: exclusion.optional('connections', connections, []),
    };
  });
}
