// A webhook endpoint for tests: a real HTTP server on loopback that verifies Standard Webhooks
// signatures with the `standardwebhooks` package (as a receiver would), records every delivery,
// and answers as a test tells it to.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface WebhookDelivery {
  headers: IncomingHttpHeaders;
  body: string;
  /** The events of the request: the body's one object, or its array. */
  events: { id: string; seq: number; type: string }[];
  /** Whether the signature verified with the receiver's secret (null without a secret). */
  signatureValid: boolean | null;
}

export interface WebhookAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

/** Decides the answer to one request; null answers 200 and records the delivery. */
export type Responder = (delivery: WebhookDelivery) => WebhookAnswer | null;

export class WebhookReceiver {
  /** Accepted deliveries (answered 2xx), in order. */
  readonly accepted: WebhookDelivery[] = [];
  /** Every request, whatever it was answered. */
  readonly requests: WebhookDelivery[] = [];
  #responders: Responder[] = [];
  #always: Responder | null = null;
  #waiters = new Set<() => void>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(secret: string | null = null, port = 0): Promise<WebhookReceiver> {
    const verifier = secret ? new Webhook(secret) : null;
    let receiver!: WebhookReceiver;
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const parsed = JSON.parse(body) as
          WebhookDelivery['events'][number] | WebhookDelivery['events'];
        let signatureValid: boolean | null = null;
        if (verifier) {
          try {
            verifier.verify(body, request.headers as Record<string, string>);
            signatureValid = true;
          } catch {
            signatureValid = false;
          }
        }
        const delivery: WebhookDelivery = {
          headers: request.headers,
          body,
          events: Array.isArray(parsed) ? parsed : [parsed],
          signatureValid,
        };
        receiver.requests.push(delivery);
        const answer = receiver.#answer(delivery);
        if (answer.status >= 200 && answer.status < 300) receiver.accepted.push(delivery);
        response.writeHead(answer.status, answer.headers ?? {});
        response.end(answer.body ?? '');
        for (const wake of receiver.#waiters) wake();
      });
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    const address = server.address() as AddressInfo;
    receiver = new WebhookReceiver(server, `http://127.0.0.1:${address.port}/hook`);
    return receiver;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** The next requests are answered by these, one each, in order. */
  answerNext(...responders: Responder[]): void {
    this.#responders.push(...responders);
  }

  /** Every request (after those queued) is answered by this; null goes back to 200. */
  answerAlways(responder: Responder | null): void {
    this.#always = responder;
  }

  /** The seqs of accepted events, in the order they arrived. */
  acceptedSeqs(): number[] {
    return this.accepted.flatMap((delivery) => delivery.events.map((event) => event.seq));
  }

  /** Resolves once `predicate` holds over the receiver, checking after each request. */
  waitUntil(predicate: () => boolean, timeoutMs = 15_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!predicate()) return;
        cleanup();
        resolve();
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`the receiver did not get what was expected within ${timeoutMs} ms`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.#waiters.delete(check);
      };
      this.#waiters.add(check);
      check();
    });
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  #answer(delivery: WebhookDelivery): WebhookAnswer {
    const responder = this.#responders.shift() ?? this.#always;
    return responder?.(delivery) ?? { status: 200 };
  }
}
