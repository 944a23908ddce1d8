// `warden sinks …`: each sink's state, its dead letters, re-drives and replays, on the configured
// store. A running gateway picks re-drives and replays up within a second.
import { createSinkAdmin, type SinkAdmin } from '../export/index.js';
import { renderDeadLetters, renderSinkStatuses } from './format.js';
import { withConfiguredStore } from './local-store.js';
import { isoTime, positiveInteger, print, type CommonOptions } from './options.js';

function withSinkAdmin<T>(
  configOption: string | undefined,
  work: (admin: SinkAdmin) => Promise<T>,
): Promise<T> {
  return withConfiguredStore(configOption, (store, config) =>
    work(createSinkAdmin(store, config.sinks)),
  );
}

export async function listSinks(options: CommonOptions): Promise<number> {
  const sinks = await withSinkAdmin(options.config, (admin) => admin.list());
  print(options.json, sinks, () => renderSinkStatuses(sinks));
  return 0;
}

export async function listDeadLetters(
  name: string,
  options: CommonOptions & { after?: string; limit?: string },
): Promise<number> {
  const page = {
    afterId: positiveInteger('after', options.after, Number.MAX_SAFE_INTEGER),
    limit: positiveInteger('limit', options.limit, 1000) ?? 100,
  };
  const letters = await withSinkAdmin(options.config, (admin) => admin.deadLetters(name, page));
  const last = letters.at(-1);
  print(options.json, letters, () =>
    last && letters.length === page.limit
      ? `${renderDeadLetters(letters)}\nMore: --after ${last.id}`
      : renderDeadLetters(letters),
  );
  return 0;
}

export async function redrive(
  name: string,
  options: CommonOptions & { id?: string[] },
): Promise<number> {
  const ids = options.id?.map((id) => positiveInteger('id', id, Number.MAX_SAFE_INTEGER) as number);
  const requested = await withSinkAdmin(options.config, (admin) => admin.redrive(name, ids));
  print(
    options.json,
    { requested },
    () => `${requested} dead letters of ${name} will be sent again`,
  );
  return 0;
}

export async function replay(
  name: string,
  options: CommonOptions & { since?: string; fromSeq?: string; until?: string; untilSeq?: string },
): Promise<number> {
  const range = {
    since: isoTime('since', options.since),
    fromSeq: positiveInteger('from-seq', options.fromSeq, Number.MAX_SAFE_INTEGER),
    until: isoTime('until', options.until),
    untilSeq: positiveInteger('until-seq', options.untilSeq, Number.MAX_SAFE_INTEGER),
  };
  const status = await withSinkAdmin(options.config, (admin) => admin.replay(name, range));
  print(options.json, status, () =>
    status.state === 'done'
      ? `nothing to replay to ${name}: no events in that range`
      : `replay ${status.id} of seq ${status.fromSeq}–${status.untilSeq} to ${name} queued; a running gateway sends it, without moving the live cursor`,
  );
  return 0;
}
