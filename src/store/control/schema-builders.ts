import type { ColumnDefinitionBuilder, CreateTableBuilder } from 'kysely';

export type ControlDialect = 'sqlite' | 'postgres';

type Table = CreateTableBuilder<string, never>;

/** SQLite's AUTOINCREMENT never reuses an id; PostgreSQL's identity column is its equivalent. */
export function withId(table: Table, dialect: ControlDialect, column = 'id'): Table {
  return dialect === 'sqlite'
    ? table.addColumn(column, 'integer', (col) => col.primaryKey().autoIncrement())
    : table.addColumn(column, 'bigint', (col) => col.primaryKey().generatedByDefaultAsIdentity());
}

export const notNull = (col: ColumnDefinitionBuilder) => col.notNull();
