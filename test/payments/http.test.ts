// The bank-statement API: upload a raw camt.053, read the statement and the unmatched queue,
// assign by hand; a malformed file is 422 with the element; the same file again changes nothing.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { Db } from '../../src/platform/db/index.ts';
import { type TestApi, testApi } from '../http/support.ts';
import { describeEachEngine } from '../support/db.ts';
import { camt053 } from './camt-fixture.ts';
import { seedLedger } from './support.ts';

const FILE = camt053([
  { amount: '100.00', credit: true, date: '2026-11-24', ref: 'H1', remittance: 'RE INV-1001' },
  { amount: '33.00', credit: true, date: '2026-11-24', ref: 'H2', remittance: 'no idea' },
]);

describeEachEngine('bank statements API', (db) => {
  let api: TestApi;
  before(async () => {
    await seedLedger(db() as Db);
    api = await testApi(db());
  });
  after(async () => {
    await api.app.close();
  });

  const upload = (body: string, query = '', type = 'application/xml') =>
    api.app.inject({
      method: 'POST',
      url: `/api/v1/bank-statements${query}`,
      headers: { ...api.auth, 'content-type': type },
      payload: body,
    });

  it('a dry run stores nothing; the upload matches and stores', async () => {
    const dry = await upload(FILE, '?dry_run=true');
    assert.equal(dry.statusCode, 200, dry.body);
    assert.equal(dry.json().file_id, null);
    assert.equal(((await api.get('/api/v1/bank-statements')).json as { items: unknown[] }).items.length, 0);

    const res = await upload(FILE, '?file_name=nov.xml');
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.equal(body.format, 'camt.053');
    assert.equal(body.already_imported, false);
    const entries = body.statements[0].entries;
    assert.deepEqual(
      entries.map((e: { status: string; invoices: string[] }) => [e.status, e.invoices]),
      [
        ['matched', ['INV-1001']],
        ['unmatched', []],
      ],
    );
    assert.equal(typeof entries[0].id, 'number');

    const again = await upload(FILE);
    assert.equal(again.json().already_imported, true);
    assert.equal(again.json().statements[0].entries[0].id, entries[0].id);
  });

  it('lists statements and entries; a person assigns the unmatched one', async () => {
    const list = await api.get('/api/v1/bank-statements');
    const [statement] = (
      list.json as { items: { id: number; matched: number; unmatched: number; file_name: string }[] }
    ).items;
    assert.deepEqual([statement!.matched, statement!.unmatched, statement!.file_name], [1, 1, 'nov.xml']);
    const one = await api.get(`/api/v1/bank-statements/${statement!.id}`);
    assert.equal((one.json as { entries: unknown[] }).entries.length, 2);
    const queue = await api.get('/api/v1/bank-statements/entries?status=unmatched');
    const [entry] = (queue.json as { items: { id: number; amount: string }[] }).items;
    assert.equal(entry!.amount, '33.00');
    const wrong = await api.send('POST', `/api/v1/bank-statements/entries/${entry!.id}/match`, {
      invoices: [{ invoice: 'INV-1002', amount: '50.00' }],
    });
    assert.equal(wrong.status, 422, wrong.body);
    assert.match(wrong.body, /more than is left of the payment/);
    const done = await api.send('POST', `/api/v1/bank-statements/entries/${entry!.id}/match`, {
      invoices: [{ invoice: 'INV-1002' }],
    });
    assert.equal(done.status, 200, done.body);
    assert.deepEqual(
      [(done.json as { status: string }).status, (done.json as { invoices: string[] }).invoices],
      ['matched', ['INV-1002']],
    );
    const twice = await api.send('POST', `/api/v1/bank-statements/entries/${entry!.id}/match`, {
      invoices: [{ invoice: 'INV-1002' }],
    });
    assert.equal(twice.status, 422);
  });

  it('a malformed file is 422 naming the element, and nothing is stored', async () => {
    const res = await upload(FILE.replace('<CdtDbtInd>CRDT</CdtDbtInd>', '<CdtDbtInd>CREDIT</CdtDbtInd>'));
    assert.equal(res.statusCode, 422, res.body);
    assert.match(
      res.json().error.message,
      /Stmt\[1\]\/Bal\[1\]\/CdtDbtInd: "CREDIT" is neither CRDT nor DBIT/,
    );
    const wrongType = await upload(FILE, '', 'application/json');
    assert.equal(wrongType.statusCode >= 400, true);
    assert.equal(((await api.get('/api/v1/bank-statements')).json as { items: unknown[] }).items.length, 1);
  });
});
