import { Command, CommanderError } from 'commander';
import { listAlerts, testAlert } from './alerts-commands.js';
import { listEvents, listSessions, showSession, verify } from './read-commands.js';
import { runRetention } from './retention-command.js';
import { serve } from './serve.js';
import { listIdentities, showTimeline } from './timeline-commands.js';
import { collectorsStatus, resumeCollector } from './collectors-commands.js';
import { listDeadLetters, listSinks, redrive, replay } from './sinks-commands.js';
import { approveReview, denyReview, listReviews, showReview } from './reviews-commands.js';

function buildProgram(setExitCode: (code: number) => void): Command {
  const program = new Command('warden')
    .description('Identity-aware access gateway for AI agents and people: every command recorded.')
    .exitOverride()
    .showHelpAfterError();
  const configOption = [
    '-c, --config <path>',
    'warden.yaml (default: $WARDEN_CONFIG or ./warden.yaml)',
  ] as const;
  const run = (action: Promise<number>) => action.then(setExitCode);

  program
    .command('serve')
    .description('run the gateway: protocol listeners and the audit API')
    .option(...configOption)
    .action((options) => run(serve(options)));

  const sessions = program.command('sessions').description('read recorded sessions');
  sessions
    .command('list')
    .description('sessions, newest first')
    .option(...configOption)
    .option('--identity <subjectOrName>', 'only this identity')
    .option('--connection <name>', 'only this connection')
    .option('--since <time>', 'started at or after (ISO 8601)')
    .option('--until <time>', 'started before (ISO 8601)')
    .option('--limit <n>', 'at most n sessions (1-1000)', '50')
    .option('--cursor <cursor>', 'the next page, as printed by the previous one')
    .option('--json', 'print JSON')
    .action((options) => run(listSessions(options)));
  sessions
    .command('show <id>')
    .description('one session: who, why, and every statement with its result')
    .option(...configOption)
    .option('--limit <n>', 'at most n events (1-1000)', '1000')
    .option('--cursor <cursor>', 'the next page, as printed by the previous one')
    .option('--json', 'print JSON')
    .action((id: string, options) => run(showSession(id, options)));

  program
    .command('events')
    .description('raw audit events in journal order, a page at a time')
    .option(...configOption)
    .option('--type <type>', 'only this event type (db.query), or a prefix (db.*)')
    .option('--since <time>', 'at or after this time (ISO 8601)')
    .option('--until <time>', 'before this time (ISO 8601)')
    .option('--actor <subjectOrName>', 'only this identity')
    .option('--group <group>', 'only identities in this group')
    .option('--connection <name>', 'only this connection')
    .option('--result <result>', 'only this outcome: success, failure, denied or unknown')
    .option('--q <text>', 'only commands containing this text (case-insensitive)')
    .option('--after <cursor>', 'the next page, as printed by the previous one')
    .option('--limit <n>', 'at most n events (1-1000)', '100')
    .option('--json', 'print JSON')
    .action((options) => run(listEvents(options)));

  program
    .command('identities')
    .description('identities seen (through Warden or in the identity provider logs), newest first')
    .option(...configOption)
    .option('--q <text>', 'only those whose subject, name, client id or alternate id contains this')
    .option('--after <cursor>', 'the next page, as printed by the previous one')
    .option('--limit <n>', 'at most n identities (1-1000)', '50')
    .option('--json', 'print JSON')
    .action((options) => run(listIdentities(options)));

  program
    .command('timeline <subject>')
    .description(
      "one identity's story in time order: its identity provider's log (Okta, Entra) beside " +
        'its sessions and statements; SUBJECT may be a subject, client id or alternate id',
    )
    .option(...configOption)
    .option('--since <time>', 'at or after this time (ISO 8601)')
    .option('--until <time>', 'before this time (ISO 8601)')
    .option('--after <cursor>', 'the next page, as printed by the previous one')
    .option('--limit <n>', 'at most n events (1-1000)', '100')
    .option('--json', 'print JSON')
    .action((subject: string, options) => run(showTimeline(subject, options)));

  const sinks = program
    .command('sinks')
    .description(
      "sinks: state, dead letters, re-drives and replays (needs the config's environment)",
    );
  sinks
    .command('list')
    .description("each sink's cursor, lag, errors and dead letters")
    .option(...configOption)
    .option('--json', 'print JSON')
    .action((options) => run(listSinks(options)));
  sinks
    .command('dead-letters <name>')
    .description('events the destination refused for good, oldest first')
    .option(...configOption)
    .option('--after <id>', 'dead letters after this id')
    .option('--limit <n>', 'at most n (1-1000)', '100')
    .option('--json', 'print JSON')
    .action((name: string, options) => run(listDeadLetters(name, options)));
  sinks
    .command('redrive <name>')
    .description('send dead letters again (all of the sink, or those given with --id)')
    .option(...configOption)
    .option('--id <id...>', 'only these dead letters')
    .option('--json', 'print JSON')
    .action((name: string, options) => run(redrive(name, options)));
  sinks
    .command('replay <name>')
    .description('send history again to one sink, without moving its live cursor')
    .option(...configOption)
    .option('--since <time>', 'from this time (ISO 8601)')
    .option('--from-seq <seq>', 'from this journal position')
    .option('--until <time>', 'up to this time (default: the journal as it is now)')
    .option('--until-seq <seq>', 'up to this journal position')
    .option('--json', 'print JSON')
    .action((name: string, options) => run(replay(name, options)));

  const collectors = program
    .command('collectors')
    .description('identity-provider log collectors (Okta, Entra): state and resume');
  collectors
    .command('status')
    .description('each collector: running or halted and why, events collected, lag, last error')
    .option(...configOption)
    .option('--json', 'print JSON')
    .action((options) => run(collectorsStatus(options)));
  collectors
    .command('resume <name>')
    .description('resume a halted collector (a running gateway takes it up within a second)')
    .option(...configOption)
    .option('--json', 'print JSON')
    .action((name: string, options) => run(resumeCollector(name, options)));

  const reviews = program
    .command('reviews')
    .description(
      "access requests and command reviews, decided through the gateway's API with your token",
    );
  // They act as the token's identity through a running gateway: the API's address and a token.
  const apiOptions = (command: Command) =>
    command
      .option(...configOption)
      .option(
        '--api <url>',
        "the gateway's API (default: $WARDEN_API, else the config's api.listen)",
      )
      .option('--token <token>', 'your access token (default: $WARDEN_TOKEN)')
      .option('--json', 'print JSON');
  apiOptions(
    reviews
      .command('list')
      .description('reviews you asked for or may decide (an admin: all), newest first')
      .option('--state <state>', 'only pending, approved, denied, expired or withdrawn')
      .option('--kind <kind>', 'only access (requests to connect) or command (held statements)')
      .option('--limit <n>', 'at most n reviews (1-1000)', '50'),
  ).action((options) => run(listReviews(options)));
  apiOptions(
    reviews.command('show <id>').description('one review: what is asked, by whom, who decided'),
  ).action((id: string, options) => run(showReview(id, options)));
  apiOptions(
    reviews
      .command('approve <id>')
      .description('approve a pending review (an approver, never its requester)')
      .option('--reason <text>', 'why, for the record'),
  ).action((id: string, options) => run(approveReview(id, options)));
  apiOptions(
    reviews
      .command('deny <id>')
      .description('deny a pending review: the requester is told the reason')
      .requiredOption('--reason <text>', 'why (required: the requester is told)'),
  ).action((id: string, options) => run(denyReview(id, options)));

  const alerts = program
    .command('alerts')
    .description('alert rules: the configured ones, and what one would have raised over history');
  alerts
    .command('list')
    .description('the configured alert rules: what each matches, its threshold, its channels')
    .option(...configOption)
    .option('--json', 'print JSON')
    .action((options) => run(listAlerts(options)));
  alerts
    .command('test <rule>')
    .description(
      'run one rule over the recorded events, as if it had been configured then: each alert it ' +
        'would have raised (nothing is raised or sent)',
    )
    .option(...configOption)
    .option(
      '--since <time>',
      'from this long ago (30m, 12h, 7d: the default) or this time (ISO 8601)',
    )
    .option('--until <time>', 'up to this time (ISO 8601; default: now)')
    .option('--json', 'print JSON')
    .action((rule: string, options) => run(testAlert(rule, options)));

  program
    .command('verify')
    .description(
      'walk the hash chain (from the kept anchor after retention); exits 2 naming the first bad ' +
        'seq if anything was altered, or removed other than by retention',
    )
    .option(...configOption)
    .option('--anchor <seq:hash>', 'a head printed by an earlier verify: it must still be there')
    .option('--json', 'print JSON')
    .action((options) => run(verify(options)));

  const retention = program
    .command('retention')
    .description('events older than their age (retention in warden.yaml)');
  retention
    .command('run')
    .description('remove them now, as the gateway does every retention.interval (gateway stopped)')
    .option(...configOption)
    .option(
      '--dry-run',
      'say what would be removed, remove nothing (works beside a running gateway)',
    )
    .option('--json', 'print JSON')
    .action((options) => run(runRetention(options)));

  program
    .command('demo')
    .description(
      'the whole walk-through on throwaway parts: PostgreSQL, an OpenID provider, Warden',
    )
    .option('--keep', 'leave everything running and print how to connect by hand')
    .action(async (options) => {
      // Loaded on demand: the demo's sandboxes use development dependencies.
      const { runDemo } = await import('./demo/index.js');
      await run(runDemo(options));
    });

  return program;
}

/** Runs the CLI and returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  let exitCode = 0;
  const program = buildProgram((code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    throw error;
  }
}
