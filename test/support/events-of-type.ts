import { eventsOfTypeFrom, type AuditEvent, type Journal } from '../../src/audit/index.js';
import type { Store } from '../../src/store/index.js';

/** The events of `type` the journal committed, in journal order, once its indexer has them. */
export async function eventsOfType(
  journal: Journal,
  store: Store,
  type: string,
): Promise<AuditEvent[]> {
  await journal.indexed();
  const events: AuditEvent[] = [];
  for await (const event of eventsOfTypeFrom(store.db, type, 1)) events.push(event);
  return events;
}
