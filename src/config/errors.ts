/** One problem found in a config file, at a path such as `connections[0].target.port`. */
export interface ConfigIssue {
  /** Where the problem is; empty for the document as a whole (a YAML syntax error, an unreadable file). */
  path: string;
  message: string;
}

/** Thrown when a config cannot be used; carries every issue found, not just the first. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  constructor(
    readonly issues: ConfigIssue[],
    source?: string,
  ) {
    super(
      [
        `invalid configuration${source ? ` in ${source}` : ''} (${countIssues(issues.length)}):`,
        ...issues.map((issue) => `  ${formatIssue(issue)}`),
      ].join('\n'),
    );
  }
}

function formatIssue(issue: ConfigIssue): string {
  return issue.path ? `${issue.path}: ${issue.message}` : issue.message;
}

function countIssues(count: number): string {
  return count === 1 ? '1 problem' : `${count} problems`;
}
