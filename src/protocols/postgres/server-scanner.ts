// Finds message boundaries in the target→client byte stream without holding it up. Chunks are
// forwarded to the client as they arrive; the scanner only reads message headers (type and
// length, carried across chunk boundaries) and hands the recorder at most `bodyLimit(type)`
// bytes of each body, so a huge DataRow costs a header read, not a copy.

const emptyBody = Buffer.alloc(0);

/**
 * One message, as the scanner hands it to its callback. The scanner reuses the object for the
 * next message: a callback reads it, and keeps what it needs, before it returns.
 */
export interface ScannedMessage {
  /** Type byte, e.g. 0x44 for DataRow. */
  type: number;
  /** The whole message size on the wire, header included. */
  size: number;
  /** The first bytes of the body, at most what `bodyLimit` asked for. */
  body: Buffer;
  /** Where the message starts in the current chunk: negative when it began in an earlier one. */
  start: number;
}

export class ServerMessageScanner {
  private header = Buffer.alloc(5);
  private headerFilled = 0;
  private type = 0;
  private size = 0;
  private bodyRemaining = 0;
  private readonly kept: Buffer[] = [];
  private keptLength = 0;
  private keepLimit = 0;
  /** Start of the message in progress relative to the current chunk. */
  private messageStart = 0;
  private lastChunkLength = 0;
  private readonly message: ScannedMessage = { type: 0, size: 0, body: emptyBody, start: 0 };

  constructor(private readonly bodyLimit: (type: number) => number) {}

  /** Whether a message is partly received (its start is `pendingStart`). */
  get inMessage(): boolean {
    return this.headerFilled > 0;
  }

  get pendingStart(): number {
    return this.messageStart;
  }

  scan(chunk: Buffer, onMessage: (message: ScannedMessage) => void): void {
    let position = 0;
    if (this.headerFilled > 0) this.messageStart -= this.lastChunkLength;
    this.lastChunkLength = chunk.length;
    while (position < chunk.length) {
      if (this.headerFilled < 5) {
        if (this.headerFilled === 0) this.messageStart = position;
        const count = Math.min(5 - this.headerFilled, chunk.length - position);
        chunk.copy(this.header, this.headerFilled, position, position + count);
        this.headerFilled += count;
        position += count;
        if (this.headerFilled < 5) break;
        this.beginBody();
      }
      const count = Math.min(this.bodyRemaining, chunk.length - position);
      if (this.keptLength < this.keepLimit) {
        const keep = Math.min(count, this.keepLimit - this.keptLength);
        this.kept.push(chunk.subarray(position, position + keep));
        this.keptLength += keep;
      }
      position += count;
      this.bodyRemaining -= count;
      if (this.bodyRemaining === 0) {
        const message = this.message;
        message.type = this.type;
        message.size = this.size;
        message.body = this.keptBody();
        message.start = this.messageStart;
        this.kept.length = 0;
        this.keptLength = 0;
        this.headerFilled = 0;
        onMessage(message);
        message.body = emptyBody;
      }
    }
    // A body prefix that continues in the next chunk is copied, so the scanner never keeps a
    // whole earlier chunk alive for a few bytes of it.
    if (this.kept.length > 0) {
      const prefix = Buffer.concat(this.kept, this.keptLength);
      this.kept.length = 0;
      this.kept.push(prefix);
    }
  }

  private keptBody(): Buffer {
    switch (this.kept.length) {
      case 0:
        return emptyBody;
      case 1:
        return this.kept[0]!;
      default:
        return Buffer.concat(this.kept, this.keptLength);
    }
  }

  private beginBody(): void {
    this.type = this.header[0]!;
    const length = this.header.readInt32BE(1);
    if (length < 4) throw new Error(`the target sent a message with an invalid length (${length})`);
    this.size = length + 1;
    this.bodyRemaining = length - 4;
    this.keepLimit = Math.min(this.bodyRemaining, this.bodyLimit(this.type));
  }
}
