import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { CertificateFiles } from '../../src/sandbox/postgres.js';

const run = promisify(execFile);

export interface ClientCertificate extends CertificateFiles {
  commonName: string;
  /** The same key in encrypted PKCS#8, opened with `passphrase`. */
  encryptedKeyFile: string;
  passphrase: string;
}

export interface TestCertificateAuthority {
  /** The CA's certificate (PEM): trust it for the server, require client certificates signed by it. */
  caFile: string;
  /** For localhost / 127.0.0.1, signed by the CA. */
  server: CertificateFiles;
  /** For `clientCommonName`, signed by the CA, for TLS client authentication. */
  client: ClientCertificate;
  /**
   * Another server certificate signed by the CA, for `hostName` only (its CN and only DNS name):
   * valid, but not for localhost / 127.0.0.1.
   */
  serverFor(hostName: string): Promise<CertificateFiles>;
  remove(): Promise<void>;
}

/**
 * A throwaway CA in a temp dir (openssl, RSA 2048, valid 2 days) with a server certificate and a
 * client certificate signed by it: for mutual TLS, and for an app registration's certificate.
 */
export async function testCertificateAuthority(
  clientCommonName = 'warden-collector',
): Promise<TestCertificateAuthority> {
  const dir = await mkdtemp(join(tmpdir(), 'warden-ca-'));
  const file = (name: string) => join(dir, name);
  try {
    await openssl(
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '2'],
      ['-subj', '/CN=Warden Test CA', '-keyout', file('ca.key'), '-out', file('ca.crt')],
    );
    const issue = async (name: string, commonName: string, extensions: string) => {
      await writeFile(file(`${name}.ext`), extensions);
      await openssl(
        ['req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${commonName}`],
        ['-keyout', file(`${name}.key`), '-out', file(`${name}.csr`)],
      );
      await openssl(
        ['x509', '-req', '-in', file(`${name}.csr`), '-sha256', '-days', '2'],
        ['-CA', file('ca.crt'), '-CAkey', file('ca.key'), '-set_serial', serial()],
        ['-extfile', file(`${name}.ext`), '-out', file(`${name}.crt`)],
      );
      return { certFile: file(`${name}.crt`), keyFile: file(`${name}.key`) };
    };
    const server = await issue(
      'server',
      'localhost',
      'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n',
    );
    const client = await issue('client', clientCommonName, 'extendedKeyUsage=clientAuth\n');
    const passphrase = randomBytes(12).toString('base64url');
    const encryptedKeyFile = file('client.encrypted.key');
    await openssl(
      ['pkcs8', '-topk8', '-v2', 'aes-256-cbc', '-in', client.keyFile],
      ['-passout', `pass:${passphrase}`, '-out', encryptedKeyFile],
    );
    return {
      caFile: file('ca.crt'),
      server,
      client: { ...client, commonName: clientCommonName, encryptedKeyFile, passphrase },
      serverFor: (hostName) =>
        issue(
          `server-${hostName}`,
          hostName,
          `subjectAltName=DNS:${hostName}\nextendedKeyUsage=serverAuth\n`,
        ),
      remove: () => rm(dir, { recursive: true, force: true }),
    };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

function serial(): string {
  return `0x${randomBytes(8).toString('hex')}`;
}

/** Runs openssl with the arguments, given in a few readable groups. */
async function openssl(...groups: string[][]): Promise<void> {
  await run('openssl', groups.flat());
}
