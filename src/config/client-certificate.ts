import type { Mapping, ReadContext } from './reader.js';

/** A `tls` mapping's client certificate and its key come together (sinks, collectors). */
export function reportUnpairedCertificate(
  tls: Mapping,
  cert: string | null,
  key: string | null,
  context: ReadContext,
): void {
  if (cert !== null && key === null) {
    context.issues.add(tls.pathOf('key'), 'required with cert: a client certificate needs its key');
  }
  if (key !== null && cert === null) {
    context.issues.add(tls.pathOf('cert'), 'required with key: a key needs its certificate');
  }
}
