import type { Mapping, ReadContext } from '../reader.js';
import type { SinkCommon } from '../sink-types.js';

/** What sinks-schema.ts needs to know of a sink type to read its entry. */
export interface SinkTypeDefinition<T extends SinkCommon> {
  /** The type's own keys, besides the common ones. */
  keys: readonly string[];
  /**
   * `maxEvents`/`maxBytes`: the defaults of `batch`; `limitEvents`/`limitBytes`: the most the
   * destination takes in one request, which `batch` may not exceed.
   */
  batch: { maxEvents: number; maxBytes: number; limitEvents: number; limitBytes: number };
  /** Reads the type's own keys from the sink's entry. */
  read(sink: Mapping, context: ReadContext): Omit<T, keyof SinkCommon>;
}
