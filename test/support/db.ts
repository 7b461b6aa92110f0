/**
 * Runs a database test suite on every engine: PGlite always, PostgreSQL when
 * TEST_DATABASE_URL is set (CI sets it, and DUNWELL_REQUIRE_POSTGRES=1 turns a missing or
 * unreachable server into a failure instead of a skip). Each suite gets a fresh, migrated
 * database: a PGlite cloned from a migrated snapshot, or a new PostgreSQL database.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe } from 'node:test';
import pg from 'pg';
import { listMigrations, migrate } from '../../src/platform/db/migrate.ts';
import { openPglite } from '../../src/platform/db/pglite.ts';
import type { Db, Engine } from '../../src/platform/db/port.ts';
import { openPostgres } from '../../src/platform/db/postgres.ts';

let snapshot: Promise<Blob> | undefined;

/**
 * Creating a PGlite cluster (initdb in WebAssembly) takes seconds; loading a tarball of a
 * migrated one takes about one. The tarball is cached on disk, keyed by the migrations'
 * content, so every test process after the first starts from it.
 */
async function migratedSnapshot(): Promise<Blob> {
  snapshot ??= (async () => {
    const hash = createHash('sha256');
    for (const m of listMigrations()) hash.update(m.version).update(m.sql);
    const dir = join('node_modules', '.cache', 'dunwell-test');
    const file = join(dir, `pglite-${hash.digest('hex').slice(0, 16)}.tar`);
    if (existsSync(file)) return new Blob([readFileSync(file)]);
    const db = await openPglite('memory://');
    await migrate(db);
    const blob = await db.dump();
    await db.close();
    mkdirSync(dir, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, Buffer.from(await blob.arrayBuffer()));
    renameSync(tmp, file); // atomic: a concurrent process sees the whole file or none
    return blob;
  })();
  return snapshot;
}

export async function freshPglite(): Promise<Db> {
  return openPglite('memory://', { loadDataDir: await migratedSnapshot() });
}

let counter = 0;

/** Creates an empty database on the TEST_DATABASE_URL server and returns its URL and a dropper. */
export async function createPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const base = process.env.TEST_DATABASE_URL;
  if (!base) throw new Error('TEST_DATABASE_URL is not set');
  const name = `dunwell_t_${process.pid}_${Date.now().toString(36)}_${counter++}`;
  const admin = new pg.Client({ connectionString: base, user: new URL(base).username || 'postgres' });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: base, user: new URL(base).username || 'postgres' });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

export async function freshPostgres(): Promise<Db & { dbUrl: string }> {
  const created = await createPostgresDatabase();
  const db = await openPostgres(created.url);
  await migrate(db);
  return {
    ...db,
    dbUrl: created.url,
    async close() {
      await db.close();
      await created.drop();
    },
  };
}

export function engines(): Engine[] {
  if (process.env.TEST_DATABASE_URL) return ['pglite', 'postgres'];
  if (process.env.DUNWELL_REQUIRE_POSTGRES === '1') {
    throw new Error('DUNWELL_REQUIRE_POSTGRES=1 but TEST_DATABASE_URL is not set');
  }
  return ['pglite'];
}

export function freshDb(engine: Engine): Promise<Db> {
  return engine === 'pglite' ? freshPglite() : freshPostgres();
}

/**
 * `describeEachEngine('import', (db) => { it(...) })`: the body runs once per engine, named
 * '<title> [pglite]' and '<title> [postgres]', with a fresh database shared by its tests.
 */
export function describeEachEngine(title: string, body: (db: () => Db, engine: Engine) => void): void {
  for (const engine of engines()) {
    describe(`${title} [${engine}]`, () => {
      let db: Db | undefined;
      before(async () => {
        db = await freshDb(engine);
      });
      after(async () => {
        await db?.close();
      });
      body(() => {
        if (!db) throw new Error('database not ready');
        return db;
      }, engine);
    });
  }
}

/**
 * Materialises a migrated embedded store in `dir` from the cached snapshot, so a CLI test
 * that spawns `./bin/dunwell --db dir` skips the seconds of initdb a fresh directory costs.
 */
export async function seedDataDir(dir: string): Promise<void> {
  const db = await openPglite(dir, { loadDataDir: await migratedSnapshot() });
  await db.close();
}
