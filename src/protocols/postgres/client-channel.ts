// The client connection during the startup phase, read one message at a time (the startup
// packet, then the password). It can move onto a TLS socket after an SSLRequest. Once the
// session starts, the socket and the reader (with any bytes already received) are handed on.
import type { Socket } from 'node:net';
import { ClientMessageReader, type ClientMessage } from './client-reader.js';

/** The client went away during startup: nothing to answer, nothing to record. */
export class ClientGone extends Error {
  constructor() {
    super('the client closed the connection');
    this.name = 'ClientGone';
  }
}

export class ClientChannel {
  readonly reader = new ClientMessageReader();
  private waiting: { resolve(message: ClientMessage): void; reject(error: Error): void } | null =
    null;
  private failure: Error | null = null;
  private readonly onData = (chunk: Buffer) => {
    this.reader.push(chunk);
    this.deliver();
  };
  private readonly onClose = () => this.fail(new ClientGone());
  private readonly onError = () => this.fail(new ClientGone());

  constructor(public socket: Socket) {
    this.attach(socket);
  }

  /** The next complete message; rejects with ClientGone or a ProtocolViolation. */
  next(): Promise<ClientMessage> {
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.deliver();
    });
  }

  /** Continue on another socket (the TLS socket wrapped around the current one). */
  moveTo(socket: Socket): void {
    this.detach();
    this.socket = socket;
    this.attach(socket);
  }

  /** Stop reading: the session takes over the socket and `reader`. */
  detach(): void {
    this.socket
      .removeListener('data', this.onData)
      .removeListener('close', this.onClose)
      .removeListener('error', this.onError);
  }

  private attach(socket: Socket): void {
    socket.on('data', this.onData).on('close', this.onClose).on('error', this.onError);
  }

  private deliver(): void {
    if (!this.waiting) return;
    const waiting = this.waiting;
    try {
      const message = this.reader.next();
      if (message) {
        this.waiting = null;
        waiting.resolve(message);
      } else if (this.failure) {
        this.waiting = null;
        waiting.reject(this.failure);
      }
    } catch (error) {
      this.waiting = null;
      waiting.reject(error as Error);
    }
  }

  private fail(error: Error): void {
    this.failure ??= error;
    this.deliver();
  }
}
