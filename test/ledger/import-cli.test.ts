// `dunwell import` end to end: exit codes 0/1/2, the --json shape (PRODUCT §2.2), row errors
// on stderr, one clear line for a missing file.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runDunwell } from '../support/cli.ts';
import { createPostgresDatabase, engines, seedDataDir } from '../support/db.ts';

const _ROOT = join(import.meta.dirname, '..', '..');

const dunwell = (args: string[]) => runDunwell(args, { DUNWELL_NOW: '2024-06-30T12:00:00Z' });

for (const engine of engines()) {
  describe(`dunwell import (CLI) [${engine}]`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'dunwell-import-cli-'));
    let target = join(dir, 'store');
    let drop: (() => Promise<void>) | undefined;
    const file = (name: string, text: string) => {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    };
    before(async () => {
      if (engine === 'postgres') {
        const created = await createPostgresDatabase();
        target = created.url;
        drop = created.drop;
      } else {
        await seedDataDir(target);
      }
    });
    after(async () => {
      await drop?.();
      rmSync(dir, { recursive: true, force: true });
    });

    it('imports customers (exit 0) with a human summary, then again as --json with nothing changed', async () => {
      const customers = file('customers.csv', 'external_id,name\nC1,Acme\nC2,Beta\n');
      const first = await dunwell(['import', 'customers', customers, '--db', target]);
      assert.equal(first.code, 0, first.stderr);
      assert.equal(first.stdout.trim(), 'customers: 2 rows — 2 inserted, 0 updated, 0 unchanged, 0 rejected');
      const again = await dunwell(['import', 'customers', customers, '--db', target, '--json']);
      assert.equal(again.code, 0, again.stderr);
      assert.deepEqual(JSON.parse(again.stdout), {
        kind: 'customers',
        rows: 2,
        inserted: 0,
        updated: 0,
        unchanged: 2,
        rejected: [],
      });
    });

    it('rejects a file with bad rows (exit 1): every row on stderr, nothing written; --json lists them', async () => {
      const invoices = file(
        'invoices.csv',
        'number,customer_external_id,issue_date,amount\nI-1,C1,2024-01-01,10.00\nI-2,C1,2024-13-01,10.00\nI-3,C9,2024-01-01,1\n',
      );
      const human = await dunwell(['import', 'invoices', invoices, '--db', target]);
      assert.equal(human.code, 1);
      const lines = human.stderr.trim().split('\n');
      assert.deepEqual(lines.slice(0, 2), [
        'row 3, issue_date "2024-13-01": not a date (expected YYYY-MM-DD; use --date-format for other layouts)',
        'row 4, customer_external_id "C9": no customer has this external_id; import the customers first (or let the import create them with --create-customers)',
      ]);
      assert.match(lines[2] ?? '', /2 rows rejected, nothing was written; .*--partial/);
      const json = await dunwell(['import', 'invoices', invoices, '--db', target, '--json']);
      assert.equal(json.code, 1);
      const out = JSON.parse(json.stdout);
      assert.deepEqual(Object.keys(out), ['kind', 'rows', 'inserted', 'updated', 'unchanged', 'rejected']);
      assert.deepEqual(
        [out.rows, out.inserted, out.rejected.length, out.rejected[0]],
        [3, 0, 2, { row: 3, column: 'issue_date', value: '2024-13-01', reason: out.rejected[0].reason }],
      );
      const partial = await dunwell(['import', 'invoices', invoices, '--db', target, '--json', '--partial']);
      assert.equal(partial.code, 0);
      assert.equal(JSON.parse(partial.stdout).inserted, 1);
    });

    it('a missing file is one clear stderr line (exit 1); usage mistakes exit 2', async () => {
      const missing = await dunwell(['import', 'invoices', join(dir, 'nope.csv'), '--db', target]);
      assert.equal(missing.code, 1);
      assert.equal(missing.stderr, `dunwell: ${join(dir, 'nope.csv')}: no such file; check the path\n`);
      assert.equal(missing.stdout, '');
      const noFile = await dunwell(['import', 'invoices', '--db', target]);
      assert.equal(noFile.code, 2);
      const badFlag = await dunwell(['import', 'invoices', join(dir, 'customers.csv'), '--frobnicate']);
      assert.equal(badFlag.code, 2);
      const badKind = await dunwell(['import', 'widgets', join(dir, 'customers.csv'), '--db', target]);
      assert.equal(badKind.code, 1);
      assert.match(badKind.stderr, /unknown import kind "widgets"/);
      const header = await dunwell(['import', 'invoices', file('bad.csv', 'foo;bar\n1;2\n'), '--db', target]);
      assert.equal(header.code, 1);
      assert.match(
        header.stderr,
        /^dunwell: .*bad\.csv: missing required columns customer_external_id, number, issue_date, amount/,
      );
      assert.equal(header.stderr.trim().split('\n').length, 1);
    });
  });
}
