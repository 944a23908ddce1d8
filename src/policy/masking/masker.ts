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
import { KeywordScan } from './keyword-scan.js';
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
  private readonly marker: string;
  private hits = 0;

  constructor(
    private readonly detector: string,
    private readonly pattern: MaskPattern,
  ) {
    this.marker = `[masked:${detector}]`;
  }

  /** `text` itself when nothing was replaced. */
  apply(text: string, counts: Record<string, number>): string {
    const regex = this.pattern.regex;
    // A failing test costs less than a replace that finds nothing, the usual outcome.
    regex.lastIndex = 0;
    if (!regex.test(text)) return text;
    this.hits = 0;
    const masked = text.replace(regex, this.replace);
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

function addCounts(into: Record<string, number>, counts: Record<string, number>): void {
  for (const detector in counts) into[detector] = (into[detector] ?? 0) + counts[detector]!;
}

export class Masker {
  private readonly patterns: CompiledPattern[];
  /** Per pattern: whether it has keywords, so runs only where the scan found one. */
  private readonly keyworded: boolean[];
  private readonly keywords: KeywordScan | null;
  /** Per pattern: whether the current run's text holds one of its keywords. */
  private readonly found: Uint8Array;
  // A statement's two drafts (db.query.start, then db.query) carry the same command: the second
  // takes the first's result rather than scanning it again. A string cannot change, so a hit is
  // always right; a miss (another statement in between) costs only the scan.
  private lastCommand: string | null = null;
  private lastMasked = '';
  /** What the last command's masking counted; null when it found nothing. */
  private lastFound: Record<string, number> | null = null;

  constructor(config: MaskingConfig) {
    const detectors = [
      ...builtinDetectors
        .filter(([name]) => config.detectors.includes(name))
        .map(([, detector]) => detector),
      ...config.custom.map(customDetector),
    ];
    const patterns = detectors.flatMap((detector) =>
      detector.patterns.map((pattern) => ({ detector: detector.name, pattern })),
    );
    this.patterns = patterns.map(({ detector, pattern }) => new CompiledPattern(detector, pattern));
    this.keyworded = patterns.map(({ pattern }) => pattern.keywords !== null);
    this.keywords = this.keyworded.includes(true)
      ? new KeywordScan(patterns.map(({ pattern }) => pattern.keywords))
      : null;
    this.found = new Uint8Array(patterns.length);
  }

  /**
   * `text` with every finding replaced by `[masked:<detector>]`, adding to `counts` how many
   * each detector replaced. The same string instance when nothing was found.
   */
  mask(text: string, counts: Record<string, number>): string {
    const found = this.found;
    // Keywords are looked for in the text as given: a replacement only puts markers in, which
    // bring no value a later pattern is after.
    if (this.keywords) {
      found.fill(0);
      this.keywords.scan(text.toLowerCase(), found);
    }
    let result = text;
    for (let index = 0; index < this.patterns.length; index++) {
      if (this.keyworded[index] && found[index] === 0) continue;
      result = this.patterns[index]!.apply(result, counts);
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
    const masked: Record<string, number> = Object.assign({}, draft.masked);
    addCounts(masked, counts);
    // Copies made with Object.assign and then changed: measured several times cheaper than a
    // spread (which V8 turns into a slow dictionary once a field is overwritten).
    const copy: EventDraft = Object.assign({}, draft);
    copy.masked = masked;
    if (request !== draft.request) copy.request = request;
    if (response !== draft.response) copy.response = response;
    if (outcome !== draft.outcome) copy.outcome = outcome;
    return copy;
  }

  private maskRequest(request: EventRequest, counts: Record<string, number>): EventRequest {
    const command = this.maskCommand(request.command, counts);
    const params = request.params && this.maskParams(request.params, counts);
    if (command === request.command && params === request.params) return request;
    // The copy keeps the keys in their order (the journal's canonical JSON likes sorted ones).
    const copy: EventRequest = Object.assign({}, request);
    copy.command = command;
    if (params !== request.params) copy.params = params;
    return copy;
  }

  private maskCommand(command: string, counts: Record<string, number>): string {
    if (command !== this.lastCommand) {
      const found: Record<string, number> = {};
      this.lastMasked = this.mask(command, found);
      this.lastFound = this.lastMasked === command ? null : found;
      this.lastCommand = command;
    }
    if (this.lastFound) addCounts(counts, this.lastFound);
    return this.lastMasked;
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
    if (sample === response.sample) return response;
    const copy: EventResponse = Object.assign({}, response);
    copy.sample = sample;
    return copy;
  }

  private maskOutcome(outcome: EventOutcome, counts: Record<string, number>): EventOutcome {
    if (!outcome.error) return outcome;
    const message = this.mask(outcome.error.message, counts);
    if (message === outcome.error.message) return outcome;
    const copy: EventOutcome = Object.assign({}, outcome);
    copy.error = Object.assign({}, outcome.error);
    copy.error.message = message;
    return copy;
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
