// Contract: the MT940 parser against wolph/mt940's expected parses (../shared/external/wolph-mt940).
// wolph merges a file's statements into one list of transactions, so they are compared in
// file order: status (C, D, RC, RD → our sign and reversal flag), amount, currency, value and
// booking date, bank and customer reference, and the :86: details (free text, or for the
// structured form: purpose, end-to-end id, counterparty name and IBAN); per file the last
// statement's account and closing balance. Fragments (a lone :61: or :60F: without :25:, a
// :61: outside any statement) are rejected by our parser on purpose; they are listed below.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import type { BankEntry } from '../../src/payments/bank/model.ts';
import { parseMt940 } from '../../src/payments/bank/mt940.ts';
import { externalDir } from './external.ts';

const { dir, skip } = externalDir('wolph-mt940');

// biome-ignore lint/suspicious/noExplicitAny: wolph's JSON dumps have no schema
type J = any;

/** Files our parser refuses, with the reason (they are snippets of a statement, or broken). */
const REJECTED: Record<string, RegExp> = {
  'betterplace/amount_formats': /no :25: account/,
  'betterplace/currency_in_25': /no :60F: opening balance/,
  'betterplace/empty_86': /no :25: account/,
  'betterplace/empty_entry_date': /no :25: account/,
  'betterplace/empty_line': /no :25: account/,
  'betterplace/missing_crlf_at_end': /no :25: account/,
  'cmxl/account_balance_credit': /no :25: account/,
  'cmxl/account_balance_debit': /no :25: account/,
  'cmxl/account_identification_iban': /no :60F: opening balance/,
  'cmxl/account_identification_legacy': /no :60F: opening balance/,
  'cmxl/available_balance': /no :25: account/,
  'cmxl/closing_balance': /no :25: account/,
  'cmxl/reference': /no :25: account/,
  'cmxl/statement_details': /no :25: account/,
  'cmxl/statement_line': /no :25: account/,
  'cmxl/statement_number': /no :25: account/,
  'self-provided/account_identification': /no :60F: opening balance/,
  'self-provided/empty_non_swift': /no :25: account/,
  'self-provided/invalid_statement': /holds no :20:/,
  // a :61: after the closing '-', outside any statement
  'self-provided/multiline': /line 38: the statement has no :25: account/,
  // ":62M:C020315105000,00" has no currency
  'self-provided/raphaelm': /line 27, :62M: "C020315105000,00" is not a balance/,
  'self-provided/sparkassen': /no :25: account/,
};

/** Where wolph's parse and ours differ on purpose (each diff line starts with the key). */
const KNOWN_DIFFERENCES: Record<string, string> = {
  // the :86: is written as a second :25:; wolph takes it as the account, we keep the first :25:
  'betterplace/sepa_snippet_broken: account': 'broken file',
  // an :86: after :62F: (and a stray "-XXX" line) is statement information; wolph appends it
  // to the last transaction
  'jejik/ing #7 details': 'statement-level :86:',
  // the file is in code page 852 (ö = 0x94); we read non-UTF-8 bytes as Latin-1
  'self-provided/raiffeisen-cmi #1 details': 'DOS code page',
};

const squash = (s: unknown) =>
  String(s ?? '')
    .replace(/\s+/g, ' ')
    .trim();
const minor = (s: string) => Math.round(Number(s) * 100);

function compare(mine: BankEntry, t: J, where: string): string[] {
  const diffs: string[] = [];
  const check = (what: string, got: unknown, want: unknown) => {
    if (got !== want)
      diffs.push(`${where} ${what}: got ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
  };
  const status = (mine.reversal ? 'R' : '') + (mine.amount >= 0 !== mine.reversal ? 'C' : 'D');
  check('status', status, t.status);
  check('amount', Math.abs(mine.amount), Math.abs(minor(t.amount.amount)));
  if (t.currency) check('currency', mine.currency, t.currency);
  check('value date', mine.valueDate, t.date);
  check('booking date', mine.bookingDate, t.guessed_entry_date ?? t.entry_date ?? t.date);
  if (t.bank_reference) check('bank reference', mine.bankReference, t.bank_reference.trim());
  // wolph appends the supplementary details to a reference that has them (over 16 characters)
  if (
    t.customer_reference &&
    t.customer_reference.trim() !== 'NONREF' &&
    !t.customer_reference.includes('\n')
  ) {
    check('customer reference', mine.entryReference, t.customer_reference.trim());
  }
  if (t.transaction_code !== undefined) {
    // the structured :86:
    // ?20–?29 and the continuation ?60–?63 (wolph's additional_purpose) form one text
    check('purpose', mine.remittance, squash(`${t.purpose ?? ''}${t.additional_purpose ?? ''}`));
    const e2e = t.end_to_end_reference;
    check('end-to-end id', mine.endToEndId, e2e && e2e !== 'NOTPROVIDED' ? squash(e2e) : null);
    check('counterparty', mine.counterpartyName, t.applicant_name ? squash(t.applicant_name) : null);
    check('counterparty iban', mine.counterpartyIban, t.applicant_iban ?? null);
  } else if (t.transaction_details !== undefined) {
    check('details', mine.remittance, squash(t.transaction_details));
  }
  return diffs;
}

it('wolph-mt940: every transaction agrees with the expected JSON', { skip }, () => {
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.expected.json'))
    .sort();
  let parsedFiles = 0;
  let transactions = 0;
  let agreed = 0;
  let statementsOk = 0;
  const diffs: string[] = [];
  const rejected: string[] = [];
  for (const file of files) {
    const name = file.replace(/\.expected\.json$/, '');
    const expected: J = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    if (!Array.isArray(expected.transactions)) continue; // a raw-text sample without a parse
    let statements: ReturnType<typeof parseMt940>['statements'];
    try {
      statements = parseMt940(readFileSync(join(dir, `${name}.sta`))).statements;
    } catch (err) {
      rejected.push(name);
      const why = REJECTED[name];
      if (!why?.test((err as Error).message)) diffs.push(`${name}: rejected: ${(err as Error).message}`);
      transactions += expected.transactions.length;
      continue;
    }
    if (REJECTED[name]) diffs.push(`${name}: expected a rejection, but it parsed`);
    parsedFiles++;
    const mine = statements.flatMap((s) => s.entries);
    transactions += expected.transactions.length;
    if (mine.length !== expected.transactions.length) {
      diffs.push(`${name}: ${mine.length} transactions, expected ${expected.transactions.length}`);
    }
    expected.transactions.forEach((t: J, i: number) => {
      const entry = mine[i];
      const found = entry ? compare(entry, t, `${name} #${i + 1}`) : [`${name} #${i + 1}: missing`];
      if (found.length === 0) agreed++;
      diffs.push(...found);
    });
    const last = statements[statements.length - 1]!;
    const before = diffs.length;
    const st = expected.statement ?? {};
    if (st.account_identification) {
      if (last.account !== st.account_identification.trim()) {
        diffs.push(`${name}: account ${last.account} ≠ ${st.account_identification}`);
      }
    }
    if (st.final_closing_balance) {
      // wolph keeps the last :62F: of the file; a later message may close with :62M:
      const want = minor(st.final_closing_balance.amount.amount);
      if (!statements.some((s) => s.closingBalance === want)) {
        diffs.push(`${name}: no statement closes at ${want}`);
      }
    }
    if (diffs.length === before) statementsOk++;
  }
  console.log(
    `wolph-mt940 agreement: ${parsedFiles} files parsed (${statementsOk} with account and closing balance agreeing), ` +
      `${rejected.length} rejected as fragments or broken; transactions ${agreed}/${transactions}`,
  );
  const known = Object.keys(KNOWN_DIFFERENCES);
  const unexplained = diffs.filter((d) => !known.some((k) => d.startsWith(k)));
  assert.deepEqual(unexplained, []);
  assert.deepEqual(
    known.filter((k) => !diffs.some((d) => d.startsWith(k))),
    [],
    'a known difference went away: update KNOWN_DIFFERENCES',
  );
  assert.deepEqual(rejected.sort(), Object.keys(REJECTED).sort());
});
