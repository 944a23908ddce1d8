// The README's warden.yaml snippets for sinks, retention, collectors and what acts on commands
// (guardrails, reviews, masking, exclusions, alerts) are what users copy: each must be a valid
// configuration. Files they name (TLS material) do not exist here, so only those issues are
// let through.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ConfigError, parseConfig } from '../../src/config/index.js';

const readme = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');
const snippets = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)]
  .map((match) => match[1] as string)
  .filter((text) => {
    const tree = parseYaml(text) as Record<string, unknown> | null;
    return (
      tree !== null &&
      ['sinks', 'retention', 'collectors', 'alerts', 'recording', 'connections'].some(
        (section) => section in tree,
      )
    );
  });

/** Every `${VAR}` reads as a value of its kind, as it would in a deployment's environment. */
const env = new Proxy({} as NodeJS.ProcessEnv, {
  get: (_, name: string) =>
    name.endsWith('WEBHOOK_SECRET')
      ? 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
      : name.endsWith('_URL')
        ? `https://hooks.example.com/services/${name}`
        : `value-of-${name}`,
});

describe('README configuration snippets', () => {
  it('has sink snippets to check', () => {
    expect(snippets.length).toBeGreaterThanOrEqual(7);
  });

  it.each(
    snippets.map((text) => [
      text
        .split('\n')
        .find((line) => /name:|retention:|recording:/.test(line))
        ?.trim(),
      text,
    ]),
  )('%s parses', (_name, text) => {
    let issues: string[] = [];
    try {
      parseConfig(text as string, { env, baseDir: '/nonexistent-warden-readme' });
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      issues = error.issues
        .filter((issue) => !/^cannot read \/.*: no such file$/.test(issue.message))
        .map((issue) => `${issue.path}: ${issue.message}`);
    }
    expect(issues).toEqual([]);
  });
});
