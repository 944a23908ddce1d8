import { closeSync, fstatSync, openSync, readdirSync, readSync } from 'node:fs';
import { join } from 'node:path';

// The segment files of the journal's event log (see event-log.ts), as both the journal (main
// thread) and its indexer thread read them. No import here may load Kysely: the indexer thread
// loads this file.
//
// A segment is named `<number>-<base>.jsonl`: `number` counts segments up from 1, so names sort
// in writing order; `base` is the seq of the first event written to it. Each line is one sealed
// event, exactly the body the events table stores. A new segment is started when the log opens,
// when the current one is full, and after a failed write. That last case is what the base is for:
// a failed write can leave lines that were never committed at the end of a segment, and the events
// committed after it reuse their seqs in the next segment. So a segment ends where a later one
// begins: its lines from the lowest base of the segments after it on were never committed, and
// are ignored; and an event is read from the newest segment whose base is at or below its seq.

export interface Segment {
  number: number;
  base: number;
  path: string;
}

/** Where a SQLite store's event log lives: beside the database file. */
export function eventLogDirectory(storePath: string): string {
  return `${storePath}.events`;
}

export function segmentFileName(number: number, base: number): string {
  return `${String(number).padStart(10, '0')}-${String(base).padStart(20, '0')}.jsonl`;
}

const segmentPattern = /^(\d{10})-(\d{20})\.jsonl$/;

/** The log's segments, oldest first. Other files in the directory are not the log's. */
export function listSegments(directory: string): Segment[] {
  const segments: Segment[] = [];
  for (const name of readdirSync(directory)) {
    const match = segmentPattern.exec(name);
    if (match) {
      segments.push({
        number: Number(match[1]),
        base: Number(match[2]),
        path: join(directory, name),
      });
    }
  }
  return segments.sort((a, b) => a.number - b.number);
}

/**
 * The segment that holds the event `seq`, if it was committed: the newest one whose base is at
 * or below it (a later one with the same base superseded the earlier after a failed write).
 */
export function segmentHolding(segments: Segment[], seq: number): Segment | null {
  for (let index = segments.length - 1; index >= 0; index--) {
    const segment = segments[index] as Segment;
    if (segment.base <= seq) return segment;
  }
  return null;
}

/**
 * Where a segment's committed lines end: the lowest base of the segments after it (after a failed
 * write, a later segment can start below the one before it), or null for the newest.
 */
export function segmentLimit(segments: Segment[], segment: Segment): number | null {
  let limit: number | null = null;
  for (const later of segments) {
    if (later.number > segment.number && (limit === null || later.base < limit)) limit = later.base;
  }
  return limit;
}

/** Where a chain ends: its last event. */
export interface ChainHead {
  seq: number;
  hash: string;
}

/** The fields of a logged event that place it in the chain. */
export interface ChainLink {
  seq: number;
  hash: string;
  prevHash: string;
}

/** Reads a line of the log: the event's place in the chain, checked to be there. */
export function chainLinkOf(event: unknown, where: string): ChainLink {
  const { seq, hash, prevHash } = (event ?? {}) as Partial<ChainLink>;
  if (!Number.isSafeInteger(seq) || typeof hash !== 'string' || typeof prevHash !== 'string') {
    throw new Error(`event log: ${where} is not a sealed event`);
  }
  return { seq: seq as number, hash, prevHash };
}

export function parseLine(line: string, where: string): unknown {
  try {
    return JSON.parse(line) as unknown;
  } catch (error) {
    throw new Error(`event log: ${where} is not JSON: ${(error as Error).message}`);
  }
}

const CHUNK_BYTES = 64 * 1024;

/**
 * The last committed event of a segment: its last complete line whose seq is below `limit`
 * (bytes after the last newline are a write that never completed). Reads backwards from the end,
 * so a full segment costs no more than its last lines. Null when it has none.
 */
export function lastCommittedLink(segment: Segment, limit: number | null): ChainLink | null {
  const fd = openSync(segment.path, 'r');
  try {
    let end = lastNewline(fd, fstatSync(fd).size);
    while (end > 0) {
      const start = lastNewline(fd, end - 1);
      const where = `${segment.path} at byte ${start}`;
      const text = readText(fd, start, end - 1 - start);
      const link = chainLinkOf(parseLine(text, where), where);
      if (limit === null || link.seq < limit) return link;
      end = start;
    }
    return null;
  } finally {
    closeSync(fd);
  }
}

/** Just after the last newline among the first `before` bytes, or 0 when there is none. */
function lastNewline(fd: number, before: number): number {
  let end = before;
  const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  while (end > 0) {
    const start = Math.max(0, end - chunk.length);
    const read = readSync(fd, chunk, 0, end - start, start);
    const at = chunk.subarray(0, read).lastIndexOf(0x0a);
    if (at !== -1) return start + at + 1;
    end = start;
  }
  return 0;
}

function readText(fd: number, start: number, length: number): string {
  const buffer = Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const read = readSync(fd, buffer, done, length - done, start + done);
    if (read === 0) break;
    done += read;
  }
  return buffer.toString('utf8', 0, done);
}
