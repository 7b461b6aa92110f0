import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UserError } from '../errors.ts';
import { migrate } from './migrate.ts';
import { openPglite } from './pglite.ts';
import type { Db } from './port.ts';
import { openPostgres, redactUrl } from './postgres.ts';

export const DEFAULT_DATA_DIR = './dunwell-data';

export function isPostgresUrl(target: string): boolean {
  return /^postgres(ql)?:\/\//i.test(target);
}

/** `--db` flag, else DUNWELL_DB, else the embedded store in ./dunwell-data. */
export function resolveDbTarget(flag: string | undefined, env = process.env): string {
  return flag ?? env.DUNWELL_DB ?? DEFAULT_DATA_DIR;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * PGlite is a single-process database: two processes writing one directory would corrupt
 * it. A pid file makes the second one stop with a clear message instead.
 */
function lockDataDir(dir: string): () => void {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'dunwell.pid');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      try {
        writeSync(fd, String(process.pid));
      } finally {
        closeSync(fd);
      }
      return () => rmSync(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        // a full disk or a read-only directory: say so instead of a stack trace
        rmSync(file, { force: true });
        throw new UserError(`cannot lock the embedded store ${dir}: ${(err as Error).message}`);
      }
      const pid = Number(readFileSync(file, 'utf8'));
      if (pid && pid !== process.pid && isAlive(pid)) {
        throw new UserError(
          `the embedded store ${dir} is in use by process ${pid} (a running "dunwell serve" or "demo"?); ` +
            'stop that process, or point --db / DUNWELL_DB at a PostgreSQL server to share one database',
        );
      }
      rmSync(file, { force: true }); // stale: its process is gone
    }
  }
  throw new UserError(`could not lock the embedded store ${dir}`);
}

export interface OpenOptions {
  /** Apply pending migrations (default true). */
  migrate?: boolean;
  poolSize?: number;
}

/** Opens the database named by `target` and brings its schema up to date. */
export async function openDatabase(target: string, options: OpenOptions = {}): Promise<Db> {
  let db: Db;
  if (isPostgresUrl(target)) {
    try {
      db = await openPostgres(target, options.poolSize ? { max: options.poolSize } : {});
    } catch (err) {
      throw new UserError(`cannot connect to PostgreSQL at ${redactUrl(target)}: ${(err as Error).message}`);
    }
  } else if (target === 'memory://') {
    db = await openPglite(target);
  } else {
    const dir = resolve(target);
    if (existsSync(dir) && !existsSync(join(dir, 'PG_VERSION')) && existsSync(join(dir, 'base'))) {
      throw new UserError(`${dir} does not look like a Dunwell data directory`);
    }
    const unlock = lockDataDir(dir);
    try {
      const inner = await openPglite(dir);
      db = {
        ...inner,
        async close() {
          await inner.close();
          unlock();
        },
      };
    } catch (err) {
      unlock();
      throw err;
    }
  }
  if (options.migrate !== false) {
    try {
      await migrate(db);
    } catch (err) {
      await db.close();
      throw err;
    }
  }
  return db;
}
