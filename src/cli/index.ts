import { Command, CommanderError } from 'commander';
import { listEvents, listSessions, showSession, verify } from './read-commands.js';
import { serve } from './serve.js';

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
    .description('raw audit events in journal order')
    .option(...configOption)
    .option('--type <type>', 'only this event type, e.g. db.query')
    .option('--since <time>', 'at or after this time (ISO 8601)')
    .option('--after <seq>', 'after this journal position')
    .option('--limit <n>', 'at most n events (1-1000)', '100')
    .option('--json', 'print JSON')
    .action((options) => run(listEvents(options)));

  program
    .command('verify')
    .description('walk the hash chain; exits 2 naming the first bad seq if anything was altered')
    .option(...configOption)
    .option('--anchor <seq:hash>', 'a head printed by an earlier verify: it must still be there')
    .option('--json', 'print JSON')
    .action((options) => run(verify(options)));

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
