import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSelfSignedCertificate, type CertificateFiles } from '../../src/sandbox/postgres.js';

export interface TestCertificate extends CertificateFiles {
  remove(): Promise<void>;
}

/** A self-signed certificate for localhost / 127.0.0.1 in a temp dir (openssl), for TLS listeners. */
export async function testCertificate(commonName = 'localhost'): Promise<TestCertificate> {
  const dir = await mkdtemp(join(tmpdir(), 'warden-tls-'));
  const files = await createSelfSignedCertificate(dir, commonName);
  return { ...files, remove: () => rm(dir, { recursive: true, force: true }) };
}
