import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { issuesOf, oktaProvider, parse, pgConnection } from './helpers.js';

const env = { PG_PROD_PASSWORD: 'pw' };

/** pg-prod (from the helpers) with `extra` appended to its entry, indented as its keys. */
function withConnection(extra: string, rest = ''): string {
  return `connections:${pgConnection}\n${extra}\n${rest}`;
}

function parseConnection(extra: string) {
  const identity = `identity:\n  providers:${oktaProvider}\n`;
  const [connection] = parse(identity + withConnection(extra), env).connections;
  if (!connection) throw new Error('no connection parsed');
  return connection;
}

function issuesOfConnection(extra: string, rest = ''): string[] {
  return issuesOf(withConnection(extra, rest), env);
}

describe('guardrails config', () => {
  it('reads a block and a review rule, in order, with their conditions', () => {
    const { guardrails } = parseConnection(`    guardrails:
      - name: no-unbounded-writes
        match:
          statements: [delete-without-where, update-without-where]
          tables: [orders, public.payments]
          patterns: ['\\bpg_sleep\\b']
        message: DELETE and UPDATE need a WHERE on pg-prod
      - name: drops-need-review
        match: { statements: [drop, truncate] }
        action: review
        review:
          approverGroups: [dba, { group: sre, provider: okta }]
          approvals: 2
          timeout: 90s`);
    expect(guardrails).toHaveLength(2);
    const [block, review] = guardrails;
    expect(block).toMatchObject({
      name: 'no-unbounded-writes',
      match: {
        statements: ['delete-without-where', 'update-without-where'],
        tables: ['orders', 'public.payments'],
      },
      action: 'block',
      message: 'DELETE and UPDATE need a WHERE on pg-prod',
      review: null,
    });
    expect(review).toEqual({
      name: 'drops-need-review',
      match: { statements: ['drop', 'truncate'], tables: [], patterns: [] },
      action: 'review',
      message: null,
      review: {
        approverGroups: [
          { group: 'dba', provider: null },
          { group: 'sre', provider: 'okta' },
        ],
        approvals: 2,
        timeoutMs: 90_000,
      },
    });
  });

  it('compiles patterns case-insensitively', () => {
    const [guardrail] = parseConnection(`    guardrails:
      - { name: sleep, match: { patterns: ['\\bpg_sleep\\b'] } }`).guardrails;
    const [pattern] = guardrail?.match.patterns ?? [];
    expect(pattern?.flags).toBe('i');
    expect(pattern?.test('SELECT PG_SLEEP(10)')).toBe(true);
    expect(pattern?.test('SELECT pg_sleeper()')).toBe(false);
  });

  it('defaults a review to one approval and five minutes', () => {
    const [guardrail] = parseConnection(`    guardrails:
      - name: drops
        match: { statements: [drop] }
        action: review
        review: { approverGroups: [dba] }`).guardrails;
    expect(guardrail?.review).toEqual({
      approverGroups: [{ group: 'dba', provider: null }],
      approvals: 1,
      timeoutMs: 300_000,
    });
  });

  it('names unknown statement kinds and lists the valid ones', () => {
    expect(
      issuesOfConnection(`    guardrails:
      - { name: g, match: { statements: [delete, deletes] } }`),
    ).toEqual([
      'connections[0].guardrails[0].match.statements[1]: expected one of select, insert, update, ' +
        'delete, merge, copy, truncate, create, alter, drop, ddl, grant, revoke, role, ' +
        'transaction, set, call, do, delete-without-where, update-without-where, unparsed, ' +
        'other, got "deletes"',
    ]);
  });

  it('refuses a pattern that does not compile, with the engine reason', () => {
    expect(
      issuesOfConnection(`    guardrails:
      - { name: g, match: { patterns: ['ok', '(unclosed'] } }`),
    ).toEqual([
      'connections[0].guardrails[0].match.patterns[1]: ' +
        'Invalid regular expression: /(unclosed/i: Unterminated group',
    ]);
  });

  it('needs a match with at least one condition, and no empty condition list', () => {
    expect(issuesOfConnection(`    guardrails:\n      - { name: g }`)).toEqual([
      'connections[0].guardrails[0].match: required',
    ]);
    expect(issuesOfConnection(`    guardrails:\n      - { name: g, match: {} }`)).toEqual([
      'connections[0].guardrails[0].match: expected at least one of statements, tables, patterns',
    ]);
    expect(
      issuesOfConnection(`    guardrails:
      - { name: g, match: { statements: [drop], tables: [], patterns: [] } }`),
    ).toEqual([
      'connections[0].guardrails[0].match.tables: expected a non-empty list of tables, got an empty list',
      'connections[0].guardrails[0].match.patterns: ' +
        'expected a non-empty list of regular expressions, got an empty list',
    ]);
    expect(
      issuesOfConnection(`    guardrails:
      - { name: g, match: { statement: [drop] } }`),
    ).toEqual([
      'connections[0].guardrails[0].match.statement: unknown key; expected one of statements, tables, patterns',
      'connections[0].guardrails[0].match: expected at least one of statements, tables, patterns',
    ]);
  });

  it('needs review settings with action review and refuses them with block', () => {
    expect(
      issuesOfConnection(`    guardrails:
      - { name: g, match: { statements: [drop] }, action: review }`),
    ).toEqual(['connections[0].guardrails[0].review: required with action: review']);
    expect(
      issuesOfConnection(`    guardrails:
      - name: g
        match: { statements: [drop] }
        review: { approverGroups: [dba] }`),
    ).toEqual(['connections[0].guardrails[0].review: applies only with action: review']);
    expect(
      issuesOfConnection(`    guardrails:
      - { name: g, match: { statements: [drop] }, action: hold }`),
    ).toEqual(['connections[0].guardrails[0].action: expected one of block, review, got "hold"']);
  });

  it('checks review bounds and approver groups', () => {
    expect(
      issuesOfConnection(`    guardrails:
      - name: g
        match: { statements: [drop] }
        action: review
        review: { approverGroups: [], approvals: 11, timeout: 2h }`),
    ).toEqual([
      'connections[0].guardrails[0].review.approverGroups: expected a non-empty list of groups, got an empty list',
      'connections[0].guardrails[0].review.approvals: expected an integer 1-10, got 11',
      'connections[0].guardrails[0].review.timeout: ' +
        'expected a duration of 1s to 1h (e.g. 30s, 5m, 12h, 400d), got "2h"',
    ]);
    expect(
      issuesOfConnection(`    guardrails:
      - name: g
        match: { statements: [drop] }
        action: review
        review: { approvals: 0 }`),
    ).toEqual([
      'connections[0].guardrails[0].review.approverGroups: required',
      'connections[0].guardrails[0].review.approvals: expected an integer 1-10, got 0',
    ]);
  });

  it('refuses a reviewer group naming a provider that is not configured', () => {
    expect(
      issuesOf(
        `identity:
  providers:${oktaProvider}
${withConnection(`    guardrails:
      - name: g
        match: { statements: [drop] }
        action: review
        review: { approverGroups: [{ group: dba, provider: entra }] }`)}`,
        env,
      ),
    ).toEqual([
      'connections[0].guardrails[0].review.approverGroups[0].provider: ' +
        'no provider named "entra"; configured: okta',
    ]);
  });

  it('refuses duplicate and malformed names within a connection', () => {
    expect(
      issuesOfConnection(`    guardrails:
      - { name: g, match: { statements: [drop] } }
      - { name: g, match: { statements: [truncate] } }
      - { name: 'has space', match: { statements: [grant] } }`),
    ).toEqual([
      'connections[0].guardrails[2].name: expected a name of 1-63 letters, digits, "_", "." or "-", got "has space"',
      'connections[0].guardrails[1].name: duplicate guardrail name "g" (also used by connections[0].guardrails[0])',
    ]);
  });
});

describe('access approval config', () => {
  it('reads approvers, approvals, duration and request lifetime', () => {
    const { accessApproval } = parseConnection(`    accessApproval:
      approverGroups: [{ group: dba }]
      approvals: 2
      duration: 30m
      requestTtl: 2d`);
    expect(accessApproval).toEqual({
      approverGroups: [{ group: 'dba', provider: null }],
      approvals: 2,
      durationMs: 1_800_000,
      requestTtlMs: 172_800_000,
    });
  });

  it('defaults to one approval for an hour, requests open for a day; absent, none is needed', () => {
    expect(parseConnection('    accessApproval: { approverGroups: [dba] }').accessApproval).toEqual(
      {
        approverGroups: [{ group: 'dba', provider: null }],
        approvals: 1,
        durationMs: 3_600_000,
        requestTtlMs: 86_400_000,
      },
    );
    expect(parseConnection('').accessApproval).toBeNull();
  });

  it('names each wrong key', () => {
    expect(
      issuesOfConnection(`    accessApproval: { duration: 31d, requestTtl: 30s, ttl: 1h }`),
    ).toEqual([
      'connections[0].accessApproval.ttl: unknown key; expected one of approverGroups, approvals, duration, requestTtl',
      'connections[0].accessApproval.approverGroups: required',
      'connections[0].accessApproval.duration: ' +
        'expected a duration of 1m to 30d (e.g. 30s, 5m, 12h, 400d), got "31d"',
      'connections[0].accessApproval.requestTtl: ' +
        'expected a duration of 1m to 30d (e.g. 30s, 5m, 12h, 400d), got "30s"',
    ]);
    expect(
      issuesOfConnection(
        `    accessApproval: { approverGroups: [{ group: dba, provider: okta }] }`,
      ),
    ).toEqual([
      'connections[0].accessApproval.approverGroups[0].provider: no provider named "okta"; configured: none',
    ]);
  });
});

describe('masking config', () => {
  it('defaults to every built-in detector on the record and nothing on results', () => {
    const expected = {
      detectors: ['email', 'card', 'secrets', 'passwords'],
      custom: [],
      results: { columns: [], detectors: [] },
    };
    expect(parseConnection('').masking).toEqual(expected);
    expect(parseConnection('    masking: {}').masking).toEqual(expected);
  });

  it('reads chosen detectors, custom patterns and what is masked in results', () => {
    const { masking } = parseConnection(`    masking:
      detectors: [email, passwords]
      custom:
        - { name: employee-id, pattern: 'EMP-\\d{6}' }
      results:
        columns: [email, ssn]
        detectors: [card, employee-id]`);
    expect(masking.detectors).toEqual(['email', 'passwords']);
    expect(masking.results).toEqual({
      columns: ['email', 'ssn'],
      detectors: ['card', 'employee-id'],
    });
    const [custom] = masking.custom;
    expect(custom?.name).toBe('employee-id');
    expect(custom?.pattern.flags).toBe('g');
    expect('EMP-123456 and EMP-654321, not emp-111111'.match(custom?.pattern ?? /x/)).toEqual([
      'EMP-123456',
      'EMP-654321',
    ]);
  });

  it('turns the built-ins off with an empty list', () => {
    expect(parseConnection('    masking: { detectors: [] }').masking.detectors).toEqual([]);
  });

  it('refuses unknown detectors, listing the known ones', () => {
    expect(issuesOfConnection('    masking: { detectors: [email, phone] }')).toEqual([
      'connections[0].masking.detectors[1]: expected one of email, card, secrets, passwords, got "phone"',
    ]);
    expect(
      issuesOfConnection(`    masking:
      custom: [{ name: employee-id, pattern: 'EMP-\\d{6}' }]
      results: { detectors: [employee-ids] }`),
    ).toEqual([
      'connections[0].masking.results.detectors[0]: ' +
        'expected one of email, card, secrets, passwords, employee-id, got "employee-ids"',
    ]);
  });

  it('refuses a custom detector with a built-in or repeated name, or a bad pattern', () => {
    expect(
      issuesOfConnection(`    masking:
      custom:
        - { name: email, pattern: 'x@y' }
        - { name: badge, pattern: 'B-\\d+' }
        - { name: badge, pattern: 'C-\\d+' }
        - { name: anything, pattern: '\\d*' }
        - { name: broken, pattern: '[a-' }
        - { name: nameless }`),
    ).toEqual([
      'connections[0].masking.custom[0].name: "email" is a built-in detector; choose another name',
      'connections[0].masking.custom[3].pattern: the pattern matches the empty string; it must match some text',
      'connections[0].masking.custom[4].pattern: Invalid regular expression: /[a-/g: Unterminated character class',
      'connections[0].masking.custom[5].pattern: required',
      'connections[0].masking.custom[2].name: duplicate detector name "badge" (also used by connections[0].masking.custom[1])',
    ]);
  });
});

describe('recording exclusions config', () => {
  it('reads command matches, each on chosen connections or all', () => {
    const { recording } = parse(
      withConnection(
        '',
        `recording:
  exclude:
    - patterns: ['^\\s*select\\s+1\\s*;?\\s*$']
      connections: [pg-prod]
    - statements: [set]`,
      ),
      env,
    );
    expect(recording.exclude).toHaveLength(2);
    const [healthCheck, sets] = recording.exclude;
    expect(healthCheck?.connections).toEqual(['pg-prod']);
    expect(healthCheck?.patterns[0]?.test('SELECT 1;')).toBe(true);
    expect(sets).toEqual({ statements: ['set'], tables: [], patterns: [], connections: [] });
  });

  it('refuses unknown connections and exclusions without conditions', () => {
    expect(
      issuesOfConnection(
        '',
        `recording:
  exclude:
    - { patterns: ['^select 1$'], connections: [pg-prod, pg-stage] }
    - { connections: [pg-prod] }
    - { patterns: [] }`,
      ),
    ).toEqual([
      'recording.exclude[0].connections[1]: no connection named "pg-stage"; configured: pg-prod',
      'recording.exclude[1]: expected at least one of statements, tables, patterns',
      'recording.exclude[2].patterns: expected a non-empty list of regular expressions, got an empty list',
    ]);
  });
});

const notifications = `notifications:
  - name: oncall
    type: slack
    url: \${SLACK_WEBHOOK_URL}
  - name: siem-hook
    type: webhook
    url: https://hooks.example.com/warden
    secret: whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
    timeout: 3s`;
const slackUrl = 'https://hooks.slack.com/services/T000/B000/XXXXXXXX';

describe('alert rules config', () => {
  it('reads a rule with every condition, a threshold and channels', () => {
    const [alert] = parse(
      withConnection(
        '    tags: [sensitive]',
        `${notifications}
alerts:
  - name: delete-burst
    severity: high
    description: Five or more deletes by one agent within a minute
    match:
      types: [db.query, session.*]
      connections: [pg-prod]
      tags: [sensitive]
      groups: [agents-db]
      kinds: [agent]
      statements: [delete]
      tables: []
      patterns: []
      outcomes: [success]
    threshold: { count: 5, window: 1m, by: session }
    notify: [oncall, siem-hook]`,
      ),
      { ...env, SLACK_WEBHOOK_URL: slackUrl },
    ).alerts;
    expect(alert).toEqual({
      name: 'delete-burst',
      severity: 'high',
      description: 'Five or more deletes by one agent within a minute',
      match: {
        types: ['db.query', 'session.*'],
        connections: ['pg-prod'],
        tags: ['sensitive'],
        groups: ['agents-db'],
        kinds: ['agent'],
        command: { statements: ['delete'], tables: [], patterns: [] },
        outcomes: ['success'],
      },
      threshold: { count: 5, windowMs: 60_000, by: 'session' },
      notify: ['oncall', 'siem-hook'],
    });
  });

  it('defaults severity, description, threshold, notify, and has no command condition without one', () => {
    const [alert] = parse('alerts:\n  - { name: denied, match: { types: [authz.denied] } }').alerts;
    expect(alert).toEqual({
      name: 'denied',
      severity: 'medium',
      description: null,
      match: {
        types: ['authz.denied'],
        connections: [],
        tags: [],
        groups: [],
        kinds: [],
        command: null,
        outcomes: [],
      },
      threshold: null,
      notify: [],
    });
    const [withEmptyLists] = parse(
      'alerts:\n  - { name: fails, match: { outcomes: [failure], tables: [] } }',
    ).alerts;
    expect(withEmptyLists?.match.command).toBeNull();
    const [patternOnly] = parse(
      "alerts:\n  - { name: sleeps, match: { patterns: ['pg_sleep'] } }",
    ).alerts;
    expect(patternOnly?.match.command?.patterns[0]?.test('select PG_SLEEP(1)')).toBe(true);
  });

  it('defaults a threshold to counting per actor and needs its count and window', () => {
    const [alert] = parse(
      'alerts:\n  - { name: a, match: { kinds: [person] }, threshold: { count: 2, window: 7d } }',
    ).alerts;
    expect(alert?.threshold).toEqual({ count: 2, windowMs: 604_800_000, by: 'actor' });
    expect(
      issuesOf('alerts:\n  - { name: a, match: { kinds: [person] }, threshold: { by: host } }'),
    ).toEqual([
      'alerts[0].threshold.count: required',
      'alerts[0].threshold.window: required',
      'alerts[0].threshold.by: expected one of actor, connection, session, source, all, got "host"',
    ]);
    expect(
      issuesOf(
        'alerts:\n  - { name: a, match: { kinds: [person] }, threshold: { count: 1, window: 8d } }',
      ),
    ).toEqual([
      'alerts[0].threshold.count: expected an integer 2-100000, got 1',
      'alerts[0].threshold.window: expected a duration of 1s to 7d (e.g. 30s, 5m, 12h, 400d), got "8d"',
    ]);
  });

  it('needs a match with at least one condition', () => {
    expect(issuesOf('alerts:\n  - { name: a }')).toEqual(['alerts[0].match: required']);
    expect(issuesOf('alerts:\n  - { name: a, match: { types: [], tables: [] } }')).toEqual([
      'alerts[0].match: expected at least one condition with an entry (types, connections, tags, ' +
        'groups, kinds, statements, tables, patterns, outcomes)',
    ]);
  });

  it('names each wrong condition', () => {
    expect(
      issuesOf(
        `alerts:
  - name: a
    severity: urgent
    match:
      types: [DB.Query]
      connections: [pg-prod]
      kinds: [robot]
      statements: [erase]
      patterns: ['+']
      outcomes: [ok]`,
      ),
    ).toEqual([
      'alerts[0].severity: expected one of info, low, medium, high, critical, got "urgent"',
      'alerts[0].match.types[0]: expected an event type such as db.query, or a prefix such as db.*, got "DB.Query"',
      'alerts[0].match.connections[0]: no connection named "pg-prod"; configured: none',
      'alerts[0].match.kinds[0]: expected one of agent, person, got "robot"',
      'alerts[0].match.statements[0]: expected one of select, insert, update, delete, merge, copy, ' +
        'truncate, create, alter, drop, ddl, grant, revoke, role, transaction, set, call, do, ' +
        'delete-without-where, update-without-where, unparsed, other, got "erase"',
      'alerts[0].match.patterns[0]: Invalid regular expression: /+/i: Nothing to repeat',
      'alerts[0].match.outcomes[0]: expected one of success, failure, denied, unknown, got "ok"',
    ]);
  });

  it('refuses unknown channels and duplicate names', () => {
    expect(
      issuesOf(
        `${notifications}
alerts:
  - { name: a, match: { kinds: [agent] }, notify: [oncall, pager] }
  - { name: a, match: { kinds: [person] } }`,
        { SLACK_WEBHOOK_URL: slackUrl },
      ),
    ).toEqual([
      'alerts[0].notify[1]: no notification channel named "pager"; configured: oncall, siem-hook',
      'alerts[1].name: duplicate alert name "a" (also used by alerts[0])',
    ]);
  });
});

describe('notification channels config', () => {
  it('reads Slack and webhook channels, with defaults', () => {
    const config = parse(
      `${notifications}
  - { name: local, type: webhook, url: 'http://127.0.0.1:9000/hook' }`,
      { SLACK_WEBHOOK_URL: slackUrl },
    );
    expect(config.notifications).toEqual([
      { name: 'oncall', type: 'slack', url: slackUrl, secret: null, timeoutMs: 10_000 },
      {
        name: 'siem-hook',
        type: 'webhook',
        url: 'https://hooks.example.com/warden',
        secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
        timeoutMs: 3000,
      },
      {
        name: 'local',
        type: 'webhook',
        url: 'http://127.0.0.1:9000/hook',
        secret: null,
        timeoutMs: 10_000,
      },
    ]);
  });

  it('refuses plain http off loopback without showing the URL', () => {
    const issues = issuesOf(
      `notifications:
  - { name: a, type: slack, url: '\${SLACK_WEBHOOK_URL}' }
  - { name: b, type: webhook, url: 'http://hooks.example.com/T000/secret-path' }
  - { name: c, type: webhook, url: 'not a url' }`,
      { SLACK_WEBHOOK_URL: 'http://hooks.slack.com/services/T000/B000/XXXXXXXX' },
    );
    const refused = 'expected an https URL (http only on a loopback host) (value not shown)';
    expect(issues).toEqual([
      `notifications[0].url: ${refused}`,
      `notifications[1].url: ${refused}`,
      `notifications[2].url: ${refused}`,
    ]);
  });

  it('takes a signing secret only on webhooks, and only a whsec_ one', () => {
    expect(
      issuesOf(
        `notifications:
  - { name: a, type: slack, url: 'https://hooks.slack.com/x', secret: whsec_abc= }
  - { name: b, type: webhook, url: 'https://hooks.example.com/x', secret: plain-secret-text }
  - { name: c, type: email, url: 'https://hooks.example.com/x' }
  - { name: a, type: webhook, url: 'https://hooks.example.com/x', timeout: 10m }
  - { name: e, url: 'https://hooks.example.com/x' }`,
      ),
    ).toEqual([
      'notifications[0].secret: applies only to type webhook (Slack signs nothing)',
      'notifications[1].secret: expected whsec_ followed by base64 (value not shown)',
      'notifications[2].type: expected one of webhook, slack, got "email"',
      'notifications[3].timeout: expected a duration of 100ms to 5m (e.g. 30s, 5m, 12h, 400d), got "10m"',
      'notifications[4].type: required',
      'notifications[3].name: duplicate notification channel name "a" (also used by notifications[0])',
    ]);
  });
});

describe('reviews config', () => {
  it('reads the channels told of new requests and the approval address', () => {
    const { reviews } = parse(
      `${notifications}
reviews:
  notify: [oncall]
  approveUrl: https://warden.internal:8080`,
      { SLACK_WEBHOOK_URL: slackUrl },
    );
    expect(reviews).toEqual({ notify: ['oncall'], approveUrl: 'https://warden.internal:8080' });
    expect(parse('reviews: {}').reviews).toEqual({ notify: [], approveUrl: null });
  });

  it('refuses unknown channels and a URL that is not http(s)', () => {
    expect(issuesOf('reviews: { notify: [oncall], approveUrl: ftp://warden.internal }')).toEqual([
      'reviews.notify[0]: no notification channel named "oncall"; configured: none',
      'reviews.approveUrl: expected an http:// or https:// URL, got "ftp://warden.internal"',
    ]);
  });
});

describe('warden.example.yaml policy sections', () => {
  it('blocks unbounded writes, reviews drops, masks and alerts on a burst of deletes', async () => {
    const example = fileURLToPath(new URL('../../warden.example.yaml', import.meta.url));
    const config = await loadConfig(example, env);
    const [connection] = config.connections;
    expect(connection?.guardrails.map(({ name, action }) => ({ name, action }))).toEqual([
      { name: 'no-unbounded-writes', action: 'block' },
      { name: 'drops-need-review', action: 'review' },
    ]);
    expect(connection?.masking.custom.map((detector) => detector.name)).toEqual(['employee-id']);
    expect(config.alerts[0]).toMatchObject({
      name: 'delete-burst',
      threshold: { count: 5, windowMs: 60_000, by: 'actor' },
    });
  });
});
