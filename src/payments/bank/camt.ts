/**
 * ISO 20022 bank-to-customer cash management messages: camt.053 (statement), camt.054
 * (debit/credit notification) and camt.052 (intraday report), versions 001.02 to 001.08.
 * Pure. The XML is checked for well-formedness and read by fast-xml-parser (namespace
 * prefixes removed, every value kept as text); the message kind and version come from the
 * document's namespace (`urn:iso:std:iso:20022:tech:xsd:camt.053.001.02`).
 *
 * Version differences handled: the entry status is text up to v3 and `<Sts><Cd>` from v4 on;
 * parties are `<Dbtr><Nm>` up to v7 and `<Dbtr><Pty><Nm>` in v8; dates are `<Dt>` or `<DtTm>`.
 * A batch entry (several TxDtls) stays one entry: its remittance texts are joined and the
 * first transaction's party and end-to-end id are kept.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import {
  type BankEntry,
  BankFileError,
  type BankFormat,
  checkCurrency,
  decimalToMinor,
  type ParsedFile,
  type Statement,
  squash,
} from './model.ts';

type XmlNode = { [key: string]: XmlValue };
type XmlValue = string | XmlNode | XmlValue[];

const REPEATED = new Set([
  'Stmt',
  'Rpt',
  'Ntfctn',
  'Ntry',
  'NtryDtls',
  'TxDtls',
  'Bal',
  'Ustrd',
  'Strd',
  'Prtry',
]);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  isArray: (name) => REPEATED.has(name),
});

/** Reads only the root's attributes (removeNSPrefix drops xmlns attributes): the namespace. */
const rootParser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  removeNSPrefix: false,
  parseTagValue: false,
  parseAttributeValue: false,
});

function rootNamespace(text: string): string {
  const tree = rootParser.parse(text) as XmlNode;
  for (const [name, value] of Object.entries(tree)) {
    if (name !== 'Document' && !name.endsWith(':Document')) continue;
    if (typeof value !== 'object' || Array.isArray(value)) return '';
    const prefix = name.includes(':') ? `:${name.split(':')[0]}` : '';
    const ns = value[`@xmlns${prefix}`];
    return typeof ns === 'string' ? ns : '';
  }
  return '';
}

const MESSAGES: Record<string, { format: BankFormat; container: string; record: string }> = {
  '052': { format: 'camt.052', container: 'BkToCstmrAcctRpt', record: 'Rpt' },
  '053': { format: 'camt.053', container: 'BkToCstmrStmt', record: 'Stmt' },
  '054': { format: 'camt.054', container: 'BkToCstmrDbtCdtNtfctn', record: 'Ntfctn' },
};

/** The element path in messages: Stmt[2]/Ntry[5]/Amt. */
class At {
  constructor(
    readonly node: XmlNode,
    readonly path: string,
  ) {}
  child(name: string): At | null {
    const v = this.node[name];
    if (v === undefined) return null;
    const first = Array.isArray(v) ? v[0] : v;
    if (first === undefined || Array.isArray(first)) return null;
    return new At(typeof first === 'string' ? { '#text': first } : first, `${this.path}/${name}`);
  }
  children(name: string): At[] {
    const v = this.node[name];
    if (v === undefined) return [];
    const list = Array.isArray(v) ? v : [v];
    return list.map(
      (x, i) =>
        new At(typeof x === 'string' ? { '#text': x } : (x as XmlNode), `${this.path}/${name}[${i + 1}]`),
    );
  }
  /** Walks a path of child names; null when any step is missing. */
  find(...names: string[]): At | null {
    let at: At | null = this;
    for (const n of names) {
      at = at?.child(n) ?? null;
      if (!at) return null;
    }
    return at;
  }
  text(): string {
    const t = this.node['#text'];
    return typeof t === 'string' ? t : '';
  }
  attr(name: string): string | null {
    const v = this.node[`@${name}`];
    return typeof v === 'string' ? v : null;
  }
  /** The text at a path, or null. */
  value(...names: string[]): string | null {
    const at = this.find(...names);
    const t = at?.text().trim();
    return t ? t : null;
  }
  need(...names: string[]): At {
    const at = this.find(...names);
    if (!at) throw new BankFileError(`${this.path}: <${names.join('/')}> is missing`);
    return at;
  }
}

function camtDate(at: At | null, where: string): string | null {
  if (!at) return null;
  const text = at.value('Dt') ?? at.value('DtTm');
  if (!text) return null;
  const m = /^(\d{4}-\d{2}-\d{2})/.exec(text);
  if (!m?.[1]) throw new BankFileError(`${where}: "${text}" is not a date`);
  return m[1];
}

function amountOf(at: At, where: string): { amount: number; currency: string } {
  const amt = at.need('Amt');
  const currency = checkCurrency(amt.attr('Ccy') ?? '', `${amt.path} Ccy`);
  const magnitude = decimalToMinor(amt.text(), currency, amt.path);
  if (magnitude < 0)
    throw new BankFileError(`${where}: amounts are unsigned in camt; "${amt.text()}" is negative`);
  const indicator = at.value('CdtDbtInd');
  if (indicator !== 'CRDT' && indicator !== 'DBIT') {
    throw new BankFileError(`${at.path}/CdtDbtInd: "${indicator ?? ''}" is neither CRDT nor DBIT`);
  }
  return { amount: indicator === 'DBIT' ? -magnitude : magnitude, currency };
}

function accountId(acct: At | null): string | null {
  if (!acct) return null;
  return (
    acct.value('Id', 'IBAN') ??
    acct.value('Id', 'Othr', 'Id') ??
    acct.value('Id', 'PrtryAcct', 'Id') ??
    acct.value('Id', 'BBAN') ??
    null
  );
}

function partyName(parties: At | null, role: 'Dbtr' | 'Cdtr'): string | null {
  if (!parties) return null;
  const ultimate = role === 'Dbtr' ? 'UltmtDbtr' : 'UltmtCdtr';
  return (
    parties.value(role, 'Nm') ??
    parties.value(role, 'Pty', 'Nm') ??
    // v8 allows a financial institution as the party
    parties.value(role, 'Agt', 'FinInstnId', 'Nm') ??
    parties.value(ultimate, 'Nm') ??
    parties.value(ultimate, 'Pty', 'Nm')
  );
}

function typeCode(at: At): string | null {
  const domain = at.find('BkTxCd', 'Domn');
  if (domain) {
    const parts = [domain.value('Cd'), domain.value('Fmly', 'Cd'), domain.value('Fmly', 'SubFmlyCd')];
    if (parts.every((p) => p)) return parts.join('/');
  }
  return at.children('BkTxCd').length > 0
    ? (at.find('BkTxCd')?.children('Prtry')[0]?.value('Cd') ?? null)
    : null;
}

function readEntry(ntry: At): BankEntry {
  const { amount, currency } = amountOf(ntry, ntry.path);
  const reversal = ntry.value('RvslInd')?.toLowerCase() === 'true';
  const txs = ntry.children('NtryDtls').flatMap((d) => d.children('TxDtls'));
  const first = txs[0] ?? null;
  const remittance: string[] = [];
  let creditorReference: string | null = null;
  for (const tx of txs) {
    const rmt = tx.find('RmtInf');
    if (!rmt) continue;
    for (const u of rmt.children('Ustrd')) if (u.text().trim()) remittance.push(squash(u.text()));
    for (const s of rmt.children('Strd')) {
      const ref = s.value('CdtrRefInf', 'Ref');
      // the entry's creditor reference is its first transaction's; the others' references
      // stay searchable in the remittance text
      if (ref && tx === first) creditorReference ??= ref;
      else if (ref) remittance.push(ref);
      for (const extra of s.children('AddtlRmtInf'))
        if (extra.text().trim()) remittance.push(squash(extra.text()));
    }
  }
  const e2e = first?.value('Refs', 'EndToEndId') ?? null;
  // money in: the payer is the debtor; money out: the payee is the creditor
  const role = amount >= 0 ? 'Dbtr' : 'Cdtr';
  const parties = first?.find('RltdPties') ?? null;
  return {
    bookingDate: camtDate(ntry.find('BookgDt'), `${ntry.path}/BookgDt`),
    valueDate: camtDate(ntry.find('ValDt'), `${ntry.path}/ValDt`),
    amount,
    currency,
    reversal,
    bankReference: ntry.value('AcctSvcrRef') ?? first?.value('Refs', 'AcctSvcrRef') ?? null,
    entryReference: ntry.value('NtryRef'),
    endToEndId: e2e && e2e.toUpperCase() !== 'NOTPROVIDED' ? e2e : null,
    creditorReference,
    remittance: remittance.join(' '),
    counterpartyName: partyName(parties, role),
    counterpartyIban: parties ? accountId(parties.find(`${role}Acct`)) : null,
    typeCode: typeCode(ntry),
  };
}

/** Balance codes in order of preference: booked opening (or the previous closing), else interim. */
const OPENING = ['OPBD', 'PRCD', 'ITBD'];
const CLOSING = ['CLBD', 'ITBD'];

function balance(record: At, codes: readonly string[], pick: 'first' | 'last'): number | null {
  const all = record.children('Bal');
  for (const code of codes) {
    const found = all.filter((b) => b.value('Tp', 'CdOrPrtry', 'Cd') === code);
    const chosen = pick === 'first' ? found[0] : found[found.length - 1];
    if (chosen) return amountOf(chosen, chosen.path).amount;
  }
  return null;
}

function readRecord(record: At): Statement {
  const account = accountId(record.find('Acct'));
  if (!account) throw new BankFileError(`${record.path}/Acct: the account has no IBAN or other id`);
  const entries = record.children('Ntry').map(readEntry);
  const stated = record.value('Acct', 'Ccy');
  const currency = stated
    ? checkCurrency(stated, `${record.path}/Acct/Ccy`)
    : (entries[0]?.currency ??
      record.children('Bal')[0]?.find('Amt')?.attr('Ccy') ??
      (() => {
        throw new BankFileError(`${record.path}: no currency (no Acct/Ccy, entry or balance)`);
      })());
  return {
    id: record.value('Id'),
    account,
    currency,
    openingBalance: balance(record, OPENING, 'first'),
    closingBalance: balance(record, CLOSING, 'last'),
    entries,
  };
}

export function looksLikeCamt(text: string): boolean {
  return /urn:iso:std:iso:20022:tech:xsd:camt\.05[234]\./.test(text.slice(0, 2000));
}

export function parseCamt(bytes: Uint8Array | string): ParsedFile {
  const text = typeof bytes === 'string' ? bytes : new TextDecoder('utf-8').decode(bytes);
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    throw new BankFileError(
      `camt: the XML is not well-formed at line ${valid.err.line}, column ${valid.err.col}: ${valid.err.msg}`,
    );
  }
  const tree = parser.parse(text) as XmlNode;
  const doc = tree.Document;
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new BankFileError('camt: the file has no <Document> root element');
  }
  const root = new At(doc, 'Document');
  const ns = rootNamespace(text);
  const m = /^urn:iso:std:iso:20022:tech:xsd:camt\.(05[234])\.001\.(\d{2})$/.exec(ns);
  if (!m?.[1] || !m[2]) {
    throw new BankFileError(
      `camt: <Document xmlns="${ns}"> is not a camt.052, camt.053 or camt.054 namespace (urn:iso:std:iso:20022:tech:xsd:camt.053.001.NN)`,
    );
  }
  const version = Number(m[2]);
  if (version < 1 || version > 8) {
    throw new BankFileError(`camt: version 001.${m[2]} is not supported (001.01 to 001.08 are)`);
  }
  const kind = MESSAGES[m[1]]!;
  // version 01 names the container with its version (BkToCstmrAcctRptV01)
  const containerName = Object.keys(doc).find(
    (k) => k === kind.container || k === `${kind.container}V${m[2]}`,
  );
  const container = root.need(containerName ?? kind.container);
  const records = container.children(kind.record);
  if (records.length === 0) {
    throw new BankFileError(
      `${container.path}: there is no <${kind.record}> (the message holds no statement)`,
    );
  }
  return { format: kind.format, version: `${m[1]}.001.${m[2]}`, statements: records.map(readRecord) };
}
