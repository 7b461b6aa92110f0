/**
 * BAI2 (Cash Management Balance Reporting Specification, version 2). Pure.
 *
 * Records, one per line, fields separated by commas, ended by '/'; an 88 record continues the
 * record before it (more fields, or more text for a 16):
 *   01 file header   02 group header (as-of date, currency)   03 account (number, currency,
 *   summary amounts by type code: 010 opening ledger, 015 closing ledger, …)
 *   16 transaction detail (type code, amount, funds type, bank ref, customer ref, text)
 *   49 account trailer   98 group trailer   99 file trailer (control total, counts)
 * Amounts are integers in the currency's minor units. Every trailer is checked: the control
 * total is the sum of every amount in the account's 03 and 16 records (of its accounts, of
 * its groups), and the record counts include continuations and the trailer itself. A file
 * whose totals do not add up is refused: it was cut, edited or garbled on the way.
 *
 * Detail type codes 100–399 are credits, 400–699 debits; bank-specific codes (900–999) have
 * no agreed direction, so a file using them in a 16 record is refused with that reason.
 */
import type { CalendarDate } from '../../ledger/dates.ts';
import {
  type BankEntry,
  BankFileError,
  checkCurrency,
  type ParsedFile,
  type Statement,
  squash,
} from './model.ts';

interface LogicalRecord {
  code: string;
  fields: string[];
  /** Continuation text lines (for a 16's text field). */
  text: string[];
  line: number;
  /** physical records: 1 + continuations */
  physical: number;
}

function records(text: string): LogicalRecord[] {
  const out: LogicalRecord[] = [];
  const lines = text
    .replace(/^\uFEFF/, '')
    .replace(/\r\n?/g, '\n')
    .split('\n');
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    const content = line.endsWith('/') ? line.slice(0, -1) : line;
    const comma = content.indexOf(',');
    const code = comma < 0 ? content : content.slice(0, comma);
    const rest = comma < 0 ? '' : content.slice(comma + 1);
    if (!/^\d{2}$/.test(code)) throw new BankFileError(`bai2 line ${i + 1}: "${code}" is not a record code`);
    if (code === '88') {
      const previous = out[out.length - 1];
      if (!previous) throw new BankFileError(`bai2 line ${i + 1}: a continuation (88) before any record`);
      previous.physical++;
      if (previous.code === '16') previous.text.push(raw.trim().slice(3));
      else previous.fields.push(...rest.split(','));
      return;
    }
    out.push({ code, fields: code === '16' ? [rest] : rest.split(','), text: [], line: i + 1, physical: 1 });
  });
  return out;
}

function amount(text: string | undefined, where: string): number {
  const t = (text ?? '').trim();
  if (t === '') return 0;
  if (!/^[+-]?\d+$/.test(t)) throw new BankFileError(`${where}: "${t}" is not an amount (whole minor units)`);
  const n = Number(t);
  if (!Number.isSafeInteger(n)) throw new BankFileError(`${where}: "${t}" is too large`);
  return n;
}

function date(text: string | undefined, where: string): CalendarDate {
  const m = /^(\d{2})(\d{2})(\d{2})$/.exec((text ?? '').trim());
  if (!m) throw new BankFileError(`${where}: "${text ?? ''}" is not a date (YYMMDD)`);
  const iso = `20${m[1]}-${m[2]}-${m[3]}`;
  const d = new Date(`${iso}T00:00:00Z`);
  if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== iso) {
    throw new BankFileError(`${where}: "${text}" is not a date (YYMMDD)`);
  }
  return iso;
}

/** The fields a funds type adds after it: V value date and time, S three amounts, D distributions. */
function fundsExtra(
  fields: readonly string[],
  at: number,
  where: string,
): { next: number; valueDate: string | null } {
  const funds = (fields[at] ?? '').trim().toUpperCase();
  switch (funds) {
    case 'V':
      return { next: at + 3, valueDate: date(fields[at + 1], `${where} value date`) };
    case 'S':
      return { next: at + 4, valueDate: null };
    case 'D': {
      const n = Number((fields[at + 1] ?? '').trim());
      if (!Number.isInteger(n) || n < 0)
        throw new BankFileError(`${where}: distribution count "${fields[at + 1]}"`);
      return { next: at + 2 + 2 * n, valueDate: null };
    }
    default:
      return { next: at + 1, valueDate: null };
  }
}

/** The summary amounts of an 03 record (type code → amount) and their sum for the control total. */
function accountSummary(rec: LogicalRecord): { amounts: Map<string, number>; sum: number } {
  const where = `bai2 line ${rec.line}: account ${rec.fields[0] ?? ''}`;
  const amounts = new Map<string, number>();
  let sum = 0;
  let i = 2;
  const f = rec.fields;
  while (i < f.length) {
    const type = (f[i] ?? '').trim();
    if (type === '') {
      i++;
      continue;
    }
    const value = amount(f[i + 1], `${where} type ${type}`);
    sum += value;
    if (!amounts.has(type)) amounts.set(type, value);
    // type, amount, item count, funds type (+ its extra fields)
    i = fundsExtra(f, i + 3, where).next;
  }
  return { amounts, sum };
}

function detail(rec: LogicalRecord, currency: string, asOf: CalendarDate): BankEntry {
  const where = `bai2 line ${rec.line}`;
  // the text field may hold commas: split only the fixed fields off the front
  const first = rec.fields[0] ?? '';
  const parts = first.split(',');
  const type = (parts[0] ?? '').trim();
  const code = Number(type);
  if (!/^\d{3}$/.test(type)) throw new BankFileError(`${where}: "${type}" is not a type code`);
  const credit = code >= 100 && code <= 399;
  const debit = code >= 400 && code <= 699;
  if (!credit && !debit) {
    throw new BankFileError(
      `${where}: detail type code ${type} is bank-specific (not 100–699), so whether it is money in or out is unknown`,
    );
  }
  const magnitude = amount(parts[1], `${where} amount`);
  const funds = fundsExtra(parts, 2, where);
  const bankRef = (parts[funds.next] ?? '').trim();
  const customerRef = (parts[funds.next + 1] ?? '').trim();
  const text = [parts.slice(funds.next + 2).join(','), ...rec.text].map((t) => t.trim()).filter(Boolean);
  return {
    bookingDate: asOf,
    valueDate: funds.valueDate ?? asOf,
    amount: debit ? -Math.abs(magnitude) : Math.abs(magnitude),
    currency,
    reversal: false,
    bankReference: bankRef || null,
    entryReference: customerRef || null,
    endToEndId: null,
    creditorReference: null,
    remittance: squash(text.join(' ')),
    counterpartyName: null,
    counterpartyIban: null,
    typeCode: type,
  };
}

function checkTrailer(
  rec: LogicalRecord,
  what: string,
  total: number,
  counts: { label: string; index: number; actual: number }[],
): void {
  const where = `bai2 line ${rec.line}: ${what}`;
  const stated = amount(rec.fields[0], `${where} control total`);
  if (stated !== total) {
    throw new BankFileError(`${where} control total is ${stated}, but its amounts add up to ${total}`);
  }
  for (const c of counts) {
    const text = (rec.fields[c.index] ?? '').trim();
    if (text === '') continue;
    if (Number(text) !== c.actual) {
      throw new BankFileError(`${where} states ${text} ${c.label}, but there are ${c.actual}`);
    }
  }
}

export function looksLikeBai2(text: string): boolean {
  return /^\uFEFF?01,/.test(text.trimStart());
}

export function parseBai2(bytes: Uint8Array | string): ParsedFile {
  const text = typeof bytes === 'string' ? bytes : new TextDecoder('utf-8').decode(bytes);
  const recs = records(text);
  const statements: Statement[] = [];
  let i = 0;
  const expect = (code: string, context: string): LogicalRecord => {
    const rec = recs[i];
    if (!rec) throw new BankFileError(`bai2: the file ends where a ${code} record (${context}) was expected`);
    if (rec.code !== code) {
      throw new BankFileError(
        `bai2 line ${rec.line}: expected a ${code} record (${context}), found ${rec.code}`,
      );
    }
    i++;
    return rec;
  };
  const header = expect('01', 'file header');
  let fileTotal = 0;
  let groups = 0;
  let fileRecords = header.physical;
  while (recs[i]?.code === '02') {
    const group = expect('02', 'group header');
    groups++;
    const asOf = date(group.fields[3], `bai2 line ${group.line}: as-of date`);
    const groupCurrency = (group.fields[5] ?? '').trim();
    let groupTotal = 0;
    let accounts = 0;
    let groupRecords = group.physical;
    while (recs[i]?.code === '03') {
      const acct = expect('03', 'account');
      accounts++;
      const number = (acct.fields[0] ?? '').trim();
      if (!number) throw new BankFileError(`bai2 line ${acct.line}: the account number is empty`);
      const currencyText = (acct.fields[1] ?? '').trim() || groupCurrency || 'USD';
      const currency = checkCurrency(currencyText, `bai2 line ${acct.line}: currency`);
      const summary = accountSummary(acct);
      let accountTotal = summary.sum;
      let accountRecords = acct.physical;
      const entries: BankEntry[] = [];
      while (recs[i]?.code === '16') {
        const rec = expect('16', 'transaction detail');
        const entry = detail(rec, currency, asOf);
        accountTotal += Math.abs(entry.amount);
        accountRecords += rec.physical;
        entries.push(entry);
      }
      const trailer = expect('49', `trailer of account ${number}`);
      accountRecords += trailer.physical;
      checkTrailer(trailer, `account ${number}`, accountTotal, [
        { label: 'records', index: 1, actual: accountRecords },
      ]);
      groupTotal += accountTotal;
      groupRecords += accountRecords;
      statements.push({
        id: `${asOf} ${number}`,
        account: number,
        currency,
        openingBalance: summary.amounts.get('010') ?? null,
        closingBalance: summary.amounts.get('015') ?? null,
        entries,
      });
    }
    const trailer = expect('98', 'group trailer');
    groupRecords += trailer.physical;
    checkTrailer(trailer, 'group', groupTotal, [
      { label: 'accounts', index: 1, actual: accounts },
      { label: 'records', index: 2, actual: groupRecords },
    ]);
    fileTotal += groupTotal;
    fileRecords += groupRecords;
  }
  const trailer = expect('99', 'file trailer');
  fileRecords += trailer.physical;
  checkTrailer(trailer, 'file', fileTotal, [
    { label: 'groups', index: 1, actual: groups },
    { label: 'records', index: 2, actual: fileRecords },
  ]);
  const extra = recs[i];
  if (extra)
    throw new BankFileError(`bai2 line ${extra.line}: a ${extra.code} record after the file trailer`);
  return { format: 'bai2', version: (header.fields[7] ?? '').trim() || null, statements };
}
