import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Db } from './port.ts';

export const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'migrations');

/** Any constant works; it only has to be the same in every Dunwell process. */
const MIGRATION_LOCK_KEY = 0x64756e77; // 'dunw'

export interface Migration {
  version: string;
  sql: string;
}

/** Forward-only `.sql` files named `YYYYMMDDHHMM_title.sql`, applied in name order. */
export function listMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{12}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((f) => ({ version: f.replace(/\.sql$/, ''), sql: readFileSync(join(dir, f), 'utf8') }));
}

/**
 * Applies pending migrations once, under an advisory lock, so two processes starting
 * together cannot race: the second waits, then finds nothing left to do. Each migration
 * runs in its own transaction together with its bookkeeping row.
 */
export async function migrate(db: Db, migrations = listMigrations()): Promise<string[]> {
  return db.withAdvisoryLock(MIGRATION_LOCK_KEY, async (conn) => {
    await conn.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version text PRIMARY KEY,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const done = new Set(
      (await conn.query<{ version: string }>('SELECT version FROM schema_migrations')).map((r) => r.version),
    );
    const applied: string[] = [];
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      try {
        await conn.exec(
          `BEGIN;\n${m.sql}\n;INSERT INTO schema_migrations (version) VALUES ('${m.version}');\nCOMMIT;`,
        );
      } catch (err) {
        await conn.exec('ROLLBACK').catch(() => {});
        throw new Error(`migration ${m.version} failed: ${(err as Error).message}`);
      }
      applied.push(m.version);
    }
    return applied;
  });
}
