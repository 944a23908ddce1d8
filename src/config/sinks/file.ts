import { resolve } from 'node:path';
import { integer, Mapping, nonEmptyString, type ReadContext } from '../reader.js';
import type { SinkCommon } from '../sink-types.js';
import type { SinkTypeDefinition } from './definition.js';

export interface FileSinkConfig extends SinkCommon {
  type: 'file';
  /** JSON Lines, one event a line; absolute (resolved against the config file's directory). */
  path: string;
  /** The file is rotated (to `path.1`, `path.2` …) before it would grow past this. */
  maxBytes: number;
  /** Rotated files kept; older ones are removed. */
  maxFiles: number;
}

export const fileSink: SinkTypeDefinition<FileSinkConfig> = {
  keys: ['path', 'maxBytes', 'maxFiles'],
  batch: {
    maxEvents: 1000,
    maxBytes: 4 * 1024 * 1024,
    limitEvents: 100_000,
    limitBytes: 256 * 1024 * 1024,
  },
  read: (sink: Mapping, context: ReadContext) => ({
    type: 'file',
    path: resolve(context.baseDir, sink.required('path', nonEmptyString)),
    maxBytes: sink.optional('maxBytes', integer(4096, 2 ** 40), 100 * 1024 * 1024),
    maxFiles: sink.optional('maxFiles', integer(1, 1000), 10),
  }),
};
