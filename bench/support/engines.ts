/**
 * What every benchmark suite does around its own measurements: read `--engines`, positive
 * counts, and run once per engine on a fresh store — a PGlite directory under bench-data/ or a
 * new PostgreSQL database — removed afterwards unless `--keep`.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { UsageError } from '../../src/platform/errors.ts';
import { BENCH_DATA } from './report.ts';

export type BenchEngine = 'pglite' | 'postgres';

export const DEFAULT_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

export function positive(text: string | undefined, fallback: number, flag: string): number {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text) || Number(text) < 1)
    throw new UsageError(`${flag} "${text}" is not a positive whole number`);
  return Number(text);
}

export function parseEngines(text: string | undefined): BenchEngine[] {
  const engines = (text ?? 'pglite,postgres').split(',').map((e) => e.trim());
  for (const e of engines) {
    if (e !== 'pglite' && e !== 'postgres')
      throw new UsageError(`--engines: unknown engine "${e}" (pglite, postgres)`);
  }
  return engines as BenchEngine[];
}

/** One statement on the server's maintenance database (CREATE / DROP DATABASE). */
export async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, user: new URL(url).username || 'postgres' });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * Runs `measure` once per engine with the store it should use (a directory or a postgres://
 * URL), each fresh: bench-data/<suite>-pglite, or the database dunwell_bench_<suite>_<pid>.
 */
export async function forEachEngine<T>(
  engines: readonly BenchEngine[],
  options: { suite: string; adminUrl: string; keep: boolean },
  measure: (engine: BenchEngine, store: string) => Promise<T>,
): Promise<T[]> {
  const results: T[] = [];
  for (const engine of engines) {
    if (engine === 'pglite') {
      const dir = join(BENCH_DATA, `${options.suite}-pglite`);
      rmSync(dir, { recursive: true, force: true });
      try {
        results.push(await measure(engine, dir));
      } finally {
        if (!options.keep) rmSync(dir, { recursive: true, force: true });
      }
    } else {
      const name = `dunwell_bench_${options.suite}_${process.pid}`;
      await adminQuery(options.adminUrl, `CREATE DATABASE ${name}`);
      const url = new URL(options.adminUrl);
      url.pathname = `/${name}`;
      try {
        results.push(await measure(engine, url.toString()));
      } finally {
        if (!options.keep) await adminQuery(options.adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      }
    }
  }
  return results;
}
