import {
  closeSync,
  copyFileSync,
  fdatasync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import BetterSqlite3 from 'better-sqlite3';
import { EventLogReader } from './event-log-reader.js';
import {
  lastCommittedLink,
  listSegments,
  segmentFileName,
  segmentLimit,
  type ChainHead,
  type Segment,
} from './event-log-segments.js';

// The journal's event log: where an event is committed. Sealed events are appended, one line
// each, to segment files beside the store (event-log-segments.ts), one write per group commit,
// by the main thread itself: a commit costs one write system call, with no thread to wake and
// wait for, and no pages of a database to rewrite. (Sealing and writing on a thread of their own,
// the main thread handing each group commit over, was tried: under pgbench the hand-over and the
// answer cost the main thread as much as the work they moved, and TPS fell by a fifth.) An event
// is committed once its write returned (`synchronous: normal`, which survives a crash of the
// process) or once the file is synced as well (`full`, which survives a power loss). The indexer
// thread (journal-indexer.ts) then copies committed events into the store's events table in large
// transactions, where readers find them, and deletes the segments it has copied.
//
// The log tells its indexer how far it may read through memory both threads share, so that
// neither a commit nor an idle indexer costs a message: the seq of the last committed event, and
// the number of the segment being written (published before any event of it is). The indexer
// says there how far it has got. (The journal also sends it, in batches, the row fields of what
// it sealed, which spare it parsing those lines; without them it parses, as after a restart.)
//
// At open, the log walks its chain on from the last event in the table; the chain ends at the
// last event that continues it. Anything after a break (a segment gone, a line damaged) is not
// part of the journal: the new segment starts right after the end, which supersedes it.

/** Slots of the shared memory (BigInt64Array). */
export const COMMITTED_SEQ = 0;
export const LIVE_SEGMENT = 1;
/** Written by the indexer: the last event in the table (for the journal's status). */
export const INDEXED_SEQ = 2;
const SHARED_SLOTS = 3;

/** The journal's default segment size: a segment is closed once it has grown past this. */
export const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;

export interface EventLogOptions {
  synchronous: 'normal' | 'full';
  segmentBytes: number;
  /** The last event of the store's events table, where the log continues if it holds nothing later. */
  indexedHead: ChainHead;
}

const syncData = promisify(fdatasync);

const NEWLINE = 0x0a;

/** A write buffer larger than this, grown for one large group commit, is not kept. */
const MAX_KEPT_BUFFER_BYTES = 16 * 1024 * 1024;
/** Logs open in this process, by directory: a second one on the same store is refused. */
const openDirectories = new Set<string>();

export class EventLog {
  readonly directory: string;
  /** Shared with the indexer thread: see COMMITTED_SEQ and LIVE_SEGMENT. */
  readonly shared = new BigInt64Array(
    new SharedArrayBuffer(SHARED_SLOTS * BigInt64Array.BYTES_PER_ELEMENT),
  );
  /** The last committed event when the log was opened. */
  readonly head: ChainHead;
  /**
   * Set when the log held events its chain does not reach (a segment missing, a line damaged):
   * why. They are not part of the journal: the chain goes on from `head`.
   */
  readonly broken: string | null;
  readonly #options: EventLogOptions;
  /** Held while the log is open: see takeLock. */
  readonly #lock: BetterSqlite3.Database;
  #lastNumber: number;
  /** The segment being written; null after a failed write until the next append starts one. */
  #fd: number | null = null;
  #bytes = 0;
  /** Where a group commit's lines are encoded for their write; reused. */
  #buffer = Buffer.allocUnsafe(0);
  /** Segments written to since the last sync (full): closed once synced. */
  #unsynced: number[] = [];
  #currentUnsynced = false;

  /**
   * Opens the log in `directory` (creating it), takes its lock, finds the last committed event
   * and starts a new segment after it.
   */
  static open(directory: string, options: EventLogOptions): EventLog {
    mkdirSync(directory, { recursive: true });
    const lock = takeLock(directory);
    try {
      const { head, broken } = findChainEnd(directory, options.indexedHead);
      const segments = listSegments(directory);
      // The segments as found go aside, for whoever looks into the break: the indexer removes
      // them from the log once it is past them.
      if (broken !== null) keepCopies(directory, segments);
      const log = new EventLog(
        directory,
        lock,
        options,
        head,
        broken,
        segments.at(-1)?.number ?? 0,
      );
      log.#startSegment(head.seq + 1);
      return log;
    } catch (error) {
      releaseLock(directory, lock);
      throw error;
    }
  }

  private constructor(
    directory: string,
    lock: BetterSqlite3.Database,
    options: EventLogOptions,
    head: ChainHead,
    broken: string | null,
    lastNumber: number,
  ) {
    this.directory = directory;
    this.#lock = lock;
    this.#options = options;
    this.head = head;
    this.broken = broken;
    this.#lastNumber = lastNumber;
    Atomics.store(this.shared, COMMITTED_SEQ, BigInt(head.seq));
  }

  /**
   * Writes the lines of events `firstSeq` on, the next after the last committed one, each
   * followed by a newline. Throws if they were not all written; then none of them counts as
   * written, and the next append starts a new segment (see event-log-segments.ts for why that
   * makes whatever was written harmless).
   */
  append(lines: string[], firstSeq: number): void {
    if (this.#fd === null || this.#bytes >= this.#options.segmentBytes) {
      this.#startSegment(firstSeq);
    }
    const fd = this.#fd as number;
    const length = this.#encode(lines);
    try {
      let written = 0;
      while (written < length) {
        written += writeSync(fd, this.#buffer, written, length - written);
      }
    } catch (error) {
      this.#abandonSegment(firstSeq);
      throw error;
    } finally {
      this.#shrinkBuffer();
    }
    this.#bytes += length;
    if (this.#options.synchronous === 'full') this.#currentUnsynced = true;
  }

  /**
   * Encodes the lines into the write buffer, grown when they need more; gives their length.
   * Encoding each line where it goes costs a fifth of joining them and encoding the joined text,
   * which flattens it first (a copy of the whole group commit).
   */
  #encode(lines: string[]): number {
    let needed = 0;
    for (const line of lines) needed += line.length * 3 + 1;
    if (needed > this.#buffer.length) this.#buffer = Buffer.allocUnsafe(needed);
    const buffer = this.#buffer;
    let length = 0;
    for (const line of lines) {
      length += buffer.write(line, length, 'utf8');
      buffer[length++] = NEWLINE;
    }
    return length;
  }

  /** Lets a write buffer grown for an unusually large group commit go, once it is written. */
  #shrinkBuffer(): void {
    if (this.#buffer.length > MAX_KEPT_BUFFER_BYTES) this.#buffer = Buffer.allocUnsafe(0);
  }

  /** Syncs everything appended so far to the disk, off the main thread. */
  async sync(): Promise<void> {
    const retired = this.#unsynced;
    this.#unsynced = [];
    const current = this.#currentUnsynced ? this.#fd : null;
    this.#currentUnsynced = false;
    try {
      for (const fd of retired) await syncData(fd);
      if (current !== null) await syncData(current);
    } finally {
      for (const fd of retired) closeQuietly(fd);
    }
  }

  /** Lets the indexer read up to event `seq`: it is committed. */
  publish(seq: number): void {
    Atomics.store(this.shared, COMMITTED_SEQ, BigInt(seq));
  }

  /** The last event published as committed. */
  get committedSeq(): number {
    return Number(Atomics.load(this.shared, COMMITTED_SEQ));
  }

  /** Closes the segment and gives up the lock. Sync first where that matters. */
  close(): void {
    if (this.#fd !== null) closeQuietly(this.#fd);
    for (const fd of this.#unsynced) closeQuietly(fd);
    this.#fd = null;
    this.#unsynced = [];
    releaseLock(this.directory, this.#lock);
  }

  #startSegment(base: number): void {
    this.#retireSegment();
    const number = this.#lastNumber + 1;
    const fd = openSync(join(this.directory, segmentFileName(number, base)), 'a');
    this.#lastNumber = number;
    if (this.#options.synchronous === 'full') {
      // The new file's name must survive a power loss too, not only its content.
      try {
        syncDirectory(this.directory);
      } catch (error) {
        closeQuietly(fd);
        throw error;
      }
    }
    Atomics.store(this.shared, LIVE_SEGMENT, BigInt(number));
    this.#fd = fd;
    this.#bytes = 0;
  }

  /**
   * Stops writing to the segment: closed now, or (full) by the next sync, which makes what was
   * written to it durable (a sync in flight may be using it).
   */
  #retireSegment(): void {
    if (this.#fd === null) return;
    if (this.#options.synchronous === 'full') this.#unsynced.push(this.#fd);
    else closeQuietly(this.#fd);
    this.#fd = null;
    this.#currentUnsynced = false;
  }

  /**
   * After a failed write: cuts off what it wrote if it can, and starts the next segment at once,
   * so that even a crash now leaves its lines where they are ignored. If that fails too, the next
   * append tries again.
   */
  #abandonSegment(firstSeq: number): void {
    try {
      ftruncateSync(this.#fd as number, this.#bytes);
    } catch {
      // The next segment's base makes the lines harmless anyway.
    }
    this.supersede(firstSeq);
  }

  /**
   * What the log holds from event `seq` on was not committed (a sync failed, say): a new segment
   * starts there, which makes those lines ignored, now and at the next start. If it cannot be
   * started, the next append tries again.
   */
  supersede(seq: number): void {
    try {
      this.#startSegment(seq);
    } catch {
      this.#retireSegment();
    }
  }
}

/**
 * Where the chain ends: walked from the table's end, event by event, through the committed lines
 * of the log. Whatever follows a break in it, and any event past a gap, is reported: everything
 * after the head is then superseded by the segment the log starts at open.
 */
function findChainEnd(
  directory: string,
  indexedHead: ChainHead,
): { head: ChainHead; broken: string | null } {
  const reader = new EventLogReader(directory, indexedHead, () => 0);
  let read;
  try {
    do read = reader.next(Number.MAX_SAFE_INTEGER);
    while (read.kind === 'event');
  } finally {
    reader.close();
  }
  const head = reader.head;
  if (read.kind === 'broken') return { head, broken: read.reason };
  const logged = lastLoggedSeq(directory);
  return {
    head,
    broken:
      logged > head.seq
        ? `events up to seq ${logged} are in the log but the chain ends at seq ${head.seq}: ${read.reason}`
        : null,
  };
}

function keepCopies(directory: string, segments: Segment[]): void {
  const copies = join(directory, `damaged-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  mkdirSync(copies);
  for (const segment of segments) copyFileSync(segment.path, join(copies, basename(segment.path)));
}

/** The highest seq the log's committed lines claim (0 when unreadable), whether chained or not. */
function lastLoggedSeq(directory: string): number {
  const segments = listSegments(directory);
  for (let index = segments.length - 1; index >= 0; index--) {
    const segment = segments[index]!;
    try {
      const link = lastCommittedLink(segment, segmentLimit(segments, segment));
      if (link !== null) return link.seq;
    } catch {
      // A damaged last line: the walk said why.
      return 0;
    }
  }
  return 0;
}

const LOCK_FILE = 'writer.lock';

/**
 * Makes this process the log's only writer: two writers would fork the chain. The lock is
 * SQLite's exclusive lock on a file of its own that holds nothing: a POSIX record lock, which the
 * kernel releases when the process ends, however it ends, and which processes in different
 * containers on one host see too (a pid in a file would not do: pid 1 in every container).
 */
function takeLock(directory: string): BetterSqlite3.Database {
  if (openDirectories.has(directory)) {
    throw new Error(`the event log ${directory} is already open in this process`);
  }
  const path = join(directory, LOCK_FILE);
  for (let attempt = 0; ; attempt++) {
    const lock = new BetterSqlite3(path, { timeout: 0 });
    try {
      lock.pragma('locking_mode = EXCLUSIVE');
      lock.exec('BEGIN EXCLUSIVE');
      openDirectories.add(directory);
      return lock;
    } catch (error) {
      lock.close();
      const code = (error as { code?: unknown }).code;
      if (code === 'SQLITE_BUSY') {
        throw new Error(
          `the event log ${directory} is in use by another Warden process: ` +
            'one process at a time writes to a store',
        );
      }
      // Not SQLite's (a lock file of another kind): it holds nothing, so it is replaced.
      if (code !== 'SQLITE_NOTADB' || attempt > 0) throw error;
      unlinkSync(path);
    }
  }
}

function releaseLock(directory: string, lock: BetterSqlite3.Database): void {
  openDirectories.delete(directory);
  lock.close();
}

function syncDirectory(path: string): void {
  const directory = openSync(path, 'r');
  try {
    fsyncSync(directory);
  } finally {
    closeSync(directory);
  }
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // Nothing was written through it since its last sync, or the failure was reported then.
  }
}
