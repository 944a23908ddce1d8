import { isIP } from 'node:net';
import { hostname } from 'node:os';
import { requestTimeout } from '../duration.js';
import { integer, Mapping, oneOf, reportExpected, stringMatching, type Read } from '../reader.js';
import type { SinkCommon } from '../sink-types.js';
import type { SinkTypeDefinition } from './definition.js';
import { readTlsOptions, type TlsOptionsWithClientCertificate } from './tls-options.js';

/** RFC 5424 facility codes by the names syslog daemons use for them. */
const FACILITY_CODES = {
  kern: 0,
  user: 1,
  mail: 2,
  daemon: 3,
  auth: 4,
  syslog: 5,
  lpr: 6,
  news: 7,
  uucp: 8,
  cron: 9,
  authpriv: 10,
  ftp: 11,
  ntp: 12,
  audit: 13,
  local0: 16,
  local1: 17,
  local2: 18,
  local3: 19,
  local4: 20,
  local5: 21,
  local6: 22,
  local7: 23,
} as const;

export interface SyslogSinkConfig extends SinkCommon {
  type: 'syslog';
  host: string;
  port: number;
  transport: 'tcp' | 'tls';
  /** Null with transport tcp. */
  tls: TlsOptionsWithClientCertificate | null;
  /** The RFC 5424 facility code, given by its name (authpriv: 10). */
  facility: number;
  /** RFC 5424 APP-NAME. */
  appName: string;
  /** RFC 5424 HOSTNAME: this gateway as the receiver should name it. */
  hostname: string;
  /** For connecting, and for a batch's bytes to be written. */
  timeoutMs: number;
}

const facilityName = oneOf(Object.keys(FACILITY_CODES) as (keyof typeof FACILITY_CODES)[]);

const DEFAULT_PORTS = { tcp: 514, tls: 6514 } as const;

const hostNamePattern =
  /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$/;

const receiverHost: Read<string> = (value, path, context) => {
  if (typeof value === 'string' && (isIP(value) !== 0 || hostNamePattern.test(value))) return value;
  reportExpected(context, path, 'a host name or IP address', value);
  return '';
};

/** RFC 5424 header fields are printable US-ASCII without spaces, of bounded length. */
function printableAscii(maxLength: number, field: string): Read<string> {
  return stringMatching(
    new RegExp(`^[\\x21-\\x7e]{1,${maxLength}}$`),
    `an RFC 5424 ${field}: 1-${maxLength} printable ASCII characters, no spaces`,
  );
}

function readTls(sink: Mapping, transport: 'tcp' | 'tls'): TlsOptionsWithClientCertificate | null {
  if (transport === 'tcp') {
    sink.refuse('tls', 'tls applies only with transport: tls');
    return null;
  }
  return readTlsOptions(sink, { clientCertificate: true });
}

export const syslogSink: SinkTypeDefinition<SyslogSinkConfig> = {
  keys: ['host', 'port', 'transport', 'tls', 'facility', 'appName', 'hostname', 'timeout'],
  // Syslog has no batch: a batch is one write of several frames on the one connection.
  batch: {
    maxEvents: 100,
    maxBytes: 1024 * 1024,
    limitEvents: 10_000,
    limitBytes: 64 * 1024 * 1024,
  },
  read: (sink: Mapping) => {
    const host = sink.required('host', receiverHost);
    // TLS whatever the host: audit events carry commands and results, and a default that changed
    // with the host would switch encryption off silently. Plain TCP must be asked for.
    const transport = sink.optional('transport', oneOf(['tls', 'tcp']), 'tls');
    return {
      type: 'syslog',
      host,
      port: sink.optional('port', integer(1, 65535), DEFAULT_PORTS[transport]),
      transport,
      tls: readTls(sink, transport),
      facility: FACILITY_CODES[sink.optional('facility', facilityName, 'authpriv')],
      appName: sink.optional('appName', printableAscii(48, 'APP-NAME'), 'warden'),
      hostname: sink.optional('hostname', printableAscii(255, 'HOSTNAME'), hostname()),
      timeoutMs: sink.optional('timeout', requestTimeout, 10_000),
    };
  },
};
