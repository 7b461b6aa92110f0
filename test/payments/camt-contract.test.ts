// Contract: the camt parser against genkgo/camt's expected parses (../shared/external/genkgo-camt).
// Each X.xml has X.json written by genkgo's own serialiser; amounts there are minor units
// ("885" = 8.85), debits negative. Compared per statement: account, opening and closing
// balance; per entry: signed amount, currency, booking and value date, reversal, AcctSvcrRef,
// NtryRef, and from the first transaction: end-to-end id, creditor reference, remittance text,
// the counterparty's name and account.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { parseCamt } from '../../src/payments/bank/camt.ts';
import type { BankEntry, Statement } from '../../src/payments/bank/model.ts';
import { externalDir } from './external.ts';

const { dir, skip } = externalDir('genkgo-camt/data');

// biome-ignore lint/suspicious/noExplicitAny: genkgo's serialised PHP objects have no schema
type J = any;

const day = (d: J): string | null => (d && typeof d === 'object' ? String(d['0']).slice(0, 10) : null);

function expectedBalances(record: J): { opening: number | null; closing: number | null } {
  const list: J[] = Array.isArray(record.getBalances) ? record.getBalances : [];
  const first = (type: string) => list.find((b) => b.getType === type);
  const interim = list.filter((b) => b.getType === 'interim');
  const opening = first('opening') ?? interim[0];
  const closing = first('closing') ?? interim[interim.length - 1];
  return {
    opening: opening ? Number(opening.getAmount.getAmount) : null,
    closing: closing ? Number(closing.getAmount.getAmount) : null,
  };
}

function compareEntry(mine: BankEntry, e: J, where: string): string[] {
  const diffs: string[] = [];
  const check = (what: string, got: unknown, want: unknown) => {
    if (got !== want)
      diffs.push(`${where} ${what}: got ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
  };
  check('amount', mine.amount, Number(e.getAmount.getAmount));
  check('currency', mine.currency, e.getAmount.getCurrency.getCode);
  check('booking date', mine.bookingDate, day(e.getBookingDate));
  check('value date', mine.valueDate, day(e.getValueDate));
  check('reversal', mine.reversal, e.getReversalIndicator === true);
  check('AcctSvcrRef', mine.bankReference ?? null, e.getAccountServicerReference ?? null);
  check('NtryRef', mine.entryReference, e.getReference ?? null);
  const tx = e.getTransactionDetail;
  if (tx && typeof tx === 'object') {
    const e2e = tx.getReference?.getEndToEndId ?? null;
    check('EndToEndId', mine.endToEndId, e2e === 'NOTPROVIDED' ? null : e2e);
    const rmt = tx.getRemittanceInformation;
    if (rmt && typeof rmt === 'object') {
      // genkgo lifts the structured creditor reference to the top only when there is no
      // unstructured text; the structured block always has it
      const obj = (x: J) => (x && typeof x === 'object' ? x : null);
      const cri =
        obj(rmt.getCreditorReferenceInformation) ??
        obj(obj(rmt.getStructuredBlock)?.getCreditorReferenceInformation);
      check('creditor reference', mine.creditorReference, cri ? cri.getRef : null);
      const ustrd: string[] = (rmt.getUnstructuredBlocks ?? [])
        .filter((b: J) => typeof b === 'object')
        .map((b: J) => String(b.getMessage).replace(/\s+/g, ' ').trim());
      // genkgo keeps the first transaction's texts; a batch entry joins all of them
      if (!mine.remittance.startsWith(ustrd.join(' '))) {
        diffs.push(`${where} remittance: "${mine.remittance}" does not start with "${ustrd.join(' ')}"`);
      }
    }
    const role = mine.amount >= 0 ? 'Debtor' : 'Creditor';
    const party = (tx.getRelatedParties ?? []).find(
      (p: J) => typeof p === 'object' && String(p.getRelatedPartyType?.__CLASS__ ?? '').endsWith(`\\${role}`),
    );
    if (party) {
      check('counterparty name', mine.counterpartyName, party.getRelatedPartyType.getName ?? null);
      check('counterparty account', mine.counterpartyIban, party.getAccount?.getIdentification ?? null);
    }
  }
  return diffs;
}

it('genkgo-camt: every statement and entry agrees with the expected JSON', { skip }, () => {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort();
  let statements = 0;
  let statementsOk = 0;
  let entries = 0;
  let entriesOk = 0;
  const diffs: string[] = [];
  for (const file of files) {
    const xml = join(dir, file.replace(/\.json$/, '.xml'));
    const expected: J = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    const parsed = parseCamt(readFileSync(xml));
    const byId = new Map<string | null, Statement>(parsed.statements.map((s) => [s.id, s]));
    const records: J[] = [
      ...(expected.getRecords ?? []).filter((r: J) => typeof r === 'object'),
      ...(expected.getEntries ?? []).map((e: J) => e.getRecord).filter((r: J) => typeof r === 'object'),
    ];
    const seen = new Set<string>();
    for (const record of records) {
      if (seen.has(record.getId)) continue;
      seen.add(record.getId);
      statements++;
      const mine = byId.get(record.getId);
      const before = diffs.length;
      if (!mine) diffs.push(`${file}: statement ${record.getId} not found`);
      else {
        const want = expectedBalances(record);
        if (mine.account !== record.getAccount.getIdentification) {
          diffs.push(`${file}: account ${mine.account} ≠ ${record.getAccount.getIdentification}`);
        }
        if (mine.openingBalance !== want.opening)
          diffs.push(`${file}: opening ${mine.openingBalance} ≠ ${want.opening}`);
        if (mine.closingBalance !== want.closing)
          diffs.push(`${file}: closing ${mine.closingBalance} ≠ ${want.closing}`);
      }
      if (diffs.length === before) statementsOk++;
    }
    // the expected entries: each names its statement (or refers back to the first one seen)
    let current: J = records[0];
    for (const entry of expected.getEntries ?? []) {
      if (typeof entry.getRecord === 'object') current = entry.getRecord;
      entries++;
      const mine = byId.get(current?.getId)?.entries[entry.getIndex];
      const where = `${file} entry ${entry.getIndex}`;
      const found = mine ? compareEntry(mine, entry, where) : [`${where}: missing`];
      if (found.length === 0) entriesOk++;
      diffs.push(...found);
    }
  }
  console.log(
    `genkgo-camt agreement: ${files.length} files, statements ${statementsOk}/${statements}, entries ${entriesOk}/${entries}`,
  );
  assert.deepEqual(diffs, []);
});

it('genkgo-camt: camt053.v2.wrong.xml is rejected with the element at fault', { skip }, () => {
  assert.throws(
    () => parseCamt(readFileSync(join(dir, 'camt053.v2.wrong.xml'))),
    /BkToCstmrStmt: there is no <Stmt>/,
  );
});
