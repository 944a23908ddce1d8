// A webhook endpoint for tests: a real HTTP server on loopback (src/sandbox/http-receiver.ts) that
// verifies Standard Webhooks signatures with the `standardwebhooks` package, as a receiver would,
// records every delivery it accepts, and answers as a test tells it to.
import type { IncomingHttpHeaders } from 'node:http';
import { Webhook } from 'standardwebhooks';
import {
  HttpReceiver,
  type ReceivedRequest,
  type ReceiverAnswer,
} from '../../src/sandbox/http-receiver.js';

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

export class WebhookReceiver extends HttpReceiver<WebhookDelivery> {
  readonly #verifier: Webhook | null;
  #responders: Responder[] = [];
  #always: Responder | null = null;
  #waiters = new Set<() => void>();

  private constructor(secret: string | null) {
    super(null);
    this.#verifier = secret ? new Webhook(secret) : null;
  }

  static start(secret: string | null = null, port = 0): Promise<WebhookReceiver> {
    return new WebhookReceiver(secret).start(port);
  }

  /** The endpoint a sink's `url` is set to. */
  override get url(): string {
    return `${super.url}/hook`;
  }

  /** Accepted deliveries (answered 2xx), in order. */
  get accepted(): WebhookDelivery[] {
    return this.received;
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
    return this.received.flatMap((delivery) => delivery.events.map((event) => event.seq));
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

  protected answer(request: ReceivedRequest): ReceiverAnswer {
    const body = request.raw.toString('utf8');
    const parsed = JSON.parse(body) as
      WebhookDelivery['events'][number] | WebhookDelivery['events'];
    const delivery: WebhookDelivery = {
      headers: request.headers,
      body,
      events: Array.isArray(parsed) ? parsed : [parsed],
      signatureValid: this.#signatureValid(body, request.headers),
    };
    const responder = this.#responders.shift() ?? this.#always;
    const answer = responder?.(delivery) ?? { status: 200 };
    if (answer.status >= 200 && answer.status < 300) this.received.push(delivery);
    queueMicrotask(() => {
      for (const wake of this.#waiters) wake();
    });
    return { status: answer.status, headers: answer.headers, body: answer.body ?? '' };
  }

  protected errorAnswer(status: number): ReceiverAnswer {
    return { status, body: '' };
  }

  #signatureValid(body: string, headers: IncomingHttpHeaders): boolean | null {
    if (!this.#verifier) return null;
    try {
      this.#verifier.verify(body, headers as Record<string, string>);
      return true;
    } catch {
      return false;
    }
  }
}
