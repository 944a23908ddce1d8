// Masking of what goes into the record: the detectors a connection's `masking` config names,
// applied to a statement's command, its parameters, its result sample and its error message
// before the event is stored.
import type { EventDraft, EventOutcome, EventRequest, EventResponse } from '../../audit/event.js';
import type { ConnectionConfig } from '../../config/types.js';
import type { BuiltinDetector, MaskingConfig } from '../../config/policy-types.js';
import { cardDetector } from './card.js';
import { customDetector } from './custom.js';
import type { Detector, MaskPattern } from './detector.js';
import { emailDetector } from './email.js';
import { passwordsDetector } from './passwords.js';
import { secretsDetector } from './secrets.js';

// Built-ins run in this order whatever order the config lists them in: a password literal or a
// secret may look like an email (`postgres://app:PASS@db.example.com`), and is masked as what it
// is before the email detector sees it. Custom detectors run last, on what is left.
const builtinDetectors: ReadonlyArray<readonly [BuiltinDetector, Detector]> = [
  ['passwords', passwordsDetector],
  ['secrets', secretsDetector],
  ['card', cardDetector],
  ['email', emailDetector],
];

/** One pattern ready to run: its detector's marker, and the match count of the current run. */
class CompiledPattern {
  readonly keywords: readonly string[] | null;
  private readonly marker: string;
  private hits = 0;

  constructor(
    private readonly detector: string,
    private readonly pattern: MaskPattern,
  ) {
    this.keywords = pattern.keywords;
    this.marker = `[masked:${detector}]`;
  }

  /** `text` itself when nothing was replaced. */
  apply(text: string, counts: Record<string, number>): string {
    this.hits = 0;
    const masked = text.replace(this.pattern.regex, this.replace);
    if (this.hits === 0) return text;
    counts[this.detector] = (counts[this.detector] ?? 0) + this.hits;
    return masked;
  }

  // An arrow function made once, so a run allocates no callback. Group 1 (or, in a pattern
  // without groups, the match offset) arrives as the second argument.
  private readonly replace = (match: string, prefix: unknown): string => {
    const kept = this.pattern.keepsPrefix ? (prefix as string) : '';
    // An empty value (a custom pattern that can match nothing, `password=''`) is no finding.
    if (match.length === kept.length) return match;
    if (this.pattern.accept && !this.pattern.accept(match.slice(kept.length))) return match;
    this.hits++;
    return kept + this.marker;
  };
}

function containsAny(text: string, keywords: readonly string[]): boolean {
  for (const keyword of keywords) if (text.includes(keyword)) return true;
  return false;
}

export class Masker {
  private readonly patterns: CompiledPattern[];

  constructor(config: MaskingConfig) {
    const detectors = [
      ...builtinDetectors
        .filter(([name]) => config.detectors.includes(name))
        .map(([, detector]) => detector),
      ...config.custom.map(customDetector),
    ];
    this.patterns = detectors.flatMap((detector) =>
      detector.patterns.map((pattern) => new CompiledPattern(detector.name, pattern)),
    );
  }

  /**
   * `text` with every finding replaced by `[masked:<detector>]`, adding to `counts` how many
   * each detector replaced. The same string instance when nothing was found.
   */
  mask(text: string, counts: Record<string, number>): string {
    let result = text;
    // Lowercased once for every keyword test, again only after a replacement changed the text.
    let lower: string | null = null;
    for (const pattern of this.patterns) {
      if (pattern.keywords !== null) {
        lower ??= result.toLowerCase();
        if (!containsAny(lower, pattern.keywords)) continue;
      }
      const masked = pattern.apply(result, counts);
      if (masked !== result) {
        result = masked;
        lower = null;
      }
    }
    return result;
  }

  /**
   * The draft with its command, parameters, result sample and error message masked, and
   * `masked` counting what was replaced (added to counts the draft already had). The draft
   * itself when nothing was found. The caller's objects are never changed: what changed is
   * copied (two drafts of one statement share its request).
   */
  maskDraft(draft: EventDraft): EventDraft {
    const counts: Record<string, number> = {};
    const request = draft.request && this.maskRequest(draft.request, counts);
    const response = draft.response && this.maskResponse(draft.response, counts);
    const outcome = draft.outcome && this.maskOutcome(draft.outcome, counts);
    if (request === draft.request && response === draft.response && outcome === draft.outcome) {
      return draft;
    }
    const masked: Record<string, number> = { ...draft.masked };
    for (const [detector, count] of Object.entries(counts)) {
      masked[detector] = (masked[detector] ?? 0) + count;
    }
    const copy: EventDraft = { ...draft, masked };
    if (request !== draft.request) copy.request = request;
    if (response !== draft.response) copy.response = response;
    if (outcome !== draft.outcome) copy.outcome = outcome;
    return copy;
  }

  private maskRequest(request: EventRequest, counts: Record<string, number>): EventRequest {
    const command = this.mask(request.command, counts);
    const params = request.params && this.maskParams(request.params, counts);
    if (command === request.command && params === request.params) return request;
    // Spread keeps the keys in their order (the journal's canonical JSON likes sorted ones).
    const copy: EventRequest = { ...request, command };
    if (params !== request.params) copy.params = params;
    return copy;
  }

  private maskParams(params: (string | null)[], counts: Record<string, number>): (string | null)[] {
    let copy: (string | null)[] | null = null;
    for (let index = 0; index < params.length; index++) {
      const value = params[index];
      if (value === null || value === undefined) continue;
      const masked = this.mask(value, counts);
      if (masked === value) continue;
      copy ??= params.slice();
      copy[index] = masked;
    }
    return copy ?? params;
  }

  private maskResponse(response: EventResponse, counts: Record<string, number>): EventResponse {
    const sample = this.mask(response.sample, counts);
    return sample === response.sample ? response : { ...response, sample };
  }

  private maskOutcome(outcome: EventOutcome, counts: Record<string, number>): EventOutcome {
    if (!outcome.error) return outcome;
    const message = this.mask(outcome.error.message, counts);
    return message === outcome.error.message
      ? outcome
      : { ...outcome, error: { ...outcome.error, message } };
  }
}

/**
 * The masker of each configured connection, by name: null for a connection whose masking has
 * no detectors (and for a name that is not configured), so callers skip the work.
 */
export function maskerFor(
  connections: readonly ConnectionConfig[],
): (connectionName: string | null | undefined) => Masker | null {
  const maskers = new Map<string, Masker>();
  for (const connection of connections) {
    const { masking } = connection;
    if (masking.detectors.length > 0 || masking.custom.length > 0) {
      maskers.set(connection.name, new Masker(masking));
    }
  }
  return (connectionName) => (connectionName ? (maskers.get(connectionName) ?? null) : null);
}
