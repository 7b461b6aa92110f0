/**
 * Pure validation of import files: which header column is which canonical column (PRODUCT
 * §2.1), and each row turned into typed values or a list of row errors. No I/O here: the
 * shell (store.ts) stages the values and resolves references (customers, invoices) in SQL.
 */
import { copyLineAfter, pgTextArray } from '../csv.ts';
import { type DateFormat, isValidTimeZone, parseDate } from '../dates.ts';
import {
  type CurrencyCode,
  formatAmount,
  MoneyFormatError,
  normaliseCurrency,
  parseAmount,
} from '../money.ts';

export type ImportKind = 'customers' | 'contacts' | 'invoices' | 'payments' | 'credit-notes';
export const IMPORT_KINDS: readonly ImportKind[] = [
  'customers',
  'contacts',
  'invoices',
  'payments',
  'credit-notes',
];

export function isImportKind(text: string): text is ImportKind {
  return (IMPORT_KINDS as readonly string[]).includes(text);
}

export interface RowError {
  row: number;
  column: string | null;
  value: string | null;
  reason: string;
}

/** Canonical columns per kind, in PRODUCT §2.1 order, and the ones a file must have. */
export const COLUMNS: Readonly<Record<ImportKind, readonly string[]>> = {
  customers: [
    'external_id',
    'name',
    'currency',
    'language',
    'time_zone',
    'payment_terms_days',
    'credit_limit',
    'tags',
    'account_manager_email',
    'priority',
    'paused_until',
  ],
  contacts: [
    'external_id',
    'customer_external_id',
    'name',
    'email',
    'phone',
    'role',
    'receives_dunning',
    'preferred_channel',
  ],
  invoices: [
    'external_id',
    'customer_external_id',
    'number',
    'issue_date',
    'due_date',
    'currency',
    'amount',
    'balance',
    'po_number',
    'status',
    'disputed',
  ],
  payments: ['external_id', 'customer_external_id', 'date', 'amount', 'currency', 'reference', 'applied_to'],
  'credit-notes': [
    'external_id',
    'customer_external_id',
    'number',
    'date',
    'amount',
    'currency',
    'applied_to',
  ],
};

export const REQUIRED: Readonly<Record<ImportKind, readonly string[]>> = {
  customers: ['external_id', 'name'],
  contacts: ['external_id', 'customer_external_id'],
  // external_id defaults to the invoice number
  invoices: ['customer_external_id', 'number', 'issue_date', 'amount'],
  payments: ['external_id', 'customer_external_id', 'date', 'amount'],
  'credit-notes': ['external_id', 'customer_external_id', 'number', 'date', 'amount'],
};

/** What the shell needs to know to validate: settings and the --date-format. */
export interface RowContext {
  defaultCurrency: CurrencyCode;
  dateFormat: DateFormat;
}

/** How the file's columns map onto canonical columns; the rest become custom fields. */
export interface Header {
  kind: ImportKind;
  /** canonical column → index in the row */
  canonical: Map<string, number>;
  /** custom field name → index in the row */
  custom: Map<string, number>;
  width: number;
}

/** "Due Date" → "due_date": names match case-insensitively after trimming; spaces and '-' count as '_'. */
export function normaliseColumnName(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
}

export class HeaderError extends Error {
  override readonly name = 'HeaderError';
}

/**
 * Resolves the header row. Throws HeaderError (a file-level problem) for a missing required
 * column, a column named twice, or a --map that names nothing.
 */
export function resolveHeader(
  kind: ImportKind,
  names: readonly string[],
  map: Readonly<Record<string, string>> = {},
): Header {
  const columns = COLUMNS[kind];
  const renames = new Map<string, string>();
  for (const [src, dst] of Object.entries(map)) {
    const target = normaliseColumnName(dst);
    if (!columns.includes(target)) {
      throw new HeaderError(
        `--map ${src}=${dst}: "${dst}" is not a column of ${kind} (columns: ${columns.join(', ')})`,
      );
    }
    renames.set(normaliseColumnName(src), target);
  }
  const seenSources = new Set<string>();
  const canonical = new Map<string, number>();
  const custom = new Map<string, number>();
  names.forEach((raw, index) => {
    const source = normaliseColumnName(raw);
    seenSources.add(source);
    const name = renames.get(source) ?? source;
    if (columns.includes(name)) {
      const before = canonical.get(name);
      if (before !== undefined) {
        throw new HeaderError(
          `column "${name}" appears twice (columns ${before + 1} and ${index + 1}); remove one or rename it with --map`,
        );
      }
      canonical.set(name, index);
    } else {
      // an unnamed column keeps its data under its position
      const field = raw.trim() === '' ? `column_${index + 1}` : raw.trim();
      if (!custom.has(field)) custom.set(field, index);
    }
  });
  for (const src of renames.keys()) {
    if (!seenSources.has(src)) {
      throw new HeaderError(
        `--map ${src}=…: the file has no column "${src}" (its columns: ${names.join(', ')})`,
      );
    }
  }
  const missing = REQUIRED[kind].filter((c) => !canonical.has(c));
  if (missing.length > 0) {
    const oneColumn = names.length === 1 ? ' (only one column was found: is the separator , or ;?)' : '';
    throw new HeaderError(
      `missing required column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} for ${kind}${oneColumn}; ` +
        `expected columns: ${columns.join(', ')} (rename yours with --map SOURCE=COLUMN)`,
    );
  }
  return { kind, canonical, custom, width: names.length };
}

/** Staged values in the order of STAGING[kind]; text is already trimmed and normalised. */
export type StagedValue = string | number | boolean | null;

export interface ValidRow {
  row: number;
  values: StagedValue[];
  /** payments / credit notes: the parsed applied_to entries */
  appliedTo: { number: string; amount: number | null }[];
}

/** Staging table columns per kind (name and SQL type), after `row_no int`. */
export const STAGING: Readonly<Record<ImportKind, readonly (readonly [string, string])[]>> = {
  customers: [
    ['external_id', 'text'],
    ['name', 'text'],
    ['currency', 'text'],
    ['language', 'text'],
    ['time_zone', 'text'],
    ['payment_terms_days', 'integer'],
    ['credit_limit', 'bigint'],
    ['tags', 'text[]'],
    ['account_manager_email', 'text'],
    ['priority', 'text'],
    ['paused_until', 'date'],
    ['custom_fields', 'jsonb'],
  ],
  contacts: [
    ['external_id', 'text'],
    ['customer_external_id', 'text'],
    ['name', 'text'],
    ['email', 'text'],
    ['phone', 'text'],
    ['role', 'text'],
    ['receives_dunning', 'boolean'],
    ['preferred_channel', 'text'],
    ['custom_fields', 'jsonb'],
  ],
  invoices: [
    ['external_id', 'text'],
    ['customer_external_id', 'text'],
    ['number', 'text'],
    ['issue_date', 'date'],
    ['due_date', 'date'],
    ['currency', 'text'],
    ['amount', 'bigint'],
    ['balance', 'bigint'],
    ['po_number', 'text'],
    ['status', 'text'],
    ['disputed', 'boolean'],
    ['custom_fields', 'jsonb'],
  ],
  payments: [
    ['external_id', 'text'],
    ['customer_external_id', 'text'],
    ['date', 'date'],
    ['amount', 'bigint'],
    ['currency', 'text'],
    ['reference', 'text'],
    ['applied_to', 'text'],
    ['custom_fields', 'jsonb'],
  ],
  'credit-notes': [
    ['external_id', 'text'],
    ['customer_external_id', 'text'],
    ['number', 'text'],
    ['date', 'date'],
    ['amount', 'bigint'],
    ['currency', 'text'],
    ['applied_to', 'text'],
    ['custom_fields', 'jsonb'],
  ],
};

const MAX_TEXT = 10_000;
const MAX_ERROR_VALUE = 100;

/** Values in error reports are cut so one huge field cannot blow up the report. */
export function errorValue(text: string): string {
  return text.length > MAX_ERROR_VALUE ? `${text.slice(0, MAX_ERROR_VALUE)}…` : text;
}

const BOOLEANS: Record<string, boolean> = {
  true: true,
  yes: true,
  '1': true,
  false: false,
  no: false,
  '0': false,
};
const EMAIL = /^[^\s@"<>(),;:]+@[^\s@"<>(),;:]+\.[^\s@"<>(),;:]+$/;
const ROLES = ['billing', 'ap', 'key', 'other'];
const CHANNELS = ['email', 'phone'];
const STATUSES = ['open', 'paid', 'void'];
const PRIORITIES = ['high', 'normal', 'low'];

function describeDateFormat(format: DateFormat): string {
  return format === 'YYYY-MM-DD'
    ? 'expected YYYY-MM-DD; use --date-format for other layouts'
    : `expected ${format} (from --date-format)`;
}

/**
 * The cells of one row and the checks on them. A class rather than closures: validateRow
 * runs a million times per big file, and per-row closures are measurably slower.
 */
class Cells {
  readonly errors: RowError[] = [];
  constructor(
    readonly header: Header,
    readonly fields: readonly string[],
    readonly row: number,
    readonly ctx: RowContext,
  ) {}

  fail(column: string | null, value: string | null, reason: string): null {
    this.errors.push({ row: this.row, column, value: value === null ? null : errorValue(value), reason });
    return null;
  }

  text(column: string): string {
    const index = this.header.canonical.get(column);
    return index === undefined ? '' : (this.fields[index] ?? '').trim();
  }

  has(column: string): boolean {
    return this.header.canonical.has(column);
  }

  required(column: string): string | null {
    const v = this.text(column);
    return v === '' ? this.fail(column, '', 'required; this column must not be empty') : v;
  }

  optional(column: string): string | null {
    const v = this.text(column);
    return v === '' ? null : v;
  }

  date(column: string, mandatory: boolean): string | null {
    const v = this.text(column);
    if (v === '') return mandatory ? this.fail(column, '', 'required; this column must not be empty') : null;
    const d = parseDate(v, this.ctx.dateFormat);
    return d ?? this.fail(column, v, `not a date (${describeDateFormat(this.ctx.dateFormat)})`);
  }

  currency(): CurrencyCode | null {
    const v = this.text('currency');
    if (v === '') return this.ctx.defaultCurrency;
    return (
      normaliseCurrency(v) ?? this.fail('currency', v, 'not an ISO 4217 currency code (like EUR, USD, JPY)')
    );
  }

  amount(column: string, cur: CurrencyCode | null, mandatory: boolean): number | null {
    const v = this.text(column);
    if (v === '') return mandatory ? this.fail(column, '', 'required; this column must not be empty') : null;
    if (cur === null) return null; // the currency error is already listed
    try {
      return parseAmount(v, cur);
    } catch (err) {
      if (err instanceof MoneyFormatError) return this.fail(column, v, err.message.replace(/^"[^"]*" /, ''));
      throw err;
    }
  }

  boolean(column: string): boolean | null {
    const v = this.text(column);
    if (v === '') return null;
    const b = BOOLEANS[v.toLowerCase()];
    return b ?? this.fail(column, v, 'not a boolean (use true/false, yes/no or 1/0)');
  }

  oneOf(column: string, allowed: readonly string[], fallback: string | null): string | null {
    const v = this.text(column);
    if (v === '') return fallback;
    const lower = v.toLowerCase();
    return allowed.includes(lower) ? lower : this.fail(column, v, `must be one of ${allowed.join(', ')}`);
  }

  email(column: string): string | null {
    const v = this.text(column);
    if (v === '') return null;
    return v.length <= 254 && EMAIL.test(v) ? v : this.fail(column, v, 'not an email address');
  }

  customFields(): string | null {
    if (this.header.custom.size === 0) return null;
    const out: Record<string, string> = {};
    for (const [name, index] of this.header.custom) {
      const v = (this.fields[index] ?? '').trim();
      // empty cells are not stored, so a re-import with the same file merges to the same object
      if (v !== '') out[name] = v;
    }
    return JSON.stringify(out);
  }
}

/**
 * Validates one data row. `fields` is the row as read (not yet trimmed); `row` its
 * spreadsheet number (the header is row 1).
 */
export function validateRow(
  header: Header,
  fields: readonly string[],
  row: number,
  ctx: RowContext,
): { ok: true; value: ValidRow } | { ok: false; errors: RowError[] } {
  const c = new Cells(header, fields, row, ctx);
  const errors = c.errors;
  if (fields.length > header.width && fields.slice(header.width).some((f) => f.trim() !== '')) {
    c.fail(
      null,
      null,
      `has ${fields.length} fields but the header has ${header.width}; quote values that contain the separator`,
    );
  } else if (fields.length < header.width) {
    c.fail(null, null, `has ${fields.length} fields but the header has ${header.width}`);
  }
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    if (f.includes('\u0000'))
      c.fail(null, null, `field ${i + 1} contains a NUL character; the file looks binary`);
    else if (f.length > MAX_TEXT) c.fail(null, null, `field ${i + 1} is longer than ${MAX_TEXT} characters`);
  }
  if (errors.length > 0) return { ok: false, errors };

  let values: StagedValue[] = [];
  let appliedTo: ValidRow['appliedTo'] = [];
  switch (header.kind) {
    case 'customers': {
      const cur = c.has('currency') && c.text('currency') !== '' ? c.currency() : null;
      const language = c.optional('language');
      let lang: string | null = null;
      if (language !== null) {
        lang = /^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$/.test(language)
          ? canonicalLanguage(language)
          : c.fail('language', language, 'not a language code (like en, de, fr, es or pt-BR)');
      }
      const zoneText = c.optional('time_zone');
      let zone: string | null = null;
      if (zoneText !== null) {
        zone = isValidTimeZone(zoneText)
          ? canonicalZone(zoneText)
          : c.fail('time_zone', zoneText, 'not an IANA time zone (like Europe/Berlin or America/New_York)');
      }
      const termsText = c.text('payment_terms_days');
      let terms: number | null = 30;
      if (termsText !== '') {
        terms = /^\d{1,4}$/.test(termsText) && Number(termsText) <= 3650 ? Number(termsText) : null;
        if (terms === null)
          c.fail('payment_terms_days', termsText, 'not a whole number of days between 0 and 3650');
      }
      // credit_limit is in the customer's currency: the row's, else the organisation's
      const limit = c.amount('credit_limit', cur ?? ctx.defaultCurrency, false);
      if (limit !== null && limit < 0) c.fail('credit_limit', c.text('credit_limit'), 'must not be negative');
      const tags = [
        ...new Set(
          c
            .text('tags')
            .split(/[|,]/)
            .map((t) => t.trim())
            .filter((t) => t !== ''),
        ),
      ];
      values = [
        c.required('external_id'),
        c.required('name'),
        cur,
        lang,
        zone,
        terms,
        limit,
        pgTextArray(tags),
        c.email('account_manager_email'),
        c.oneOf('priority', PRIORITIES, 'normal'),
        c.date('paused_until', false),
        c.customFields(),
      ];
      break;
    }
    case 'contacts':
      values = [
        c.required('external_id'),
        c.required('customer_external_id'),
        c.text('name'),
        c.email('email'),
        c.optional('phone'),
        c.oneOf('role', ROLES, 'billing'),
        // empty: the default follows the role (billing and ap receive dunning), set in SQL
        c.boolean('receives_dunning'),
        c.oneOf('preferred_channel', CHANNELS, 'email'),
        c.customFields(),
      ];
      break;
    case 'invoices': {
      const number = c.required('number');
      const externalId = c.text('external_id') || number;
      const cur = c.currency();
      const issue = c.date('issue_date', true);
      const due = c.date('due_date', false);
      // A due date before the issue date is nearly always a day/month swap in the file.
      if (issue && due && due < issue) {
        c.fail(
          'due_date',
          c.text('due_date'),
          `is before issue_date ${issue}; check the date layout (--date-format)`,
        );
      }
      const amt = c.amount('amount', cur, true);
      if (amt !== null && amt < 0) {
        c.fail('amount', c.text('amount'), 'is negative; import credits with "dunwell import credit-notes"');
      }
      const status = c.oneOf('status', STATUSES, 'open');
      const balance = c.amount('balance', cur, false);
      if (balance !== null && amt !== null) {
        if (balance < 0) c.fail('balance', c.text('balance'), 'must not be negative');
        else if (balance > amt)
          c.fail('balance', c.text('balance'), `is larger than the amount ${c.text('amount')}`);
        else if (status === 'paid' && balance !== 0)
          c.fail('balance', c.text('balance'), 'must be 0 (or empty) when status is paid');
      }
      values = [
        externalId,
        c.required('customer_external_id'),
        number,
        issue,
        due,
        cur,
        amt,
        balance,
        c.optional('po_number'),
        status,
        c.boolean('disputed') ?? false,
        c.customFields(),
      ];
      break;
    }
    case 'payments':
    case 'credit-notes': {
      const cur = c.currency();
      const amt = c.amount('amount', cur, true);
      if (amt !== null && amt <= 0) c.fail('amount', c.text('amount'), 'must be greater than 0');
      const appliedText = c.text('applied_to');
      let normalised = '';
      if (appliedText !== '' && cur !== null) {
        const parsed = parseAppliedTo(appliedText, cur);
        if (typeof parsed === 'string') c.fail('applied_to', appliedText, parsed);
        else {
          appliedTo = parsed;
          const stated = parsed.reduce((sum, e) => sum + (e.amount ?? 0), 0);
          if (amt !== null && amt > 0 && stated > amt) {
            c.fail(
              'applied_to',
              appliedText,
              `applies ${formatAmount(stated, cur)}, more than the amount ${formatAmount(amt, cur)}`,
            );
          }
          normalised = parsed
            .map((e) => (e.amount === null ? e.number : `${e.number}:${formatAmount(e.amount, cur)}`))
            .join(';');
        }
      }
      values =
        header.kind === 'payments'
          ? [
              c.required('external_id'),
              c.required('customer_external_id'),
              c.date('date', true),
              amt,
              cur,
              c.text('reference'),
              normalised,
              c.customFields(),
            ]
          : [
              c.required('external_id'),
              c.required('customer_external_id'),
              c.required('number'),
              c.date('date', true),
              amt,
              cur,
              normalised,
              c.customFields(),
            ];
      break;
    }
  }
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, value: { row, values, appliedTo } };
}

/**
 * `INV-1:100.00;INV-2` → entries; amounts optional. Returns a reason string when unreadable.
 * Entries are separated by ';' (also '|'), the amount follows the last ':'.
 */
export function parseAppliedTo(
  text: string,
  currency: CurrencyCode,
): { number: string; amount: number | null }[] | string {
  const entries: { number: string; amount: number | null }[] = [];
  const seen = new Set<string>();
  for (const part of text.split(/[;|]/)) {
    const item = part.trim();
    if (item === '') continue;
    const colon = item.lastIndexOf(':');
    let number = item;
    let amount: number | null = null;
    if (colon >= 0) {
      number = item.slice(0, colon).trim();
      const amountText = item.slice(colon + 1).trim();
      try {
        amount = parseAmount(amountText, currency);
      } catch {
        return `"${amountText}" after ${number}: is not an amount; write entries like INV-1:100.00;INV-2`;
      }
      if (amount <= 0) return `the amount for ${number} must be greater than 0`;
    }
    if (number === '') return 'an entry has no invoice number; write entries like INV-1:100.00;INV-2';
    if (seen.has(number)) return `invoice ${number} is named twice`;
    seen.add(number);
    entries.push({ number, amount });
  }
  return entries;
}

function canonicalLanguage(code: string): string {
  try {
    return Intl.getCanonicalLocales(code.replace(/_/g, '-'))[0] ?? code.toLowerCase();
  } catch {
    return code.toLowerCase();
  }
}

function canonicalZone(zone: string): string {
  return new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
}

/** One staged row as COPY CSV: row_no, then the values in STAGING order. */
export function stagingLine(row: ValidRow): string {
  return copyLineAfter(String(row.row), row.values);
}
