import Table from 'cli-table3';
import type { AuditEvent } from '../audit/event.js';
import type {
  SessionDetail,
  SessionSummary,
  StatementRecord,
  VerifyResult,
} from '../audit/index.js';
import type { DeadLetter, SinkStatus } from '../export/index.js';
import type { CollectorStatus } from '../collectors/index.js';

// Readable renderings for people; `--json` prints the API's shapes instead.

export const dash = '—';

// Colours only on a terminal: piped output (and the demo's) stays plain text.
export const tableStyle = process.stdout.isTTY ? {} : { style: { head: [], border: [] } };

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function shortTime(iso: string | null | undefined): string {
  return iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : dash;
}

/**
 * Recorded values come from clients (a database name sent before authentication, an
 * application_name, statement text): control characters are shown escaped, never sent to the
 * reader's terminal, where an escape sequence could rewrite the screen or the clipboard.
 */
function printable(value: unknown): string {
  // eslint-disable-next-line no-control-regex
  return String(value).replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) =>
    c === '\n' || c === '\t' ? c : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
}

/** A table row with every text cell made printable. */
export function row(cells: Array<string | number>): Array<string | number> {
  return cells.map((cell) => (typeof cell === 'number' ? cell : printable(cell)));
}

export function oneLine(text: string, max: number): string {
  const flat = printable(text.replace(/\s+/g, ' ').trim());
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function who(actor: AuditEvent['actor']): string {
  return actor ? `${actor.name} (${actor.kind}, ${actor.provider})` : dash;
}

export function renderSessionList(sessions: SessionSummary[]): string {
  if (sessions.length === 0) return 'No sessions recorded.';
  const table = new Table({
    ...tableStyle,
    head: [
      'session',
      'started',
      'identity',
      'connection',
      'authorized by',
      'stmts',
      'errors',
      'ended',
    ],
  });
  for (const s of sessions) {
    table.push(
      row([
        s.id,
        shortTime(s.startedAt),
        who(s.actor),
        s.connection?.name ?? dash,
        s.authorization ? `${s.authorization.group} (${s.authorization.rule})` : dash,
        s.statements,
        s.errors,
        s.endedAt ? `${shortTime(s.endedAt)} ${s.endReason ?? ''}`.trim() : 'open',
      ]),
    );
  }
  return table.toString();
}

function statementResult(statement: StatementRecord): string {
  const result = statement.result;
  if (!result) return 'no result recorded';
  const error = result.outcome?.error;
  if (error) return `ERROR ${error.code ?? ''} ${oneLine(error.message, 60)}`.replace('  ', ' ');
  const tags = (result.response?.tags as string[] | undefined)?.join(', ');
  return tags || plural(result.response?.rows ?? 0, 'row');
}

export function renderSessionDetail(detail: SessionDetail): string {
  const s = detail.session;
  const actor = s.actor;
  const lines = [
    `Session ${s.id} on ${s.connection ? `${s.connection.name} (${s.connection.type})` : dash}`,
    `  who   ${actor ? `${actor.name}: ${actor.kind} from ${actor.provider}, subject ${actor.subject}, groups [${actor.groups.join(', ')}]` : dash}`,
    `  why   ${s.authorization ? `group ${s.authorization.group} matched rule ${s.authorization.rule}` : dash}`,
    `  from  ${s.source ? `${s.source.ip}${s.source.client ? ` (application ${s.source.client})` : ''}` : dash}`,
    `  when  ${shortTime(s.startedAt)} → ${s.endedAt ? shortTime(s.endedAt) : 'still open'}${s.endReason ? ` (${s.endReason})` : ''}`,
    `  what  ${plural(s.statements, 'statement')}, ${plural(s.errors, 'error')}`,
  ];
  const header = lines.map(printable).join('\n');
  if (detail.statements.length === 0) return header;
  const table = new Table({
    ...tableStyle,
    head: ['#', 'started', 'statement', 'params', 'result', 'ms'],
  });
  for (const statement of detail.statements) {
    table.push(
      row([
        statement.index,
        shortTime(statement.startedAt),
        oneLine(statement.command, 70),
        statement.params?.length ? oneLine(JSON.stringify(statement.params), 30) : '',
        statementResult(statement),
        statement.result?.outcome?.durationMs?.toFixed(1) ?? dash,
      ]),
    );
  }
  return `${header}\n${table.toString()}`;
}

export function renderEvents(events: AuditEvent[]): string {
  if (events.length === 0) return 'No events.';
  const table = new Table({
    ...tableStyle,
    head: ['seq', 'time', 'type', 'identity', 'connection', 'detail'],
  });
  for (const e of events) {
    const detail = e.request?.command ?? e.outcome?.error?.message ?? e.outcome?.result ?? '';
    table.push(
      row([
        e.seq,
        shortTime(e.time),
        e.type,
        who(e.actor),
        e.connection?.name ?? dash,
        oneLine(String(detail), 60),
      ]),
    );
  }
  return table.toString();
}

export function renderVerifyResult(result: VerifyResult): string {
  if (!result.ok) {
    return `Journal TAMPERED: first bad event is seq ${result.firstBadSeq} (${result.problem}): ${result.detail}`;
  }
  const count = (n: number) => n.toLocaleString('en-US');
  const lines = [
    `Journal intact: ${count(result.events)} events, chain verified through seq ${count(result.lastSeq)}.`,
  ];
  const retention = result.retention;
  const anchor = retention?.keptAnchor;
  if (anchor) {
    lines.push(
      `Events 1–${count(anchor.seq)} removed by retention on ${anchor.removedAt.slice(0, 10)} ` +
        `(${anchor.reason}); verified ${count(result.events)} events from the kept anchor at seq ${count(anchor.seq)}.`,
    );
  }
  const removed = Object.entries(retention?.removedByType ?? {});
  if (removed.length > 0) {
    const total = removed.reduce((sum, [, n]) => sum + n, 0);
    lines.push(
      `Walked through ${count(total)} events removed by retention${anchor ? ' after it' : ''}, ` +
        `each listed by a journal.retention record: ${removed.map(([type, n]) => `${type} ${count(n)}`).join(', ')}.`,
    );
  }
  if (retention?.givenAnchorRemoved) {
    lines.push(
      'The --anchor given lies before the kept anchor: retention removed its event, so it was not checked.',
    );
  }
  if (result.unindexed > 0) {
    lines.push(
      `${count(result.unindexed)} of them are committed to the event log and not yet indexed: ` +
        'Warden copies them to the table while it runs, or at its next start.',
    );
  }
  lines.push(
    `Head ${result.lastSeq}:${result.headHash}`,
    'Keep the head elsewhere and pass it as --anchor later: the chain alone cannot show events cut from its end.',
  );
  return lines.join('\n');
}

export function renderSinkStatuses(sinks: SinkStatus[]): string {
  if (sinks.length === 0) return 'No sinks configured.';
  const table = new Table({
    ...tableStyle,
    head: ['sink', 'type', 'state', 'cursor', 'lag', 'delivered', 'dead letters', 'last error'],
  });
  for (const sink of sinks) {
    const state = sink.degradedSince
      ? `degraded since ${shortTime(sink.degradedSince)}`
      : sink.state;
    table.push(
      row([
        sink.name,
        sink.format === 'native' ? sink.type : `${sink.type} (${sink.format})`,
        state,
        sink.cursor ?? dash,
        sink.lag ?? dash,
        sink.delivered,
        sink.deadLetters,
        sink.lastError ? `${shortTime(sink.lastErrorAt)} ${oneLine(sink.lastError, 60)}` : dash,
      ]),
    );
  }
  const replays = sinks.flatMap((sink) =>
    sink.replays
      .filter((replay) => replay.state !== 'done')
      .map(
        (replay) =>
          `replay ${replay.id} to ${sink.name}: seq ${replay.fromSeq}–${replay.untilSeq}, sent up to ${replay.cursor}`,
      ),
  );
  return [table.toString(), ...replays].join('\n');
}

export function renderDeadLetters(letters: DeadLetter[]): string {
  if (letters.length === 0) return 'No dead letters.';
  const table = new Table({
    ...tableStyle,
    head: ['id', 'seq', 'event', 'status', 'refused', 'reason'],
  });
  for (const letter of letters) {
    table.push(
      row([
        letter.id,
        letter.seq,
        letter.eventId,
        letter.status ?? dash,
        shortTime(letter.createdAt),
        oneLine(
          letter.redriveRequestedAt ? `(re-drive requested) ${letter.reason}` : letter.reason,
          60,
        ),
      ]),
    );
  }
  return table.toString();
}

export function renderCollectorStatuses(collectors: CollectorStatus[]): string {
  if (collectors.length === 0) return 'No collectors configured.';
  const table = new Table({
    ...tableStyle,
    head: ['collector', 'type', 'state', 'collected', 'last success', 'lag', 'last error'],
  });
  for (const collector of collectors) {
    table.push(
      row([
        collector.name,
        collector.type,
        collector.state === 'halted'
          ? `halted ${shortTime(collector.haltedAt)}: ${oneLine(collector.haltedReason ?? '', 60)}`
          : collector.state,
        collector.collected,
        shortTime(collector.lastSuccessAt),
        collector.lagSeconds === null ? dash : `${collector.lagSeconds}s`,
        collector.lastError
          ? `${shortTime(collector.lastErrorAt)} ${oneLine(collector.lastError, 60)}`
          : dash,
      ]),
    );
  }
  return table.toString();
}
