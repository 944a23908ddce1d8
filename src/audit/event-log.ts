import {
  closeSync,
  fdatasync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  lastCommittedLink,
  listSegments,
  segmentFileName,
  segmentLimit,
  type ChainLink,
} from './event-log-segments.js';

// The journal's event log: where an event is committed. Sealed events are appended, one line
// each, to segment files beside the store (event-log-segments.ts), one write per group commit,
// by the main thread itself: a commit costs one write system call, with no thread to wake and
// wait for, and no pages of a database to rewrite. An event is committed once its write returned
// (`synchronous: normal`, which survives a crash of the process) or once the file is synced as
// well (`full`, which survives a power loss). The indexer thread (journal-indexer.ts) then copies
// committed events into the store's events table in large transactions, where readers find them,
// and deletes the segments it has copied.
//
// The log tells its indexer how far it may read through memory both threads share, so that
// neither a commit nor an idle indexer costs a message: the seq of the last committed event, and
// the number of the segment being written (published before any event of it is). The indexer
// says there how far it has got.

/** Slots of the shared memory (BigInt64Array). */
export const COMMITTED_SEQ = 0;
export const LIVE_SEGMENT = 1;
/** Written by the indexer: the last event in the table (for the journal's status). */
export const INDEXED_SEQ = 2;
const SHARED_SLOTS = 3;

/** The journal's default segment size: a segment is closed once it has grown past this. */
export const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;

export interface ChainHead {
  seq: number;
  hash: string;
}

export interface EventLogOptions {
  synchronous: 'normal' | 'full';
  segmentBytes: number;
  /** The last event of the store's events table, where the log continues if it holds nothing later. */
  indexedHead: ChainHead;
}

const syncData = promisify(fdatasync);
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
  readonly #options: EventLogOptions;
  #lastNumber: number;
  /** The segment being written; null after a failed write until the next append starts one. */
  #fd: number | null = null;
  #bytes = 0;
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
      const segments = listSegments(directory);
      let logged: ChainLink | null = null;
      for (let index = segments.length - 1; index >= 0 && logged === null; index--) {
        const segment = segments[index]!;
        logged = lastCommittedLink(segment, segmentLimit(segments, segment));
      }
      const head =
        logged !== null && logged.seq > options.indexedHead.seq
          ? { seq: logged.seq, hash: logged.hash }
          : options.indexedHead;
      const log = new EventLog(directory, options, head, segments.at(-1)?.number ?? 0);
      log.#startSegment(head.seq + 1);
      return log;
    } catch (error) {
      releaseLock(directory, lock);
      throw error;
    }
  }

  private constructor(
    directory: string,
    options: EventLogOptions,
    head: ChainHead,
    lastNumber: number,
  ) {
    this.directory = directory;
    this.#options = options;
    this.head = head;
    this.#lastNumber = lastNumber;
    Atomics.store(this.shared, COMMITTED_SEQ, BigInt(head.seq));
  }

  /**
   * Writes the lines of events `firstSeq` on, the next after the last committed one. Throws if
   * they were not all written; then none of them counts as written, and the next append starts a
   * new segment (see event-log-segments.ts for why that makes whatever was written harmless).
   */
  append(text: string, firstSeq: number): void {
    if (this.#fd === null || this.#bytes >= this.#options.segmentBytes) {
      this.#startSegment(firstSeq);
    }
    const fd = this.#fd as number;
    const data = Buffer.from(text, 'utf8');
    try {
      let written = 0;
      while (written < data.length) {
        written += writeSync(fd, data, written, data.length - written);
      }
    } catch (error) {
      this.#abandonSegment(firstSeq);
      throw error;
    }
    this.#bytes += data.length;
    if (this.#options.synchronous === 'full') this.#currentUnsynced = true;
  }

  /** Whether anything appended is not yet synced (full only). */
  get unsynced(): boolean {
    return this.#currentUnsynced || this.#unsynced.length > 0;
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

  /** Closes the segment and gives up the lock. Sync first where that matters. */
  close(): void {
    if (this.#fd !== null) closeQuietly(this.#fd);
    for (const fd of this.#unsynced) closeQuietly(fd);
    this.#fd = null;
    this.#unsynced = [];
    releaseLock(this.directory, join(this.directory, LOCK_FILE));
  }

  #startSegment(base: number): void {
    this.#retireSegment();
    const number = this.#lastNumber + 1;
    const fd = openSync(join(this.directory, segmentFileName(number, base)), 'a');
    this.#lastNumber = number;
    if (this.#options.synchronous === 'full') {
      // The new file's name must survive a power loss too, not only its content.
      const directory = openSync(this.directory, 'r');
      try {
        fsyncSync(directory);
      } finally {
        closeSync(directory);
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
    try {
      this.#startSegment(firstSeq);
    } catch {
      this.#retireSegment();
    }
  }
}

const LOCK_FILE = 'writer.lock';

/**
 * Makes this process the log's only writer: two writers would interleave their chains. The lock
 * is a file naming the process; one left by a process that is gone is taken over.
 */
function takeLock(directory: string): string {
  const path = join(directory, LOCK_FILE);
  if (openDirectories.has(directory)) {
    throw new Error(`the event log ${directory} is already open in this process`);
  }
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, `${process.pid}\n`, { flag: 'wx' });
      openDirectories.add(directory);
      return path;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const pid = Number(readFileSync(path, 'utf8').trim());
    // This process's own pid in a lock it does not hold: a restart that reused the pid (as pid 1
    // in a container does).
    if (pid !== process.pid && isRunning(pid)) {
      throw new Error(
        `the event log ${directory} is in use by another Warden process (pid ${pid}): ` +
          'one process at a time writes to a store',
      );
    }
    unlinkSync(path);
  }
  throw new Error(`cannot take the lock of the event log ${directory}`);
}

function releaseLock(directory: string, path: string): void {
  openDirectories.delete(directory);
  try {
    unlinkSync(path);
  } catch {
    // Gone already; the next writer takes over a stale lock anyway.
  }
}

function isRunning(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // Nothing was written through it since its last sync, or the failure was reported then.
  }
}
