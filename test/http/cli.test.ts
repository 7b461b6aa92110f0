// End to end through the CLI: `dunwell apikeys create|list|revoke`, a real server on a random
// port answering with that key, and `dunwell serve` started, used and stopped with SIGTERM.
import assert from 'node:assert/strict';
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startServer } from '../../src/http/server.ts';
import { fixedClock } from '../../src/platform/clock.ts';
import { openDatabase } from '../../src/platform/db/index.ts';
import { runDunwell } from '../support/cli.ts';
import { createPostgresDatabase, engines, seedDataDir } from '../support/db.ts';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'dunwell');

const run = runDunwell;

/** Starts `dunwell serve … --json` and resolves with its first JSON document (the URL). */
function serve(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{
  child: ChildProcessWithoutNullStreams;
  info: { url: string | null; role: string; workers: string[] };
}> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'serve', '--json', ...args], {
      env: { ...process.env, ...env },
    });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`serve did not start: ${stderr}`));
    }, 300_000); // the machine running the suite may be busy: PGlite start-up alone can take a minute
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.stdout.on('data', (d) => {
      stdout += d;
      try {
        const info = JSON.parse(stdout);
        clearTimeout(timer);
        resolve({ child, info });
      } catch {
        // not complete yet
      }
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code}: ${stderr}`));
    });
  });
}

function exited(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  return new Promise((resolve) => child.on('close', (code) => resolve(code)));
}

for (const engine of engines()) {
  describe(`http cli [${engine}]`, () => {
    let target = '';
    let cleanup: () => Promise<void> = async () => {};
    before(async () => {
      if (engine === 'pglite') {
        const dir = mkdtempSync(join(tmpdir(), 'dunwell-http-cli-'));
        target = join(dir, 'store');
        await seedDataDir(target);
        cleanup = async () => rmSync(dir, { recursive: true, force: true });
      } else {
        const created = await createPostgresDatabase();
        target = created.url;
        cleanup = created.drop;
      }
    });
    after(async () => {
      await cleanup();
    });

    it('creates a key with the CLI that a server on a random port accepts, until it is revoked', async () => {
      const created = await run(['apikeys', 'create', 'erp-sync', '--json', '--db', target]);
      assert.equal(created.code, 0, created.stderr);
      const key = JSON.parse(created.stdout) as Record<string, unknown>;
      assert.deepEqual(Object.keys(key).sort(), ['created_at', 'id', 'key', 'name', 'prefix']);
      assert.equal(key.name, 'erp-sync');
      assert.match(String(key.key), /^dw_/);

      const human = await run(['apikeys', 'create', 'second', '--db', target]);
      assert.equal(human.code, 0, human.stderr);
      assert.match(human.stdout, /Created API key \d+ "second":\n\n {2}dw_[A-Za-z0-9_-]{43}\n/);
      assert.match(human.stdout, /shown only this once/);

      const db = await openDatabase(target);
      const server = await startServer({ db, clock: fixedClock('2026-03-15T10:00:00Z'), port: 0 });
      try {
        assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
        const ok = await fetch(`${server.url}/api/v1/customers`, {
          headers: { authorization: `Bearer ${key.key}` },
        });
        assert.equal(ok.status, 200);
        assert.deepEqual(await ok.json(), { items: [], next_cursor: null });
        const no = await fetch(`${server.url}/api/v1/customers`);
        assert.equal(no.status, 401);
        assert.equal(no.headers.get('www-authenticate'), 'Bearer realm="dunwell"');
      } finally {
        await server.close();
        await db.close();
      }

      const list = await run(['apikeys', 'list', '--json', '--db', target]);
      assert.equal(list.code, 0, list.stderr);
      const keys = JSON.parse(list.stdout) as { id: number; name: string; last_used_at: string | null }[];
      assert.deepEqual(
        keys.map((k) => [k.name, k.last_used_at !== null]),
        [
          ['erp-sync', true],
          ['second', false],
        ],
      );
      assert.ok(!list.stdout.includes(String(key.key)), 'list never shows a key');

      const revoked = await run(['apikeys', 'revoke', String(key.id), '--db', target]);
      assert.equal(revoked.code, 0, revoked.stderr);
      assert.match(revoked.stdout, /Revoked API key/);
      const usage = await run(['apikeys', 'create', '--db', target]);
      assert.equal(usage.code, 2);
      assert.match(usage.stderr, /needs a NAME/);

      const db2 = await openDatabase(target);
      const server2 = await startServer({ db: db2, clock: fixedClock('2026-03-15T10:00:00Z'), port: 0 });
      try {
        const refused = await fetch(`${server2.url}/api/v1/customers`, {
          headers: { authorization: `Bearer ${key.key}` },
        });
        assert.equal(refused.status, 401);
      } finally {
        await server2.close();
        await db2.close();
      }
    });

    it('dunwell serve starts on the given port, serves the API and stops cleanly on SIGTERM', async () => {
      const created = await run(['apikeys', 'create', 'serve-test', '--json', '--db', target]);
      const key = String((JSON.parse(created.stdout) as { key: string }).key);
      const { child, info } = await serve(['--db', target, '--role', 'web', '--port', '0']);
      const done = exited(child);
      try {
        assert.equal(info.role, 'web');
        assert.deepEqual(info.workers, []);
        assert.match(String(info.url), /^http:\/\/127\.0\.0\.1:\d+$/);
        const home = await fetch(`${info.url}/`);
        assert.equal(home.status, 200);
        assert.match(await home.text(), /<h1>My Company<\/h1>/);
        const api = await fetch(`${info.url}/api/v1/invoices?limit=1`, {
          headers: { authorization: `Bearer ${key}` },
        });
        assert.equal(api.status, 200);
      } finally {
        child.kill('SIGTERM');
      }
      assert.equal(await done, 0);
    });

    it('dunwell serve --role worker runs the registered workers without HTTP and stops on SIGINT', async () => {
      const { child, info } = await serve(['--db', target, '--role', 'worker'], {
        DUNWELL_NOW: '2026-03-15T10:00:00Z',
      });
      const done = exited(child);
      child.kill('SIGINT');
      assert.equal(await done, 0);
      assert.equal(info.url, null);
      assert.equal(info.role, 'worker');
      assert.ok(Array.isArray(info.workers));
    });

    it('dunwell serve refuses a bad role or port with a usage error (exit 2)', async () => {
      const role = await run(['serve', '--role', 'cron', '--db', target]);
      assert.equal(role.code, 2);
      assert.match(role.stderr, /--role "cron" is not web, worker or all/);
      const port = await run(['serve', '--db', target], { DUNWELL_PORT: 'http' });
      assert.equal(port.code, 2);
      assert.match(port.stderr, /DUNWELL_PORT "http" is not a port/);
    });
  });
}
