// What every stand-in of an HTTP service shares (destinations such as Datadog and Splunk, the
// identity providers' log APIs): a real node:http(s) server on 127.0.0.1, a record of every
// request, and programmable faults that take the place of the service's own answer. Each
// service's class decides what its answers are.
import {
  STATUS_CODES,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { LoopbackServer, type LoopbackTls } from './loopback-server.js';

export interface ReceivedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** The body as it came over the wire (compressed, when it was). */
  raw: Buffer;
  /** What the server answered (0 while it has not). */
  status: number;
}

export interface ReceiverAnswer {
  status: number;
  /** An array value is sent as separate header lines (Okta's `Link`). */
  headers?: Record<string, string | string[]>;
  body: string | Buffer;
}

/**
 * In place of the service's own answer: `status` answers that status with the service's body for
 * it (or `body`) and records nothing as accepted; `delayMs` waits before answering, past the
 * client's timeout when it is longer. A delay without a status then answers as the service does,
 * as a slow service would: the request may count although the client gave up on it.
 */
export interface Fault {
  status?: number;
  headers?: Record<string, string>;
  body?: string;
  delayMs?: number;
}

/** Faults for the next requests, in order. */
export class Faults {
  private readonly queue: Fault[] = [];

  /** The next `count` requests meet `fault`. */
  next(count: number, fault: Fault): this {
    for (let n = 0; n < count; n++) this.queue.push(fault);
    return this;
  }

  /** 429 Too Many Requests with `Retry-After` (seconds or an HTTP date). */
  throttle(count: number, retryAfter: string): this {
    return this.next(count, { status: 429, headers: { 'retry-after': retryAfter } });
  }

  /** A burst of 5xx answers (503 by default). */
  unavailable(count: number, status = 503): this {
    return this.next(count, { status });
  }

  /** Answers that come after `delayMs`. */
  slow(count: number, delayMs: number): this {
    return this.next(count, { delayMs });
  }

  take(): Fault | undefined {
    return this.queue.shift();
  }
}

export abstract class HttpStandIn {
  readonly requests: ReceivedRequest[] = [];
  readonly faults = new Faults();
  private readonly server: LoopbackServer;

  protected constructor(tls: LoopbackTls | null) {
    this.server = new LoopbackServer(tls, (request, raw, response) =>
      this.respond(request, raw, response),
    );
  }

  /** Listens on `port` of 127.0.0.1; 0 picks a free one. */
  async start(port = 0): Promise<this> {
    await this.server.start(port);
    return this;
  }

  get port(): number {
    return this.server.port;
  }

  /** The server's origin, `http(s)://127.0.0.1:<port>`. */
  get url(): string {
    return this.server.origin;
  }

  close(): Promise<void> {
    return this.server.close();
  }

  /** The service's answer to a request it received whole. */
  protected abstract answer(request: ReceivedRequest): ReceiverAnswer | Promise<ReceiverAnswer>;

  /** The service's answer with `status` when something went wrong (its real error body). */
  protected abstract errorAnswer(status: number, request: ReceivedRequest): ReceiverAnswer;

  /** The queue whose next fault meets `request`. */
  protected faultsFor(_request: ReceivedRequest): Faults {
    return this.faults;
  }

  private async respond(
    incoming: IncomingMessage,
    raw: Buffer,
    response: ServerResponse,
  ): Promise<void> {
    const url = new URL(incoming.url ?? '/', 'http://stand-in');
    const request: ReceivedRequest = {
      method: incoming.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      headers: incoming.headers,
      raw,
      status: 0,
    };
    this.requests.push(request);
    const fault = this.faultsFor(request).take();
    if (fault?.delayMs) await this.server.wait(fault.delayMs);
    const answer =
      fault?.status === undefined
        ? await this.answer(request)
        : {
            ...this.errorAnswer(fault.status, request),
            ...(fault.body === undefined ? {} : { body: fault.body }),
          };
    request.status = answer.status;
    if (response.destroyed) return;
    response.writeHead(answer.status, {
      'content-type': 'application/json; charset=utf-8',
      ...answer.headers,
      ...fault?.headers,
    });
    response.end(answer.body);
  }
}

/** A destination: what it accepted, and the standard texts of statuses for its error bodies. */
export abstract class HttpReceiver<Accepted> extends HttpStandIn {
  /** What the service took, in order: one item per accepted entry. */
  readonly received: Accepted[] = [];

  /** A status's standard text, for error bodies. */
  protected statusText(status: number): string {
    return STATUS_CODES[status] ?? 'Error';
  }
}
