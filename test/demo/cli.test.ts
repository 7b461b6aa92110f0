// `dunwell demo` end to end: the first start creates the store and serves it, a second start
// reuses it without generating anything, --reset refuses what it must not delete.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { importRecords } from '../../src/ledger/import/index.ts';
import { openDatabase } from '../../src/platform/db/index.ts';
import { createPostgresDatabase } from '../support/db.ts';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'dunwell');
// 12:00 UTC is 12:00 in London in November: the demo's today is 2026-11-25.
const NOW = '2026-11-25T12:00:00Z';
/** Loading 5,000 invoices on a busy shared machine can take a while. */
const START_TIMEOUT_MS = 240_000;

interface Started {
  child: ChildProcess;
  url: string;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number | null>;
}

function startDemo(args: string[]): Promise<Started> {
  const child = spawn(process.execPath, [BIN, 'demo', ...args], {
    env: { ...process.env, DUNWELL_NOW: NOW },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const exit = new Promise<number | null>((done) => child.on('close', (code) => done(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`demo did not start in time\nstdout: ${out}\nstderr: ${err}`));
    }, START_TIMEOUT_MS);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      // the whole banner, not just its first line: the key and login lines follow the URL
      const m = /running at (http:\/\/\S+)[\s\S]*Press Ctrl\+C to stop/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1]!, stdout: () => out, stderr: () => err, exit });
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    void exit.then((code) => {
      clearTimeout(timer);
      reject(new Error(`demo exited with ${code} before serving\nstdout: ${out}\nstderr: ${err}`));
    });
  });
}

function runDemo(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, 'demo', ...args], {
      env: { ...process.env, DUNWELL_NOW: NOW },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function stop(started: Started): Promise<number | null> {
  started.child.kill('SIGTERM');
  return started.exit;
}

async function demoFootprint(
  dir: string,
): Promise<{ customers: number; invoices: number; demoEvents: number }> {
  const db = await openDatabase(dir);
  try {
    const [row] = await db.query<{ customers: number; invoices: number; demo_events: number }>(
      `SELECT (SELECT count(*) FROM customers)::int AS customers, (SELECT count(*) FROM invoices)::int AS invoices,
              (SELECT count(*) FROM audit_log WHERE actor = 'demo')::int AS demo_events`,
    );
    return { customers: row!.customers, invoices: row!.invoices, demoEvents: row!.demo_events };
  } finally {
    await db.close();
  }
}

describe('dunwell demo (embedded store)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dunwell-demo-'));
  const store = join(dir, 'store');
  after(() => rmSync(dir, { recursive: true, force: true }));

  let first: { customers: number; invoices: number; demoEvents: number } | undefined;

  it('creates the demo store on first start, serves / and stops cleanly on SIGTERM', {
    timeout: 300_000,
  }, async () => {
    const started = await startDemo(['--db', store, '--port', '0']);
    try {
      assert.match(started.stdout(), /Demo data created as of 2026-11-25 in [\d.]+ s/);
      assert.match(started.stdout(), /customers 200, invoices 5000/);
      assert.match(started.stdout(), /open AR EUR \d+\.\d\d on \d+ invoices/);
      assert.match(started.stdout(), /API key: +dw_/);
      const res = await fetch(`${started.url}/`);
      assert.equal(res.status, 200);
      await res.arrayBuffer();
    } finally {
      assert.equal(await stop(started), 0, started.stderr());
    }
    assert.equal(existsSync(join(store, 'dunwell.pid')), false, 'the lock is released');
    first = await demoFootprint(store);
    assert.equal(first.customers, 200);
    assert.equal(first.invoices, 5000);
  });

  it('reuses the store on the next start without generating anything', { timeout: 300_000 }, async () => {
    assert.ok(first, 'the first start ran');
    const started = await startDemo(['--db', store, '--port', '0']);
    try {
      assert.match(started.stdout(), /Reusing the demo store .* \(created as of 2026-11-25/);
      assert.doesNotMatch(started.stdout(), /API key: +dw_/);
      const res = await fetch(`${started.url}/`);
      assert.equal(res.status, 200);
      await res.arrayBuffer();
    } finally {
      assert.equal(await stop(started), 0, started.stderr());
    }
    assert.deepEqual(await demoFootprint(store), first, 'nothing was written by the second start');
  });

  it('says so when the port is taken (exit 1), leaving the store as it was', {
    timeout: 120_000,
  }, async () => {
    assert.ok(first, 'the first start ran');
    const blocker = createServer();
    await new Promise<void>((done) => blocker.listen(0, '127.0.0.1', done));
    const { port } = blocker.address() as AddressInfo;
    try {
      const result = await runDemo(['--db', store, '--port', String(port)]);
      assert.equal(result.code, 1, result.stderr);
      assert.match(
        result.stderr,
        new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}: that address is already in use`),
      );
    } finally {
      blocker.close();
    }
    assert.deepEqual(await demoFootprint(store), first);
  });

  it('refuses --reset on a directory that is not a Dunwell store, and deletes nothing', async () => {
    const other = join(dir, 'not-a-store');
    mkdirSync(other);
    writeFileSync(join(other, 'notes.txt'), 'keep me');
    const result = await runDemo(['--db', other, '--port', '0', '--reset']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /does not look like a Dunwell data directory/);
    assert.equal(readFileSync(join(other, 'notes.txt'), 'utf8'), 'keep me');
  });

  it('refuses --force without --reset and a port that is not a number (exit 2)', async () => {
    assert.equal((await runDemo(['--db', store, '--force'])).code, 2);
    assert.equal((await runDemo(['--db', store, '--port', 'http'])).code, 2);
  });
});

describe('dunwell demo --reset on PostgreSQL', { skip: !process.env.TEST_DATABASE_URL }, () => {
  it('refuses to wipe a database that holds customers unless --force is given', {
    timeout: 300_000,
  }, async () => {
    const created = await createPostgresDatabase();
    try {
      const db = await openDatabase(created.url);
      const imported = await importRecords(
        db,
        'customers',
        [{ external_id: 'C-1', name: 'Real Customer Ltd' }],
        {
          actor: 'test',
          today: '2026-11-25',
        },
      );
      assert.equal(imported.inserted, 1);
      await db.close();
      const result = await runDemo(['--db', created.url, '--port', '0', '--reset']);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /holds 1 customers; refusing to wipe it.*--force/);
      const check = await openDatabase(created.url);
      const [row] = await check.query<{ name: string }>('SELECT name FROM customers');
      await check.close();
      assert.equal(row?.name, 'Real Customer Ltd');

      const forced = await startDemo(['--db', created.url, '--port', '0', '--reset', '--force']);
      try {
        assert.match(forced.stderr(), /Dropping every table in the public schema/);
        assert.match(forced.stdout(), /Demo data created as of 2026-11-25/);
      } finally {
        assert.equal(await stop(forced), 0, forced.stderr());
      }
      const after = await openDatabase(created.url);
      const names = await after.query<{ n: number; real: number }>(
        `SELECT count(*)::int AS n, count(*) FILTER (WHERE name = 'Real Customer Ltd')::int AS real FROM customers`,
      );
      await after.close();
      assert.deepEqual(names, [{ n: 200, real: 0 }]);
    } finally {
      await created.drop();
    }
  });
});
