// A one-line description of an event for a person reading a log viewer (Datadog's `message`,
// syslog's MSG): "billing-agent ran DELETE on pg-prod: 3 rows". The structured fields go along
// with it; this line only has to read well.
import type { AuditEvent } from '../audit/index.js';

const MAX_COMMAND_WORD = 24;

export function describeEvent(event: AuditEvent): string {
  const who = event.actor?.name ?? event.source?.ip ?? 'someone';
  const where = event.connection?.name ?? 'Warden';
  const error = event.outcome?.error;
  const failed = error ? `failed: ${error.code ? `${error.code} ` : ''}${error.message}` : null;
  switch (event.type) {
    case 'db.query': {
      const result = failed ?? counted(event.response?.rows ?? 0, 'row');
      return `${who} ran ${commandWord(event)} on ${where}: ${result}`;
    }
    case 'db.query.start':
      return `${who} started ${commandWord(event)} on ${where}`;
    case 'db.cancel':
      return `${who} cancelled a statement on ${where}${failed ? `: ${failed}` : ''}`;
    case 'session.start': {
      const group = event.authorization?.group;
      return `${who} connected to ${where}${group ? ` (allowed by group ${group})` : ''}`;
    }
    case 'session.end': {
      const totals = event.totals;
      const summary = totals
        ? `: ${counted(totals.statements, 'statement')}, ${counted(totals.rows, 'row')} (${totals.endReason})`
        : '';
      return `${who} disconnected from ${where}${summary}`;
    }
    case 'authn.failure':
      return `authentication to ${where} failed from ${event.source?.ip ?? 'an unknown address'}${error ? `: ${error.message}` : ''}`;
    case 'authz.denied':
      return `${who} was refused ${where}${error ? `: ${error.message}` : ''}`;
    default:
      return `${event.type}${event.actor ? ` by ${who}` : ''}${event.connection ? ` on ${where}` : ''}${failed ? `: ${failed}` : ''}`;
  }
}

function counted(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** The statement's first keyword (DELETE, SELECT …), or "a statement". */
function commandWord(event: AuditEvent): string {
  const command = event.request?.command ?? '';
  const word = /^\s*(?:--[^\n]*\n\s*|\/\*[\s\S]*?\*\/\s*)*([A-Za-z]+)/.exec(command)?.[1];
  return word && word.length <= MAX_COMMAND_WORD ? word.toUpperCase() : 'a statement';
}

/** Datadog's and syslog's severity of an event: error for failures, warn for refusals. */
export function eventSeverity(event: AuditEvent): 'info' | 'warn' | 'error' {
  const result = event.outcome?.result;
  if (result === 'failure') return 'error';
  if (result === 'denied' || event.type === 'authn.failure') return 'warn';
  return 'info';
}
