import { existsSync } from 'node:fs';
import { createAuditReader, type AuditReader } from '../audit/index.js';
import { loadStoreConfig, type StoreConfig } from '../config/index.js';
import { openStore, type Store } from '../store/index.js';
import { resolveConfigPath } from './config-path.js';

/**
 * The read commands open the journal of the configured store directly: whoever runs them has the
 * gateway's configuration and files, which is the same trust as an admin token for the API.
 */
export async function withLocalStore<T>(
  configOption: string | undefined,
  work: (store: Store, reader: AuditReader) => Promise<T>,
): Promise<T> {
  const configPath = resolveConfigPath(configOption);
  const storeConfig = await loadStoreConfig(configPath);
  journalFile(storeConfig, configPath);
  const store = await openStore(storeConfig);
  try {
    return await work(store, createAuditReader(store));
  } finally {
    await store.close();
  }
}

/**
 * The store's file, which must exist: reading must not create an empty journal where a wrong path
 * was given (an empty journal verifies as intact).
 */
export function journalFile(storeConfig: StoreConfig, configPath: string): string {
  const file = storeConfig.url.slice('sqlite:'.length);
  if (!existsSync(file)) {
    throw new Error(`no journal at ${file} (store.url in ${configPath})`);
  }
  return file;
}
