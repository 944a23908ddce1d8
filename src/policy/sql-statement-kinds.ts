// Which statement kinds each node of the PostgreSQL parse tree stands for. Node names are those
// of libpg-query's JSON tree (PostgreSQL's own parse nodes), one entry per statement node.
import type { StatementKind } from '../config/index.js';

const CREATE: readonly StatementKind[] = ['create', 'ddl'];
const ALTER: readonly StatementKind[] = ['alter', 'ddl'];
const DROP: readonly StatementKind[] = ['drop', 'ddl'];

/**
 * Statement nodes whose kinds do not depend on their fields. A statement node missing here and
 * from `WRAPPERS` (SHOW, EXECUTE, VACUUM, LOCK, LISTEN, ...) is `other`.
 */
const FIXED_KINDS: Readonly<Record<string, readonly StatementKind[]>> = {
  InsertStmt: ['insert'],
  MergeStmt: ['merge'],
  CopyStmt: ['copy'],
  TruncateStmt: ['truncate'],
  TransactionStmt: ['transaction'],
  // SET and RESET (RESET is a VariableSetStmt too).
  VariableSetStmt: ['set'],
  CallStmt: ['call'],
  DoStmt: ['do'],
  CommentStmt: ['ddl'],
  SecLabelStmt: ['ddl'],

  CreateRoleStmt: ['role', ...CREATE],
  AlterRoleStmt: ['role', ...ALTER],
  AlterRoleSetStmt: ['role', ...ALTER],
  DropRoleStmt: ['role', ...DROP],

  CreateStmt: CREATE,
  CreateTableAsStmt: CREATE,
  CreateForeignTableStmt: CREATE,
  ViewStmt: CREATE,
  IndexStmt: CREATE,
  CreateFunctionStmt: CREATE,
  CreateSchemaStmt: CREATE,
  CreateExtensionStmt: CREATE,
  CreateSeqStmt: CREATE,
  CompositeTypeStmt: CREATE,
  CreateEnumStmt: CREATE,
  CreateRangeStmt: CREATE,
  CreateDomainStmt: CREATE,
  // CREATE AGGREGATE / OPERATOR / TYPE / COLLATION / TEXT SEARCH ...
  DefineStmt: CREATE,
  CreateTrigStmt: CREATE,
  CreateEventTrigStmt: CREATE,
  RuleStmt: CREATE,
  CreatePolicyStmt: CREATE,
  CreatePublicationStmt: CREATE,
  CreateSubscriptionStmt: CREATE,
  CreateFdwStmt: CREATE,
  CreateForeignServerStmt: CREATE,
  CreateUserMappingStmt: CREATE,
  CreateTableSpaceStmt: CREATE,
  CreateAmStmt: CREATE,
  CreateCastStmt: CREATE,
  CreateConversionStmt: CREATE,
  CreateOpClassStmt: CREATE,
  CreateOpFamilyStmt: CREATE,
  CreatePLangStmt: CREATE,
  CreateTransformStmt: CREATE,
  CreateStatsStmt: CREATE,
  CreatedbStmt: CREATE,
  ImportForeignSchemaStmt: CREATE,

  AlterTableStmt: ALTER,
  AlterDomainStmt: ALTER,
  AlterEnumStmt: ALTER,
  AlterExtensionStmt: ALTER,
  AlterExtensionContentsStmt: ALTER,
  AlterFunctionStmt: ALTER,
  AlterObjectSchemaStmt: ALTER,
  AlterObjectDependsStmt: ALTER,
  AlterOwnerStmt: ALTER,
  AlterSeqStmt: ALTER,
  AlterTSConfigurationStmt: ALTER,
  AlterTSDictionaryStmt: ALTER,
  AlterTableSpaceOptionsStmt: ALTER,
  AlterTableMoveAllStmt: ALTER,
  AlterTypeStmt: ALTER,
  AlterOperatorStmt: ALTER,
  AlterPolicyStmt: ALTER,
  AlterPublicationStmt: ALTER,
  AlterSubscriptionStmt: ALTER,
  AlterEventTrigStmt: ALTER,
  AlterFdwStmt: ALTER,
  AlterForeignServerStmt: ALTER,
  AlterUserMappingStmt: ALTER,
  AlterOpFamilyStmt: ALTER,
  AlterCollationStmt: ALTER,
  AlterStatsStmt: ALTER,
  AlterDatabaseStmt: ALTER,
  AlterDatabaseSetStmt: ALTER,
  AlterDatabaseRefreshCollStmt: ALTER,
  AlterSystemStmt: ALTER,
  // ALTER ... RENAME, and ALTER ... OWNER of everything that has one.
  RenameStmt: ALTER,
  ReassignOwnedStmt: ALTER,

  DropStmt: DROP,
  DropOwnedStmt: DROP,
  DropSubscriptionStmt: DROP,
  DropTableSpaceStmt: DROP,
  DropUserMappingStmt: DROP,
  DropdbStmt: DROP,
};

/**
 * Statement nodes that only carry another statement (EXPLAIN, PREPARE, DECLARE CURSOR) or are
 * part of one (a function's RETURN, ALTER TABLE's REPLICA IDENTITY): the statements inside them
 * are classified, the wrapper adds no kind of its own.
 */
const WRAPPERS: ReadonlySet<string> = new Set([
  'ExplainStmt',
  'PrepareStmt',
  'DeclareCursorStmt',
  'ReturnStmt',
  'ReplicaIdentityStmt',
  'RawStmt',
  'PLAssignStmt',
  'SetOperationStmt',
]);

/** Parse-tree node names of statements: PostgreSQL names every one `...Stmt`. */
export function isStatementNode(name: string): boolean {
  return name.endsWith('Stmt') && name.charCodeAt(0) <= 90; /* 'Z': node names are capitalised */
}

/**
 * The kinds of one statement node. `field` is the name of the field that holds it, which tells
 * an INSERT's VALUES list (a SelectStmt under `selectStmt`, which reads nothing) from a query.
 */
export function statementKinds(
  name: string,
  fields: Record<string, unknown>,
  field: string,
): readonly StatementKind[] {
  const fixed = FIXED_KINDS[name];
  if (fixed) return fixed;
  switch (name) {
    case 'SelectStmt':
      if (fields.intoClause) return ['select', ...CREATE]; // SELECT INTO creates a table
      return fields.valuesLists && field === 'selectStmt' ? [] : ['select'];
    case 'UpdateStmt':
      // WHERE CURRENT OF is a WHERE clause too (it names one row).
      return fields.whereClause ? ['update'] : ['update', 'update-without-where'];
    case 'DeleteStmt':
      return fields.whereClause ? ['delete'] : ['delete', 'delete-without-where'];
    case 'GrantStmt':
    case 'GrantRoleStmt':
      return [fields.is_grant ? 'grant' : 'revoke'];
    case 'AlterDefaultPrivilegesStmt': {
      // Its GRANT or REVOKE is a plain field, not a statement node of its own.
      const action = fields.action as { is_grant?: boolean } | undefined;
      return [action?.is_grant ? 'grant' : 'revoke', ...ALTER];
    }
  }
  return WRAPPERS.has(name) ? [] : ['other'];
}

// Words every statement of a kind is written with, whatever its form: PostgreSQL reads a keyword
// only from a bare word (never a quoted or escaped one), so a command holding none of a kind's
// words has no statement of that kind, and need not be parsed to know it. Each node above comes
// from grammar rules that all begin with, or hold, one of its kinds' words: CREATE for the CREATE
// nodes but SELECT … INTO (a SelectStmt with an intoClause) and IMPORT FOREIGN SCHEMA … INTO;
// ALTER for the ALTER nodes but REASSIGN OWNED; DROP for the DROP nodes; COMMENT ON; SECURITY
// LABEL; a role is only ever created, altered or dropped. test/policy/command-match.test.ts
// parses a statement for every node here and checks it holds its kinds' words.
const CREATE_WORDS = ['create', 'into'];
const ALTER_WORDS = ['alter', 'reassign'];
const DROP_WORDS = ['drop'];

/** Per kind, the words its statements cannot be written without; missing: no such words. */
const KIND_WORDS: Partial<Record<StatementKind, readonly string[]>> = {
  // VALUES and TABLE t are selects too.
  select: ['select', 'values', 'table'],
  insert: ['insert'],
  update: ['update'],
  'update-without-where': ['update'],
  delete: ['delete'],
  'delete-without-where': ['delete'],
  merge: ['merge'],
  copy: ['copy'],
  truncate: ['truncate'],
  create: CREATE_WORDS,
  alter: ALTER_WORDS,
  drop: DROP_WORDS,
  ddl: [...CREATE_WORDS, ...ALTER_WORDS, ...DROP_WORDS, 'comment', 'label'],
  grant: ['grant'],
  revoke: ['revoke'],
  role: ['create', 'alter', 'drop'],
  // BEGIN, START TRANSACTION, COMMIT, END, ROLLBACK, ABORT, SAVEPOINT, RELEASE, PREPARE TRANSACTION.
  transaction: [
    'begin',
    'start',
    'commit',
    'end',
    'rollback',
    'abort',
    'savepoint',
    'release',
    'prepare',
  ],
  // SET and RESET.
  set: ['set'],
  call: ['call'],
  do: ['do'],
};

/**
 * A pattern a command must match to hold a statement of any of `kinds`, or null when one of them
 * has no words of its own (`unparsed`, `other`): the command must then be parsed.
 */
export function wordsOfKinds(kinds: readonly StatementKind[]): RegExp | null {
  const words = new Set<string>();
  for (const kind of kinds) {
    const ofKind = KIND_WORDS[kind];
    if (ofKind === undefined) return null;
    for (const word of ofKind) words.add(word);
  }
  return words.size === 0 ? null : new RegExp([...words].join('|'), 'i');
}

/** The statement nodes given kinds here, by name: the test checks each against its words. */
export function classifiedStatementNodes(): string[] {
  return [
    ...Object.keys(FIXED_KINDS),
    'SelectStmt',
    'UpdateStmt',
    'DeleteStmt',
    'GrantStmt',
    'GrantRoleStmt',
    'AlterDefaultPrivilegesStmt',
  ];
}
