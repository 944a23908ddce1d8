// What each client message asks the target to run, as it goes into the record. Parse, Bind and
// Close are followed so an Execute is recorded with the text of its prepared statement and the
// parameter values bound to its portal, also when the statement was prepared long before.
import type { EventRequest } from '../../audit/event.js';
import type { ClientMessage } from './client-reader.js';
import {
  decodeBind,
  decodeClose,
  decodeExecute,
  decodeFunctionCall,
  decodeParse,
  decodeQuery,
  type RecordedValue,
} from './frontend-messages.js';

/** Longest parameter value kept in the record (the rest is cut, with its size noted). */
const recordedValueLimit = 64 * 1024;

export interface StatementRequest {
  request: EventRequest;
  endsAt: 'ready' | 'execute';
  binaryResult: boolean;
}

export class StatementRequests {
  private readonly prepared = new Map<string, string>();
  private readonly portals = new Map<string, { command: string; params: RecordedValue[] }>();

  /** The request a Query, Execute or FunctionCall makes; null for any other message. */
  read(message: ClientMessage): StatementRequest | null {
    switch (message.type) {
      case 'Q':
        return {
          request: { command: decodeQuery(message.body), protocol: 'simple' },
          endsAt: 'ready',
          binaryResult: false,
        };
      case 'P': {
        const parse = decodeParse(message.body);
        this.prepared.set(parse.statement, parse.text);
        return null;
      }
      case 'B': {
        const bind = decodeBind(message.body, recordedValueLimit);
        const command =
          this.prepared.get(bind.statement) ?? `(prepared statement "${bind.statement}")`;
        this.portals.set(bind.portal, { command, params: bind.params });
        return null;
      }
      case 'C': {
        const close = decodeClose(message.body);
        if (close.target === 'statement') this.prepared.delete(close.name);
        else this.portals.delete(close.name);
        return null;
      }
      case 'E': {
        const { portal } = decodeExecute(message.body);
        // A portal Warden did not see bound (e.g. a cursor declared in SQL) is named as such.
        const bound = this.portals.get(portal) ?? { command: `(portal "${portal}")`, params: [] };
        return {
          request: { command: bound.command, params: bound.params, protocol: 'extended' },
          endsAt: 'execute',
          binaryResult: false,
        };
      }
      case 'F': {
        const call = decodeFunctionCall(message.body, recordedValueLimit);
        return {
          request: {
            command: `function call (oid ${call.functionOid})`,
            params: call.args,
            protocol: 'fastpath',
          },
          endsAt: 'ready',
          binaryResult: call.binaryResult,
        };
      }
      default:
        return null;
    }
  }
}
