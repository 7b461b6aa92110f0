/**
 * The scheduler's pure decision: which customers are due for planning at an instant, for
 * which local date (customer zone, else the organisation's), once their local time has
 * reached send_at — DST-correct in Auckland, Los Angeles and Berlin.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  customersDueForPlanning,
  customerZone,
  localTimeToInstant,
  type ScheduledCustomer,
  sendAtOn,
} from '../../src/campaigns/schedule.ts';
import type { WeekdayKey } from '../../src/ledger/dates.ts';

const WEEKDAYS: WeekdayKey[] = ['mon', 'tue', 'wed', 'thu', 'fri'];
const CAMPAIGNS = [{ sendOn: WEEKDAYS, sendAt: '09:00' }];

function due(instant: string, customers: ScheduledCustomer[], campaigns = CAMPAIGNS, zone = 'Europe/Berlin') {
  return customersDueForPlanning(new Date(instant), customers, campaigns, zone);
}

const c = (
  customerId: number,
  timeZone: string | null,
  lastPlannedOn: string | null = null,
): ScheduledCustomer => ({
  customerId,
  timeZone,
  lastPlannedOn,
});

describe('schedule', () => {
  it('plans a customer once its local time has passed send_at, grouped by local date', () => {
    // Tue 10 March 2026, 08:30 UTC: Berlin (+1) 09:30 → due for Tue 10; Los Angeles (−7, DST
    // since Sun 8 March) 01:30 → not yet; Auckland (+13) 21:30 → due for Tue 10 too.
    const customers = [
      c(1, 'Europe/Berlin'),
      c(2, 'America/Los_Angeles'),
      c(3, 'Pacific/Auckland'),
      c(4, null),
    ];
    assert.deepEqual(due('2026-03-10T08:30:00Z', customers), [
      { date: '2026-03-10', customerIds: [1, 3, 4] },
    ]);
    // 07:59 UTC: Berlin is 08:59 → not yet.
    assert.deepEqual(due('2026-03-10T07:59:00Z', customers), [{ date: '2026-03-10', customerIds: [3] }]);
    // 16:00 UTC: Los Angeles 09:00 PDT → due; Auckland already on Wed 11 (05:00) → not yet.
    assert.deepEqual(due('2026-03-10T16:00:00Z', customers), [
      { date: '2026-03-10', customerIds: [1, 2, 4] },
    ]);
    // 20:00 UTC: Auckland Wed 11 09:00 → due for Wed 11, a different batch.
    assert.deepEqual(due('2026-03-10T20:00:00Z', customers), [
      { date: '2026-03-10', customerIds: [1, 2, 4] },
      { date: '2026-03-11', customerIds: [3] },
    ]);
  });

  it('does not plan a customer twice for the same local date', () => {
    const customers = [c(1, 'Europe/Berlin', '2026-03-10'), c(2, 'Europe/Berlin', '2026-03-09')];
    assert.deepEqual(due('2026-03-10T12:00:00Z', customers), [{ date: '2026-03-10', customerIds: [2] }]);
  });

  it('skips local days on which no campaign sends, and uses the earliest send_at of that day', () => {
    const campaigns = [
      { sendOn: WEEKDAYS, sendAt: '09:00' },
      { sendOn: ['sat' as WeekdayKey], sendAt: '11:00' },
      { sendOn: ['mon' as WeekdayKey], sendAt: '06:30' },
    ];
    // Sun 8 March 2026: nobody sends.
    assert.deepEqual(due('2026-03-08T12:00:00Z', [c(1, 'Europe/Berlin')], campaigns), []);
    // Sat 7 March, 10:30 Berlin: the Saturday campaign sends at 11:00 → not yet; 11:00 → due.
    assert.deepEqual(due('2026-03-07T09:30:00Z', [c(1, 'Europe/Berlin')], campaigns), []);
    assert.deepEqual(due('2026-03-07T10:00:00Z', [c(1, 'Europe/Berlin')], campaigns), [
      { date: '2026-03-07', customerIds: [1] },
    ]);
    // Mon 9 March 06:30 Berlin (05:30 UTC): the Monday campaign is the earliest.
    assert.deepEqual(due('2026-03-09T05:30:00Z', [c(1, 'Europe/Berlin')], campaigns), [
      { date: '2026-03-09', customerIds: [1] },
    ]);
    assert.equal(sendAtOn(campaigns, '2026-03-09'), '06:30');
    assert.equal(sendAtOn(campaigns, '2026-03-08'), null);
  });

  it('Pacific/Auckland: 09:00 local moves from 21:00 to 20:00 UTC when daylight time starts (Sun 27 Sep 2026)', () => {
    // Scan every 5 minutes from Thu 24 to Wed 30 September 2026 (UTC) and record the first
    // instant each local date becomes due; weekend days never do.
    const first = new Map<string, string>();
    let last: string | null = null;
    for (
      let t = Date.parse('2026-09-23T12:00:00Z');
      t <= Date.parse('2026-09-30T12:00:00Z');
      t += 5 * 60_000
    ) {
      const batches = due(new Date(t).toISOString(), [c(1, 'Pacific/Auckland', last)]);
      for (const b of batches) {
        first.set(b.date, new Date(t).toISOString().slice(0, 16));
        last = b.date;
      }
    }
    assert.deepEqual(Object.fromEntries(first), {
      '2026-09-24': '2026-09-23T21:00',
      '2026-09-25': '2026-09-24T21:00',
      '2026-09-28': '2026-09-27T20:00',
      '2026-09-29': '2026-09-28T20:00',
      '2026-09-30': '2026-09-29T20:00',
    });
  });

  it('America/Los_Angeles and Europe/Berlin around their DST changes; an unknown zone falls back', () => {
    // US DST starts Sun 8 March 2026: Fri 6 09:00 PST = 17:00 UTC; Mon 9 09:00 PDT = 16:00 UTC.
    assert.deepEqual(due('2026-03-06T16:59:00Z', [c(1, 'America/Los_Angeles')]), []);
    assert.deepEqual(due('2026-03-06T17:00:00Z', [c(1, 'America/Los_Angeles')]), [
      { date: '2026-03-06', customerIds: [1] },
    ]);
    assert.deepEqual(due('2026-03-09T16:00:00Z', [c(1, 'America/Los_Angeles')]), [
      { date: '2026-03-09', customerIds: [1] },
    ]);
    // EU DST ends Sun 25 October 2026: Fri 23 09:00 CEST = 07:00 UTC; Mon 26 09:00 CET = 08:00 UTC.
    assert.deepEqual(due('2026-10-23T07:00:00Z', [c(1, 'Europe/Berlin')]), [
      { date: '2026-10-23', customerIds: [1] },
    ]);
    assert.deepEqual(due('2026-10-26T07:59:00Z', [c(1, 'Europe/Berlin')]), []);
    assert.deepEqual(due('2026-10-26T08:00:00Z', [c(1, 'Europe/Berlin')]), [
      { date: '2026-10-26', customerIds: [1] },
    ]);
    assert.equal(customerZone('Mars/Olympus', 'Europe/Berlin'), 'Europe/Berlin');
    assert.equal(customerZone(null, 'UTC'), 'UTC');
    assert.deepEqual(due('2026-10-26T08:00:00Z', [c(1, 'Mars/Olympus')]), [
      { date: '2026-10-26', customerIds: [1] },
    ]);
  });

  it('converts a local wall time to an instant, through DST gaps and overlaps', () => {
    const iso = (d: string, t: string, z: string) => localTimeToInstant(d, t, z).toISOString().slice(0, 16);
    assert.equal(iso('2026-09-25', '09:00', 'Pacific/Auckland'), '2026-09-24T21:00');
    assert.equal(iso('2026-09-28', '09:00', 'Pacific/Auckland'), '2026-09-27T20:00');
    assert.equal(iso('2026-03-09', '09:00', 'America/Los_Angeles'), '2026-03-09T16:00');
    assert.equal(iso('2026-10-26', '09:00', 'Europe/Berlin'), '2026-10-26T08:00');
    // 02:30 does not exist in Berlin on Sun 29 March 2026 (02:00 → 03:00): the first instant after.
    assert.equal(iso('2026-03-29', '02:30', 'Europe/Berlin'), '2026-03-29T01:00');
    // 02:30 happens twice on Sun 25 October 2026: the first (CEST) one.
    assert.equal(iso('2026-10-25', '02:30', 'Europe/Berlin'), '2026-10-25T00:30');
  });
});
