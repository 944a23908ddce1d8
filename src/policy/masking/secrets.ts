// Secrets and tokens, in the manner of gitleaks' rules: each pattern has keywords that must occur
// (lowercased) before its regular expression runs. Token formats with a recognizable prefix come
// first; then the shapes that only context gives away (`Bearer …`, `user:PASS@host`,
// `password=…`), which skip a value an earlier pattern already masked.
import type { Detector, MaskPattern } from './detector.js';

/** The whole match is the secret. */
function token(keywords: string[], regex: RegExp): MaskPattern {
  return { keywords, regex, keepsPrefix: false };
}

/** Group 1 is kept (the name or scheme in front), the rest of the match is the secret. */
function valueAfter(keywords: string[], regex: RegExp): MaskPattern {
  return { keywords, regex, keepsPrefix: true };
}

// A name that says its value is secret: `password`, `db_password`, `clientSecret`,
// `access_token`, `X-Api-Key`, `"apiKey"` … As in gitleaks' generic rule, any name containing
// one of the words counts: what makes it a finding is the assignment after it.
const secretName = String.raw`(?:passw(?:or)?d|secret|token|api[_-]?key)[\w.-]{0,30}["']?`;
// `=`, `:`, `:=` or `=>`; not the `::` of a PostgreSQL cast (`token::text`).
const assignment = String.raw`\s*(?::=|=>|=|:(?!:))\s*`;
const secretNameKeywords = ['passw', 'secret', 'token', 'api_key', 'api-key', 'apikey'];

export const secretsDetector: Detector = {
  name: 'secrets',
  patterns: [
    // AWS access key ids (long-term AKIA, temporary ASIA, and the ABIA/ACCA variants).
    token(['akia', 'asia', 'abia', 'acca'], /\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}\b/g),
    // An AWS secret access key is 40 base64 characters with no prefix: found by its name.
    valueAfter(
      ['access_key', 'accesskey', 'access-key'],
      /((?<![a-z0-9])(?:aws[_-]?)?secret[_-]?access[_-]?key["']?\s*(?::=|=>|=|:(?!:))\s*["']?)[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/gi,
    ),
    // GitHub personal, OAuth, user-to-server, server-to-server and refresh tokens; fine-grained PATs.
    token(
      ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_', 'github_pat_'],
      /\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b/g,
    ),
    token(['glpat-'], /\bglpat-[A-Za-z0-9_-]{20,}/g),
    token(['xox'], /\bxox[abprs]-[A-Za-z0-9-]{10,}/g),
    // A Slack incoming webhook's path is its secret; the host stays readable.
    valueAfter(
      ['hooks.slack.com'],
      /((?:https?:\/\/)?hooks\.slack\.com\/(?:services|workflows|triggers)\/)[A-Za-z0-9+/_-]{20,}/g,
    ),
    token(['sk_live_', 'rk_live_'], /\b[rs]k_live_[A-Za-z0-9]{10,99}\b/g),
    token(['aiza'], /\bAIza[A-Za-z0-9_-]{35}(?![A-Za-z0-9_-])/g),
    // OpenAI (sk-…, sk-proj-…) and Anthropic (sk-ant-…) keys; a digit tells them from a
    // hyphenated name. (Checked on the match: a lookahead would rescan a long run per `sk-`.)
    {
      keywords: ['sk-'],
      regex: /\bsk-[A-Za-z0-9_-]{20,}/g,
      keepsPrefix: false,
      accept: (value) => /[0-9]/.test(value),
    },
    // JWTs: header and payload are base64url JSON objects, so both start with `eyJ`.
    token(['eyj'], /\beyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g),
    // The body of a PEM private key (RSA, EC, OPENSSH, PGP … ); up to the end of the text when a
    // sample cut the END line off.
    valueAfter(
      ['private key'],
      /(-----BEGIN[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----)[\s\S]*?(?=-----END[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|$)/g,
    ),
    valueAfter(['bearer'], /(\bbearer\s+)(?!\[masked:)[A-Za-z0-9._~+/-]{16,}=*/gi),
    // The password of a URI: `postgres://user:PASS@host` keeps the user and the host. (A scheme
    // of any length would be followed from each word of a long dotted run.)
    valueAfter(
      ['://'],
      /(\b[a-z][a-z0-9+.-]{0,30}:\/\/[^\s:/?#@'"]*:)(?!\[masked:)[^\s/?#@'"]+(?=@)/gi,
    ),
    // `password = 'value'`, `"token": "value"`: the quoted value (a doubled quote, as SQL writes
    // one, and backslash escapes stay inside it). The alternatives cannot match the same text, so
    // a value without its closing quote fails in one pass, not by trying every split of it.
    valueAfter(
      secretNameKeywords,
      new RegExp(
        String.raw`(${secretName}${assignment}(['"]))(?!\[masked:)(?:\2\2|\\.|(?!\2)[^\\\n])+(?=\2)`,
        'gi',
      ),
    ),
    // `password=value`, `token: value`: up to a space, quote, separator or bracket; not a
    // statement's parameter placeholder (`$1`, `?`).
    valueAfter(
      secretNameKeywords,
      new RegExp(
        String.raw`(${secretName}${assignment})(?!\$[0-9]|\?)[^\s'"\x60,;&()<>{}[\]]+`,
        'gi',
      ),
    ),
  ],
};
