import { startApiServer, type ApiServer } from '../api/index.js';
import {
  createAuditReader,
  openJournal,
  startRetentionSchedule,
  type Journal,
} from '../audit/index.js';
import { createCollectorAdmin, startCollectors } from '../collectors/index.js';
import type { WardenConfig } from '../config/index.js';
import { createConnectionRegistry } from '../connections/index.js';
import { createSinkAdmin, startExport, type ExportService } from '../export/index.js';
import { createTokenVerifier } from '../identity/index.js';
import type { Logger } from '../log/index.js';
import { createNotifier } from '../notifications/index.js';
import { authorize, loadSqlClassifier, maskerFor } from '../policy/index.js';
import { startPostgresListener, type PostgresListener } from '../protocols/postgres/index.js';
import { createReviewService } from '../reviews/index.js';
import { startAlertRules } from '../rules/index.js';
import { openStore, type Store } from '../store/index.js';
import { maskingJournal, maskingReviews } from './masking.js';
import { reviewAnnouncement } from './review-announcement.js';

/** A running Warden: the journal, the protocol listeners and the API, wired from one config. */
export interface Gateway {
  api: ApiServer;
  postgres: PostgresListener | null;
  store: Store;
  journal: Journal;
  close(): Promise<void>;
}

export async function startGateway(config: WardenConfig, logger: Logger): Promise<Gateway> {
  const store = await openStore(config.store);
  const journal = await openJournal(store, { logger });
  const verifier = createTokenVerifier(config.identity, { logger });
  const verifyToken = (token: string) => verifier.verify(token);
  const connections = createConnectionRegistry(config.connections);
  const startedAt = new Date().toISOString();
  // Guardrails, exclusions and alert rules that name statement kinds or tables parse SQL.
  await loadSqlClassifier();

  const closers: Array<() => Promise<void>> = [];
  const close = async () => {
    // Listeners first (their sessions write session.end), then the journal and the store.
    for (const closeOne of closers.reverse()) await closeOne();
    await journal.close();
    await store.close();
  };

  try {
    // Delivery stops after the listeners (closers run in reverse), so their last events go out.
    const exporter: ExportService = startExport({ sinks: config.sinks, store, logger });
    closers.push(() => exporter.close());

    // Collectors stop before delivery (closers run in reverse): what they committed goes out.
    const collectors = startCollectors({
      collectors: config.collectors,
      journal,
      store,
      logger,
    });
    closers.push(() => collectors.close());

    // Notifications go out after everything that raises them has stopped (closers run in reverse).
    const notifier = createNotifier(config.notifications, logger.child({ task: 'notifications' }));
    closers.push(() => notifier.close());
    const alerts = await startAlertRules({
      rules: config.alerts,
      connections: config.connections,
      store,
      journal,
      notifier,
      logger: logger.child({ task: 'alerts' }),
    });
    closers.push(() => alerts.close());

    // What protocols and reviews record is masked on its way into the journal and the reviews.
    const maskerOf = maskerFor(config.connections);
    const recordingJournal = maskingJournal(journal, maskerOf);
    const reviewService = await createReviewService({
      store,
      journal: recordingJournal,
      logger: logger.child({ task: 'reviews' }),
      announce: (review) =>
        notifier.notify(
          config.reviews.notify,
          reviewAnnouncement(review, config.reviews.approveUrl),
        ),
    });
    closers.push(() => reviewService.close());
    const reviews = maskingReviews(reviewService, maskerOf);

    const postgres = config.listeners.postgres
      ? await startPostgresListener({
          config: config.listeners.postgres,
          connections,
          verifyToken,
          authorize,
          journal: recordingJournal,
          recording: config.recording,
          reviews,
          approveUrl: config.reviews.approveUrl,
          logger: logger.child({ listener: 'postgres' }),
        })
      : null;
    if (postgres) closers.push(() => postgres.close());

    const api = await startApiServer({
      listen: config.api.listen,
      tls: config.api.tls,
      verifyToken,
      adminGroups: config.identity.adminGroups,
      reader: createAuditReader(store, { settle: () => journal.indexed() }),
      sinks: createSinkAdmin(store, config.sinks, () => journal.indexed()),
      collectors: createCollectorAdmin(store, config.collectors),
      reviews: reviewService,
      health: () => {
        const recording = journal.status();
        const sinks = exporter.health();
        const collecting = collectors.health();
        return {
          // Unavailable: statements cannot be recorded, so none is run. Degraded: they are
          // recorded, but readers do not see the latest yet.
          status:
            recording.stopped !== null
              ? 'unavailable'
              : recording.indexError !== null ||
                  sinks.some((sink) => sink.degradedSince !== null) ||
                  collecting.some((collector) => collector.haltedReason !== null)
                ? 'degraded'
                : 'ok',
          startedAt,
          journal: {
            committedSeq: recording.committedSeq,
            indexedSeq: recording.indexedSeq,
          },
          sinks: Object.fromEntries(
            sinks.map((sink) => [
              sink.name,
              sink.degradedSince === null
                ? { state: 'ok' }
                : { state: 'degraded', since: sink.degradedSince, lastError: sink.lastError },
            ]),
          ),
          collectors: Object.fromEntries(
            collecting.map((collector) => [
              collector.name,
              collector.haltedReason === null
                ? { state: 'running' }
                : { state: 'halted', reason: collector.haltedReason },
            ]),
          ),
          listeners: postgres
            ? { postgres: { ...postgres.address, sessions: postgres.activeSessions() } }
            : {},
        };
      },
      logger,
    });
    closers.push(() => api.close());

    // Retention stops first (closers run in reverse), between two of its transactions.
    const retention = startRetentionSchedule({
      store,
      journal,
      config: config.retention,
      logger: logger.child({ task: 'retention' }),
    });
    closers.push(() => retention.close());
    return { api, postgres, store, journal, close };
  } catch (error) {
    await close();
    throw error;
  }
}
