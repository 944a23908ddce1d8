// Small typed readers over the untrusted tree that YAML parsing produced. A reader always returns
// a value of its type: when the input is wrong it records an issue and returns a placeholder.
// Whoever runs the readers throws as soon as any issue was recorded, so a placeholder never
// reaches the rest of Warden, and the readers stay straight-line code that collects every issue.

import { indexPath, keyPath, type IssueList } from './issue-list.js';

export interface ReadContext {
  issues: IssueList;
  /** Paths of values built from environment variables (see `interpolateEnvironment`). */
  fromEnvironment: ReadonlyMap<string, readonly string[]>;
  /**
   * Paths whose value stands in for an unset variable, for commands that need none of the
   * secrets (see `unsetVariables`): readers of a secret's format let them pass.
   */
  placeholders: ReadonlySet<string>;
  /** The config file's directory: relative file paths resolve against it. */
  baseDir: string;
}

export type Read<T> = (value: unknown, path: string, context: ReadContext) => T;

/** Records `expected <what>, got <value>`, showing the value only when that is safe. */
export function reportExpected(
  context: ReadContext,
  path: string,
  expected: string,
  value: unknown,
): void {
  context.issues.add(path, `expected ${expected}, got ${describeValue(value, path, context)}`);
}

function describeValue(value: unknown, path: string, context: ReadContext): string {
  const variables = context.fromEnvironment.get(path);
  if (variables) return `a value from ${variables.join(', ')} (not shown)`;
  if (value === undefined || value === null) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(shorten(value));
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : 'a list';
  if (typeof value === 'object') return 'a mapping';
  return String(value);
}

function shorten(text: string): string {
  const limit = 60;
  return text.length > limit ? `${text.slice(0, limit)}…` : text;
}

export const nonEmptyString: Read<string> = (value, path, context) => {
  if (typeof value === 'string' && value.trim() !== '') return value;
  reportExpected(context, path, 'a non-empty string', value);
  return '';
};

/** A string matching `pattern`; `expected` says in words what that is. */
export function stringMatching(pattern: RegExp, expected: string): Read<string> {
  return (value, path, context) => {
    if (typeof value === 'string' && pattern.test(value)) return value;
    reportExpected(context, path, expected, value);
    return '';
  };
}

/**
 * A secret, such as a target's password: any string, and no message ever describes the value.
 * A bare YAML number is refused rather than converted, because conversion can change it
 * (`0123` reads as 123).
 */
export const secretString: Read<string> = (value, path, context) => {
  if (typeof value === 'string') return value;
  context.issues.add(
    path,
    'expected a string (quote the value in YAML so that it is read as text)',
  );
  return '';
};

/** An integer within bounds; a string of digits (as an environment variable gives) counts. */
export function integer(min: number, max: number): Read<number> {
  return (value, path, context) => {
    const number = typeof value === 'string' && /^\s*-?\d+\s*$/.test(value) ? Number(value) : value;
    if (typeof number === 'number' && Number.isInteger(number) && number >= min && number <= max) {
      return number;
    }
    reportExpected(context, path, `an integer ${min}-${max}`, value);
    return min;
  };
}

export function oneOf<const T extends string>(choices: readonly T[]): Read<T> {
  return (value, path, context) => {
    if (typeof value === 'string' && (choices as readonly string[]).includes(value)) {
      return value as T;
    }
    reportExpected(context, path, `one of ${choices.join(', ')}`, value);
    return choices[0] as T;
  };
}

export function listOf<T>(readItem: Read<T>): Read<T[]> {
  return (value, path, context) => {
    if (!Array.isArray(value)) {
      reportExpected(context, path, 'a list', value);
      return [];
    }
    return value.map((item, index) => readItem(item, indexPath(path, index), context));
  };
}

/** A list that must hold at least one item; `expected` describes it for the message. */
export function nonEmptyListOf<T>(readItem: Read<T>, expected: string): Read<T[]> {
  const readList = listOf(readItem);
  return (value, path, context) => {
    if (Array.isArray(value) && value.length === 0) reportExpected(context, path, expected, value);
    return readList(value, path, context);
  };
}

/**
 * A list of entries that each have a `name`, unique within the list: the second use of a name
 * is the issue. `what` names an entry in that message (`duplicate sink name …`).
 */
export function namedListOf<T extends { name: string }>(
  readItem: Read<T>,
  what: string,
): Read<T[]> {
  const readList = listOf(readItem);
  return (value, path, context) => {
    const entries = readList(value, path, context);
    const firstIndex = new Map<string, number>();
    entries.forEach(({ name }, index) => {
      if (name === '') return; // an invalid name, reported where it was read
      const first = firstIndex.get(name);
      if (first === undefined) {
        firstIndex.set(name, index);
        return;
      }
      context.issues.add(
        keyPath(indexPath(path, index), 'name'),
        `duplicate ${what} name "${name}" (also used by ${indexPath(path, first)})`,
      );
    });
    return entries;
  };
}

/**
 * The `type` of a list entry whose type decides which keys it may have (a sink, a collector), read
 * before the entry itself: one of `types`' keys, or null (reported) when it is none of them.
 */
export function readEntryType<T extends string>(
  value: unknown,
  path: string,
  context: ReadContext,
  types: Readonly<Record<T, unknown>>,
): T | null {
  const type =
    typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>).type
      : undefined;
  if (typeof type === 'string' && Object.hasOwn(types, type)) return type as T;
  reportExpected(context, keyPath(path, 'type'), `one of ${Object.keys(types).join(', ')}`, type);
  return null;
}

/**
 * A YAML mapping with a fixed set of keys. Any other key is an issue: in a security config a
 * misspelt key (`alow:`) must fail loudly rather than silently take a default. A key whose
 * value is empty (`key:` or `key: null`) counts as not given.
 */
export class Mapping {
  private constructor(
    private readonly fields: Readonly<Record<string, unknown>>,
    private readonly path: string,
    private readonly context: ReadContext,
  ) {}

  /** An absent mapping reads as an empty one, so that every key takes its default. */
  static read(
    value: unknown,
    path: string,
    context: ReadContext,
    keys: readonly string[],
  ): Mapping {
    if (value === undefined || value === null) return new Mapping({}, path, context);
    if (typeof value !== 'object' || Array.isArray(value)) {
      reportExpected(context, path, 'a mapping', value);
      return new Mapping({}, path, context);
    }
    const fields = value as Record<string, unknown>;
    for (const key of Object.keys(fields)) {
      if (!keys.includes(key)) {
        context.issues.add(keyPath(path, key), `unknown key; expected one of ${keys.join(', ')}`);
      }
    }
    return new Mapping(fields, path, context);
  }

  given(key: string): boolean {
    const value = this.fields[key];
    return value !== undefined && value !== null;
  }

  pathOf(key: string): string {
    return keyPath(this.path, key);
  }

  required<T>(key: string, read: Read<T>): T {
    if (!this.given(key)) this.context.issues.add(this.pathOf(key), 'required');
    return read(this.fields[key], this.pathOf(key), this.context);
  }

  /** A mapping whose reader supplies every default itself: absent, it reads as empty. */
  section<T>(key: string, read: Read<T>): T {
    return read(this.fields[key], this.pathOf(key), this.context);
  }

  optional<T, F>(key: string, read: Read<T>, fallback: F): T | F {
    return this.given(key) ? read(this.fields[key], this.pathOf(key), this.context) : fallback;
  }

  /** Reports a key that was given but does not apply (say `tenantId` outside the entra preset). */
  refuse(key: string, why: string): void {
    if (this.given(key)) this.context.issues.add(this.pathOf(key), why);
  }
}
