// The gateway's own connection to the target: TCP, TLS per `target.tls.mode`, the startup
// packet with the connection's user and database, authentication with the connection's
// credential, then the target's ParameterStatus messages and BackendKeyData, up to its first
// ReadyForQuery. After that the socket carries the client's session.
import { readFile } from 'node:fs/promises';
import { connect as connectTcp, isIP, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { serialize } from 'pg-protocol';
import type { BackendMessage, DatabaseError } from 'pg-protocol/dist/messages.js';
import { Parser } from 'pg-protocol/dist/parser.js';
import type { PostgresTarget } from '../../config/types.js';
import { authenticate } from './upstream-auth.js';

/** How long connecting, TLS and authentication to the target may take together. */
const connectTimeoutMs = 15_000;

export interface BackendKey {
  processId: number;
  secretKey: number;
}

export interface UpstreamConnection {
  socket: Socket;
  /** The target's ParameterStatus values, in order, to relay to the client. */
  parameters: Array<[string, string]>;
  /** The target's own cancel key: kept inside the gateway. */
  backendKey: BackendKey | null;
}

/**
 * Why the target could not be used. `unreachable`: no connection (refused, timed out, TLS
 * failed); `rejected`: the target answered with an error (wrong credential, no such database).
 * Messages are safe to show: they never contain the credential.
 */
export class UpstreamError extends Error {
  constructor(
    readonly kind: 'unreachable' | 'rejected',
    message: string,
  ) {
    super(message);
    this.name = 'UpstreamError';
  }
}

export async function connectUpstream(
  target: PostgresTarget,
  clientParameters: Map<string, string>,
): Promise<UpstreamConnection> {
  const socket = await openTransport(target);
  try {
    return await startSession(socket, target, clientParameters);
  } catch (error) {
    socket.destroy();
    throw error;
  }
}

/** Forwards a CancelRequest to the target for one of its backends (the target answers nothing). */
export async function sendCancelRequest(target: PostgresTarget, key: BackendKey): Promise<void> {
  const socket = await openTransport(target);
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => socket.destroy(), connectTimeoutMs);
    // The target closes the connection once it has read the request.
    socket.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.on('error', () => undefined);
    socket.end(serialize.cancel(key.processId, key.secretKey));
  });
}

/** TCP to the target, then TLS when `target.tls.mode` asks for it (SSLRequest, then the handshake). */
async function openTransport(target: PostgresTarget): Promise<Socket> {
  const where = `${target.host}:${target.port}`;
  const socket = connectTcp({ host: target.host, port: target.port, noDelay: true });
  const tcp = await withTimeout(
    new Promise<Socket>((resolve, reject) => {
      socket.once('connect', () => {
        socket.removeListener('error', onError);
        resolve(socket);
      });
      const onError = (error: Error) =>
        reject(new UpstreamError('unreachable', `${describeNetworkError(error)} (${where})`));
      socket.once('error', onError);
    }),
    `no connection to ${where} within ${connectTimeoutMs / 1000} s`,
    () => socket.destroy(),
  );
  if (target.tls.mode === 'disable') return tcp;
  try {
    return await startTls(tcp, target);
  } catch (error) {
    tcp.destroy();
    throw error;
  }
}

async function startTls(socket: Socket, target: PostgresTarget): Promise<Socket> {
  const answer = await withTimeout(
    new Promise<Buffer>((resolve, reject) => {
      socket.once('data', resolve);
      socket.once('error', (error) =>
        reject(new UpstreamError('unreachable', describeNetworkError(error))),
      );
      socket.once('close', () =>
        reject(
          new UpstreamError('unreachable', 'the target closed the connection at the TLS request'),
        ),
      );
      socket.write(serialize.requestSsl());
    }),
    'the target did not answer the TLS request',
  );
  socket.removeAllListeners('data').removeAllListeners('error').removeAllListeners('close');
  // Exactly one byte: anything more would be bytes injected before encryption (CVE-2021-23222).
  if (answer.length !== 1 || (answer[0] !== 0x53 && answer[0] !== 0x4e)) {
    throw new UpstreamError(
      'unreachable',
      'the target answered the TLS request with something other than a PostgreSQL server answer',
    );
  }
  if (answer[0] === 0x4e)
    throw new UpstreamError('unreachable', 'the target does not accept TLS connections');
  const verify = target.tls.mode === 'verify-full';
  const ca = verify && target.tls.ca ? await readFile(target.tls.ca) : undefined;
  return withTimeout(
    new Promise<Socket>((resolve, reject) => {
      const secure = connectTls({
        socket,
        rejectUnauthorized: verify,
        ...(ca ? { ca } : {}),
        host: target.host,
        // SNI takes a host name, never an IP address.
        ...(isIP(target.host) ? {} : { servername: target.host }),
      });
      secure.once('secureConnect', () => {
        secure.removeListener('error', onError);
        resolve(secure);
      });
      const onError = (error: Error) =>
        reject(new UpstreamError('unreachable', `TLS with the target failed: ${error.message}`));
      secure.once('error', onError);
    }),
    'the TLS handshake with the target did not finish',
  );
}

async function startSession(
  socket: Socket,
  target: PostgresTarget,
  clientParameters: Map<string, string>,
): Promise<UpstreamConnection> {
  const messages = new UpstreamMessages(socket);
  try {
    socket.write(
      startupPacket({
        ...Object.fromEntries(clientParameters),
        user: target.user,
        database: target.database,
      }),
    );
    return await withTimeout(
      (async () => {
        await authenticate({ socket, next: () => messages.next() }, await messages.next(), {
          user: target.user,
          password: target.password,
          requireAuth: target.requireAuth,
        });
        const parameters: Array<[string, string]> = [];
        let backendKey: BackendKey | null = null;
        for (;;) {
          const message = await messages.next();
          if (message.name === 'parameterStatus') {
            const { parameterName, parameterValue } = message as BackendMessage & {
              parameterName: string;
              parameterValue: string;
            };
            parameters.push([parameterName, parameterValue]);
          } else if (message.name === 'backendKeyData') {
            const { processID, secretKey } = message as BackendMessage & {
              processID: number;
              secretKey: number;
            };
            backendKey = { processId: processID, secretKey };
          } else if (message.name === 'readyForQuery') {
            return { socket, parameters, backendKey };
          }
          // NoticeResponse during startup is informational and not relayed.
        }
      })(),
      'the target did not finish authentication',
      () => socket.destroy(),
    );
  } catch (error) {
    if (error instanceof UpstreamError) throw error;
    throw new UpstreamError('rejected', (error as Error).message);
  } finally {
    // The target sends nothing unsolicited between its first ReadyForQuery and the client's
    // first message, so no bytes are lost by handing the socket over here.
    messages.stop();
  }
}

/**
 * The startup packet, written here rather than with pg-protocol's serializer because that one
 * always appends `client_encoding=UTF8`, which would override the client's own choice.
 */
function startupPacket(parameters: Record<string, string>): Buffer {
  const pairs = Object.entries(parameters).flatMap(([name, value]) => [name, value]);
  const body = Buffer.from(pairs.map((text) => text + '\0').join('') + '\0', 'utf8');
  const packet = Buffer.allocUnsafe(8 + body.length);
  packet.writeInt32BE(packet.length, 0);
  packet.writeInt32BE(196608, 4); // protocol 3.0
  body.copy(packet, 8);
  return packet;
}

/** The target's startup-phase messages, parsed by pg-protocol and handed out one at a time. */
class UpstreamMessages {
  private readonly parser = new Parser();
  private readonly queue: BackendMessage[] = [];
  private failure: Error | null = null;
  private waiting: { resolve(message: BackendMessage): void; reject(error: Error): void } | null =
    null;
  private readonly onData = (chunk: Buffer) => {
    try {
      this.parser.parse(chunk, (message) => this.deliver(message));
    } catch (error) {
      this.fail(
        new UpstreamError(
          'rejected',
          `the target sent a message Warden could not read: ${(error as Error).message}`,
        ),
      );
    }
  };
  private readonly onError = (error: Error) =>
    this.fail(new UpstreamError('unreachable', describeNetworkError(error)));
  private readonly onClose = () =>
    this.fail(new UpstreamError('unreachable', 'the target closed the connection during startup'));

  constructor(private readonly socket: Socket) {
    socket.on('data', this.onData).on('error', this.onError).on('close', this.onClose);
  }

  next(): Promise<BackendMessage> {
    const message = this.queue.shift();
    if (message) return Promise.resolve(message);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
  }

  /** Hands the socket over: the session attaches its own listeners next. */
  stop(): void {
    this.socket
      .removeListener('data', this.onData)
      .removeListener('error', this.onError)
      .removeListener('close', this.onClose);
    // Until then, an error (a reset) must not be an unhandled 'error' event; the session sees the close.
    this.socket.on('error', () => undefined);
  }

  private deliver(message: BackendMessage): void {
    if (message.name === 'error') {
      const error = message as DatabaseError;
      this.fail(new UpstreamError('rejected', error.message));
      return;
    }
    if (this.waiting) {
      const waiting = this.waiting;
      this.waiting = null;
      waiting.resolve(message);
    } else {
      this.queue.push(message);
    }
  }

  private fail(error: Error): void {
    this.failure ??= error;
    if (this.waiting) {
      const waiting = this.waiting;
      this.waiting = null;
      waiting.reject(this.failure);
    }
  }
}

function withTimeout<T>(promise: Promise<T>, message: string, onTimeout?: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout?.();
      reject(new UpstreamError('unreachable', message));
    }, connectTimeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function describeNetworkError(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host name not found';
    case 'ETIMEDOUT':
      return 'connection timed out';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'host unreachable';
    case 'ECONNRESET':
      return 'connection reset by the target';
    default:
      return error.message;
  }
}
