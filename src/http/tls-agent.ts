import { Agent, type Dispatcher } from 'undici';

export interface TlsAgentOptions {
  /** PEM trusted besides, or instead of, the system's roots. */
  ca?: string | null;
  /** A client certificate and its key (PEM), for servers that ask for one; the key's passphrase. */
  cert?: string | null;
  key?: string | null;
  passphrase?: string | null;
  /** false accepts any server certificate (tests only). */
  rejectUnauthorized?: boolean;
  /** false accepts a valid certificate issued for another host name. */
  verifyHostname?: boolean;
}

/** A dispatcher whose connections use these TLS settings. */
export function tlsDispatcher(options: TlsAgentOptions): Dispatcher {
  return new Agent({
    connect: {
      ...(options.ca ? { ca: options.ca } : {}),
      ...(options.cert ? { cert: options.cert } : {}),
      ...(options.key ? { key: options.key } : {}),
      ...(options.passphrase ? { passphrase: options.passphrase } : {}),
      rejectUnauthorized: options.rejectUnauthorized ?? true,
      ...(options.verifyHostname === false ? { checkServerIdentity: () => undefined } : {}),
    },
  });
}
