// A journal for tests: wraps a real journal's append, keeps every committed event for
// assertions, and can be made to fail or to hold commits back.
import type { AppendOptions, AuditEvent, EventDraft } from '../../src/audit/index.js';

type Append = (draft: EventDraft, options?: AppendOptions) => Promise<AuditEvent>;

export interface TestJournal {
  append: Append;
  /** Committed events, in journal order. */
  readonly events: AuditEvent[];
  ofType(type: string): AuditEvent[];
  /** While set, appends (those matching `which`, if given) reject with this error and commit nothing. */
  failWith(error: Error | null, which?: (draft: EventDraft) => boolean): void;
  /** Appends wait (uncommitted) until the returned function is called. */
  hold(): () => void;
  /** Resolves with the first committed event matching `predicate`, waiting for it if needed. */
  waitFor(predicate: (event: AuditEvent) => boolean, timeoutMs?: number): Promise<AuditEvent>;
}

export function testJournal(inner: Append): TestJournal {
  const events: AuditEvent[] = [];
  let failure: { error: Error; which: (draft: EventDraft) => boolean } | null = null;
  let held: Promise<void> | null = null;
  const waiters = new Set<() => void>();

  return {
    events,
    async append(draft, options) {
      if (held) await held;
      if (failure?.which(draft)) throw failure.error;
      const event = await inner(draft, options);
      // Commits resolve in journal order almost always; keep the list sorted without re-sorting it.
      let at = events.length;
      while (at > 0 && events[at - 1]!.seq > event.seq) at--;
      events.splice(at, 0, event);
      for (const wake of waiters) wake();
      return event;
    },
    ofType: (type) => events.filter((event) => event.type === type),
    failWith(error, which = () => true) {
      failure = error ? { error, which } : null;
    },
    hold() {
      let release!: () => void;
      held = new Promise((resolve) => (release = resolve));
      return () => {
        held = null;
        release();
      };
    },
    waitFor(predicate, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = events.find(predicate);
          if (!found) return;
          cleanup();
          resolve(found);
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error('the expected event was not recorded in time'));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
  };
}
