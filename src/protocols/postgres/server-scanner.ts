// Finds message boundaries in the target→client byte stream without holding it up. Chunks are
// forwarded to the client as they arrive; the scanner only reads message headers (type and
// length, carried across chunk boundaries) and hands the recorder at most `bodyLimit(type)`
// bytes of each body, so a huge DataRow costs a header read, not a copy.

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
  private kept: Buffer[] = [];
  private keptLength = 0;
  private keepLimit = 0;
  /** Start of the message in progress relative to the current chunk. */
  private messageStart = 0;
  private lastChunkLength = 0;

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
        const body =
          this.kept.length === 1 ? this.kept[0]! : Buffer.concat(this.kept, this.keptLength);
        this.kept = [];
        this.keptLength = 0;
        this.headerFilled = 0;
        onMessage({ type: this.type, size: this.size, body, start: this.messageStart });
      }
    }
    // A body prefix that continues in the next chunk is copied, so the scanner never keeps a
    // whole earlier chunk alive for a few bytes of it.
    if (this.kept.length > 0) this.kept = [Buffer.concat(this.kept, this.keptLength)];
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
