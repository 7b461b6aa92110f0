/**
 * Promise dates relative to the message date, in the four languages.
 *
 *   March 2026            reference: Tue 10 March 2026
 *   Mo Tu We Th Fr Sa Su
 *                      1
 *    2  3  4  5  6  7  8
 *    9 10 11 12 13 14 15
 *   16 17 18 19 20 21 22
 *   23 24 25 26 27 28 29
 *   30 31
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_RULES } from '../../src/inbound/intent.ts';
import { findDate } from '../../src/inbound/relative-date.ts';

const vocabularies = DEFAULT_RULES.map((r) => r.dates);
const REF = '2026-03-10';
const on = (text: string, ref = REF) => findDate(text, ref, vocabularies)?.date ?? null;

describe('findDate', () => {
  it('reads English phrases', () => {
    assert.equal(on('We will pay next Friday.'), '2026-03-13');
    assert.equal(on('Payment on Friday'), '2026-03-13');
    assert.equal(on('by 15 March'), '2026-03-15');
    assert.equal(on('by March 20th, 2026'), '2026-03-20');
    assert.equal(on('by the end of the month'), '2026-03-31');
    assert.equal(on('end of next month'), '2026-04-30');
    assert.equal(on('in 2 weeks'), '2026-03-24');
    assert.equal(on('within two weeks'), '2026-03-24');
    assert.equal(on('in 10 days'), '2026-03-20');
    assert.equal(on('tomorrow'), '2026-03-11');
    assert.equal(on('the day after tomorrow'), '2026-03-12');
    assert.equal(on('next week'), '2026-03-20');
    assert.equal(on('by the end of the week'), '2026-03-13');
    assert.equal(on('beginning of next month'), '2026-04-01');
    assert.equal(on('on 2026-04-02'), '2026-04-02');
  });

  it('reads German phrases', () => {
    assert.equal(on('Wir überweisen am 15.03.'), '2026-03-15');
    assert.equal(on('Zahlung erfolgt am 15.03.2026.'), '2026-03-15');
    assert.equal(on('nächsten Freitag'), '2026-03-13');
    assert.equal(on('bis 20. März'), '2026-03-20');
    assert.equal(on('Ende des Monats'), '2026-03-31');
    assert.equal(on('in zwei Wochen'), '2026-03-24');
    assert.equal(on('übermorgen'), '2026-03-12');
    assert.equal(on('morgen'), '2026-03-11');
    assert.equal(on('Guten Morgen, wir zahlen nächste Woche'), '2026-03-20');
  });

  it('reads French phrases', () => {
    assert.equal(on('le 15 mars'), '2026-03-15');
    assert.equal(on('vendredi prochain'), '2026-03-13');
    assert.equal(on('fin du mois'), '2026-03-31');
    assert.equal(on('dans 10 jours'), '2026-03-20');
    assert.equal(on('après-demain'), '2026-03-12');
    assert.equal(on('la semaine prochaine'), '2026-03-20');
    assert.equal(on('le 15/04/2026'), '2026-04-15');
  });

  it('reads Spanish phrases', () => {
    assert.equal(on('el 15 de marzo'), '2026-03-15');
    assert.equal(on('viernes próximo'), '2026-03-13');
    assert.equal(on('el próximo viernes'), '2026-03-13');
    assert.equal(on('a finales de mes'), '2026-03-31');
    assert.equal(on('en 2 semanas'), '2026-03-24');
    assert.equal(on('pasado mañana'), '2026-03-12');
    assert.equal(on('mañana'), '2026-03-11');
    assert.equal(on('esta mañana revisamos la factura'), null);
  });

  it('rolls a day and month already past into next year, and a weekday on that weekday into next week', () => {
    assert.equal(on('by 5 March', '2026-03-10'), '2027-03-05');
    assert.equal(on('on Tuesday', '2026-03-10'), '2026-03-17');
    assert.equal(on('am 29.02.', '2026-03-10'), '2028-02-29');
  });

  it('does not read amounts and invoice numbers as dates', () => {
    assert.equal(on('We paid 1.50 EUR too much'), null);
    assert.equal(on('invoice 2026/0042 is open'), null);
    assert.equal(on('Total 1,234.56'), null);
    assert.equal(on('no date here at all'), null);
  });
});
