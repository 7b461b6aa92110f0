import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import copyStreams from 'pg-copy-streams';
import { type Db, parseInt8, parseTimestamptz, type Queryable, type Tx, TYPE_OIDS } from './port.ts';

const typeOverrides = new pg.TypeOverrides();
typeOverrides.setTypeParser(TYPE_OIDS.int8, parseInt8);
typeOverrides.setTypeParser(TYPE_OIDS.date, (v: string) => v);
typeOverrides.setTypeParser(TYPE_OIDS.timestamptz, parseTimestamptz);
typeOverrides.setTypeParser(TYPE_OIDS.timestamp, (v: string) => parseTimestamptz(`${v}+00`));
typeOverrides.setTypeParser(TYPE_OIDS.numeric, (v: string) => v);

type Client = pg.PoolClient | pg.Pool;

/**
 * A checked-out client whose server goes away between two queries (a restart, an
 * administrator's pg_terminate_backend) emits 'error'; with no listener that ends the whole
 * process. While we hold a client we listen and ignore it: the next query on the client
 * fails and reports it, and a client that broke is discarded on release, not pooled again.
 */
function hold(client: pg.PoolClient): (broken?: boolean) => void {
  let failed = false;
  const onError = () => {
    failed = true;
  };
  client.on('error', onError);
  return (broken) => {
    client.off('error', onError);
    client.release(broken || failed ? true : undefined);
  };
}

function queryable(client: Client): Queryable {
  return {
    async query(sql, params = []) {
      const res = await client.query(sql, [...params]);
      return res.rows;
    },
    async execute(sql, params = []) {
      const res = await client.query(sql, [...params]);
      return res.rowCount ?? 0;
    },
    async exec(sql) {
      await client.query(sql);
    },
    async copyCsv(target, csv) {
      const run = async (c: pg.PoolClient) => {
        const stream = c.query(copyStreams.from(`COPY ${target} FROM STDIN WITH (FORMAT csv)`));
        await pipeline(Readable.from([csv]), stream);
      };
      if (client instanceof pg.Pool) {
        const c = await client.connect();
        const release = hold(c);
        try {
          await run(c);
        } finally {
          release();
        }
      } else {
        await run(client);
      }
    },
  };
}

/** Removes the password from a connection URL so it can be shown or logged. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://(unparseable URL)';
  }
}

export async function openPostgres(url: string, options: { max?: number } = {}): Promise<Db> {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    types: typeOverrides,
    // pg needs an explicit user when the environment has no USER (as in CI containers).
    user: new URL(url).username || process.env.PGUSER || 'postgres',
    // jit=off: Dunwell's queries are short; on a 1M-invoice ledger JIT compiling a report
    // query took longer (up to 1.9 s) than running it (docs/decisions/0005-report-queries.md).
    options: '-c TimeZone=UTC -c jit=off',
  });
  // An idle client that loses its server must not crash the process; the next query reports it.
  pool.on('error', () => {});
  // Fail fast with a clear message if the server is not there.
  const probe = await pool.connect();
  probe.release();
  return {
    engine: 'postgres',
    location: redactUrl(url),
    ...queryable(pool),
    async transaction(work) {
      const client = await pool.connect();
      const release = hold(client);
      let broken = false;
      try {
        await client.query('BEGIN');
        const tx: Tx = { engine: 'postgres', ...queryable(client) };
        const result = await work(tx);
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {
          broken = true;
        });
        throw err;
      } finally {
        release(broken);
      }
    },
    async withAdvisoryLock(key, work) {
      const client = await pool.connect();
      const release = hold(client);
      try {
        await client.query('SELECT pg_advisory_lock($1)', [key]);
        try {
          return await work(queryable(client));
        } finally {
          await client.query('SELECT pg_advisory_unlock($1)', [key]);
        }
      } finally {
        release();
      }
    },
    async close() {
      await pool.end();
    },
  };
}
