// A syslog receiver for tests: a real TCP or TLS server that reads octet-counted frames
// (RFC 6587 §3.4.1, the framing RFC 5425 uses too) and parses each message as RFC 5424. Anything
// else it is sent is recorded as an error rather than skipped. It can drop its connections, and
// refuse connections for a while (it stops listening, then listens on the same port again).
import { readFileSync } from 'node:fs';
import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';

export interface SyslogMessage {
  /** The message as received, without its length prefix. */
  text: string;
  facility: number;
  severity: number;
  version: number;
  timestamp: string;
  hostname: string;
  appName: string;
  procId: string;
  msgId: string;
  /** SD-ELEMENTs by SD-ID, their PARAM-VALUEs unescaped. */
  structuredData: Record<string, Record<string, string>>;
  msg: string;
}

export interface SyslogReceiverOptions {
  /** Serve TLS (RFC 5425) with this certificate; `ca` set asks clients for a certificate too. */
  tls?: { certFile: string; keyFile: string; ca?: string };
}

export interface SyslogReceiver {
  readonly port: number;
  readonly messages: SyslogMessage[];
  /** What could not be read as an octet-counted RFC 5424 message. */
  readonly errors: string[];
  /** Connections accepted so far. */
  readonly connections: number;
  /** Common names of the client certificates presented (with `tls.ca`). */
  readonly clientNames: string[];
  /** Resolves once `count` messages have arrived in all. */
  waitForMessages(count: number): Promise<SyslogMessage[]>;
  /** Closes every open connection; new ones are still accepted. */
  dropConnections(): void;
  /** Stops listening (connections are refused) and closes the open ones. */
  refuse(): Promise<void>;
  /** Listens again, on the same port. */
  accept(): Promise<void>;
  close(): Promise<void>;
}

export async function startSyslogReceiver(
  options: SyslogReceiverOptions = {},
): Promise<SyslogReceiver> {
  const messages: SyslogMessage[] = [];
  const errors: string[] = [];
  const clientNames: string[] = [];
  const sockets = new Set<Socket>();
  const waiters = new Set<() => void>();
  let connections = 0;

  const onConnection = (socket: Socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const peer = (socket as TLSSocket).getPeerCertificate?.();
    if (peer?.subject?.CN) clientNames.push(String(peer.subject.CN));
    readFrames(
      socket,
      (text) => {
        try {
          messages.push(parseRfc5424(text));
        } catch (error) {
          errors.push(`${(error as Error).message}: ${JSON.stringify(text.slice(0, 200))}`);
        }
        for (const wake of waiters) wake();
      },
      (problem) => {
        errors.push(problem);
        socket.destroy();
      },
    );
  };

  const tls = options.tls;
  const server: Server = tls
    ? createTlsServer(
        {
          cert: readFileSync(tls.certFile),
          key: readFileSync(tls.keyFile),
          ca: tls.ca ? readFileSync(tls.ca) : undefined,
          requestCert: tls.ca !== undefined,
          rejectUnauthorized: tls.ca !== undefined,
        },
        onConnection,
      )
    : createTcpServer(onConnection);
  // A failed handshake is the client's problem to report; the server carries on.
  server.on('tlsClientError', () => {});

  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  const stopListening = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });

  await listen(0);
  const port = (server.address() as { port: number }).port;

  return {
    port,
    messages,
    errors,
    clientNames,
    get connections() {
      return connections;
    },
    waitForMessages(count) {
      return new Promise((resolve) => {
        const check = () => {
          if (messages.length < count) return;
          waiters.delete(check);
          resolve(messages.slice(0, count));
        };
        waiters.add(check);
        check();
      });
    },
    dropConnections() {
      for (const socket of sockets) socket.destroy();
    },
    refuse: stopListening,
    accept: () => listen(port),
    close: () => (server.listening ? stopListening() : Promise.resolve()),
  };
}

/** Splits the stream into `LEN SP MSG` frames, LEN being MSG's length in octets. */
function readFrames(
  socket: Socket,
  onFrame: (text: string) => void,
  onProblem: (problem: string) => void,
): void {
  let buffered = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    for (;;) {
      const space = buffered.indexOf(0x20);
      if (space === -1) {
        if (buffered.length > 10) onProblem('no octet count before the first space');
        return;
      }
      const count = buffered.subarray(0, space).toString('latin1');
      if (!/^[1-9]\d{0,9}$/.test(count)) {
        onProblem(`expected an octet count, got ${JSON.stringify(count.slice(0, 20))}`);
        return;
      }
      const end = space + 1 + Number(count);
      if (buffered.length < end) return;
      onFrame(buffered.subarray(space + 1, end).toString('utf8'));
      buffered = buffered.subarray(end);
    }
  });
}

const HEADER =
  /^<(\d{1,3})>(\d{1,2}) (\S+) ([\x21-\x7e]{1,255}) ([\x21-\x7e]{1,48}) ([\x21-\x7e]{1,128}) ([\x21-\x7e]{1,32}) /;

/** RFC 5424 §6, strictly: a test double that accepted sloppy messages would prove nothing. */
export function parseRfc5424(text: string): SyslogMessage {
  const header = HEADER.exec(text);
  if (!header) throw new Error('not an RFC 5424 header');
  const [matched, pri, version, timestamp, hostname, appName, procId, msgId] =
    header as unknown as string[];
  const priority = Number(pri);
  if (priority > 191) throw new Error(`PRI ${priority} out of range`);
  if (version !== '1') throw new Error(`VERSION ${version}, expected 1`);
  if (
    timestamp !== '-' &&
    !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?(Z|[+-]\d\d:\d\d)$/.test(timestamp!)
  ) {
    throw new Error(`TIMESTAMP ${timestamp} is not RFC 3339 as RFC 5424 restricts it`);
  }
  const { structuredData, rest } = parseStructuredData(text.slice(matched!.length));
  if (rest !== '' && !rest.startsWith(' ')) throw new Error('expected SP before MSG');
  return {
    text,
    facility: priority >> 3,
    severity: priority & 7,
    version: 1,
    timestamp: timestamp!,
    hostname: hostname!,
    appName: appName!,
    procId: procId!,
    msgId: msgId!,
    structuredData,
    msg: rest.slice(1),
  };
}

function parseStructuredData(text: string): {
  structuredData: Record<string, Record<string, string>>;
  rest: string;
} {
  if (text.startsWith('-')) return { structuredData: {}, rest: text.slice(1) };
  const structuredData: Record<string, Record<string, string>> = {};
  let at = 0;
  if (text[at] !== '[') throw new Error('expected "-" or "[" for STRUCTURED-DATA');
  while (text[at] === '[') {
    const id = /^[^\s="\]]{1,32}/.exec(text.slice(at + 1))?.[0];
    if (!id) throw new Error('expected an SD-ID');
    at += 1 + id.length;
    const params: Record<string, string> = {};
    while (text[at] === ' ') {
      const param = /^ ([^\s="\]]{1,32})="/.exec(text.slice(at));
      if (!param) throw new Error(`expected SP PARAM-NAME="… in ${id}`);
      at += param[0].length;
      let value = '';
      for (;;) {
        const char = text[at];
        if (char === undefined) throw new Error('unterminated PARAM-VALUE');
        if (char === '"') break;
        if (char === ']') throw new Error('unescaped "]" in a PARAM-VALUE');
        if (char === '\\' && ['"', '\\', ']'].includes(text[at + 1] ?? '')) {
          value += text[at + 1];
          at += 2;
          continue;
        }
        value += char;
        at++;
      }
      params[param[1]!] = value;
      at++;
    }
    if (text[at] !== ']') throw new Error(`expected "]" to close ${id}`);
    at++;
    structuredData[id] = params;
  }
  return { structuredData, rest: text.slice(at) };
}
