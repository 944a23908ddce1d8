// `warden collectors status` and `warden collectors resume` as a user runs them, on the store of
// running collectors (the harness's, collecting from the Okta stand-ins): what they show of a
// halted collector, and a resume that the running collectors take up.
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { CollectorStatus } from '../../src/collectors/index.js';
import type { OktaLogServer } from '../../src/sandbox/okta-log-server.js';
import { cleanupsAfterEach } from '../support/cleanups.js';
import { CollectorHarness } from '../support/collector-harness.js';
import { eventually } from '../support/eventually.js';
import { startOkta } from '../support/log-stand-ins.js';
import { runWarden } from '../support/run-cli.js';

const run = promisify(execFile);
const wardenBin = join(import.meta.dirname, '../../bin/warden.js');
const TOKEN = 'okta-api-token-never-printed-8910';
const addCleanup = cleanupsAfterEach();

interface World {
  h: CollectorHarness;
  configPath: string;
  halted: OktaLogServer;
  warden(...args: string[]): ReturnType<typeof runWarden>;
}

const okta = () => startOkta(addCleanup, { apiTokens: [TOKEN] });

/**
 * Two Okta collectors running on a store, and the warden.yaml that names both: `okta-main`, whose
 * first request is answered 400 (it halts with 5 events waiting), and `okta-eu`, which collects
 * its 3 events.
 */
async function startWorld(): Promise<World> {
  const main = await okta();
  main.generate(5);
  main.faults.next(1, { status: 400 });
  const eu = await okta();
  eu.generate(3);
  const h = await CollectorHarness.openFor(addCleanup);
  const startFrom = new Date(Date.now() - 3_600_000).toISOString();
  const collector = (name: string, url: string) => `  - name: ${name}
    type: okta
    domain: company.okta.com
    url: "${url}"
    interval: 10
    startFrom: "${startFrom}"
    auth: { token: "${TOKEN}" }
`;
  const yaml = `store: { url: "sqlite:${join(h.dir, 'warden.db')}" }
collectors:
${collector('okta-main', main.url)}${collector('okta-eu', eu.url)}`;
  const configPath = join(h.dir, 'warden.yaml');
  writeFileSync(configPath, yaml);
  h.start(yaml);
  await eventually(async () => {
    const [first, second] = await h.status();
    return first!.state === 'halted' && second!.collected === 3;
  });
  return {
    h,
    configPath,
    halted: main,
    warden: async (...args) => {
      const result = await runWarden(...args, '--config', configPath);
      expect(result.stdout + result.stderr).not.toContain(TOKEN);
      return result;
    },
  };
}

describe('warden collectors status', () => {
  it('shows each collector in a table: halted and why, or running with its events', async () => {
    const world = await startWorld();
    const { code, stdout, stderr } = await world.warden('collectors', 'status');
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const lines = stdout.split('\n');
    expect(lines.find((line) => line.includes('collector'))).toMatch(
      /collector.*type.*state.*collected.*last success.*lag.*last error/,
    );
    const time = String.raw`\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ`;
    const reason = 'Bad request - check API parameters: E0000001 Api validation…';
    expect(lines.find((line) => line.includes('okta-main'))).toMatch(
      new RegExp(
        `│ okta-main +│ okta +│ halted ${time}: ${reason} +│ 0 +│ — +│ — +│ ${time} ${reason} +│`,
      ),
    );
    expect(lines.find((line) => line.includes('okta-eu'))).toMatch(
      new RegExp(`│ okta-eu +│ okta +│ running +│ 3 +│ ${time} +│ \\d+s +│ — +│`),
    );
  });

  it('prints the statuses as JSON with --json', async () => {
    const world = await startWorld();
    const { code, stdout } = await world.warden('collectors', 'status', '--json');
    expect(code).toBe(0);
    const statuses = JSON.parse(stdout) as CollectorStatus[];
    expect(statuses).toEqual([
      {
        name: 'okta-main',
        type: 'okta',
        state: 'halted',
        haltedReason: expect.stringMatching(
          /^Bad request - check API parameters: E0000001 Api validation failed/,
        ) as string,
        haltedAt: expect.any(String) as string,
        lastSuccessAt: null,
        collected: 0,
        lastPublished: null,
        lagSeconds: null,
        lastError: expect.stringMatching(/^Bad request - check API parameters: /) as string,
        lastErrorAt: expect.any(String) as string,
        resumeRequested: false,
      },
      expect.objectContaining({ name: 'okta-eu', state: 'running', collected: 3 }),
    ]);
  });
});

describe('warden collectors resume', () => {
  it('resumes a halted collector, which the running collectors take up; a running one is left as it is', async () => {
    const world = await startWorld();
    const requestsWhenHalted = world.halted.requests.length;
    const resumed = await world.warden('collectors', 'resume', 'okta-main');
    expect(resumed).toEqual({
      code: 0,
      stdout: 'okta-main will resume: a running gateway takes this up within a second\n',
      stderr: '',
    });
    await eventually(async () => (await world.h.status())[0]!.collected === 5);
    expect(world.halted.requests.length).toBeGreaterThan(requestsWhenHalted);

    const after = await world.warden('collectors', 'status', '--json');
    expect((JSON.parse(after.stdout) as CollectorStatus[])[0]).toMatchObject({
      name: 'okta-main',
      state: 'running',
      haltedReason: null,
      collected: 5,
      resumeRequested: false,
    });
    const again = await world.warden('collectors', 'resume', 'okta-main', '--json');
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ name: 'okta-main', state: 'running' });
    expect((await world.warden('collectors', 'resume', 'okta-eu')).stdout).toBe(
      'okta-eu is running, not halted: nothing to resume\n',
    );
  });

  it('refuses an unknown name with a clear error and a non-zero exit, resuming nothing', async () => {
    const world = await startWorld();
    await expect(world.warden('collectors', 'resume', 'okta-nope')).rejects.toThrow(
      /^no collector named "okta-nope"$/,
    );
    // The installed command (npm run build first): the message on stderr, exit code 1.
    const failed = await run(process.execPath, [
      wardenBin,
      'collectors',
      'resume',
      'okta-nope',
      '--config',
      world.configPath,
    ]).then(
      () => null,
      (error: { code: number; stdout: string; stderr: string }) => error,
    );
    expect(failed).toMatchObject({
      code: 1,
      stdout: '',
      stderr: 'warden: no collector named "okta-nope"\n',
    });
    expect((await world.h.status())[0]).toMatchObject({ state: 'halted', resumeRequested: false });
  });
});
