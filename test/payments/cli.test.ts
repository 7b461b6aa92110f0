// `dunwell reconcile` end to end, once (spawning costs seconds): the --json shape of PRODUCT
// §2.2 word for word, and exit 1 with one line naming the element for a malformed file.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openDatabase } from '../../src/platform/db/index.ts';
import { runDunwell } from '../support/cli.ts';
import { createPostgresDatabase, engines, seedDataDir } from '../support/db.ts';
import { camt053 } from './camt-fixture.ts';
import { seedLedger } from './support.ts';

const _ROOT = join(import.meta.dirname, '..', '..');

const dunwell = (args: string[]) => runDunwell(args, { DUNWELL_NOW: '2026-11-25T12:00:00Z' });

for (const engine of engines()) {
  describe(`dunwell reconcile (CLI) [${engine}]`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'dunwell-reconcile-cli-'));
    let store = join(dir, 'store');
    let drop: (() => Promise<void>) | undefined;
    before(async () => {
      if (engine === 'postgres') {
        const created = await createPostgresDatabase();
        store = created.url;
        drop = created.drop;
      } else {
        await seedDataDir(store);
      }
      const db = await openDatabase(store);
      await seedLedger(db);
      await db.close();
    });
    after(async () => {
      await drop?.();
      rmSync(dir, { recursive: true, force: true });
    });

    it('prints the §2.2 JSON; a malformed file is exit 1 with one line', async () => {
      const file = join(dir, 'nov.xml');
      const xml = camt053([
        {
          amount: '250.00',
          credit: true,
          date: '2026-11-24',
          ref: 'C1',
          remittance: 'INV-1002',
          name: 'Acme GmbH',
        },
        { amount: '5.00', credit: false, date: '2026-11-24', ref: 'C2', remittance: 'fee' },
      ]);
      writeFileSync(file, xml);
      const ok = await dunwell(['reconcile', file, '--json', '--db', store]);
      assert.equal(ok.code, 0, ok.stderr);
      assert.deepEqual(JSON.parse(ok.stdout), {
        format: 'camt.053',
        statements: [
          {
            account: 'DE02120300000000202051',
            currency: 'EUR',
            opening_balance: '1000.00',
            closing_balance: '2597.83',
            entries: [
              {
                date: '2026-11-24',
                amount: '250.00',
                currency: 'EUR',
                reversal: false,
                reference: 'C1',
                remittance: 'INV-1002',
                counterparty: 'Acme GmbH',
                status: 'matched',
                invoices: ['INV-1002'],
              },
              {
                date: '2026-11-24',
                amount: '-5.00',
                currency: 'EUR',
                reversal: false,
                reference: 'C2',
                remittance: 'fee',
                counterparty: null,
                status: 'ignored',
                invoices: [],
              },
            ],
          },
        ],
      });
      const bad = join(dir, 'bad.xml');
      writeFileSync(bad, xml.replace('<Amt Ccy="EUR">250.00</Amt>', '<Amt Ccy="EUR">250.00.0</Amt>'));
      const failed = await dunwell(['reconcile', bad, '--db', store]);
      assert.equal(failed.code, 1);
      assert.equal(failed.stdout, '');
      assert.match(
        failed.stderr.trim(),
        /^dunwell: .*bad\.xml: Document\/BkToCstmrStmt\/Stmt\[1\]\/Ntry\[1\]\/Amt: "250\.00\.0" is not an amount$/,
      );
    });
  });
}
