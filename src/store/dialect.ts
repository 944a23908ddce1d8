/** The databases a store can live in. PostgreSQL joins when several replicas share a journal. */
export type StoreDialect = 'sqlite';
