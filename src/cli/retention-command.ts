// `warden retention run [--dry-run]`: a retention pass by hand, on the configured store. A running
// gateway holds the journal (and runs passes itself); --dry-run only reads, so it works beside it.
import {
  openJournal,
  planRetentionPass,
  runRetentionPass,
  type Journal,
  type RetentionReport,
} from '../audit/index.js';
import type { Store } from '../store/index.js';
import { loadConfigWithoutSecrets, resolveConfigPath } from './config-path.js';
import { withLocalStore } from './local-store.js';
import { print, type CommonOptions } from './options.js';

export async function runRetention(options: CommonOptions & { dryRun?: boolean }): Promise<number> {
  const configPath = resolveConfigPath(options.config);
  const { retention } = await loadConfigWithoutSecrets(configPath);
  if (retention.events === null && Object.keys(retention.types).length === 0) {
    process.stderr.write(
      `warden: no retention in ${configPath} (retention.events, retention.types): events are kept forever\n`,
    );
    return 1;
  }
  const report = await withLocalStore(configPath, (store) =>
    options.dryRun
      ? planRetentionPass(store, retention)
      : withJournal(store, (journal) => runRetentionPass(store, journal, retention)),
  );
  print(options.json, report, () => renderRetentionReport(report));
  return 0;
}

/** The store's journal, which only one process may write: a running gateway holds it. */
async function withJournal<T>(store: Store, work: (journal: Journal) => Promise<T>): Promise<T> {
  let journal: Journal;
  try {
    journal = await openJournal(store);
  } catch (error) {
    throw new Error(
      `${(error as Error).message}. A running gateway removes aged events itself, every ` +
        'retention.interval; --dry-run shows what a pass would remove',
      { cause: error },
    );
  }
  try {
    return await work(journal);
  } finally {
    await journal.close();
  }
}

function renderRetentionReport(report: RetentionReport): string {
  if (report.removed === 0) return 'Nothing to remove: no event is older than its age.';
  const count = (n: number) => n.toLocaleString('en-US');
  const byType = Object.entries(report.byType)
    .map(([type, n]) => `${type} ${count(n)}`)
    .join(', ');
  const lines = [
    `${report.dryRun ? 'Would remove' : 'Removed'} ${count(report.removed)} events (${byType}):`,
    ...report.rules.map(
      (rule) =>
        `  ${rule.rule} ${rule.age} (dated before ${rule.olderThan}): ${count(rule.removed)}, ` +
        `seq ${count(rule.firstSeq)}–${count(rule.lastSeq)}`,
    ),
  ];
  if (report.dryRun) {
    lines.push(
      'Retention records (journal.retention) go once every event before them is gone: a run may remove more of them.',
    );
  } else {
    lines.push(
      `${count(report.records)} journal.retention events record the removal.` +
        (report.anchor
          ? ` Every event up to seq ${count(report.anchor.seq)} is gone; warden verify starts from there.`
          : ''),
    );
  }
  return lines.join('\n');
}
