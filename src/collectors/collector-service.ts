import type { Journal } from '../audit/index.js';
import type { CollectorConfig } from '../config/index.js';
import type { Logger } from '../log/index.js';
import type { Store } from '../store/index.js';
import { CollectorLoop, realSleep, type Sleep } from './collector-loop.js';
import { EntraSource } from './entra/entra-source.js';
import { ENTRA_EVENT_TYPE } from './entra/entra-event.js';
import type { LogSource } from './log-source.js';
import { OKTA_EVENT_TYPE } from './okta/okta-event.js';
import { OktaSource } from './okta/okta-source.js';

export interface CollectorServiceOptions {
  collectors: CollectorConfig[];
  journal: Journal;
  store: Store;
  logger: Logger;
  /** The loops' pauses; tests shorten them. */
  sleep?: Sleep;
}

/** What /healthz shows of a collector. */
export interface CollectorHealth {
  name: string;
  haltedReason: string | null;
}

export interface CollectorService {
  health(): CollectorHealth[];
  close(): Promise<void>;
}

/**
 * Starts a loop per configured collector. A source that cannot be built (a key file that is not
 * a key, a wrong passphrase) fails the start, naming the collector.
 */
export function startCollectors(options: CollectorServiceOptions): CollectorService {
  const loops: CollectorLoop[] = [];
  for (const [index, config] of options.collectors.entries()) {
    let source: LogSource;
    try {
      source = config.type === 'okta' ? new OktaSource(config) : new EntraSource(config);
    } catch (error) {
      void Promise.all(loops.map((loop) => loop.stop()));
      throw new Error(
        `collectors[${index}] (${config.name}): cannot start: ${(error as Error).message}`,
        { cause: error },
      );
    }
    loops.push(
      new CollectorLoop({
        config,
        source,
        eventType: config.type === 'okta' ? OKTA_EVENT_TYPE : ENTRA_EVENT_TYPE,
        journal: options.journal,
        store: options.store,
        logger: options.logger.child({ collector: config.name }),
        sleep: options.sleep ?? realSleep,
      }),
    );
  }
  for (const loop of loops) loop.start();
  return {
    health: () => loops.map((loop) => ({ name: loop.name, haltedReason: loop.haltedReason })),
    close: async () => {
      await Promise.all(loops.map((loop) => loop.stop()));
    },
  };
}
