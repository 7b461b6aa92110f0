/**
 * Public holidays (rule R8b) from the maintained `date-holidays` package, never from
 * hand-written tables. A calendar code is a country ('US'), a country and state ('DE-BY')
 * or a country, state and region ('GB-ENG'…), in date-holidays' own codes. Only holidays of
 * type "public" count as non-sending days (bank, school and observance days do not).
 *
 * The package's data is bundled JavaScript: no file, network or clock access happens here.
 */
import Holidays from 'date-holidays';
import { addDays, type CalendarDate } from '../ledger/dates.ts';

const catalogue = new Holidays();

/** Splits 'DE-BY' into ['DE', 'BY']; codes are compared upper-case. */
function parts(code: string): string[] {
  return code.trim().toUpperCase().split('-');
}

/** True when date-holidays knows this country / state / region code. */
export function isKnownHolidayCalendar(code: string): boolean {
  const [country, state, region, ...rest] = parts(code);
  if (!country || rest.length > 0) return false;
  if (!(country in catalogue.getCountries())) return false;
  if (state === undefined) return true;
  const states = catalogue.getStates(country) ?? {};
  if (!(state in states)) return false;
  if (region === undefined) return true;
  const regions = catalogue.getRegions(country, state) ?? {};
  return region in regions;
}

function publicHolidayDates(code: string, year: number): Set<CalendarDate> {
  const [country, state, region] = parts(code);
  const calendar = new Holidays({ types: ['public'] });
  // init returns undefined for a known code (a truthy value or false otherwise depends on the version).
  if (state === undefined) calendar.init(country, { types: ['public'] });
  else if (region === undefined) calendar.init(country, state, { types: ['public'] });
  else calendar.init(country, state, region, { types: ['public'] });
  const dates = new Set<CalendarDate>();
  for (const holiday of calendar.getHolidays(year) ?? []) {
    if (holiday.type !== 'public') continue;
    // `date` is the holiday's local start ('YYYY-MM-DD hh:mm:ss'); a holiday lasting longer
    // than a day (start → end) covers each local day it spans.
    const first = holiday.date.slice(0, 10);
    const spanDays = Math.max(1, Math.round((holiday.end.getTime() - holiday.start.getTime()) / 86_400_000));
    for (let i = 0; i < spanDays; i++) dates.add(addDays(first, i));
  }
  return dates;
}

/**
 * Returns `isHoliday(calendar, date)` for the planner's input. Each (calendar, year) is
 * computed once and cached in the returned closure. An unknown code throws: campaign files
 * are validated with isKnownHolidayCalendar() when they are loaded, so this is a bug guard.
 */
export function holidayChecker(): (calendar: string, date: CalendarDate) => boolean {
  const cache = new Map<string, Set<CalendarDate>>();
  return (calendar, date) => {
    if (!isKnownHolidayCalendar(calendar)) {
      throw new RangeError(`unknown holiday calendar "${calendar}"`);
    }
    const year = Number(date.slice(0, 4));
    const cacheKey = `${calendar.trim().toUpperCase()}:${year}`;
    let dates = cache.get(cacheKey);
    if (!dates) {
      dates = publicHolidayDates(calendar, year);
      cache.set(cacheKey, dates);
    }
    return dates.has(date);
  };
}
