/**
 * The database port. Dunwell speaks one SQL dialect (PostgreSQL 15) to two engines:
 * PGlite (embedded, in-process) and PostgreSQL (through a `pg` pool). Both adapters
 * return rows with the same JavaScript types, so no caller can tell them apart:
 *
 * - int8 / bigint  → number (minor units and counts stay far below 2^53; larger values throw)
 * - numeric        → string (exact)
 * - date           → 'YYYY-MM-DD' string (a calendar date, never an instant)
 * - timestamptz    → ISO 8601 UTC string ('2026-01-31T09:00:00.000Z')
 * - json / jsonb   → parsed value
 */
export type Engine = 'pglite' | 'postgres';

export type Row = Record<string, unknown>;

export interface Queryable {
  /** Runs one parameterised statement and returns its rows. */
  query<R extends Row = Row>(sql: string, params?: readonly unknown[]): Promise<R[]>;
  /** Runs one statement and returns the number of rows it affected. */
  execute(sql: string, params?: readonly unknown[]): Promise<number>;
  /** Runs a script of several statements without parameters (migrations, DDL). */
  exec(sql: string): Promise<void>;
  /**
   * Bulk-loads CSV text into a table: `COPY <target> FROM STDIN WITH (FORMAT csv)`.
   * `target` is a table name with its column list, e.g. `staging_invoices (row_no, number)`.
   */
  copyCsv(target: string, csv: string): Promise<void>;
}

export interface Tx extends Queryable {
  readonly engine: Engine;
}

export interface Db extends Queryable {
  readonly engine: Engine;
  /** Human-readable location (directory or URL without password) for messages. */
  readonly location: string;
  /**
   * Runs `work` inside one transaction: committed when it resolves, rolled back when it
   * throws. Never hold a transaction open while waiting on another connection.
   */
  transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T>;
  /** Runs `work` while holding a session-level advisory lock (waits for it). */
  withAdvisoryLock<T>(key: number, work: (db: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Converts an int8 text value to a number, refusing values a double cannot hold exactly. */
export function parseInt8(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new Error(`bigint value ${text} exceeds the safe integer range`);
  return n;
}

/** Postgres renders timestamptz as text in the session time zone; we keep sessions in UTC. */
export function parseTimestamptz(text: string): string {
  // '2026-01-31 09:00:00.123+00' → ISO 8601 UTC
  const d = new Date(text.includes('T') ? text : text.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00'));
  if (Number.isNaN(d.getTime())) throw new Error(`unreadable timestamp ${text}`);
  return d.toISOString();
}

export const TYPE_OIDS = { int8: 20, date: 1082, timestamp: 1114, timestamptz: 1184, numeric: 1700 } as const;
