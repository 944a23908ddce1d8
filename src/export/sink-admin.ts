// What an operator sees and does with sinks, through the API or the CLI: each sink's state, its
// dead letters, re-drives and replays. The delivery loops (sink-delivery.ts) pick requests up from
// the store, so the CLI works against a running gateway's store as the API does.
import { AuditQueryError, lastSeq, seqAtTime, timeFilter } from '../audit/index.js';
import type { SinkConfig } from '../config/index.js';
import type { Store } from '../store/index.js';
import { SinkStateStore, type DeadLetterRow, type ReplayRow } from './sink-state-store.js';

export interface ReplayStatus {
  id: number;
  fromSeq: number;
  untilSeq: number;
  /** The last seq of the range sent so far. */
  cursor: number;
  state: string;
  createdAt: string;
  finishedAt: string | null;
}

export interface SinkStatus {
  name: string;
  type: string;
  format: string;
  /** `ok`, `degraded` (failing for a while, still retrying) or `pending` (not run yet). */
  state: 'ok' | 'degraded' | 'pending';
  /** The last seq the destination acknowledged (or the filter skipped). */
  cursor: number | null;
  /** Events in the journal after the cursor. */
  lag: number | null;
  delivered: number;
  lastSuccessAt: string | null;
  lastError: string | null;
  lastErrorAt: string | null;
  degradedSince: string | null;
  deadLetters: number;
  replays: ReplayStatus[];
}

export interface DeadLetter {
  id: number;
  seq: number;
  eventId: string;
  status: number | null;
  reason: string;
  createdAt: string;
  redriveRequestedAt: string | null;
}

/** A replay's range: from a time or a seq, up to a time or a seq (default: the journal's end now). */
export interface ReplayRange {
  since?: string;
  fromSeq?: number;
  until?: string;
  untilSeq?: number;
}

export class UnknownSinkError extends Error {
  constructor(
    readonly sink: string,
    configured: readonly string[],
  ) {
    super(`no sink named "${sink}"; configured: ${configured.join(', ') || 'none'}`);
  }
}

export interface SinkAdmin {
  list(): Promise<SinkStatus[]>;
  deadLetters(sink: string, page: { afterId?: number; limit: number }): Promise<DeadLetter[]>;
  /** Asks for dead letters (all, or these ids) to be sent again; returns how many. */
  redrive(sink: string, ids?: readonly number[]): Promise<number>;
  replay(sink: string, range: ReplayRange): Promise<ReplayStatus>;
}

/**
 * @param settle awaited before reading: the gateway passes its journal's `indexed`, so that
 *   "up to now" includes every event committed before the request
 */
export function createSinkAdmin(
  store: Store,
  sinks: readonly SinkConfig[],
  settle: () => Promise<void> = () => Promise.resolve(),
): SinkAdmin {
  const state = new SinkStateStore(store.db);
  const configOf = (name: string): SinkConfig => {
    const config = sinks.find((sink) => sink.name === name);
    if (!config)
      throw new UnknownSinkError(
        name,
        sinks.map((sink) => sink.name),
      );
    return config;
  };
  return {
    async list() {
      await settle();
      const head = await lastSeq(store.db);
      return Promise.all(
        sinks.map(async (config): Promise<SinkStatus> => {
          const row = await state.sink(config.name);
          return {
            name: config.name,
            type: config.type,
            format: config.format,
            state: row === null ? 'pending' : row.degraded_since ? 'degraded' : 'ok',
            cursor: row?.cursor_seq ?? null,
            lag: row === null ? null : Math.max(0, head - row.cursor_seq),
            delivered: row?.delivered ?? 0,
            lastSuccessAt: row?.last_success_at ?? null,
            lastError: row?.last_error ?? null,
            lastErrorAt: row?.last_error_at ?? null,
            degradedSince: row?.degraded_since ?? null,
            deadLetters: await state.deadLetterCount(config.name),
            replays: (await state.replays(config.name, { limit: 5 })).map(replayStatus),
          };
        }),
      );
    },
    async deadLetters(sink, page) {
      configOf(sink);
      return (await state.deadLetters(sink, page)).map(deadLetter);
    },
    async redrive(sink, ids) {
      configOf(sink);
      return state.requestRedrive(sink, ids);
    },
    async replay(sink, range) {
      configOf(sink);
      await settle();
      const fromSeq = await rangeStart(store, range);
      const untilSeq = await rangeEnd(store, range);
      return replayStatus(await state.addReplay(sink, fromSeq, untilSeq));
    },
  };
}

async function rangeStart(store: Store, range: ReplayRange): Promise<number> {
  if ((range.since === undefined) === (range.fromSeq === undefined)) {
    throw new AuditQueryError('since', 'give one of since (a time) or fromSeq (a seq)');
  }
  if (range.fromSeq !== undefined) return seqParameter('fromSeq', range.fromSeq);
  return seqAtTime(store.db, timeFilter('since', range.since as string));
}

async function rangeEnd(store: Store, range: ReplayRange): Promise<number> {
  if (range.until !== undefined && range.untilSeq !== undefined) {
    throw new AuditQueryError('until', 'give at most one of until (a time) or untilSeq (a seq)');
  }
  if (range.untilSeq !== undefined) return seqParameter('untilSeq', range.untilSeq);
  if (range.until !== undefined) {
    return (await seqAtTime(store.db, timeFilter('until', range.until))) - 1;
  }
  return lastSeq(store.db);
}

function seqParameter(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new AuditQueryError(name, `expected an integer ≥ 1, got ${value}`);
  }
  return value;
}

function replayStatus(row: ReplayRow): ReplayStatus {
  return {
    id: row.id,
    fromSeq: row.from_seq,
    untilSeq: row.until_seq,
    cursor: row.cursor_seq,
    state: row.state,
    createdAt: row.created_at,
    finishedAt: row.finished_at,
  };
}

function deadLetter(row: DeadLetterRow): DeadLetter {
  return {
    id: row.id,
    seq: row.seq,
    eventId: row.event_id,
    status: row.status,
    reason: row.reason,
    createdAt: row.created_at,
    redriveRequestedAt: row.redrive_requested_at,
  };
}
