import type { RetentionConfig } from '../config/index.js';
import type { Logger } from '../log/index.js';
import type { Store } from '../store/index.js';
import type { Journal } from './journal.js';
import { runRetentionPass, type RetentionReport } from './retention-pass.js';

export interface RetentionSchedule {
  /** Stops the schedule; resolves once a pass under way has stopped, between two transactions. */
  close(): Promise<void>;
}

export interface RetentionScheduleOptions {
  store: Store;
  journal: Journal;
  config: RetentionConfig;
  logger: Logger;
  /** Called after each pass with its report, or the error it failed with (tests). */
  onPass?: (outcome: RetentionReport | Error) => void;
}

/**
 * Runs a retention pass now and then `config.intervalMs` after each one ends, when retention is
 * configured (otherwise nothing runs). A failed pass is logged and tried again at the next
 * interval: retention is housekeeping, and never stops the gateway.
 */
export function startRetentionSchedule(options: RetentionScheduleOptions): RetentionSchedule {
  const { store, journal, config, logger } = options;
  if (config.events === null && Object.keys(config.types).length === 0) {
    return { close: () => Promise.resolve() };
  }
  const stop = new AbortController();
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;

  const pass = async (): Promise<void> => {
    let outcome: RetentionReport | Error;
    try {
      outcome = await runRetentionPass(store, journal, config, { signal: stop.signal });
      if (outcome.removed > 0) {
        logger.info(
          {
            removed: outcome.removed,
            byType: outcome.byType,
            anchorSeq: outcome.anchor?.seq ?? null,
          },
          'audit retention: removed events older than their age',
        );
      }
    } catch (error) {
      outcome = error as Error;
      logger.error(
        { err: error, retryInMs: config.intervalMs },
        'audit retention: the pass failed; it is tried again at the next interval',
      );
    }
    options.onPass?.(outcome);
  };

  const run = (): void => {
    running = pass().finally(() => {
      running = null;
      if (stop.signal.aborted) return;
      timer = setTimeout(run, config.intervalMs);
      // The schedule alone does not keep the process alive.
      timer.unref();
    });
  };
  run();

  return {
    async close() {
      stop.abort();
      if (timer !== null) clearTimeout(timer);
      await running;
    },
  };
}
