import type { StoreDialect } from './dialect.js';

export interface StoreLocation {
  dialect: StoreDialect;
  /** For SQLite: the database file, as written (relative paths resolve against the cwd). */
  path: string;
}

/** Parses `store.url`. Only `sqlite:PATH` for now. */
export function parseStoreUrl(url: string): StoreLocation {
  const prefix = 'sqlite:';
  const path = url.startsWith(prefix) ? url.slice(prefix.length) : '';
  // `sqlite://…` is a URL-style spelling whose meaning (host? absolute path?) differs between
  // tools; refusing it is clearer than guessing.
  if (path === '' || path.startsWith('//')) {
    throw new Error(`store.url: expected sqlite:PATH, got "${withoutPassword(url)}"`);
  }
  return { dialect: 'sqlite', path };
}

/** A database URL may carry a password (`postgres://user:secret@host`); errors must not echo it. */
function withoutPassword(url: string): string {
  return url.replace(/\/\/([^/:@]*):[^/@]*@/, '//$1:[redacted]@');
}
