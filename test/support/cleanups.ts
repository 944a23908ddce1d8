import { afterEach } from 'vitest';

/**
 * Registers an afterEach hook and returns how to add to it: what a test opened (a receiver, a sink,
 * a certificate) is closed when the test ends, pass or fail, the last opened first, so that a sink
 * closes before the receiver it is connected to.
 */
export type AddCleanup = (cleanup: () => Promise<unknown>) => void;

export function cleanupsAfterEach(): AddCleanup {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  return (cleanup) => {
    cleanups.push(cleanup);
  };
}
