/**
 * Money: integer minor units plus an ISO 4217 currency. Parsed from and printed to decimal
 * strings only here. Amounts are never rounded on the way in: a value with more decimals than
 * its currency allows is refused, so the only rounding in Dunwell is the one a caller asks
 * for explicitly with `roundHalfEven`.
 */
export type CurrencyCode = string;

export interface Money {
  readonly minor: number;
  readonly currency: CurrencyCode;
}

/** ISO 4217 minor-unit exponents that are not 2. */
const EXPONENTS: Readonly<Record<string, number>> = {
  BIF: 0,
  CLP: 0,
  DJF: 0,
  GNF: 0,
  ISK: 0,
  JPY: 0,
  KMF: 0,
  KRW: 0,
  PYG: 0,
  RWF: 0,
  UGX: 0,
  UYI: 0,
  VND: 0,
  VUV: 0,
  XAF: 0,
  XOF: 0,
  XPF: 0,
  BHD: 3,
  IQD: 3,
  JOD: 3,
  KWD: 3,
  LYD: 3,
  OMR: 3,
  TND: 3,
  CLF: 4,
  UYW: 4,
};

const KNOWN = new Set<string>(Intl.supportedValuesOf('currency'));

export function isCurrencyCode(code: string): boolean {
  return /^[A-Z]{3}$/.test(code) && KNOWN.has(code);
}

/** Normalises user input ('eur ' → 'EUR'); returns null for anything that is not ISO 4217. */
export function normaliseCurrency(text: string): CurrencyCode | null {
  const code = text.trim().toUpperCase();
  return isCurrencyCode(code) ? code : null;
}

export function currencyExponent(currency: CurrencyCode): number {
  return EXPONENTS[currency] ?? 2;
}

export class MoneyFormatError extends Error {
  override readonly name = 'MoneyFormatError';
}

/**
 * '1234.50' in EUR → 123450. Accepts an optional leading '-' and surrounding spaces. Refuses
 * thousands separators, exponents and more decimals than the currency has (unless they are
 * zeros), with a reason a person can act on.
 */
export function parseAmount(text: string, currency: CurrencyCode): number {
  const s = text.trim();
  const m = /^(-)?(\d+)(?:\.(\d+))?$/.exec(s);
  if (!m) {
    if (/^-?\d{1,3}([,. ]\d{3})+([.,]\d+)?$/.test(s)) {
      throw new MoneyFormatError(`"${text}" uses a thousands separator; write amounts like 1234.50`);
    }
    if (/^-?\d+,\d+$/.test(s)) throw new MoneyFormatError(`"${text}" uses a decimal comma; write 1234.50`);
    throw new MoneyFormatError(`"${text}" is not an amount; write it like 1234.50`);
  }
  const [, sign, whole = '0', fraction = ''] = m;
  const exp = currencyExponent(currency);
  const kept = fraction.slice(0, exp);
  if (/[^0]/.test(fraction.slice(exp))) {
    throw new MoneyFormatError(`"${text}" has more than ${exp} decimals, which ${currency} does not have`);
  }
  const minor = Number(whole + kept.padEnd(exp, '0'));
  if (!Number.isSafeInteger(minor)) throw new MoneyFormatError(`"${text}" is too large`);
  return sign && minor !== 0 ? -minor : minor;
}

/** 123450 in EUR → '1234.50'; 5 in JPY → '5'; -5 in KWD → '-0.005'. */
export function formatAmount(minor: number, currency: CurrencyCode): string {
  if (!Number.isSafeInteger(minor))
    throw new RangeError(`amount ${minor} is not an integer number of minor units`);
  const exp = currencyExponent(currency);
  const sign = minor < 0 ? '-' : '';
  const digits = String(Math.abs(minor)).padStart(exp + 1, '0');
  if (exp === 0) return sign + digits;
  return `${sign}${digits.slice(0, -exp)}.${digits.slice(-exp)}`;
}

export function money(minor: number, currency: CurrencyCode): Money {
  return { minor, currency };
}

/** Sums amounts per currency; never mixes currencies. */
export function sumByCurrency(items: Iterable<Money>): Map<CurrencyCode, number> {
  const totals = new Map<CurrencyCode, number>();
  for (const { minor, currency } of items) totals.set(currency, (totals.get(currency) ?? 0) + minor);
  return totals;
}

export function addMoney(a: Money, b: Money): Money {
  if (a.currency !== b.currency) throw new Error(`cannot add ${a.currency} to ${b.currency}`);
  return { minor: a.minor + b.minor, currency: a.currency };
}

/** Banker's rounding of a fractional minor-unit value: the one explicit rounding step. */
export function roundHalfEven(value: number): number {
  const floor = Math.floor(value);
  const diff = value - floor;
  if (Math.abs(diff - 0.5) < 1e-9) return floor % 2 === 0 ? floor : floor + 1;
  return Math.round(value);
}
