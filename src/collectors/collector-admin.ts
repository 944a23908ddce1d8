import type { CollectorConfig, CollectorType } from '../config/index.js';
import type { Store } from '../store/index.js';
import { CollectorStateStore, type CollectorRow } from './collector-state-store.js';

/** A collector as the API and `warden collectors status` show it. */
export interface CollectorStatus {
  name: string;
  type: CollectorType;
  /** running; halted (see haltedReason); starting (no cycle yet). */
  state: 'running' | 'halted' | 'starting';
  haltedReason: string | null;
  haltedAt: string | null;
  lastSuccessAt: string | null;
  /** Events stored, duplicates not counted. */
  collected: number;
  /** The newest provider time collected. */
  lastPublished: string | null;
  /** How far behind the provider's log the trail may be: since the collector last reached its end, or since the newest event collected while it catches up. */
  lagSeconds: number | null;
  lastError: string | null;
  lastErrorAt: string | null;
  /** A resume was asked for and not yet taken up. */
  resumeRequested: boolean;
}

export class UnknownCollectorError extends Error {
  constructor(readonly collector: string) {
    super(`no collector named "${collector}"`);
  }
}

export interface CollectorAdmin {
  list(): Promise<CollectorStatus[]>;
  /** Asks a halted collector to resume; a running one is left as it is. */
  resume(name: string): Promise<CollectorStatus>;
}

/** Reads and acts on the collectors the configuration names, through the store. */
export function createCollectorAdmin(store: Store, configs: CollectorConfig[]): CollectorAdmin {
  const state = new CollectorStateStore(store.db);
  const status = async (config: CollectorConfig): Promise<CollectorStatus> =>
    statusOf(config, await state.read(config.name));
  const configOf = (name: string) => {
    const config = configs.find((candidate) => candidate.name === name);
    if (!config) throw new UnknownCollectorError(name);
    return config;
  };
  return {
    list: () => Promise.all(configs.map(status)),
    async resume(name) {
      const config = configOf(name);
      const row = await state.read(name);
      if (row?.state === 'halted') await state.requestResume(name);
      return status(config);
    },
  };
}

function statusOf(
  config: CollectorConfig,
  row: CollectorRow | undefined,
  now = Date.now(),
): CollectorStatus {
  const reached = [row?.caught_up_at, row?.last_published]
    .filter((time): time is string => typeof time === 'string')
    .map((time) => Date.parse(time));
  return {
    name: config.name,
    type: config.type,
    state: !row ? 'starting' : row.state === 'halted' ? 'halted' : 'running',
    haltedReason: row?.halted_reason ?? null,
    haltedAt: row?.halted_at ?? null,
    lastSuccessAt: row?.last_success_at ?? null,
    collected: Number(row?.collected ?? 0),
    lastPublished: row?.last_published ?? null,
    lagSeconds:
      reached.length > 0 ? Math.max(0, Math.round((now - Math.max(...reached)) / 1000)) : null,
    lastError: row?.last_error ?? null,
    lastErrorAt: row?.last_error_at ?? null,
    resumeRequested: row?.resume_requested_at != null,
  };
}
