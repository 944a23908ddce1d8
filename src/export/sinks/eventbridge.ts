// Puts events on an Amazon EventBridge bus with PutEvents, signed by the AWS SDK. A call takes
// at most 10 entries; it can succeed as a whole (HTTP 200) and still refuse some of them
// (FailedEntryCount), which comes back as a `partial` outcome naming the refused ones.
import {
  EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
  type PutEventsResultEntry,
} from '@aws-sdk/client-eventbridge';
import type { EventBridgeSinkConfig } from '../../config/index.js';
import type { DeliveryOutcome, Entry, ExportRecord, Sink } from '../sink.js';

/** Entry error codes that may pass when sent again; the others (MalformedDetail …) will not. */
const RETRYABLE_ENTRY_ERRORS = new Set(['InternalFailure', 'ThrottlingException']);

const THROTTLING_ERRORS = new Set([
  'ThrottlingException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
]);

/**
 * AWS refusing the credentials or their permissions. They are reported as 401 and 403 (AWS
 * answers most of them with 400), which tells the engine the sink is failing, not the events.
 */
const UNAUTHENTICATED_ERRORS = new Set([
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'IncompleteSignature',
  'MissingAuthenticationTokenException',
  'InvalidClientTokenId',
  'ExpiredTokenException',
]);
const FORBIDDEN_ERRORS = new Set(['AccessDeniedException', 'AccessDenied', 'NotAuthorized']);

/** EventBridge counts an entry's Time as 14 bytes, and its strings as their UTF-8 bytes. */
const TIME_BYTES = 14;

interface AwsError {
  name?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

export function createEventBridgeSink(config: EventBridgeSinkConfig): Sink {
  const credentials = config.credentials;
  const client = new EventBridgeClient({
    region: config.region,
    endpoint: config.endpoint ?? undefined,
    credentials: credentials
      ? {
          accessKeyId: credentials.accessKeyId,
          secretAccessKey: credentials.secretAccessKey,
          sessionToken: credentials.sessionToken ?? undefined,
        }
      : undefined,
    // The engine retries, with its backoff, its dead letters and its cursor: one attempt here.
    maxAttempts: 1,
  });
  const destination = `eventbridge ${config.eventBusName} (${config.region})`;
  const secrets = credentials
    ? [credentials.accessKeyId, credentials.secretAccessKey, credentials.sessionToken].filter(
        (secret): secret is string => !!secret,
      )
    : [];
  /** AWS error messages can quote the key id or a token: none reaches an outcome. */
  const redact = (text: string) =>
    secrets.reduce((result, secret) => result.split(secret).join('(redacted)'), text);

  function requestEntry(entry: Entry): PutEventsRequestEntry {
    const event = entry.record.event;
    return {
      Source: config.source,
      DetailType: config.detailType ?? event.type,
      Detail: entry.text,
      EventBusName: config.eventBusName,
      Time: new Date(event.time),
      Resources: [],
    };
  }

  function failureOf(error: unknown, signal: AbortSignal): DeliveryOutcome {
    if (signal.aborted) return { kind: 'retry', reason: `${destination}: the gateway is stopping` };
    const { name = 'Error', message = String(error), $metadata } = error as AwsError;
    if (name === 'TimeoutError' || name === 'AbortError') {
      return { kind: 'retry', reason: `${destination}: no answer within ${config.timeoutMs} ms` };
    }
    const status = $metadata?.httpStatusCode;
    const reason = `${destination}: ${name}: ${redact(message)}`;
    if (UNAUTHENTICATED_ERRORS.has(name)) {
      return { kind: 'rejected', reason, status: 401, splittable: false };
    }
    if (FORBIDDEN_ERRORS.has(name)) {
      return { kind: 'rejected', reason, status: 403, splittable: false };
    }
    // No status: the request never got an answer (connection refused, DNS, no credentials in
    // the default chain yet): the events wait in the journal until it works.
    if (THROTTLING_ERRORS.has(name) || status === undefined || status === 429 || status >= 500) {
      return { kind: 'retry', reason, status };
    }
    // Another 4xx (a ValidationException …) may come from one entry: halve to keep the others.
    return { kind: 'rejected', reason, status, splittable: true };
  }

  return {
    encode: (record: ExportRecord) => record.payloadText,
    async deliver(entries: readonly Entry[], signal: AbortSignal): Promise<DeliveryOutcome> {
      const requestEntries = entries.map(requestEntry);
      // An entry over the limit is refused here, as EventBridge would refuse it, and the others
      // are sent: together they make a partial outcome.
      const oversized: { index: number; reason: string; retryable: boolean }[] = [];
      const sent: number[] = [];
      requestEntries.forEach((requestEntry, index) => {
        const bytes = entryBytes(requestEntry);
        if (bytes <= config.maxEntryBytes) sent.push(index);
        else {
          const reason = `the entry is ${bytes} bytes, more than maxEntryBytes (${config.maxEntryBytes})`;
          oversized.push({ index, reason, retryable: false });
        }
      });
      if (sent.length === 0) {
        const reason = `${destination}: ${oversized[0]?.reason ?? 'nothing to send'}`;
        return { kind: 'rejected', reason, splittable: false };
      }
      let results: PutEventsResultEntry[];
      try {
        const output = await client.send(
          new PutEventsCommand({ Entries: sent.map((index) => requestEntries[index]!) }),
          { abortSignal: AbortSignal.any([signal, AbortSignal.timeout(config.timeoutMs)]) },
        );
        results = output.Entries ?? [];
      } catch (error) {
        return failureOf(error, signal);
      }
      if (results.length !== sent.length) {
        return {
          kind: 'retry',
          reason: `${destination}: the answer lists ${results.length} entries for ${sent.length} sent`,
        };
      }
      const failed = [...oversized];
      results.forEach((result, position) => {
        if (!result.ErrorCode) return;
        failed.push({
          index: sent[position]!,
          reason: `${destination}: ${result.ErrorCode}: ${redact(result.ErrorMessage ?? '')}`,
          retryable: RETRYABLE_ENTRY_ERRORS.has(result.ErrorCode),
        });
      });
      if (failed.length === 0) return { kind: 'delivered' };
      return { kind: 'partial', failed: failed.sort((a, b) => a.index - b.index) };
    },
    close: () => {
      client.destroy();
      return Promise.resolve();
    },
  };
}

function entryBytes(entry: PutEventsRequestEntry): number {
  return (
    TIME_BYTES +
    Buffer.byteLength(entry.Source ?? '') +
    Buffer.byteLength(entry.DetailType ?? '') +
    Buffer.byteLength(entry.Detail ?? '')
  );
}
