/**
 * Date phrases in a reply → a calendar date, relative to the message's own date. Pure.
 * "next Friday", "by 15 March", "end of the month", "in 2 weeks", "am 15.03.", "le 15 mars",
 * "el 15 de marzo", "nächsten Freitag", "viernes próximo"… The words are data (the `dates`
 * section of intent-rules/{en,de,fr,es}.json); the arithmetic is here.
 *
 * Conventions (what a collector would read into a promise):
 *  - a weekday means the next such day after the message date ("Friday" sent on a Friday is
 *    the Friday a week later); "next Friday" is the same day (people say "next" for the coming one);
 *  - a day and month without a year is the next such date on or after the message date;
 *  - numeric dates are day-first (15/03, 15.03.), except when the first number cannot be a
 *    month day-first reading is impossible (03/15 → 15 March);
 *  - "next week" is the Friday of next week; "end of the week" this week's Friday;
 *  - "end of the month" is its last day; "beginning of next month" its first.
 */
import { addDays, addMonths, type CalendarDate, dayOfWeek, daysInMonth } from '../ledger/dates.ts';

export interface DateVocabulary {
  /** Month names and abbreviations → 1..12 (lower case, accents as written). */
  readonly months: Readonly<Record<string, number>>;
  /** Weekday names → 0 (Sunday) … 6 (Saturday). */
  readonly weekdays: Readonly<Record<string, number>>;
  /** Number words → value ("two" → 2). */
  readonly numbers: Readonly<Record<string, number>>;
  /** Unit words → day|week|month. */
  readonly units: Readonly<Record<string, 'day' | 'week' | 'month'>>;
  /** Regex sources (case-insensitive) for the fixed phrases. */
  readonly phrases: {
    readonly today: string;
    readonly tomorrow: string;
    readonly dayAfterTomorrow: string;
    readonly nextWeek: string;
    readonly endOfWeek: string;
    readonly endOfMonth: string;
    readonly endOfNextMonth: string;
    readonly startOfNextMonth: string;
    /** Words before a weekday that mean "the coming one" ("next", "nächsten", "prochain"). */
    readonly nextBefore: string;
    /** Words after a weekday that mean the same ("vendredi prochain", "viernes próximo"). */
    readonly nextAfter: string;
    /** "in"/"within" before an amount of time ("in 2 weeks", "dans 10 jours", "en 2 semanas"). */
    readonly within: string;
    /** Filler between a day number and a month name ("de" in "15 de marzo", "of" in "15th of March"). */
    readonly dayMonthJoin: string;
  };
}

export interface FoundDate {
  readonly date: CalendarDate;
  /** The words that gave the date, as written. */
  readonly phrase: string;
  readonly index: number;
}

function ymd(date: CalendarDate): [number, number, number] {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return [y, m, d];
}

function make(y: number, m: number, d: number): CalendarDate | null {
  if (m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m)) return null;
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/** Next date with this month and day on or after `from`. */
function nextMonthDay(from: CalendarDate, month: number, day: number): CalendarDate | null {
  const [y] = ymd(from);
  for (const year of [y, y + 1, y + 2, y + 3, y + 4]) {
    const d = make(year, month, day);
    if (d && d >= from) return d;
  }
  return null;
}

function fullYear(text: string | undefined, from: CalendarDate): number | null {
  if (!text) return null;
  const n = Number(text);
  if (text.length === 4) return n;
  if (text.length === 2) return 2000 + n;
  return ymd(from)[0];
}

function endOfMonth(date: CalendarDate): CalendarDate {
  const [y, m] = ymd(date);
  return make(y, m, daysInMonth(y, m))!;
}

/** Days until the next `weekday` strictly after `from` (1..7). */
function daysToWeekday(from: CalendarDate, weekday: number): number {
  const diff = (weekday - dayOfWeek(from) + 7) % 7;
  return diff === 0 ? 7 : diff;
}

function alternation(words: readonly string[]): string {
  return [...words]
    .sort((a, b) => b.length - a.length)
    .map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('|');
}

interface Matcher {
  readonly re: RegExp;
  readonly resolve: (m: RegExpExecArray, from: CalendarDate) => CalendarDate | null;
}

const B = '(?<![\\p{L}\\p{N}])';
const E = '(?![\\p{L}\\p{N}])';

function matchers(v: DateVocabulary): Matcher[] {
  const months = alternation(Object.keys(v.months));
  const weekdays = alternation(Object.keys(v.weekdays));
  const numbers = alternation(Object.keys(v.numbers));
  const units = alternation(Object.keys(v.units));
  const p = v.phrases;
  const re = (source: string) => new RegExp(`${B}(?:${source})${E}`, 'iu');
  const lower = (s: string | undefined) => (s ?? '').toLowerCase();
  const list: Matcher[] = [
    // 2026-03-15
    {
      re: /(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)/,
      resolve: (m) => make(Number(m[1]), Number(m[2]), Number(m[3])),
    },
    // 15.03.2026, 15/03/26, 15.03., 15/03 (day first; 03/15 read as month first only when forced).
    // A dotted pair needs a year or a closing dot ("am 15.03."): "1.5" is more often an amount.
    {
      re: /(?<![\d./,])(\d{1,2})(?:\.(\d{1,2})(?:\.(\d{4}|\d{2})(?!\d)|\.(?!\d))|\/(\d{1,2})(?:\/(\d{4}|\d{2}))?(?![\d/]))/,
      resolve: (m, from) => {
        let day = Number(m[1]);
        let month = Number(m[2] ?? m[4]);
        const yearText = m[3] ?? m[5];
        if (month > 12 && day <= 12) [day, month] = [month, day];
        const year = fullYear(yearText, from);
        return yearText && year ? make(year, month, day) : nextMonthDay(from, month, day);
      },
    },
    // 15 March [2026], 15th of March, 15. März, le 15 mars, el 15 de marzo
    {
      re: re(
        `(\\d{1,2})(?:st|nd|rd|th|er|º|\\.)?\\s*(?:${p.dayMonthJoin})?\\s*(${months})\\.?(?:,?\\s*(\\d{4}))?`,
      ),
      resolve: (m, from) => {
        const month = v.months[lower(m[2])];
        if (!month) return null;
        return m[3] ? make(Number(m[3]), month, Number(m[1])) : nextMonthDay(from, month, Number(m[1]));
      },
    },
    // March 15[th][, 2026]
    {
      re: re(`(${months})\\.?\\s+(\\d{1,2})(?:st|nd|rd|th)?(?:,?\\s*(\\d{4}))?`),
      resolve: (m, from) => {
        const month = v.months[lower(m[1])];
        if (!month) return null;
        return m[3] ? make(Number(m[3]), month, Number(m[2])) : nextMonthDay(from, month, Number(m[2]));
      },
    },
    { re: re(p.dayAfterTomorrow), resolve: (_m, from) => addDays(from, 2) },
    { re: re(p.tomorrow), resolve: (_m, from) => addDays(from, 1) },
    { re: re(p.today), resolve: (_m, from) => from },
    { re: re(p.endOfNextMonth), resolve: (_m, from) => endOfMonth(addMonths(`${from.slice(0, 8)}01`, 1)) },
    { re: re(p.endOfMonth), resolve: (_m, from) => endOfMonth(from) },
    { re: re(p.startOfNextMonth), resolve: (_m, from) => addMonths(`${from.slice(0, 8)}01`, 1) },
    {
      re: re(p.endOfWeek),
      resolve: (_m, from) => {
        const dow = dayOfWeek(from);
        return dow >= 1 && dow <= 5 ? addDays(from, 5 - dow) : addDays(from, daysToWeekday(from, 5));
      },
    },
    {
      re: re(p.nextWeek),
      resolve: (_m, from) => {
        const dow = dayOfWeek(from);
        const nextMonday = addDays(from, dow === 0 ? 1 : 8 - dow);
        return addDays(nextMonday, 4);
      },
    },
    // in 2 weeks, in two weeks, dans 10 jours, en 2 semanas, in 3 Tagen
    {
      re: re(`(?:${p.within})\\s+(\\d{1,3}|${numbers})\\s+(${units})`),
      resolve: (m, from) => {
        const amount = /^\d+$/.test(m[1] ?? '') ? Number(m[1]) : v.numbers[lower(m[1])];
        const unit = v.units[lower(m[2])];
        if (amount === undefined || !unit) return null;
        if (unit === 'day') return addDays(from, amount);
        if (unit === 'week') return addDays(from, amount * 7);
        return addMonths(from, amount);
      },
    },
    // next Friday / nächsten Freitag / vendredi prochain / el próximo viernes / Friday
    {
      re: re(`(?:(?:${p.nextBefore})\\s+)?(${weekdays})(?:\\s+(?:${p.nextAfter}))?`),
      resolve: (m, from) => {
        const weekday = v.weekdays[lower(m[1])];
        return weekday === undefined ? null : addDays(from, daysToWeekday(from, weekday));
      },
    },
  ];
  return list;
}

const cache = new WeakMap<DateVocabulary, Matcher[]>();

/**
 * The first date phrase in `text` (by position) under any of the vocabularies, resolved
 * relative to `reference` (the message date). Null when the text names no date.
 */
export function findDate(
  text: string,
  reference: CalendarDate,
  vocabularies: readonly DateVocabulary[],
): FoundDate | null {
  const sample = text.slice(0, 20_000);
  let best: FoundDate | null = null;
  for (const v of vocabularies) {
    let ms = cache.get(v);
    if (!ms) {
      ms = matchers(v);
      cache.set(v, ms);
    }
    for (const { re, resolve } of ms) {
      const m = re.exec(sample);
      if (!m) continue;
      if (best && m.index >= best.index) continue;
      const date = resolve(m, reference);
      if (date) best = { date, phrase: m[0], index: m.index };
    }
  }
  return best;
}
