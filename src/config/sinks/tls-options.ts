import { boolean } from '../boolean.js';
import { reportUnpairedCertificate } from '../client-certificate.js';
import { readableFile } from '../readable-file.js';
import { Mapping } from '../reader.js';

/** Which server certificates a sink trusts. */
export interface TlsOptions {
  /** A PEM file trusted besides the system's roots. */
  ca: string | null;
  /** false accepts any server certificate: for tests only. */
  verify: boolean;
}

export interface TlsOptionsWithClientCertificate extends TlsOptions {
  /** A client certificate and its key, for receivers that authenticate senders (RFC 5425 §5). */
  cert: string | null;
  key: string | null;
}

/**
 * A sink's `tls` mapping; absent, the system's roots are trusted. `cert` and `key` are keys only
 * where the destination may ask for a client certificate: elsewhere they would be ignored.
 */
export function readTlsOptions(sink: Mapping): TlsOptions;
export function readTlsOptions(
  sink: Mapping,
  options: { clientCertificate: true },
): TlsOptionsWithClientCertificate;
export function readTlsOptions(
  sink: Mapping,
  { clientCertificate = false }: { clientCertificate?: boolean } = {},
): TlsOptions | TlsOptionsWithClientCertificate {
  return sink.section('tls', (value, path, context) => {
    const keys = clientCertificate ? ['ca', 'cert', 'key', 'verify'] : ['ca', 'verify'];
    const tls = Mapping.read(value, path, context, keys);
    const ca = tls.optional('ca', readableFile, null);
    if (!clientCertificate) return { ca, verify: tls.optional('verify', boolean, true) };
    const cert = tls.optional('cert', readableFile, null);
    const key = tls.optional('key', readableFile, null);
    const verify = tls.optional('verify', boolean, true);
    reportUnpairedCertificate(tls, cert, key, context);
    return { ca, cert, key, verify };
  });
}
