// The server under every stand-in of an HTTP service (Datadog, Splunk, Okta, Graph …): node:http
// or node:https on 127.0.0.1, TLS that may require client certificates, whole request bodies, and
// the waits of delayed answers, which a close cuts off.
import { readFileSync } from 'node:fs';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

export interface LoopbackTls {
  certFile: string;
  keyFile: string;
  /** A CA certificate (PEM file): when set, clients must present a certificate signed by it. */
  clientCa?: string;
}

/** Answers a request whose body has arrived whole. */
export type LoopbackHandler = (
  request: IncomingMessage,
  body: Buffer,
  response: ServerResponse,
) => Promise<void>;

export class LoopbackServer {
  readonly #server: Server;
  readonly #waits = new Set<NodeJS.Timeout>();
  #port = 0;

  constructor(
    private readonly tls: LoopbackTls | null,
    handler: LoopbackHandler,
  ) {
    const onRequest = (request: IncomingMessage, response: ServerResponse) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        handler(request, Buffer.concat(chunks), response).catch((error: unknown) => {
          // A bug in the stand-in: say so plainly rather than as the service would.
          if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain' });
          response.end(error instanceof Error ? (error.stack ?? error.message) : String(error));
        });
      });
    };
    this.#server = tls
      ? createHttpsServer(
          {
            cert: readFileSync(tls.certFile),
            key: readFileSync(tls.keyFile),
            ...(tls.clientCa
              ? { ca: readFileSync(tls.clientCa), requestCert: true, rejectUnauthorized: true }
              : {}),
          },
          onRequest,
        )
      : createHttpServer(onRequest);
  }

  /** Listens on `port` of 127.0.0.1; 0 picks a free one. */
  async start(port = 0): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, '127.0.0.1', () => resolve());
    });
    this.#port = (this.#server.address() as AddressInfo).port;
  }

  get port(): number {
    return this.#port;
  }

  /** `http(s)://127.0.0.1:<port>`. */
  get origin(): string {
    return `${this.tls ? 'https' : 'http'}://127.0.0.1:${this.#port}`;
  }

  /** Resolves after `ms`, unless the server closes first (then never: the answer is not sent). */
  wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#waits.delete(timer);
        resolve();
      }, ms);
      this.#waits.add(timer);
    });
  }

  async close(): Promise<void> {
    for (const timer of this.#waits) clearTimeout(timer);
    this.#waits.clear();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
