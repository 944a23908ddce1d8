import { indexPath, keyPath, type IssueList } from './issue-list.js';

export interface Interpolated {
  tree: unknown;
  /**
   * Paths of strings that took text from environment variables, with the variables' names.
   * Environment variables carry secrets, so messages about these values name the variable and
   * never show the value.
   */
  fromEnvironment: Map<string, string[]>;
  /** Paths of strings that stand in for unset variables (with `unset: 'placeholder'`). */
  placeholders: Set<string>;
}

// `$${` is a literal `${`; `${NAME}` and `${NAME:-default}` read the environment. An unclosed
// `${` matches with an empty closing group so that it is reported rather than kept as text.
const reference = /\$\$\{|\$\{([^}]*)(\}|$)/g;
const variableName = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Replaces `${VAR}` references in every string value (not in keys) of a parsed YAML tree.
 * Substitution happens after parsing, so a value from the environment is always plain text and
 * can never change the structure of the document.
 */
export function interpolateEnvironment(
  tree: unknown,
  env: NodeJS.ProcessEnv,
  issues: IssueList,
  /** `placeholder`: an unset variable reads as `(NAME not set)` rather than an error. */
  unset: 'error' | 'placeholder' = 'error',
): Interpolated {
  const fromEnvironment = new Map<string, string[]>();
  const placeholders = new Set<string>();

  const walk = (value: unknown, path: string): unknown => {
    if (typeof value === 'string') return interpolateString(value, path);
    if (Array.isArray(value)) return value.map((item, index) => walk(item, indexPath(path, index)));
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(
        Object.entries(value).map(([key, item]) => [key, walk(item, keyPath(path, key))]),
      );
    }
    return value;
  };

  const interpolateString = (text: string, path: string): string => {
    const variablesRead: string[] = [];
    const result = text.replace(
      reference,
      (match, body: string | undefined, closing: string | undefined, offset: number) => {
        if (match === '$${') return '${';
        const parsed = closing ? parseReference(body ?? '') : null;
        if (!parsed) {
          issues.add(
            path,
            `malformed environment reference at character ${offset + 1}: expected \${NAME} or ` +
              `\${NAME:-default} (write $\${ for a literal \${)`,
          );
          return match;
        }
        const value = env[parsed.name];
        if (value !== undefined && !(parsed.fallback !== null && value === '')) {
          variablesRead.push(parsed.name);
          return value;
        }
        if (parsed.fallback !== null) return parsed.fallback;
        if (unset === 'placeholder') {
          placeholders.add(path);
          return `(${parsed.name} not set)`;
        }
        issues.add(path, `environment variable ${parsed.name} is not set`);
        return match;
      },
    );
    if (variablesRead.length > 0) fromEnvironment.set(path, variablesRead);
    return result;
  };

  return { tree: walk(tree, ''), fromEnvironment, placeholders };
}

/** `NAME` or `NAME:-default`; like the shell, the default also replaces an empty value. */
function parseReference(body: string): { name: string; fallback: string | null } | null {
  const separator = body.indexOf(':-');
  const name = separator === -1 ? body : body.slice(0, separator);
  if (!variableName.test(name)) return null;
  return { name, fallback: separator === -1 ? null : body.slice(separator + 2) };
}
