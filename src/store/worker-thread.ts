import type { Worker } from 'node:worker_threads';

/**
 * The script of a worker thread that sits beside the module at `moduleUrl`. Node 20 cannot run a
 * TypeScript worker, so where that module is the TypeScript source (under vitest) the compiled
 * script in dist/ is used instead: `npm test` builds first.
 */
export function workerScript(moduleUrl: string, fileName: string): URL {
  const beside = new URL(`./${fileName}`, moduleUrl);
  if (!moduleUrl.endsWith('.ts')) return beside;
  const at = beside.href.lastIndexOf('/src/');
  return new URL(`${beside.href.slice(0, at)}/dist/${beside.href.slice(at + '/src/'.length)}`);
}

/**
 * Resolves when the thread posts `{ kind: 'ready' }`; rejects with `failure(reason)` if it
 * reports a failure (`failed` or `error` with a message), throws, or exits first.
 */
export function workerReady(worker: Worker, failure: (reason: string) => Error): Promise<void> {
  return new Promise((resolve, reject) => {
    const fail = (reason: string) => {
      cleanup();
      reject(failure(reason));
    };
    const onMessage = (message: { kind: string; message?: string }) => {
      if (message.kind === 'ready') {
        cleanup();
        resolve();
      } else if (message.kind === 'failed' || message.kind === 'error') {
        fail(message.message ?? 'no reason given');
      }
    };
    const onError = (error: Error) => fail(error.message);
    const onExit = (code: number) => fail(`its thread exited (code ${code})`);
    const cleanup = () => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
  });
}
