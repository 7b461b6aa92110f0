/**
 * Money and dates for a reader, with Intl, in the reader's language. Pure. Used by the
 * template filters (`money`, `date`) and by the PDF documents, so both read the same.
 */
import type { CalendarDate } from '../../ledger/dates.ts';
import { currencyExponent, isCurrencyCode } from '../../ledger/money.ts';

const numberFormats = new Map<string, Intl.NumberFormat>();
const dateFormats = new Map<string, Intl.DateTimeFormat>();

function numberFormat(locale: string, currency: string): Intl.NumberFormat {
  const key = `${locale}|${currency}`;
  let format = numberFormats.get(key);
  if (!format) {
    const digits = currencyExponent(currency);
    format = new Intl.NumberFormat(locale, {
      style: 'currency',
      currency,
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    });
    numberFormats.set(key, format);
  }
  return format;
}

export type DateStyle = 'long' | 'medium' | 'short' | 'full';

/**
 * '1234.50' EUR in 'de' → '1.234,50 €' (with the no-break spaces Intl puts in). The decimal
 * string is formatted exactly: Intl.NumberFormat accepts strings, so no float rounding.
 */
export function formatMoney(amount: string | number, currency: string, locale: string): string {
  const text = typeof amount === 'number' ? String(amount) : amount.trim();
  if (!/^-?\d+(\.\d+)?$/.test(text)) throw new Error(`money: "${String(amount)}" is not an amount`);
  if (!isCurrencyCode(currency)) throw new Error(`money: "${currency}" is not an ISO 4217 currency code`);
  // Intl accepts numeric strings (exact decimal formatting); the typings still say number.
  return numberFormat(locale, currency).format(text as unknown as number);
}

/** '2026-03-15' in 'fr' → '15 mars 2026'. Calendar dates are formatted in UTC: no day shift. */
export function formatDate(date: CalendarDate, locale: string, style: DateStyle = 'long'): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) throw new Error(`date: "${date}" is not a date (YYYY-MM-DD)`);
  const key = `${locale}|${style}`;
  let format = dateFormats.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(locale, { dateStyle: style, timeZone: 'UTC' });
    dateFormats.set(key, format);
  }
  return format.format(new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))));
}
