// `warden collectors …`: each identity-provider log collector's state, and resuming a halted
// one, on the configured store. A running gateway takes a resume up within a second.
import { createCollectorAdmin, type CollectorAdmin } from '../collectors/index.js';
import { renderCollectorStatuses } from './format.js';
import { withConfiguredStore } from './local-store.js';
import { print, type CommonOptions } from './options.js';

function withCollectorAdmin<T>(
  configOption: string | undefined,
  work: (admin: CollectorAdmin) => Promise<T>,
): Promise<T> {
  return withConfiguredStore(configOption, (store, config) =>
    work(createCollectorAdmin(store, config.collectors)),
  );
}

export async function collectorsStatus(options: CommonOptions): Promise<number> {
  const collectors = await withCollectorAdmin(options.config, (admin) => admin.list());
  print(options.json, collectors, () => renderCollectorStatuses(collectors));
  return 0;
}

export async function resumeCollector(name: string, options: CommonOptions): Promise<number> {
  const status = await withCollectorAdmin(options.config, (admin) => admin.resume(name));
  print(options.json, status, () =>
    status.resumeRequested
      ? `${name} will resume: a running gateway takes this up within a second`
      : `${name} is ${status.state}, not halted: nothing to resume`,
  );
  return 0;
}
