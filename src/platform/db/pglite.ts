import { mkdirSync } from 'node:fs';
import { PGlite, types } from '@electric-sql/pglite';
import { type Db, parseInt8, parseTimestamptz, type Queryable, type Tx, TYPE_OIDS } from './port.ts';

const parsers = {
  [TYPE_OIDS.int8]: (v: string) => parseInt8(v),
  [TYPE_OIDS.date]: (v: string) => v,
  [TYPE_OIDS.timestamptz]: (v: string) => parseTimestamptz(v),
  [TYPE_OIDS.timestamp]: (v: string) => parseTimestamptz(`${v}+00`),
  [TYPE_OIDS.numeric]: (v: string) => v,
};

interface PgliteLike {
  query<R>(
    sql: string,
    params?: unknown[],
    options?: { blob?: Blob },
  ): Promise<{ rows: R[]; affectedRows?: number }>;
  exec(sql: string): Promise<unknown>;
}

function queryable(conn: PgliteLike): Queryable {
  return {
    async query(sql, params = []) {
      const res = await conn.query<never>(sql, [...params]);
      return res.rows;
    },
    async execute(sql, params = []) {
      const res = await conn.query(sql, [...params]);
      return res.affectedRows ?? 0;
    },
    async exec(sql) {
      await conn.exec(sql);
    },
    async copyCsv(target, csv) {
      // PGlite reads COPY input from a virtual file bound to the query.
      await conn.query(`COPY ${target} FROM '/dev/blob' WITH (FORMAT csv)`, [], { blob: new Blob([csv]) });
    },
  };
}

/**
 * Opens PGlite persisted in `dataDir` (or in memory for `memory://`). PGlite runs in this
 * process and serialises everything: a transaction holds it exclusively, so concurrent
 * callers simply wait. See docs/decisions/0001-database-engines.md.
 */
export async function openPglite(
  dataDir: string,
  options: { loadDataDir?: Blob } = {},
): Promise<Db & { dump(): Promise<Blob> }> {
  const inMemory = dataDir === 'memory://';
  if (!inMemory) mkdirSync(dataDir, { recursive: true });
  const pg = await PGlite.create(inMemory ? undefined : dataDir, {
    parsers,
    ...(options.loadDataDir ? { loadDataDir: options.loadDataDir } : {}),
  });
  await pg.exec(`SET TIME ZONE 'UTC'`);
  const base = queryable(pg as unknown as PgliteLike);
  return {
    engine: 'pglite',
    location: inMemory ? 'memory' : dataDir,
    ...base,
    async transaction(work) {
      // When the work fails (a full disk in the middle of a COPY…), PGlite's own ROLLBACK can
      // fail too ("cannot drop active portal"); the work's error is the one that says why.
      let failure: { error: unknown } | undefined;
      try {
        return await pg.transaction(async (t) => {
          const tx: Tx = { engine: 'pglite', ...queryable(t as unknown as PgliteLike) };
          try {
            return await work(tx);
          } catch (error) {
            failure = { error };
            throw error;
          }
        });
      } catch (error) {
        throw failure ? failure.error : error;
      }
    },
    async withAdvisoryLock(key, work) {
      // One process owns a PGlite directory; the lock keeps the same code path as PostgreSQL.
      await pg.query('SELECT pg_advisory_lock($1)', [key]);
      try {
        return await work(base);
      } finally {
        await pg.query('SELECT pg_advisory_unlock($1)', [key]);
      }
    },
    async close() {
      await pg.close();
    },
    /** A tarball of the whole data directory (tests clone a migrated database from it). */
    async dump() {
      return pg.dumpDataDir('none');
    },
  };
}

export { types as pgliteTypes };
