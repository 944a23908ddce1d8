// The startup phase, before any authentication: SSLRequest (TLS with the listener's certificate
// when it has one), GSSENCRequest (declined), CancelRequest, and the startup packet with its
// protocol version (3.0; a newer 3.x minor or `_pq_.` options are negotiated down to plain 3.0).
import { TLSSocket, type SecureContext } from 'node:tls';
import type { CancelKey } from './cancel-registry.js';
import type { ClientChannel } from './client-channel.js';
import { ClientFacingError, ProtocolViolation, SqlState } from './errors.js';
import { decodeStartupPacket } from './frontend-messages.js';
import { negotiateProtocolVersion } from './backend-messages.js';

export type StartupResult =
  { kind: 'cancel'; key: CancelKey } | { kind: 'startup'; parameters: Map<string, string> };

const protocolOptionPrefix = '_pq_.';

export async function negotiateStartup(
  channel: ClientChannel,
  secureContext: SecureContext | null,
): Promise<StartupResult> {
  let sslAnswered = false;
  let gssAnswered = false;
  for (;;) {
    const packet = decodeStartupPacket((await channel.next()).body);
    switch (packet.kind) {
      case 'ssl':
        if (sslAnswered) throw new ProtocolViolation('SSLRequest sent twice');
        sslAnswered = true;
        // Bytes sent after SSLRequest but before our answer would be read as if encrypted
        // (CVE-2021-23214): a well-behaved client waits for the answer.
        if (channel.reader.pendingBytes > 0)
          throw new ProtocolViolation('received unencrypted data after SSLRequest');
        if (!secureContext) {
          channel.socket.write('N');
          break;
        }
        channel.socket.write('S');
        channel.moveTo(new TLSSocket(channel.socket, { isServer: true, secureContext }));
        break;
      case 'gssenc':
        if (gssAnswered) throw new ProtocolViolation('GSSENCRequest sent twice');
        gssAnswered = true;
        channel.socket.write('N');
        break;
      case 'cancel':
        return {
          kind: 'cancel',
          key: { processId: packet.processId, secretKey: packet.secretKey },
        };
      case 'startup': {
        if (packet.major !== 3) {
          throw new ClientFacingError(
            SqlState.featureNotSupported,
            `unsupported frontend protocol ${packet.major}.${packet.minor}: Warden supports 3.0`,
          );
        }
        const protocolOptions = [...packet.parameters.keys()].filter((name) =>
          name.startsWith(protocolOptionPrefix),
        );
        if (packet.minor > 0 || protocolOptions.length > 0) {
          channel.socket.write(negotiateProtocolVersion(0, protocolOptions));
        }
        for (const option of protocolOptions) packet.parameters.delete(option);
        return { kind: 'startup', parameters: packet.parameters };
      }
    }
  }
}
