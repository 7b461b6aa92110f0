/**
 * When the scheduler inside `serve` plans whom (R8's send_at). Pure: the instant is a
 * parameter. A customer's "today" is the calendar date in its IANA time zone (else the
 * organisation's) at that instant, read through Intl, so DST changes need no special case:
 * on a spring-forward day the local clock jumps past send_at and on a fall-back day the
 * repeated hour cannot plan twice because the customer was already planned for that date.
 *
 * A customer is due when (1) it has not been planned for its local date yet, (2) some
 * campaign sends on that weekday, and (3) its local time has reached the earliest send_at of
 * those campaigns. The planner then plans the customer's whole local day (event campaigns
 * included); a customer whose scheduler missed days is simply planned for its current local
 * date, and R3 catch-up decides what is still worth sending.
 */
import {
  type CalendarDate,
  daysBetween,
  isValidTimeZone,
  localDateTime,
  weekdayKey,
} from '../ledger/dates.ts';
import type { CampaignDefinition } from './planner/types.ts';

export interface ScheduledCustomer {
  customerId: number;
  /** IANA zone; null (or an unknown zone) → the organisation's zone. */
  timeZone: string | null;
  /** The last local date this customer was planned for, if any. */
  lastPlannedOn: CalendarDate | null;
}

/** Customers to plan now, grouped by their local date (one planDay call per group). */
export interface PlanningBatch {
  date: CalendarDate;
  customerIds: number[];
}

export function customerZone(timeZone: string | null, defaultTimeZone: string): string {
  return timeZone && isValidTimeZone(timeZone) ? timeZone : defaultTimeZone;
}

/** The earliest send_at among campaigns sending on `date`'s weekday, or null if none sends. */
export function sendAtOn(
  campaigns: Pick<CampaignDefinition, 'sendOn' | 'sendAt'>[],
  date: CalendarDate,
): string | null {
  const weekday = weekdayKey(date);
  let earliest: string | null = null;
  for (const c of campaigns) {
    if (!c.sendOn.includes(weekday)) continue;
    if (earliest === null || c.sendAt < earliest) earliest = c.sendAt;
  }
  return earliest;
}

/**
 * Which customers are due for planning at `instant`, and for which local date.
 * 'HH:MM' strings compare correctly as text, and the local time comes from Intl for the
 * instant itself, so the comparison is DST-correct.
 */
export function customersDueForPlanning(
  instant: Date,
  customers: ScheduledCustomer[],
  campaigns: Pick<CampaignDefinition, 'sendOn' | 'sendAt'>[],
  defaultTimeZone: string,
): PlanningBatch[] {
  const byDate = new Map<CalendarDate, number[]>();
  const local = new Map<string, { date: CalendarDate; time: string }>();
  for (const customer of customers) {
    const zone = customerZone(customer.timeZone, defaultTimeZone);
    let now = local.get(zone);
    if (!now) {
      now = localDateTime(instant, zone);
      local.set(zone, now);
    }
    if (customer.lastPlannedOn !== null && customer.lastPlannedOn >= now.date) continue;
    const sendAt = sendAtOn(campaigns, now.date);
    if (sendAt === null || now.time < sendAt) continue;
    const list = byDate.get(now.date);
    if (list) list.push(customer.customerId);
    else byDate.set(now.date, [customer.customerId]);
  }
  return [...byDate.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([date, ids]) => ({ date, customerIds: ids.sort((x, y) => x - y) }));
}

/**
 * The UTC instant of local wall time `time` ('HH:MM') on `date` in `zone` — e.g. the moment a
 * message planned for a customer's day may leave (send_at). A wall time that does not exist
 * (skipped by a spring-forward change) maps to the first instant after the gap; one that
 * occurs twice (fall-back) maps to its first occurrence.
 */
export function localTimeToInstant(date: CalendarDate, time: string, zone: string): Date {
  const [hh = 0, mm = 0] = time.split(':').map(Number);
  const wallMinutes = hh * 60 + mm;
  const wallAsUtc = Date.parse(`${date}T00:00:00Z`) + wallMinutes * 60_000;
  // Offsets range from −12 h to +14 h: look at candidates around the naive instant and keep the
  // earliest whose local wall time is at or after the wanted one on the wanted date.
  let best: number | null = null;
  for (let offsetMinutes = -14 * 60; offsetMinutes <= 14 * 60; offsetMinutes += 15) {
    const candidate = wallAsUtc - offsetMinutes * 60_000;
    const at = localDateTime(new Date(candidate), zone);
    if (at.date === date && at.time === time && (best === null || candidate < best)) best = candidate;
  }
  if (best !== null) return new Date(best);
  // In a DST gap: the first minute whose local time is past the wanted time on that date.
  for (let minute = wallAsUtc - 14 * 3_600_000; minute <= wallAsUtc + 14 * 3_600_000; minute += 60_000) {
    const at = localDateTime(new Date(minute), zone);
    if (at.date === date && at.time > time) return new Date(minute);
    if (daysBetween(date, at.date) > 0) break;
  }
  throw new RangeError(`no local time ${time} on ${date} in ${zone}`);
}
