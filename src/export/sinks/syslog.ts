// Sends events as RFC 5424 syslog messages over one TCP connection with octet counting
// (RFC 6587 §3.4.1: `LEN SP MSG`), or over TLS (RFC 5425, which frames the same way).
//
// What "delivered" means here: syslog over TCP has no acknowledgement, so a batch counts as
// delivered once the socket has taken its bytes (the write callback), on a connection that was
// open. A write that fails or times out is sent again in full, so a receiver can get an event
// twice (the SD's id is the dedupe key); a connection that breaks after the kernel took the bytes
// can lose them without the sender ever knowing. At least once, then, for every failure the
// sender can see, which is as far as the protocol allows.
import { readFileSync } from 'node:fs';
import { connect as connectTcp, isIP, type Socket } from 'node:net';
import { connect as connectTls, rootCertificates } from 'node:tls';
import type { SyslogSinkConfig } from '../../config/index.js';
import type { AuditEvent } from '../../audit/index.js';
import { describeNetworkError } from '../../http/index.js';
import { eventSeverity } from '../event-message.js';
import type { DeliveryOutcome, Entry, ExportRecord, Sink } from '../sink.js';

/**
 * The SD-ID's enterprise number. 32473 is the one RFC 5612 sets aside for examples: Warden has
 * none registered, and a receiver matches on the whole `warden@32473` either way.
 */
const SD_ID = 'warden@32473';

const KEEPALIVE_MS = 60_000;

/** RFC 5424 severities: Error, Warning, Informational. */
const SEVERITY_CODES = { error: 3, warn: 4, info: 6 } as const;

export function createSyslogSink(config: SyslogSinkConfig): Sink {
  const destination = `syslog ${config.host}:${config.port}`;
  let socket: Socket | null = null;

  const forget = (closed: Socket) => {
    if (socket === closed) socket = null;
  };

  async function connection(signal: AbortSignal): Promise<Socket> {
    // A receiver that closed its side (a restart, an idle timeout) leaves a socket that would
    // take a write and lose it: open a new one instead.
    if (socket && !socket.destroyed && !socket.readableEnded && !socket.writableEnded) {
      return socket;
    }
    socket?.destroy();
    const opened = await open(config, signal);
    opened.on('error', () => forget(opened));
    opened.on('close', () => forget(opened));
    opened.on('end', () => {
      forget(opened);
      opened.destroy();
    });
    // Receivers send nothing, but reading is how the socket learns the other side closed.
    opened.resume();
    // Between batches a firewall or NAT can drop the idle connection without a word; probes
    // find that out before the next batch is written into it.
    opened.setKeepAlive(true, KEEPALIVE_MS);
    socket = opened;
    return opened;
  }

  return {
    encode(record: ExportRecord): string {
      const message = syslogMessage(record, config);
      return `${Buffer.byteLength(message)} ${message}`;
    },
    async deliver(entries: readonly Entry[], signal: AbortSignal): Promise<DeliveryOutcome> {
      let connected: Socket;
      try {
        connected = await connection(signal);
      } catch (error) {
        return {
          kind: 'retry',
          reason: `${destination}: cannot connect: ${describeNetworkError(error)}`,
        };
      }
      try {
        await write(
          connected,
          entries.map((entry) => entry.text).join(''),
          config.timeoutMs,
          signal,
        );
        return { kind: 'delivered' };
      } catch (error) {
        connected.destroy();
        forget(connected);
        return {
          kind: 'retry',
          reason: `${destination}: write failed: ${describeNetworkError(error)}`,
        };
      }
    },
    async close(): Promise<void> {
      const closing = socket;
      socket = null;
      if (!closing || closing.destroyed) return;
      // End cleanly so the receiver reads every frame, but not wait on one that stopped reading.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => closing.destroy(), config.timeoutMs);
        closing.once('close', () => {
          clearTimeout(timer);
          resolve();
        });
        closing.end();
      });
    },
  };
}

/** `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [SD] MSG` */
function syslogMessage(record: ExportRecord, config: SyslogSinkConfig): string {
  const { event, payloadText } = record;
  const priority = config.facility * 8 + SEVERITY_CODES[eventSeverity(event)];
  const header = `<${priority}>1 ${event.time} ${config.hostname} ${config.appName} ${process.pid} ${messageId(event.type)}`;
  // MSG is the payload as JSON (the AuditEvent, or its OCSF mapping), not a line of prose: the
  // receiver is a SIEM that parses it, and JSON keeps every field the other sinks get. It goes
  // without the BOM RFC 5424 allows, which JSON parsers in the receiving pipelines refuse. The
  // payload's own text, as the other sinks send it: not stringified again.
  return `${header} ${structuredData(event)} ${payloadText}`;
}

/** MSGID: the event type, within RFC 5424's 32 printable ASCII characters. */
function messageId(type: string): string {
  return type.replace(/[^\x21-\x7e]/g, '_').slice(0, 32) || '-';
}

/** The fields a receiver indexes without parsing MSG, as one SD-ELEMENT. */
function structuredData(event: AuditEvent): string {
  const params: [string, string | number | null | undefined][] = [
    ['id', event.id],
    ['seq', event.seq],
    ['actor', event.actor?.name],
    ['subject', event.actor?.subject],
    ['connection', event.connection?.name],
    ['session', event.sessionId],
    ['outcome', event.outcome?.result],
    ['ip', event.source?.ip],
  ];
  const text = params
    .filter((param): param is [string, string | number] => param[1] != null)
    .map(([name, value]) => ` ${name}="${escapeParamValue(String(value))}"`)
    .join('');
  return `[${SD_ID}${text}]`;
}

/** RFC 5424 §6.3.3: inside a PARAM-VALUE, `"`, `\` and `]` are escaped with a backslash. */
function escapeParamValue(value: string): string {
  return value.replace(/["\\\]]/g, '\\$&');
}

function open(config: SyslogSinkConfig, signal: AbortSignal): Promise<Socket> {
  return new Promise((resolve, reject) => {
    let socket: Socket;
    try {
      socket = config.tls
        ? connectTls({
            host: config.host,
            port: config.port,
            servername: isIP(config.host) === 0 ? config.host : undefined,
            // Read at each connection, so a renewed certificate is taken without a restart.
            ca: config.tls.ca
              ? [...rootCertificates, readFileSync(config.tls.ca, 'utf8')]
              : undefined,
            cert: config.tls.cert ? readFileSync(config.tls.cert) : undefined,
            key: config.tls.key ? readFileSync(config.tls.key) : undefined,
            rejectUnauthorized: config.tls.verify,
          })
        : connectTcp({ host: config.host, port: config.port });
    } catch (error) {
      reject(error as Error);
      return;
    }
    const fail = (error: Error) => {
      done();
      socket.destroy();
      reject(error);
    };
    const onAbort = () => fail(new Error('the gateway is stopping'));
    const timer = setTimeout(
      () => fail(new Error(`no connection within ${config.timeoutMs} ms`)),
      config.timeoutMs,
    );
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      socket.off('error', fail);
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort);
    socket.once('error', fail);
    socket.once(config.tls ? 'secureConnect' : 'connect', () => {
      done();
      resolve(socket);
    });
  });
}

/** Resolves once the socket has taken `data` (its write callback), rejects on error or timeout. */
function write(
  socket: Socket,
  data: string,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const finish = (error?: Error | null) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      if (error) reject(error);
      else resolve();
    };
    const onAbort = () => finish(new Error('the gateway is stopping'));
    const timer = setTimeout(
      () => finish(new Error(`not written within ${timeoutMs} ms`)),
      timeoutMs,
    );
    signal.addEventListener('abort', onAbort);
    socket.write(data, finish);
  });
}
