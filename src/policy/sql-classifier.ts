// What a PostgreSQL command does, read by the real PostgreSQL parser (libpg-query, WASM): the
// kinds of all its statements and the tables it touches, for guardrails, recording exclusions
// and alert rules. Every statement counts: each one of a multi-statement string and each one
// nested in another (a CTE, EXPLAIN, PREPARE, CREATE TABLE AS, a subquery, a rule's action).
import { loadModule, parseSync } from 'libpg-query';
import type { StatementKind } from '../config/index.js';
import { isStatementNode, statementKinds } from './sql-statement-kinds.js';

export interface CommandProfile {
  kinds: ReadonlySet<StatementKind>;
  /**
   * Every relation the command names, once each, as `schema.table` when qualified, else `table`.
   * Names are as PostgreSQL resolves them: unquoted ones folded to lower case,
   * quoted ones kept as written (the parser does both).
   */
  tables: readonly string[];
}

let loading: Promise<void> | null = null;
let loaded = false;

/** Loads the parser (once; later calls share the first load). Await it before `classifySql`. */
export function loadSqlClassifier(): Promise<void> {
  loading ??= loadModule().then(
    () => {
      loaded = true;
    },
    (error: unknown) => {
      loading = null; // a later call may try again
      throw error;
    },
  );
  return loading;
}

/** Commands kept classified, and the text they may hold in all: repeated statements cost a lookup. */
const CACHED_COMMANDS = 4096;
const CACHED_CHARS = 4 * 1024 * 1024;
/** Longer commands are classified each time rather than crowd out the common short ones. */
const CACHEABLE_CHARS = 16 * 1024;

const cache = new Map<string, CommandProfile>();
let cachedChars = 0;

function profile(kinds: Iterable<StatementKind>, tables: Iterable<string>): CommandProfile {
  return Object.freeze({ kinds: new Set(kinds), tables: Object.freeze([...tables]) });
}

const EMPTY = profile([], []);
const UNPARSED = profile(['unparsed'], []);

/** The statement kinds and tables of a PostgreSQL command. Needs `loadSqlClassifier()` first. */
export function classifySql(text: string): CommandProfile {
  const cached = cache.get(text);
  if (cached) return cached;
  if (!loaded) throw new Error('classifySql: await loadSqlClassifier() before classifying');
  const classified = classifyUncached(text);
  if (text.length <= CACHEABLE_CHARS) remember(text, classified);
  return classified;
}

function remember(text: string, classified: CommandProfile): void {
  cache.set(text, classified);
  cachedChars += text.length;
  // A Map iterates in insertion order: the first key is the oldest.
  while (cache.size > CACHED_COMMANDS || cachedChars > CACHED_CHARS) {
    const oldest = cache.keys().next().value as string;
    cache.delete(oldest);
    cachedChars -= oldest.length;
  }
}

function classifyUncached(text: string): CommandProfile {
  // The parser refuses an empty query; PostgreSQL answers it with EmptyQueryResponse.
  if (text.trim() === '') return EMPTY;
  let tree: unknown;
  try {
    tree = parseSync(text);
  } catch {
    return UNPARSED;
  }
  const found = { kinds: new Set<StatementKind>(), tables: new Set<string>() };
  collect(tree, found);
  return profile(found.kinds, found.tables);
}

interface Pending {
  value: unknown;
  /** The field that holds `value`, or the node name when `value` is a node's fields. */
  field: string;
  /** Names of the CTEs visible here: an unqualified relation of that name is not a table. */
  ctes: ReadonlySet<string>;
}

/**
 * Walks the whole tree breadth-first, from a queue rather than by recursion: a 16 KiB
 * expression can nest thousands of levels deep, beyond what the call stack holds. Breadth-first
 * also lists a statement's own tables before those of its subqueries.
 */
function collect(tree: unknown, found: { kinds: Set<StatementKind>; tables: Set<string> }): void {
  const queue: Pending[] = [{ value: tree, field: '', ctes: new Set() }];
  const enqueue = (value: unknown, field: string, ctes: ReadonlySet<string>) => {
    if (value !== null && typeof value === 'object') queue.push({ value, field, ctes });
  };
  for (let next = 0; next < queue.length; next++) {
    const { value, field, ctes } = queue[next] as Pending;
    if (Array.isArray(value)) {
      for (const item of value) enqueue(item, field, ctes);
      continue;
    }
    const fields = value as Record<string, unknown>;
    if (typeof fields.relname === 'string') {
      const table = relationName(fields, field, ctes);
      if (table !== null) found.tables.add(table);
      continue; // a RangeVar holds nothing else that names a relation
    }
    const inScope = fields.withClause ? enqueueWithClause(fields.withClause, ctes, enqueue) : ctes;
    // `for...in` rather than Object.entries: it allocates nothing, which makes the walk several
    // times faster (about 2 µs for a short statement, against 20 µs for the parse).
    for (const name in fields) {
      const child = fields[name];
      if (child === null || typeof child !== 'object' || name === 'withClause') continue;
      if (isStatementNode(name)) {
        const statement = child as Record<string, unknown>;
        for (const kind of statementKinds(name, statement, field)) found.kinds.add(kind);
        for (const table of namedRelations(name, statement)) found.tables.add(table);
      }
      enqueue(child, name, inScope);
    }
  }
}

/**
 * Enqueues a WITH clause's queries, each with the CTE names it can see (the earlier ones; all of
 * them under WITH RECURSIVE), and returns the names the statement's body sees (all of them).
 */
function enqueueWithClause(
  withClause: unknown,
  outer: ReadonlySet<string>,
  enqueue: (value: unknown, field: string, ctes: ReadonlySet<string>) => void,
): ReadonlySet<string> {
  const { ctes = [], recursive = false } = withClause as { ctes?: unknown[]; recursive?: boolean };
  const entries = ctes.map((node) => {
    const cte = (node as { CommonTableExpr?: { ctename?: string } }).CommonTableExpr ?? {};
    return { name: cte.ctename ?? '', cte };
  });
  const all = new Set([...outer, ...entries.map((entry) => entry.name)]);
  let seen = new Set(outer);
  for (const { name, cte } of entries) {
    enqueue(cte, 'CommonTableExpr', recursive ? all : seen);
    seen = new Set([...seen, name]);
  }
  return all;
}

/**
 * `schema.table` or `table` (a database name before the schema is left out: PostgreSQL only
 * accepts the current one). Null for a reference to a CTE. The target of INSERT, UPDATE,
 * DELETE, MERGE or INTO is always a table, whatever CTEs are in scope.
 */
function relationName(
  rangeVar: Record<string, unknown>,
  field: string,
  ctes: ReadonlySet<string>,
): string | null {
  const relname = rangeVar.relname as string;
  const schema = typeof rangeVar.schemaname === 'string' ? rangeVar.schemaname : null;
  if (schema !== null) return `${schema}.${relname}`;
  const isTarget = field === 'relation' || field === 'rel';
  return !isTarget && ctes.has(relname) ? null : relname;
}

/** Relation object types named by a qualified-name list rather than a RangeVar. */
const RELATION_OBJECT_TYPES: ReadonlySet<unknown> = new Set([
  'OBJECT_TABLE',
  'OBJECT_VIEW',
  'OBJECT_MATVIEW',
  'OBJECT_INDEX',
  'OBJECT_FOREIGN_TABLE',
  'OBJECT_SEQUENCE',
]);

/** The relations DROP (TABLE, VIEW, INDEX, ...) and COMMENT ON name. */
function namedRelations(name: string, statement: Record<string, unknown>): string[] {
  let objects: unknown[] = [];
  if (name === 'DropStmt' && RELATION_OBJECT_TYPES.has(statement.removeType))
    objects = (statement.objects as unknown[] | undefined) ?? [];
  else if (name === 'CommentStmt' && RELATION_OBJECT_TYPES.has(statement.objtype))
    objects = [statement.object];
  return objects.map(qualifiedName).filter((table) => table !== '');
}

/** `{ List: { items: [{ String: { sval } }, ...] } }` → its last two names, dot-joined. */
function qualifiedName(node: unknown): string {
  const items = (node as { List?: { items?: { String?: { sval?: string } }[] } }).List?.items;
  const names = (items ?? []).map((item) => item.String?.sval ?? '');
  return names.slice(-2).join('.');
}
