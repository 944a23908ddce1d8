// What each client message asks the target to run, as it goes into the record. Parse, Bind and
// Close are followed so an Execute is recorded with the text of its prepared statement and the
// parameter values bound to its portal, also when the statement was prepared long before.
//
// The client only asks: a Parse, Bind or Close changes the target's statements and portals only
// once the target accepts it (ParseComplete, BindComplete, CloseComplete). So each is staged
// when the client sends it and applied when its acknowledgement arrives; one the target refused
// or skipped (after an error, up to the next Sync) is dropped. When a Bind or an Execute is
// gated, before the messages ahead of it are answered, the name it uses is resolved as the target
// will resolve it: from the last staged change to that name in the same Sync batch (if that
// change fails, the target skips this message too, and it is recorded as not run), else from
// the acknowledged state. A Parse still unanswered from an earlier batch may fail and leave an
// older statement of that name in place: the text is then recorded as unknown, not guessed.
// (A Bind from an earlier batch decides: if it fails, the transaction and its portals end.)
import type { EventRequest } from '../../audit/event.js';
import type { ClientMessage } from './client-reader.js';
import type { Statement } from './statement.js';
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
/** Longest statement text kept in the record (the rest is cut, with its size and SHA-256 noted). */
export const recordedTextLimit = 64 * 1024;

export interface StatementRequest {
  request: EventRequest;
  endsAt: 'ready' | 'execute';
  binaryResult: boolean;
  /** The portal an Execute runs. */
  portal?: string;
}

interface Bound {
  command: string;
  params: RecordedValue[];
}

/** A Parse, Bind or Close sent to the target and not answered yet. */
export type StagedChange =
  | { kind: 'parse'; name: string; text: string; batch: number }
  | {
      kind: 'bind';
      portal: string;
      bound: Bound;
      batch: number;
      /** The Execute in the same chunk whose `db.query.start` covers this Bind, if any. */
      coveredBy: Statement | null;
      /** Else the Bind's own statement, with a `db.query.start` of its own. */
      statement: Statement | null;
    }
  | { kind: 'close'; target: 'statement' | 'portal'; name: string; batch: number };

export class StatementRequests {
  private readonly prepared = new Map<string, string>();
  private readonly portals = new Map<string, Bound>();
  /** Changes sent (or about to be) and not yet answered, in the order the target sees them. */
  private readonly staged: StagedChange[] = [];
  /** Counts the client's Syncs (and Queries): changes in an earlier batch may have failed. */
  private batch = 0;

  /**
   * The request a Query, Execute or FunctionCall makes; the staged change of a Parse, Bind or
   * Close; null for any other message.
   */
  read(message: ClientMessage): StatementRequest | StagedChange | null {
    switch (message.type) {
      case 'Q':
        this.batch++;
        return {
          request: { command: decodeQuery(message.body, recordedTextLimit), protocol: 'simple' },
          endsAt: 'ready',
          binaryResult: false,
        };
      case 'S':
        this.batch++;
        return null;
      case 'P': {
        const parse = decodeParse(message.body, recordedTextLimit);
        return this.stage({ kind: 'parse', name: parse.statement, text: parse.text, batch: 0 });
      }
      case 'B': {
        const bind = decodeBind(message.body, recordedValueLimit);
        const command = this.statementText(bind.statement);
        return this.stage({
          kind: 'bind',
          portal: bind.portal,
          bound: { command, params: bind.params },
          batch: 0,
          coveredBy: null,
          statement: null,
        });
      }
      case 'C': {
        const close = decodeClose(message.body);
        return this.stage({ kind: 'close', target: close.target, name: close.name, batch: 0 });
      }
      case 'E': {
        const { portal } = decodeExecute(message.body);
        const bound = this.portalRequest(portal);
        return {
          request: { command: bound.command, params: bound.params, protocol: 'extended' },
          endsAt: 'execute',
          binaryResult: false,
          portal,
        };
      }
      case 'F': {
        this.batch++;
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

  private stage(change: StagedChange): StagedChange {
    change.batch = this.batch;
    this.staged.push(change);
    return change;
  }

  /** The text a Bind of this statement name will use on the target. */
  private statementText(name: string): string {
    for (let i = this.staged.length - 1; i >= 0; i--) {
      const change = this.staged[i]!;
      if (change.kind === 'parse' && change.name === name) {
        // The unnamed statement is dropped before a Parse of it: if that fails, none exists.
        // A named one may exist already (also from SQL PREPARE, which Warden does not follow).
        if (change.batch === this.batch || name === '') return change.text;
        return `(prepared statement "${name}": text unknown, a Parse of it is still unanswered)`;
      }
      if (change.kind === 'close' && change.target === 'statement' && change.name === name)
        return `(prepared statement "${name}": closed)`;
    }
    return this.prepared.get(name) ?? `(prepared statement "${name}": text unknown to Warden)`;
  }

  /** What an Execute of this portal will run on the target. */
  private portalRequest(portal: string): Bound {
    for (let i = this.staged.length - 1; i >= 0; i--) {
      const change = this.staged[i]!;
      // Also from an earlier batch: if that Bind fails, its error ends the transaction (or
      // leaves it aborted), and portals do not outlive it, so no other portal of that name runs.
      if (change.kind === 'bind' && change.portal === portal) return change.bound;
      if (change.kind === 'close' && change.target === 'portal' && change.name === portal)
        return { command: `(portal "${portal}": closed)`, params: [] };
    }
    // A portal Warden did not see bound (e.g. a cursor declared in SQL) is named as such.
    return this.portals.get(portal) ?? { command: `(portal "${portal}")`, params: [] };
  }

  /** The target accepted the oldest staged change. */
  apply(change: StagedChange): void {
    this.unstage(change);
    switch (change.kind) {
      case 'parse':
        this.prepared.set(change.name, change.text);
        break;
      case 'bind':
        this.portals.set(change.portal, change.bound);
        break;
      case 'close':
        if (change.target === 'statement') this.prepared.delete(change.name);
        else this.portals.delete(change.name);
        break;
    }
  }

  /** A staged change that was refused, skipped, or never forwarded. */
  unstage(change: StagedChange): void {
    if (this.staged[0] === change) this.staged.shift();
    else {
      const at = this.staged.indexOf(change);
      if (at >= 0) this.staged.splice(at, 1);
    }
  }

  /** The transaction ended: every portal is gone (SQL cursors WITH HOLD are not Warden's). */
  transactionEnded(): void {
    if (this.portals.size > 0) this.portals.clear();
  }

  /** A simple Query ran DEALLOCATE or DISCARD: prepared statements Warden knew may be gone. */
  forgetPrepared(): void {
    this.prepared.clear();
  }
}
