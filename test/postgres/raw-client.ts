// A hand-driven PostgreSQL client for what psql and node-postgres never send: pipelined
// batches, protocol 3.2, GSSENCRequest, malformed bytes, a reader that stops reading.
import { connect, type Socket } from 'node:net';
import { serialize } from 'pg-protocol';
import type { BackendMessage } from 'pg-protocol/dist/messages.js';
import { Parser } from 'pg-protocol/dist/parser.js';

export type Message = BackendMessage & Record<string, unknown>;

export class RawConnection {
  private readonly parser = new Parser();
  private readonly received: Message[] = [];
  private rawBytes: Buffer[] = [];
  private parsing = false;
  private wake: (() => void) | null = null;
  closed = false;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      if (this.parsing)
        this.parser.parse(chunk, (message) => this.received.push(message as Message));
      else this.rawBytes.push(chunk);
      this.wake?.();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closed = true;
      this.wake?.();
    });
  }

  static open(port: number): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port }, () => resolve(new RawConnection(socket)));
      socket.once('error', reject);
    });
  }

  write(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** The next `length` bytes as they came (e.g. the one-byte answer to SSLRequest), before parsing. */
  async readRaw(length: number): Promise<Buffer> {
    await this.waitUntil(() => this.rawLength() >= length || this.closed);
    const bytes = Buffer.concat(this.rawBytes);
    this.rawBytes = [bytes.subarray(length)];
    return bytes.subarray(0, length);
  }

  private rawLength(): number {
    return this.rawBytes.reduce((sum, chunk) => sum + chunk.length, 0);
  }

  /** From now on, read PostgreSQL messages. */
  startParsing(): void {
    this.parsing = true;
    const pending = Buffer.concat(this.rawBytes);
    this.rawBytes = [];
    if (pending.length > 0)
      this.parser.parse(pending, (message) => this.received.push(message as Message));
  }

  /** Messages up to and including the first named `name` (or all, if the connection closes first). */
  async until(name: string, timeoutMs = 10_000): Promise<Message[]> {
    this.startParsingIfNeeded();
    await this.waitUntil(
      () => this.received.some((message) => message.name === name) || this.closed,
      timeoutMs,
    );
    const index = this.received.findIndex((message) => message.name === name);
    return this.received.splice(0, index < 0 ? this.received.length : index + 1);
  }

  async waitClosed(timeoutMs = 10_000): Promise<void> {
    await this.waitUntil(() => this.closed, timeoutMs);
  }

  end(): void {
    this.socket.end(serialize.end());
  }

  /** Stops parsing and hands over the socket, for a test that reads the bytes itself. */
  takeSocket(): Socket {
    this.socket.removeAllListeners('data');
    return this.socket;
  }

  private startParsingIfNeeded(): void {
    if (!this.parsing) this.startParsing();
  }

  private async waitUntil(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error('timed out waiting for the gateway');
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, 50);
      });
    }
  }
}

/** A startup packet with any protocol version (serialize.startup always says 3.0). */
export function startupPacket(parameters: Record<string, string>, version = 3 << 16): Buffer {
  const body = Buffer.from(
    Object.entries(parameters)
      .flat()
      .map((text) => text + '\0')
      .join('') + '\0',
  );
  const packet = Buffer.alloc(8 + body.length);
  packet.writeInt32BE(packet.length, 0);
  packet.writeInt32BE(version, 4);
  body.copy(packet, 8);
  return packet;
}

/** An untyped startup-phase request: SSLRequest, GSSENCRequest, or CancelRequest with a key. */
export function startupRequest(code: number, ...values: number[]): Buffer {
  const packet = Buffer.alloc(8 + values.length * 4);
  packet.writeInt32BE(packet.length, 0);
  packet.writeInt32BE(code, 4);
  values.forEach((value, index) => packet.writeInt32BE(value, 8 + index * 4));
  return packet;
}

/** A connection through the gateway that has completed startup and authentication. */
export async function openSession(
  port: number,
  token: string,
  database: string,
): Promise<RawConnection> {
  const connection = await RawConnection.open(port);
  connection.write(startupPacket({ user: 'agent', database }));
  const request = await connection.until('authenticationCleartextPassword');
  if (request.at(-1)?.name !== 'authenticationCleartextPassword')
    throw new Error('no password request');
  connection.write(serialize.password(token));
  const handshake = await connection.until('readyForQuery');
  if (handshake.at(-1)?.name !== 'readyForQuery')
    throw new Error(`startup failed: ${JSON.stringify(handshake)}`);
  return connection;
}

/** Names of messages, for compact assertions. */
export function names(messages: Message[]): string[] {
  return messages.map((message) => message.name);
}
