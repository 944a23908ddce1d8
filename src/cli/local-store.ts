import { existsSync } from 'node:fs';
import { createAuditReader, type AuditReader } from '../audit/index.js';
import { loadStoreConfig, type StoreConfig, type WardenConfig } from '../config/index.js';
import { openStore, type Store } from '../store/index.js';
import { loadConfigWithoutSecrets, resolveConfigPath } from './config-path.js';

/**
 * The read commands open the journal of the configured store directly: whoever runs them has the
 * gateway's configuration and files, which is the same trust as an admin token for the API.
 */
export async function withLocalStore<T>(
  configOption: string | undefined,
  work: (store: Store, reader: AuditReader) => Promise<T>,
): Promise<T> {
  const configPath = resolveConfigPath(configOption);
  return withJournal(await loadStoreConfig(configPath), configPath, (store) =>
    work(store, createAuditReader(store)),
  );
}

/**
 * The same, for the commands that need the rest of the configuration too (its sinks, its
 * collectors): read without its secrets, which they never need.
 */
export async function withConfiguredStore<T>(
  configOption: string | undefined,
  work: (store: Store, config: WardenConfig) => Promise<T>,
): Promise<T> {
  const configPath = resolveConfigPath(configOption);
  const config = await loadConfigWithoutSecrets(configPath);
  return withJournal(config.store, configPath, (store) => work(store, config));
}

/** Opens the store, which must exist already, for `work`, and closes it after. */
async function withJournal<T>(
  storeConfig: StoreConfig,
  configPath: string,
  work: (store: Store) => Promise<T>,
): Promise<T> {
  journalFile(storeConfig, configPath);
  const store = await openStore(storeConfig);
  try {
    return await work(store);
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
