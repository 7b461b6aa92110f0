import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  currencyExponent,
  formatAmount,
  normaliseCurrency,
  parseAmount,
  sumByCurrency,
} from '../../src/ledger/money.ts';

describe('money', () => {
  it('uses ISO 4217 exponents: JPY 0, EUR 2, KWD 3', () => {
    assert.equal(currencyExponent('JPY'), 0);
    assert.equal(currencyExponent('EUR'), 2);
    assert.equal(currencyExponent('KWD'), 3);
    assert.equal(parseAmount('1234.5', 'EUR'), 123450);
    assert.equal(parseAmount('1234', 'JPY'), 1234);
    assert.equal(parseAmount('1.234', 'KWD'), 1234);
    assert.equal(formatAmount(123450, 'EUR'), '1234.50');
    assert.equal(formatAmount(5, 'KWD'), '0.005');
    assert.equal(formatAmount(-5, 'EUR'), '-0.05');
    assert.equal(formatAmount(7, 'JPY'), '7');
  });

  it('refuses to round: extra non-zero decimals are an error, extra zeros are fine', () => {
    assert.throws(() => parseAmount('1.234', 'EUR'), /more than 2 decimals/);
    assert.throws(() => parseAmount('10.5', 'JPY'), /more than 0 decimals/);
    assert.equal(parseAmount('10.500', 'EUR'), 1050);
  });

  it('explains the common mistakes', () => {
    assert.throws(() => parseAmount('1,234.50', 'EUR'), /thousands separator/);
    assert.throws(() => parseAmount('12,50', 'EUR'), /decimal comma/);
    assert.throws(() => parseAmount('abc', 'EUR'), /not an amount/);
    assert.throws(() => parseAmount('', 'EUR'), /not an amount/);
  });

  it('normalises currency codes and refuses unknown ones', () => {
    assert.equal(normaliseCurrency(' eur '), 'EUR');
    assert.equal(normaliseCurrency('XYZ'), null);
    assert.equal(normaliseCurrency('EURO'), null);
  });

  it('round-trips every amount exactly (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -1e12, max: 1e12 }),
        fc.constantFrom('EUR', 'JPY', 'KWD', 'USD'),
        (minor, cur) => {
          assert.equal(parseAmount(formatAmount(minor, cur), cur), minor);
        },
      ),
    );
  });

  it('never mixes currencies when summing', () => {
    const totals = sumByCurrency([
      { minor: 100, currency: 'EUR' },
      { minor: 5, currency: 'JPY' },
      { minor: 250, currency: 'EUR' },
    ]);
    assert.deepEqual(
      [...totals],
      [
        ['EUR', 350],
        ['JPY', 5],
      ],
    );
  });
});
