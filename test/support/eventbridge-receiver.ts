// An Amazon EventBridge stand-in for tests: a real HTTP server speaking the AWS JSON 1.1
// protocol for `X-Amz-Target: AWSEvents.PutEvents`, as the AWS SDK calls it. It requires a
// SigV4 Authorization header whose access key it knows, refuses more than 10 entries, and
// answers `{FailedEntryCount, Entries}` in request order. Tests can refuse chosen entries,
// answer whole calls with an error (throttling, a 5xx), or not answer at all.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

export interface ReceivedEntry {
  Source?: string;
  DetailType?: string;
  Detail?: string;
  EventBusName?: string;
  /** Epoch seconds, as the SDK sends a timestamp in AWS JSON. */
  Time?: number;
  Resources?: string[];
}

export interface PutEventsCall {
  headers: IncomingMessage['headers'];
  entries: ReceivedEntry[];
}

export interface EntryError {
  ErrorCode: string;
  ErrorMessage: string;
}

export interface CallError {
  status: number;
  /** The AWS error code, sent as `__type`. */
  type: string;
  message: string;
}

export interface EventBridgeReceiverOptions {
  /** Access key ids it accepts; any other gets UnrecognizedClientException. */
  accessKeyIds: string[];
  region?: string;
}

export interface EventBridgeReceiver {
  /** The endpoint to configure. */
  url: string;
  /** Every PutEvents call that reached the API, in order. */
  readonly calls: PutEventsCall[];
  /** The entries taken, in order. */
  readonly accepted: ReceivedEntry[];
  /** Refuses the entries `decide` returns an error for (in every later call); null takes all. */
  refuseEntries(decide: ((entry: ReceivedEntry, index: number) => EntryError | null) | null): void;
  /** Answers the next `count` calls with `error`, taking nothing. */
  failCalls(count: number, error: CallError): void;
  /** Leaves the next calls unanswered until `close`. */
  hang(): void;
  close(): Promise<void>;
}

const JSON_1_1 = 'application/x-amz-json-1.1';
const MAX_ENTRIES = 10;

export async function startEventBridgeReceiver(
  options: EventBridgeReceiverOptions,
): Promise<EventBridgeReceiver> {
  const region = options.region ?? 'us-east-1';
  const calls: PutEventsCall[] = [];
  const accepted: ReceivedEntry[] = [];
  let decide: ((entry: ReceivedEntry, index: number) => EntryError | null) | null = null;
  const callErrors: CallError[] = [];
  let hanging = false;

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (hanging) return;
      answer(request, Buffer.concat(chunks).toString('utf8'), response);
    });
  });

  function answer(request: IncomingMessage, body: string, response: ServerResponse): void {
    const send = (status: number, payload: unknown) => {
      response.writeHead(status, {
        'content-type': JSON_1_1,
        'x-amzn-requestid': randomUUID(),
      });
      response.end(JSON.stringify(payload));
    };
    const fail = (error: CallError) =>
      send(error.status, { __type: error.type, message: error.message });

    if (request.method !== 'POST' || request.headers['x-amz-target'] !== 'AWSEvents.PutEvents') {
      return fail({ status: 400, type: 'UnknownOperationException', message: 'unknown operation' });
    }
    if (!request.headers['content-type']?.startsWith(JSON_1_1)) {
      return fail({
        status: 400,
        type: 'SerializationException',
        message: 'expected AWS JSON 1.1',
      });
    }
    const authorization = request.headers.authorization ?? '';
    const scope =
      /^AWS4-HMAC-SHA256 Credential=([^/]+)\/\d{8}\/([^/]+)\/events\/aws4_request, SignedHeaders=[^,]+, Signature=[0-9a-f]{64}$/.exec(
        authorization,
      );
    if (!scope) {
      return fail({
        status: 400,
        type: 'MissingAuthenticationTokenException',
        message: 'Missing Authentication Token',
      });
    }
    // Like AWS, the messages quote what the request carried: a sink must not pass them on as is.
    if (!options.accessKeyIds.includes(scope[1]!)) {
      const token = request.headers['x-amz-security-token'];
      return fail({
        status: 400,
        type: 'UnrecognizedClientException',
        message: `The security token included in the request is invalid (${scope[1]}${token ? `, ${String(token)}` : ''})`,
      });
    }
    if (scope[2] !== region) {
      return fail({
        status: 400,
        type: 'InvalidSignatureException',
        message: `Credential should be scoped to a valid region, not '${scope[2]}'`,
      });
    }
    const entries = (JSON.parse(body) as { Entries?: ReceivedEntry[] }).Entries ?? [];
    calls.push({ headers: request.headers, entries });
    const callError = callErrors.shift();
    if (callError) return fail(callError);
    if (entries.length < 1 || entries.length > MAX_ENTRIES) {
      return fail({
        status: 400,
        type: 'ValidationException',
        message: `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length less than or equal to ${MAX_ENTRIES}`,
      });
    }
    const results = entries.map((entry, index) => {
      const error = decide?.(entry, index) ?? null;
      if (error) return error;
      accepted.push(entry);
      return { EventId: randomUUID() };
    });
    send(200, {
      FailedEntryCount: results.filter((result) => 'ErrorCode' in result).length,
      Entries: results,
    });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;

  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    accepted,
    refuseEntries(next) {
      decide = next;
    },
    failCalls(count, error) {
      for (let i = 0; i < count; i++) callErrors.push(error);
    },
    hang() {
      hanging = true;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
