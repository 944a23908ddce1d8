// `warden identities` and `warden timeline` as a user runs them, on a journal written by a real
// journal, and the timeline's readable rendering.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openJournal } from '../../src/audit/index.js';
import { renderTimeline } from '../../src/cli/timeline-commands.js';
import {
  at,
  billingAgent,
  billingAgentStory,
  openTempStore,
  type TempStore,
} from '../audit/fixtures.js';
import { auditEvent } from '../support/audit-event.js';
import { runWarden } from '../support/run-cli.js';

const shown = (seconds: number) => at(seconds).replace('T', ' ').replace('.000Z', 'Z');

let temp: TempStore;
let configPath: string;

/** Runs the CLI on the test's journal. */
const warden = (...args: string[]) => runWarden(...args, '--config', configPath);

beforeAll(async () => {
  temp = await openTempStore();
  const journal = await openJournal(temp.store);
  const story = billingAgentStory();
  await journal.appendMany(story.session);
  await journal.append(story.token);
  await journal.close();
  configPath = join(dirname(temp.path), 'warden.yaml');
  writeFileSync(configPath, `store:\n  url: sqlite:${temp.path}\n`);
});

afterAll(async () => {
  await temp.cleanup();
});

describe('warden timeline', () => {
  it("tells the identity's story in time order, one row per event", async () => {
    const { code, stdout } = await warden('timeline', 'billing-agent-app');
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    expect(lines[0]).toBe(
      'billing-agent: agent from okta-prod, subject 0oa-billing, also billing-agent-app',
    );
    const rows = lines.filter((line) => line.includes(shown(0).slice(0, 10)));
    expect(rows).toHaveLength(4);
    expect(rows[0]).toMatch(
      new RegExp(`${shown(5)}.*okta-prod.*idp\\.okta.*app\\.oauth2\\.as\\.token\\.grant.*success`),
    );
    expect(rows[1]).toMatch(
      new RegExp(`${shown(10)}.*pg-prod.*session\\.start.*session opened \\(group agents-db`),
    );
    expect(rows[2]).toMatch(
      new RegExp(`${shown(11)}.*pg-prod.*db\\.query.*DELETE FROM orders WHERE id = \\$1.*success`),
    );
    expect(rows[3]).toMatch(/session\.end.*session ended \(client_terminated, 1 statements\)/);
  });

  it('pages with --after as printed, and prints JSON with --json', async () => {
    const first = await warden('timeline', billingAgent.subject, '--limit', '3');
    const more = /More: --after (\S+)/.exec(first.stdout);
    expect(more).not.toBeNull();
    const rest = await warden('timeline', billingAgent.subject, '--after', more![1]!, '--json');
    const page = JSON.parse(rest.stdout) as { items: { type: string }[]; nextCursor: null };
    expect(page.items.map((item) => item.type)).toEqual(['session.end']);
    expect(page.nextCursor).toBeNull();
  });

  it('says so for an identity never seen, and names a bad option', async () => {
    const unknown = await warden('timeline', 'nobody');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe(
      'warden: no identity known as nobody (by subject, client id or alternate id)\n',
    );
    await expect(warden('timeline', 'nobody', '--limit', '0')).rejects.toThrow(
      '--limit: expected an integer 1-1000, got "0"',
    );
    await expect(warden('timeline', billingAgent.subject, '--after', 'garbage')).rejects.toThrow(
      '--after: expected a cursor from a next link, got "garbage"',
    );
  });

  it('never passes a recorded escape sequence to the terminal', () => {
    const hostile = 'SELECT 1 \u001b]52;c;ZWNobyBwd25lZA==\u0007';
    const output = renderTimeline({
      identities: [],
      items: [auditEvent({ type: 'db.query', request: { command: hostile } })],
      nextCursor: null,
    });
    expect(output).not.toContain('\u001b');
    expect(output).toContain('\\x1b]52;c;');
  });
});

describe('warden identities', () => {
  it('lists identities with the names they are known by', async () => {
    const { code, stdout } = await warden('identities');
    expect(code).toBe(0);
    expect(stdout).toMatch(
      new RegExp(`billing-agent.*agent.*okta-prod.*0oa-billing.*billing-agent-app.*${shown(12)}`),
    );
    const json = JSON.parse((await warden('identities', '--json')).stdout);
    expect(json.identities).toHaveLength(1);
    expect(json.identities[0]).toMatchObject({ gatewayEvents: 2, idpEvents: 1 });
  });
});
