/**
 * SWIFT MT940 customer statements (and MT942 interim reports, which share the fields). Pure.
 *
 * A file is a sequence of messages, optionally in SWIFT blocks ({1:…}{2:…}{4: … -}) or after a
 * bank's header lines; a message is a run of fields `:TAG:value`, a line that does not start
 * a field continues the previous one, and a line holding `-` ends the message. Fields read:
 *   :20: reference   :25: account   :28C: statement/sequence number
 *   :60F:/:60M: opening balance     :62F:/:62M: closing balance     :34F: (MT942) currency
 *   :61: statement line, its continuation line being supplementary details
 *   :86: information to the account owner for the preceding :61: — free text, or the German
 *        structured form `GVC?00posting text?20…?29 purpose?30 BIC?31 IBAN?32…?33 name`
 *        whose purpose may carry SEPA keys (EREF+ end-to-end id, SVWZ+ remittance, …).
 * Other fields (:64:, :65:, :13D:, :90D:, :NS: …) are read past.
 *
 * Statuses: C credit, D debit, RC reversal of a credit (booked as a debit: negative), RD
 * reversal of a debit (positive). Value dates of 29–31 February, which some banks write for
 * period-end fees, are taken as the month's last day.
 */
import { addDays, type CalendarDate, daysInMonth } from '../../ledger/dates.ts';
import {
  type BankEntry,
  BankFileError,
  checkCurrency,
  decimalToMinor,
  type ParsedFile,
  type Statement,
  squash,
} from './model.ts';

interface Field {
  tag: string;
  value: string;
  line: number;
}

function decode(bytes: Uint8Array | string): string {
  if (typeof bytes === 'string') return bytes;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return new TextDecoder('latin1').decode(bytes);
  }
}

/** Splits the text into messages of fields, with the line each field starts on. */
function messages(text: string): Field[][] {
  const out: Field[][] = [];
  let current: Field[] = [];
  const close = () => {
    if (current.length > 0) out.push(current);
    current = [];
  };
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i] ?? '';
    // SWIFT envelope: {1:…}{2:…}{4: opens the text block, -} closes it
    const block = /^(?:\{[1-3]:[^}]*\})*\{4:\s*(.*)$/.exec(line);
    if (block) line = block[1] ?? '';
    if (/^\s*-\}?\s*$/.test(line) || /^-\}/.test(line)) {
      close();
      continue;
    }
    // only the fields MT940/942 define start a field: a wrapped ":12:11" (a time) continues one
    const field = /^:(13D|20|21|25|28C?|34F|60[FM]|61|62[FM]|64|65|86|90[CD]|NS):(.*)$/.exec(line);
    if (field) {
      const tag = field[1]!;
      if (tag === '20' && current.some((f) => f.tag === '20')) close();
      current.push({ tag, value: field[2] ?? '', line: i + 1 });
      continue;
    }
    const last = current[current.length - 1];
    if (last) {
      // a wrapped field; blank lines between fields carry nothing
      if (line.trim() !== '' || last.tag === '86') last.value += `\n${line}`;
    }
    // text before the first field (bank header lines like "ABNANL2A / 940") is not part of it
  }
  close();
  return out;
}

function yymmdd(text: string, where: string): CalendarDate {
  const m = /^(\d{2})(\d{2})(\d{2})$/.exec(text);
  if (!m) throw new BankFileError(`${where}: "${text}" is not a date (YYMMDD)`);
  const yy = Number(m[1]);
  const year = yy < 80 ? 2000 + yy : 1900 + yy;
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12 || day < 1 || day > 31) {
    throw new BankFileError(`${where}: "${text}" is not a date (YYMMDD)`);
  }
  const last = daysInMonth(year, month);
  if (day > last && month !== 2) throw new BankFileError(`${where}: "${text}" is not a date (YYMMDD)`);
  const d = Math.min(day, last);
  return `${year}-${String(month).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/** The booking date's year is not written: the one that puts it closest to the value date. */
function guessEntryDate(mmdd: string, valueDate: CalendarDate, where: string): CalendarDate {
  const month = Number(mmdd.slice(0, 2));
  const day = Number(mmdd.slice(2, 4));
  if (month < 1 || month > 12 || day < 1 || day > 31) {
    throw new BankFileError(`${where}: booking date "${mmdd}" is not a date (MMDD)`);
  }
  const year = Number(valueDate.slice(0, 4));
  let best: CalendarDate | null = null;
  let bestGap = Number.POSITIVE_INFINITY;
  for (const y of [year - 1, year, year + 1]) {
    const d = Math.min(day, daysInMonth(y, month));
    const candidate = `${y}-${String(month).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
    const gap = Math.abs(Date.parse(candidate) - Date.parse(valueDate));
    if (gap < bestGap) {
      best = candidate;
      bestGap = gap;
    }
  }
  return best ?? addDays(valueDate, 0);
}

function balance(field: Field): { amount: number; currency: string; date: CalendarDate } {
  const where = `line ${field.line}, :${field.tag}`;
  const m = /^([CD])(\d{6})([A-Z]{3})([\d,.]+)\s*$/.exec(field.value.trim());
  if (!m) {
    throw new BankFileError(
      `${where}: "${field.value.trim()}" is not a balance (C|D, YYMMDD, currency, amount)`,
    );
  }
  const currency = checkCurrency(m[3]!, where);
  const magnitude = decimalToMinor(m[4]!, currency, where);
  return { amount: m[1] === 'D' ? -magnitude : magnitude, currency, date: yymmdd(m[2]!, where) };
}

/**
 * value date, booking date (MMDD, or four spaces some banks write when it is the same day),
 * status, funds code, amount, type (N + 3), reference (≤16), //bank reference (≤23), and the
 * supplementary details — on the next line, or straight after a full-length reference.
 */
const STATEMENT_LINE =
  /^(\d{6})(\d{4}| {4})?(R?[CD])([A-Z])?\n?(\d[\d,]{0,14})([A-Z][A-Z0-9 ]{3})?((?:(?!\/\/)[^\n]){0,16})(?:\/\/([^\n]{0,23}))?(?:\n?([\s\S]*))?$/;

const SEPA_KEYS = [
  'EREF',
  'KREF',
  'MREF',
  'CRED',
  'DEBT',
  'SVWZ',
  'ABWA',
  'ABWE',
  'COAM',
  'OAMT',
  'IBAN',
  'BIC',
];

interface Details {
  remittance: string;
  endToEndId: string | null;
  counterpartyName: string | null;
  counterpartyIban: string | null;
  gvCode: string | null;
}

/**
 * :86: — structured (GVC?00…?20…) or free text. In the structured form a SEPA key (EREF+,
 * SVWZ+, …) opens a section at the start of a ?20–?29 subfield and runs until the next key;
 * ?60–?63 continue the purpose.
 */
function details(text: string): Details {
  // wrapped lines are joined; the padding a bank leaves at a line's end is not text
  const flat = text
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n/g, '')
    .replace(/^\s+/, '');
  const structured = /^(\d{3})\s*\?/.exec(flat);
  if (!structured) {
    return {
      remittance: squash(text),
      endToEndId: null,
      counterpartyName: null,
      counterpartyIban: null,
      gvCode: null,
    };
  }
  const sub: [string, string][] = [];
  for (const m of flat.slice(structured[0].length - 1).matchAll(/\?\s*(\d{2})([^?]*)/g)) {
    sub.push([m[1]!, m[2] ?? '']);
  }
  const field = (code: string) =>
    sub
      .filter(([k]) => k === code)
      .map(([, v]) => v)
      .join('');
  // the purpose is ?20–?29 joined; SEPA keys split it wherever they stand (banks wrap a key
  // across subfields: "S?25VWZ+")
  const purposeText = sub
    .filter(([k]) => Number(k) >= 20 && Number(k) <= 29)
    .map(([, v]) => v)
    .join('');
  const keyed = new Map<string, string>();
  const marks = [...purposeText.matchAll(new RegExp(`(${SEPA_KEYS.join('|')})\\+`, 'g'))];
  marks.forEach((mark, i) => {
    const start = (mark.index ?? 0) + mark[0].length;
    keyed.set(mark[1]!, purposeText.slice(start, marks[i + 1]?.index ?? purposeText.length));
  });
  const free = marks.length > 0 ? '' : purposeText;
  const additional = ['60', '61', '62', '63'].map(field).join('');
  const purpose = keyed.get('SVWZ') ?? free;
  const e2e = keyed.get('EREF')?.trim() ?? null;
  const name = squash(`${field('32')}${field('33')}`);
  const iban = field('31').trim();
  return {
    remittance: squash(`${purpose}${additional}`),
    endToEndId: e2e && e2e.toUpperCase() !== 'NOTPROVIDED' ? e2e : null,
    counterpartyName: name || null,
    counterpartyIban: iban || null,
    gvCode: structured[1] ?? null,
  };
}

function statementLine(field: Field, currency: string): BankEntry {
  const where = `line ${field.line}, :61`;
  const m = STATEMENT_LINE.exec(field.value.replace(/^\s+/, ''));
  if (!m) {
    throw new BankFileError(
      `${where}: "${field.value.split('\n')[0]}" is not a statement line (YYMMDD[MMDD] C|D|RC|RD amount type reference[//bank reference])`,
    );
  }
  const [, value, entry, status, , amountText, type, customerRef, bankRef] = m;
  const valueDate = yymmdd(value!, where);
  const magnitude = decimalToMinor(amountText!, currency, where);
  const reversal = status!.startsWith('R');
  // RC reverses a credit: money leaves the account
  const debit = status === 'D' || status === 'RC';
  const ref = (customerRef ?? '').trim();
  return {
    bookingDate: entry?.trim() ? guessEntryDate(entry, valueDate, where) : valueDate,
    valueDate,
    amount: debit ? -magnitude : magnitude,
    currency,
    reversal,
    bankReference: bankRef?.trim() || null,
    entryReference: ref && ref.toUpperCase() !== 'NONREF' ? ref : null,
    endToEndId: null,
    creditorReference: null,
    remittance: '',
    counterpartyName: null,
    counterpartyIban: null,
    typeCode: type?.trim() || null,
  };
}

function readMessage(fields: Field[]): Statement {
  const first = fields[0]!;
  const reference = fields.find((f) => f.tag === '20');
  const accountField = fields.find((f) => f.tag === '25');
  if (!accountField) {
    throw new BankFileError(`line ${first.line}: the statement has no :25: account field`);
  }
  const account = accountField.value.trim();
  if (account === '') throw new BankFileError(`line ${accountField.line}, :25: the account is empty`);
  const opening = fields.find((f) => f.tag === '60F' || f.tag === '60M');
  const closing = [...fields].reverse().find((f) => f.tag === '62F' || f.tag === '62M');
  const floor = fields.find((f) => f.tag === '34F');
  let currency: string;
  const openingBalance = opening ? balance(opening) : null;
  if (openingBalance) currency = openingBalance.currency;
  else if (floor) currency = checkCurrency(floor.value.trim().slice(0, 3), `line ${floor.line}, :34F`);
  else {
    throw new BankFileError(
      `line ${first.line}: the statement has no :60F: opening balance (nor an MT942 :34F:), so its currency is unknown`,
    );
  }
  const entries: BankEntry[] = [];
  let last: BankEntry | null = null;
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    if (f.tag === '61') {
      last = statementLine(f, currency);
      entries.push(last);
    } else if (f.tag === '86' && last) {
      // several :86: fields in a row are one text (some banks write one per line)
      let text = f.value;
      while (fields[i + 1]?.tag === '86') text += `\n${fields[++i]!.value}`;
      const d = details(text);
      last.remittance = d.remittance;
      last.endToEndId = d.endToEndId;
      last.counterpartyName = d.counterpartyName;
      last.counterpartyIban = d.counterpartyIban;
      if (d.gvCode) last.typeCode = last.typeCode ? `${last.typeCode}/${d.gvCode}` : d.gvCode;
      last = null;
    } else {
      // an :86: after the balances is about the statement, not an entry
      last = null;
    }
  }
  const number = fields.find((f) => f.tag === '28C' || f.tag === '28')?.value.trim();
  return {
    id: [reference?.value.trim(), number].filter(Boolean).join(' ') || null,
    account,
    currency,
    openingBalance: openingBalance?.amount ?? null,
    closingBalance: closing ? balance(closing).amount : null,
    entries,
  };
}

/** MT940 fields at line starts (a fragment without :20: still reads as MT940 and gets its error). */
export function looksLikeMt940(text: string): boolean {
  return /(^|\n)(\{4:\s*\n?)?:(20|25|28C?|60[FM]|61|62[FM]|64|86|NS):/.test(text.slice(0, 8000));
}

export function parseMt940(bytes: Uint8Array | string): ParsedFile {
  const text = decode(bytes);
  const found = messages(text);
  if (found.length === 0) throw new BankFileError('mt940: the file holds no :20: … fields');
  return { format: 'mt940', version: null, statements: found.map(readMessage) };
}
