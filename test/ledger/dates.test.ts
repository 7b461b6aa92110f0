import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  addDays,
  addMonths,
  daysBetween,
  isCalendarDate,
  localDateTime,
  parseDate,
  weekdayKey,
} from '../../src/ledger/dates.ts';

describe('calendar dates', () => {
  it('validates real calendar dates only', () => {
    assert.equal(isCalendarDate('2024-02-29'), true);
    assert.equal(isCalendarDate('2023-02-29'), false);
    assert.equal(isCalendarDate('2024-13-01'), false);
    assert.equal(isCalendarDate('2024-1-01'), false);
  });

  it('adds days across months, years and DST changes without drifting', () => {
    assert.equal(addDays('2024-02-28', 1), '2024-02-29');
    assert.equal(addDays('2024-12-31', 1), '2025-01-01');
    assert.equal(addDays('2026-03-29', 1), '2026-03-30'); // EU DST starts that night
    assert.equal(daysBetween('2026-01-01', '2026-12-31'), 364);
  });

  it('adds months clamping the day', () => {
    assert.equal(addMonths('2026-01-31', 1), '2026-02-28');
    assert.equal(addMonths('2024-01-31', 1), '2024-02-29');
    assert.equal(addMonths('2026-03-15', -3), '2025-12-15');
  });

  it('knows the weekday', () => {
    assert.equal(weekdayKey('2026-11-25'), 'wed');
    assert.equal(weekdayKey('2026-11-29'), 'sun');
  });

  it('parses the import date formats and refuses impossible dates', () => {
    assert.equal(parseDate('2026-03-05'), '2026-03-05');
    assert.equal(parseDate('3/5/2026', 'M/D/YYYY'), '2026-03-05');
    assert.equal(parseDate('03/05/2026', 'M/D/YYYY'), '2026-03-05');
    assert.equal(parseDate('3/5/2026', 'D/M/YYYY'), '2026-05-03');
    assert.equal(parseDate('05.03.2026', 'DD.MM.YYYY'), '2026-03-05');
    assert.equal(parseDate('2/30/2026', 'M/D/YYYY'), null);
    assert.equal(parseDate('2026-03-05', 'M/D/YYYY'), null);
    assert.equal(parseDate('yesterday'), null);
  });

  it("gives a customer's local date and time from an instant, DST-correct", () => {
    // 2026-04-05 03:00 NZDT → NZST: Auckland is UTC+13 before, UTC+12 after.
    assert.deepEqual(localDateTime(new Date('2026-04-04T12:30:00Z'), 'Pacific/Auckland'), {
      date: '2026-04-05',
      time: '01:30',
    });
    assert.deepEqual(localDateTime(new Date('2026-04-05T21:00:00Z'), 'Pacific/Auckland'), {
      date: '2026-04-06',
      time: '09:00',
    });
    assert.deepEqual(localDateTime(new Date('2026-11-25T02:00:00Z'), 'America/Los_Angeles'), {
      date: '2026-11-24',
      time: '18:00',
    });
  });

  it('addDays and daysBetween are inverse (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 40_000 }),
        fc.integer({ min: -5000, max: 5000 }),
        (start, delta) => {
          const from = addDays('1950-01-01', start);
          assert.equal(daysBetween(from, addDays(from, delta)), delta);
        },
      ),
    );
  });
});
