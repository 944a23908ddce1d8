import { closeSync, openSync, readSync } from 'node:fs';
import { SEALED_LINE_PREFIX } from './chain.js';
import {
  chainLinkOf,
  listSegments,
  parseLine,
  segmentHolding,
  segmentLimit,
  type ChainHead,
  type ChainLink,
  type Segment,
} from './event-log-segments.js';

// Reading the event log's committed events in seq order, as the indexer copies them and as the
// log finds where its chain ends when it opens: from a given event on, across segments by the
// rules of event-log-segments.ts, checking that each event continues the chain of the one
// before. No import here may load Kysely: the indexer thread loads this file.

export type LogRead =
  /**
   * The next event: its parsed body (or what the writer announced of it), its line (the body as
   * stored) and its place in the chain.
   */
  | { kind: 'event'; event: unknown; text: string; link: ChainLink }
  /** Nothing after the last event read is in the log (yet). */
  | { kind: 'end'; reason: string }
  /** The next line is not the next event of the chain: unreadable, or out of place. */
  | { kind: 'broken'; reason: string };

const READ_CHUNK_BYTES = 1024 * 1024;

/** What a writer may say of an event it sealed: at least its place in the chain. */
export type AnnouncedEvent = ChainLink;

const QUOTE = 0x22;

/** Whether a line is the event: it starts with its hash, as the journal writes lines (chain.ts). */
function isLineOf(text: string, event: AnnouncedEvent): boolean {
  return (
    text.startsWith(SEALED_LINE_PREFIX) &&
    text.startsWith(event.hash, SEALED_LINE_PREFIX.length) &&
    text.charCodeAt(SEALED_LINE_PREFIX.length + event.hash.length) === QUOTE &&
    text.endsWith('}')
  );
}

export class EventLogReader {
  readonly #directory: string;
  readonly #liveSegment: () => number;
  #head: ChainHead;
  #segment: SegmentReader | null = null;

  /**
   * @param after the event to read on from
   * @param liveSegment the number of the segment being written, where the log is being written
   *   to while it is read (the indexer); a reader of a log at rest passes `() => 0`
   */
  constructor(directory: string, after: ChainHead, liveSegment: () => number) {
    this.#directory = directory;
    this.#head = after;
    this.#liveSegment = liveSegment;
  }

  /** The last event read. */
  get head(): ChainHead {
    return this.#head;
  }

  /** The number of the segment being read; null before the first read. */
  get segmentNumber(): number | null {
    return this.#segment?.segment.number ?? null;
  }

  /**
   * The event after the head if it is at most `upTo`, or why there is none. `announced` gives what
   * the writer said of an event it sealed, if it did: a line that starts with that event's hash is
   * that event (the hash covers its seq and prevHash), and is not parsed again.
   */
  next(upTo: number, announced?: (seq: number) => AnnouncedEvent | undefined): LogRead {
    const seq = this.#head.seq + 1;
    if (seq > upTo) return { kind: 'end', reason: `event ${seq} is not committed yet` };
    for (;;) {
      const reader = this.#readerFor(seq);
      if (reader === null) return { kind: 'end', reason: `no segment holds event ${seq}` };
      const line = reader.peek();
      const where = `${reader.segment.path} at byte ${reader.position}`;
      if (line === null) {
        // The end of what is in this segment: the event may be in a later one.
        if (!this.#moveOn(seq))
          return { kind: 'end', reason: `event ${seq} is not after ${where}` };
        continue;
      }
      let event: unknown = announced?.(seq);
      let link: ChainLink;
      if (event !== undefined && isLineOf(line.text, event as AnnouncedEvent)) {
        link = event as AnnouncedEvent;
      } else {
        try {
          event = parseLine(line.text, where);
          link = chainLinkOf(event, where);
        } catch (error) {
          return { kind: 'broken', reason: (error as Error).message };
        }
      }
      if (link.seq < seq) {
        // Before the event read on from: passed over.
        reader.consume(line);
        continue;
      }
      if (reader.limit !== null && link.seq >= reader.limit) {
        // Written by a write that failed: the next segment has the committed events.
        if (!this.#moveOn(seq))
          return { kind: 'end', reason: `event ${seq} is not after ${where}` };
        continue;
      }
      if (link.seq !== seq || link.prevHash !== this.#head.hash) {
        return {
          kind: 'broken',
          reason:
            `event log: ${where} holds seq ${link.seq} (prevHash ${link.prevHash.slice(0, 12)}…) ` +
            `where seq ${seq} following ${this.#head.hash.slice(0, 12)}… was expected`,
        };
      }
      reader.consume(line);
      this.#head = { seq: link.seq, hash: link.hash };
      return { kind: 'event', event, text: line.text, link };
    }
  }

  close(): void {
    this.#segment?.close();
    this.#segment = null;
  }

  /** The reader of the segment to read `seq` from, opened if needed; null if none holds it. */
  #readerFor(seq: number): SegmentReader | null {
    const reader = this.#segment;
    if (reader !== null) {
      // A segment started since the limit was found may lower it: see event-log-segments.ts.
      const live = this.#liveSegment();
      if (live > reader.limitAsOf) {
        reader.limit = segmentLimit(listSegments(this.#directory), reader.segment);
        reader.limitAsOf = live;
      }
      return reader;
    }
    return this.#open(seq, null);
  }

  /** Leaves the current segment for a later one holding `seq`; false if there is none. */
  #moveOn(seq: number): boolean {
    const current = this.#segment as SegmentReader;
    if (this.#open(seq, current.segment.number) === null) return false;
    current.close();
    return true;
  }

  /** Opens the segment holding `seq`, if there is one after segment number `after`. */
  #open(seq: number, after: number | null): SegmentReader | null {
    // Read before listing: a segment started after the listing is then noticed.
    const live = this.#liveSegment();
    const segments = listSegments(this.#directory);
    const segment = segmentHolding(segments, seq);
    if (segment === null || (after !== null && segment.number <= after)) return null;
    this.#segment = new SegmentReader(segment, segmentLimit(segments, segment), live);
    return this.#segment;
  }
}

interface Line {
  text: string;
  /** Just after its newline, in the reader's buffer. */
  next: number;
}

/** Reads a segment's complete lines in order; a line is only passed once it is consumed. */
class SegmentReader {
  readonly segment: Segment;
  /** Lines from this seq on were never committed (see segmentLimit); null: none known. */
  limit: number | null;
  /** The live segment's number when the limit was found. */
  limitAsOf: number;
  readonly #fd: number;
  #buffer = Buffer.alloc(0);
  /** Where the unconsumed bytes start in the buffer. */
  #offset = 0;
  /** The segment offset of the buffer's first byte. */
  #bufferStart = 0;

  constructor(segment: Segment, limit: number | null, limitAsOf: number) {
    this.segment = segment;
    this.limit = limit;
    this.limitAsOf = limitAsOf;
    this.#fd = openSync(segment.path, 'r');
  }

  /** The segment offset of the next unconsumed byte. */
  get position(): number {
    return this.#bufferStart + this.#offset;
  }

  /** The next complete line, or null when none has been written yet. */
  peek(): Line | null {
    let end = this.#buffer.indexOf(0x0a, this.#offset);
    while (end === -1) {
      if (!this.#readMore()) return null;
      end = this.#buffer.indexOf(0x0a, this.#offset);
    }
    return { text: this.#buffer.toString('utf8', this.#offset, end), next: end + 1 };
  }

  consume(line: Line): void {
    this.#offset = line.next;
  }

  close(): void {
    closeSync(this.#fd);
  }

  /**
   * Appends the next bytes of the file to what is unconsumed; false at the end of the file.
   * What is kept is one unfinished line: the buffer grows with the longest line, no further.
   */
  #readMore(): boolean {
    const kept = this.#buffer.length - this.#offset;
    const buffer = Buffer.allocUnsafe(kept + READ_CHUNK_BYTES);
    this.#buffer.copy(buffer, 0, this.#offset);
    const read = readSync(
      this.#fd,
      buffer,
      kept,
      READ_CHUNK_BYTES,
      this.#bufferStart + this.#buffer.length,
    );
    this.#bufferStart += this.#offset;
    this.#buffer = buffer.subarray(0, kept + read);
    this.#offset = 0;
    return read > 0;
  }
}
