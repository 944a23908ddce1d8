import { describe, expect, it } from 'vitest';
import type { EventDraft } from '../../src/audit/event.js';
import {
  BUILTIN_DETECTORS,
  type BuiltinDetector,
  type MaskingConfig,
} from '../../src/config/policy-types.js';
import { Masker, maskerFor } from '../../src/policy/masking/index.js';
import { KeywordScan } from '../../src/policy/masking/keyword-scan.js';
import { postgresConnection, postgresTarget } from '../support/postgres-connection.js';

function config(
  detectors: readonly BuiltinDetector[] = BUILTIN_DETECTORS,
  custom: MaskingConfig['custom'] = [],
): MaskingConfig {
  return { detectors: [...detectors], custom, results: { columns: [], detectors: [] } };
}

/** The masked text and the counts of one `mask` call. */
function masked(text: string, masker = new Masker(config())) {
  const counts: Record<string, number> = {};
  return { text: masker.mask(text, counts), counts };
}

describe('email', () => {
  const email = new Masker(config(['email']));

  it.each([
    ['contact a@b.co today', 'contact [masked:email] today'],
    [
      "INSERT INTO users VALUES ('jane.doe+tag@mail.example.org')",
      "INSERT INTO users VALUES ('[masked:email]')",
    ],
    ['Key (email)=(a@b.com) already exists', 'Key (email)=([masked:email]) already exists'],
    ['x@y.io, z@w.io', '[masked:email], [masked:email]'],
  ])('masks %j', (text, expected) => {
    expect(masked(text, email).text).toBe(expected);
  });

  it.each(['postgres@localhost', 'agent@db1', 'an @ sign alone', 'user@host.c0m'])(
    'leaves %j alone (no top-level domain of letters)',
    (text) => {
      expect(masked(text, email)).toEqual({ text, counts: {} });
    },
  );

  it('counts each address', () => {
    expect(masked('a@b.com b@c.com', email).counts).toEqual({ email: 2 });
  });
});

describe('card', () => {
  const card = new Masker(config(['card']));

  it.each([
    ['4111111111111111', '[masked:card]'],
    ['card 4111 1111 1111 1111 exp', 'card [masked:card] exp'],
    ['5555-5555-5555-4444', '[masked:card]'],
    ['amex 378282246310005.', 'amex [masked:card].'],
    ['1 | 6011111111111117 | visa', '1 | [masked:card] | visa'],
    ['4222222222222', '[masked:card]'],
  ])('masks %j (Luhn-valid)', (text, expected) => {
    expect(masked(text, card).text).toBe(expected);
  });

  it.each([
    ['fails Luhn', '4111111111111112'],
    ['too short', '411111111111'],
    ['part of a longer number', '41111111111111110000000'],
    ['two separators in a row', '4111  1111  1111  1111'],
    ['a database id starting with 1 (Luhn-valid)', '1234567890123456789'],
    ['separated by something else', '4111.1111.1111.1111'],
  ])('leaves a number alone: %s', (_reason, text) => {
    expect(masked(text, card)).toEqual({ text, counts: {} });
  });

  it('checks the Luhn-valid database id premise of the test above', () => {
    // 1234567890123456789 is not Luhn-valid by chance; this one is, and still starts with 1.
    expect(masked('1000000000000000009', card).counts).toEqual({});
  });
});

describe('secrets', () => {
  const secrets = new Masker(config(['secrets']));

  it.each([
    ['AWS access key id', 'key AKIAIOSFODNN7EXAMPLE here', 'key [masked:secrets] here'],
    ['AWS temporary key id', 'ASIAY34FZKBOKMUTVV7A', '[masked:secrets]'],
    [
      'AWS secret in an assignment',
      'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      'aws_secret_access_key = [masked:secrets]',
    ],
    [
      'AWS secret in YAML',
      'AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"',
      'AWS_SECRET_ACCESS_KEY: "[masked:secrets]"',
    ],
    ['GitHub PAT', 'ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789', '[masked:secrets]'],
    ['GitHub OAuth token', 'gho_16C7e42F292c6912E7710c838347Ae178B4a', '[masked:secrets]'],
    ['GitHub app token', 'ghs_16C7e42F292c6912E7710c838347Ae178B4a!', '[masked:secrets]!'],
    [
      'GitHub fine-grained PAT',
      'github_pat_11ABCDEFG0123456789abc_0123456789abcdefghijABCDEFGHIJ0123456789abcdefghijABCDEFGHI',
      '[masked:secrets]',
    ],
    ['GitLab PAT', 'glpat-xxxxXXXX1234yyyyZZZZ', '[masked:secrets]'],
    [
      'Slack bot token',
      'xoxb-1234567890-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx',
      '[masked:secrets]',
    ],
    ['Slack user token', 'xoxp-1234567890-abcdef', '[masked:secrets]'],
    [
      'Slack webhook',
      'https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX',
      'https://hooks.slack.com/services/[masked:secrets]',
    ],
    ['Stripe live key', 'sk_live_4eC39HqLyjWDarjtT1zdp7dc', '[masked:secrets]'],
    ['Stripe restricted key', 'rk_live_51H8abcdEFGHijklMNOP', '[masked:secrets]'],
    ['Google API key', 'AIzaSyA-1234567890abcdefghijklmnopqrstu', '[masked:secrets]'],
    ['OpenAI key', 'sk-proj-Abc123Def456Ghi789Jkl012Mno345', '[masked:secrets]'],
    ['Anthropic key', 'sk-ant-api03-abcdEFGH1234ijklMNOP5678qrst-_', '[masked:secrets]'],
    [
      'JWT',
      'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
      '[masked:secrets]',
    ],
    [
      'PEM private key',
      '-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----',
      '-----BEGIN RSA PRIVATE KEY-----[masked:secrets]-----END RSA PRIVATE KEY-----',
    ],
    [
      'PEM private key cut short by a sample',
      'key | -----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA',
      'key | -----BEGIN OPENSSH PRIVATE KEY-----[masked:secrets]',
    ],
    [
      'Bearer token',
      'Authorization: Bearer abcdefghijklmnop0123.xyz',
      'Authorization: Bearer [masked:secrets]',
    ],
    [
      'connection URI with a password',
      "dblink_connect('postgres://app:s3cr3t@db.example.com:5432/app')",
      "dblink_connect('postgres://app:[masked:secrets]@db.example.com:5432/app')",
    ],
    [
      'URI with an empty user',
      'redis://:hunter2@cache:6379',
      'redis://:[masked:secrets]@cache:6379',
    ],
    [
      'SQL assignment',
      "UPDATE users SET password = 'hunter2' WHERE id = 1",
      "UPDATE users SET password = '[masked:secrets]' WHERE id = 1",
    ],
    ['doubled quote inside', "SET app.token = 'it''s' ;", "SET app.token = '[masked:secrets]' ;"],
    ['JSON', '{"client_secret":"abc\\"def","id":1}', '{"client_secret":"[masked:secrets]","id":1}'],
    ['environment', 'DB_PASSWORD=hunter2 PORT=5432', 'DB_PASSWORD=[masked:secrets] PORT=5432'],
    [
      'query string',
      '/cb?access_token=abc123&state=x',
      '/cb?access_token=[masked:secrets]&state=x',
    ],
    ['libpq conninfo', 'host=db passwd=pa:ss user=x', 'host=db passwd=[masked:secrets] user=x'],
    ['api key header', 'X-Api-Key: 0123456789', 'X-Api-Key: [masked:secrets]'],
    ['camelCase name', '{"clientSecret": "s3cr3t"}', '{"clientSecret": "[masked:secrets]"}'],
    ['name with a suffix', "password_hash = '$2b$12$abc'", "password_hash = '[masked:secrets]'"],
  ])('masks a %s', (_name, text, expected) => {
    expect(masked(text, secrets).text).toBe(expected);
  });

  it.each([
    ['the word password in prose', 'Forgot your password? Reset it from the account page.'],
    ['a password column', 'SELECT id, password, token FROM users WHERE id = 1'],
    ['a placeholder', 'SELECT * FROM sessions WHERE token = $1'],
    ['a cast', 'SELECT token::text FROM sessions'],
    ['a comparison', "SELECT 1 WHERE token <> 'x'"],
    ['a name without an assignment', 'WHERE token_count > 5 AND password_changed_at < now()'],
    ['an AKIA-like word too short', 'AKIAEXAMPLE'],
    ['a ghp_ too short', 'ghp_short'],
    ['sk- in prose', 'ask-for-permission-before-deleting-anything'],
    ['a URI without password', 'postgres://app@db.example.com/app'],
    ['a bearer in prose', 'the bearer of bad news'],
    ['one dot is not a JWT', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0'],
  ])('leaves %s alone', (_name, text) => {
    expect(masked(text, secrets)).toEqual({ text, counts: {} });
  });

  it('leaves a quoted value without its closing quote alone (in one pass: no backtracking blow-up)', () => {
    const text = `password="${"'".repeat(100)}`;
    expect(masked(text, secrets)).toEqual({ text, counts: {} });
  });

  it('counts a token once, even where a context pattern would also see it', () => {
    expect(masked('token=ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789', secrets)).toEqual({
      text: 'token=[masked:secrets]',
      counts: { secrets: 1 },
    });
    expect(masked('Authorization: Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.', secrets)).toEqual({
      text: 'Authorization: Bearer [masked:secrets]',
      counts: { secrets: 1 },
    });
  });
});

describe('passwords', () => {
  const passwords = new Masker(config(['passwords']));

  it.each([
    ["ALTER ROLE app PASSWORD 'hunter2'", "ALTER ROLE app PASSWORD '[masked:passwords]'"],
    ["alter user app with password 'x y'", "alter user app with password '[masked:passwords]'"],
    [
      "CREATE ROLE app WITH LOGIN ENCRYPTED PASSWORD 'it''s' VALID UNTIL 'infinity'",
      "CREATE ROLE app WITH LOGIN ENCRYPTED PASSWORD '[masked:passwords]' VALID UNTIL 'infinity'",
    ],
    ["CREATE USER app PASSWORD E'a\\'b''c'", "CREATE USER app PASSWORD E'[masked:passwords]'"],
    ["ALTER ROLE app PASSWORD $$p$a'ss$$", 'ALTER ROLE app PASSWORD $$[masked:passwords]$$'],
    [
      'ALTER ROLE app PASSWORD $pw$x$$y$pw$;',
      'ALTER ROLE app PASSWORD $pw$[masked:passwords]$pw$;',
    ],
    [
      'ALTER USER "App" PASSWORD \'SCRAM-SHA-256$4096:c2FsdA==$aGFzaA==:a2V5\'',
      'ALTER USER "App" PASSWORD \'[masked:passwords]\'',
    ],
    [
      "CREATE USER a PASSWORD 'p1'; CREATE USER b PASSWORD 'p2';",
      "CREATE USER a PASSWORD '[masked:passwords]'; CREATE USER b PASSWORD '[masked:passwords]';",
    ],
  ])('masks the literal of %j', (text, expected) => {
    expect(masked(text, passwords).text).toBe(expected);
  });

  it.each([
    'ALTER ROLE app PASSWORD NULL',
    "ALTER ROLE app VALID UNTIL '2030-01-01'",
    "SELECT 'password' FROM t",
    "ALTER ROLE app RENAME TO app2; SELECT 'x' AS password ",
    "ALTER ROLE app PASSWORD ''",
  ])('leaves %j alone', (text) => {
    expect(masked(text, passwords)).toEqual({ text, counts: {} });
  });

  it('counts the password once with every detector on', () => {
    expect(masked("ALTER ROLE app PASSWORD 'a@b.com'")).toEqual({
      text: "ALTER ROLE app PASSWORD '[masked:passwords]'",
      counts: { passwords: 1 },
    });
  });
});

describe('custom detectors', () => {
  it.each([
    ['with the g flag', /EMP-\d{6}/g],
    ['without it', /EMP-\d{6}/],
    ['sticky', /EMP-\d{6}/y],
  ])('masks every match of a pattern %s, and leaves the pattern as it was', (_name, pattern) => {
    const masker = new Masker(config([], [{ name: 'employee-id', pattern }]));
    expect(masked('EMP-123456 and EMP-654321, not EMP-12', masker)).toEqual({
      text: '[masked:employee-id] and [masked:employee-id], not EMP-12',
      counts: { 'employee-id': 2 },
    });
    expect(pattern.lastIndex).toBe(0);
  });

  it('masks a whole match even when the pattern has groups', () => {
    const masker = new Masker(config([], [{ name: 'ssn', pattern: /(\d{3})-(\d{2})-\d{4}/g }]));
    expect(masked('ssn 123-45-6789', masker).text).toBe('ssn [masked:ssn]');
  });

  it('counts nothing for an empty match', () => {
    const masker = new Masker(config([], [{ name: 'x', pattern: /x*/g }]));
    expect(masked('abc', masker)).toEqual({ text: 'abc', counts: {} });
  });

  it('runs after the built-ins', () => {
    const masker = new Masker(config(['email'], [{ name: 'domain', pattern: /example\.com/g }]));
    expect(masked('a@example.com example.com', masker)).toEqual({
      text: '[masked:email] [masked:domain]',
      counts: { email: 1, domain: 1 },
    });
  });
});

describe('Masker.mask', () => {
  it('returns the same string instance when nothing is found', () => {
    // Built at run time, so identity is not the interning of equal literals.
    const text = ['SELECT id, item FROM orders', 'WHERE customer_id = 42'].join(' ');
    expect(masked(text).text).toBe(text);
    expect(Object.is(new Masker(config()).mask(text, {}), text)).toBe(true);
  });

  it('applies only the configured detectors', () => {
    const text = "a@b.com 4111111111111111 ALTER ROLE x PASSWORD 'p' token=abc";
    expect(masked(text, new Masker(config([])))).toEqual({ text, counts: {} });
    expect(masked(text, new Masker(config(['card']))).counts).toEqual({ card: 1 });
  });

  it('adds to the counts it is given', () => {
    const counts = { email: 2 };
    new Masker(config()).mask('a@b.com', counts);
    expect(counts).toEqual({ email: 3 });
  });
});

describe('Masker.maskDraft', () => {
  const masker = new Masker(config());

  function queryDraft(): EventDraft {
    return {
      type: 'db.query',
      sessionId: 's1',
      connection: { name: 'pg-prod', type: 'postgres' },
      request: {
        command: 'INSERT INTO users (email, card) VALUES ($1, $2)',
        params: ['jane@example.com', null, '4111 1111 1111 1111', '42'],
        statementIndex: 3,
        protocol: 'extended',
      },
      response: {
        rows: 1,
        bytes: 40,
        sample: 'id | email\n1 | jane@example.com\nINSERT 0 1',
        truncated: false,
      },
      outcome: {
        result: 'failure',
        error: { code: '23505', message: 'Key (email)=(jane@example.com) already exists' },
        durationMs: 1,
      },
    };
  }

  it('masks the command, each parameter, the sample and the error message, and counts them all', () => {
    const draft = queryDraft();
    draft.request!.command = "ALTER ROLE app PASSWORD 'hunter2'";
    expect(masker.maskDraft(draft)).toEqual({
      ...queryDraft(),
      request: {
        command: "ALTER ROLE app PASSWORD '[masked:passwords]'",
        params: ['[masked:email]', null, '[masked:card]', '42'],
        statementIndex: 3,
        protocol: 'extended',
      },
      response: {
        rows: 1,
        bytes: 40,
        sample: 'id | email\n1 | [masked:email]\nINSERT 0 1',
        truncated: false,
      },
      outcome: {
        result: 'failure',
        error: { code: '23505', message: 'Key (email)=([masked:email]) already exists' },
        durationMs: 1,
      },
      masked: { passwords: 1, email: 3, card: 1 },
    });
  });

  it('changes none of the caller’s objects, and shares what it did not change', () => {
    const draft = queryDraft();
    const start: EventDraft = { type: 'db.query.start', request: draft.request! };
    const before = structuredClone(draft);
    const result = masker.maskDraft(draft);
    const startResult = masker.maskDraft(start);
    expect(draft).toEqual(before);
    expect(start).toEqual({ type: 'db.query.start', request: before.request });
    expect(startResult.request).toEqual(result.request);
    expect(startResult.masked).toEqual({ email: 1, card: 1 });
    expect(result.sessionId).toBe('s1');
    expect(result.connection).toBe(draft.connection);
  });

  it('counts a command in each draft of its statement, and a different command afresh', () => {
    const request = { command: "ALTER ROLE app PASSWORD 'hunter2'" };
    const start = masker.maskDraft({ type: 'db.query.start', request });
    const completed = masker.maskDraft({
      type: 'db.query',
      request,
      outcome: { result: 'success', error: null },
    });
    expect(start.masked).toEqual({ passwords: 1 });
    expect(completed.masked).toEqual({ passwords: 1 });
    expect(completed.request).toEqual(start.request);
    const other = { type: 'db.query', request: { command: 'SELECT 1' } };
    expect(masker.maskDraft(other)).toBe(other);
    const again = { type: 'db.query', request: { command: "ALTER ROLE app PASSWORD 'x'" } };
    expect(masker.maskDraft(again).request!.command).toBe(
      "ALTER ROLE app PASSWORD '[masked:passwords]'",
    );
  });

  it('keeps the request’s keys in their order', () => {
    const result = masker.maskDraft(queryDraft());
    expect(Object.keys(result.request!)).toEqual([
      'command',
      'params',
      'statementIndex',
      'protocol',
    ]);
  });

  it('adds to counts the draft already carries', () => {
    const draft: EventDraft = {
      type: 'x',
      masked: { email: 1, column: 2 },
      response: { rows: 0, bytes: 0, sample: 'a@b.com', truncated: false },
    };
    expect(masker.maskDraft(draft).masked).toEqual({ email: 2, column: 2 });
    expect(draft.masked).toEqual({ email: 1, column: 2 });
  });

  it('returns the draft itself when nothing is found', () => {
    const draft: EventDraft = {
      type: 'db.query',
      request: { command: 'SELECT 1', params: ['42', null] },
      response: { rows: 1, bytes: 1, sample: '?column?\n1\nSELECT 1', truncated: false },
      outcome: { result: 'failure', error: { message: 'division by zero' } },
    };
    expect(masker.maskDraft(draft)).toBe(draft);
    expect(masker.maskDraft({ type: 'session.start' })).toEqual({ type: 'session.start' });
  });

  it('masks only the field that had a finding', () => {
    const draft = queryDraft();
    draft.request = { command: 'SELECT 1' };
    draft.outcome = { result: 'success', error: null };
    const result = masker.maskDraft(draft);
    expect(result.request).toBe(draft.request);
    expect(result.outcome).toBe(draft.outcome);
    expect(result.response).not.toBe(draft.response);
    expect(result.masked).toEqual({ email: 1 });
  });
});

describe('maskerFor', () => {
  it('gives each connection its own masker, and null where nothing is to be masked', () => {
    const target = postgresTarget();
    const everything = postgresConnection('pg-prod', target);
    const nothing = postgresConnection('pg-dev', target);
    nothing.masking = config([]);
    const customOnly = postgresConnection('pg-hr', target);
    customOnly.masking = config([], [{ name: 'employee-id', pattern: /EMP-\d{6}/g }]);
    const maskerOf = maskerFor([everything, nothing, customOnly]);

    expect(maskerOf('pg-prod')?.mask('a@b.com', {})).toBe('[masked:email]');
    expect(maskerOf('pg-hr')?.mask('a@b.com EMP-123456', {})).toBe('a@b.com [masked:employee-id]');
    expect(maskerOf('pg-prod')).toBe(maskerOf('pg-prod'));
    expect(maskerOf('pg-dev')).toBeNull();
    expect(maskerOf('unknown')).toBeNull();
    expect(maskerOf(null)).toBeNull();
    expect(maskerOf(undefined)).toBeNull();
  });
});

describe('KeywordScan', () => {
  it('finds keywords that overlap, and those inside a longer one', () => {
    const scan = new KeywordScan([['asia'], ['aiza'], null, ['passw'], ['password']]);
    const found = new Uint8Array(5);
    scan.scan('asiaiza password', found);
    expect([...found]).toEqual([1, 1, 0, 1, 1]);
  });

  it('finds nothing in a text without keywords', () => {
    const scan = new KeywordScan([['token'], null]);
    const found = new Uint8Array(2);
    scan.scan('select 1', found);
    expect([...found]).toEqual([0, 0]);
  });
});
