// Disk full under the embedded store (issue 8). Method: the PGlite data directory lives on a
// small tmpfs mounted for this test (needs root and mount(8); skipped otherwise), a filler
// file takes every free byte, and a real `dunwell import` of 20,000 customers runs against
// it. Asserted: the command fails with one clear error naming the cause (no space left on
// the device) and no stack trace; after the space is freed the store opens again, holds
// exactly what it held before (nothing of the failed import was written), and takes the
// same import in full.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openDatabase } from '../../src/platform/db/index.ts';
import { openPglite } from '../../src/platform/db/pglite.ts';
import { freshPglite } from '../support/db.ts';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'dunwell');

function tryMount(): { dir: string; unmount(): void } | string {
  if (process.getuid?.() !== 0) return 'needs root to mount a small tmpfs';
  const dir = mkdtempSync(join(tmpdir(), 'dunwell-diskfull-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256m', 'tmpfs', dir], { stdio: 'ignore' });
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return 'mount -t tmpfs is not available here';
  }
  return {
    dir,
    unmount() {
      execFileSync('umount', ['-l', dir], { stdio: 'ignore' });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function dunwell(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const mounted = tryMount();

describe('the embedded store when the disk is full', {
  skip: typeof mounted === 'string' ? mounted : false,
}, () => {
  const { dir, unmount } = mounted as { dir: string; unmount(): void };
  const store = join(dir, 'store');
  const work = mkdtempSync(join(tmpdir(), 'dunwell-diskfull-csv-'));
  const filler = join(dir, 'filler');
  const small = join(work, 'small.csv');
  const big = join(work, 'big.csv');

  before(async () => {
    // a migrated store, cloned from the test snapshot (initdb in WebAssembly takes long)
    const memory = (await freshPglite()) as Awaited<ReturnType<typeof openPglite>>;
    const snapshot = await memory.dump();
    await memory.close();
    await (await openPglite(store, { loadDataDir: snapshot })).close();
    writeFileSync(
      small,
      `external_id,name\n${Array.from({ length: 10 }, (_, i) => `S${i},Small ${i}`).join('\n')}\n`,
    );
    const name = 'A long customer name to fill pages '.repeat(4);
    writeFileSync(
      big,
      `external_id,name\n${Array.from({ length: 20_000 }, (_, i) => `B${i},${name}${i}`).join('\n')}\n`,
    );
  });
  after(() => {
    rmSync(filler, { force: true });
    unmount();
    rmSync(work, { recursive: true, force: true });
  });

  const count = async () => {
    const db = await openDatabase(store);
    try {
      const [row] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM customers');
      return row!.n;
    } finally {
      await db.close();
    }
  };

  /** Takes every free byte of the file system, then gives `leave` bytes back. */
  const fill = (leave: number) => {
    const fd = openSync(filler, 'w');
    const chunk = Buffer.alloc(1 << 20);
    let written = 0;
    try {
      for (;;) written += writeSync(fd, chunk);
    } catch (err) {
      assert.equal((err as NodeJS.ErrnoException).code, 'ENOSPC');
    } finally {
      closeSync(fd);
    }
    truncateSync(filler, Math.max(0, written - leave));
  };

  const failsClearly = (run: { code: number | null; stderr: string }) => {
    assert.notEqual(run.code, 0, 'the import fails');
    assert.match(run.stderr, /no space left on device/i, run.stderr);
    assert.doesNotMatch(
      run.stderr,
      /unexpected error|\n\s+at /,
      `one clear error, no stack trace:\n${run.stderr}`,
    );
  };

  it('a full disk before the import: one clear error, the store untouched', async () => {
    const first = await dunwell(['import', 'customers', small, '--db', store]);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(await count(), 10);
    fill(0);
    failsClearly(await dunwell(['import', 'customers', big, '--db', store]));
    rmSync(filler);
    assert.equal(await count(), 10, 'nothing was written');
  });

  it('the disk fills during the import: one clear error, nothing half-written, reopens and imports once space is back', async () => {
    // room to open the store and start, not to finish: the import's transaction runs out
    fill(3 << 20);
    failsClearly(await dunwell(['import', 'customers', big, '--db', store]));
    rmSync(filler);
    assert.equal(await count(), 10, 'nothing of the failed import was written');
    const again = await dunwell(['import', 'customers', big, '--db', store]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(await count(), 20_010);
  });
});
