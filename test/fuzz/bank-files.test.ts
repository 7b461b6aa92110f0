/**
 * Fuzzing the bank-file parsers (issue 8, fuzz suite): mutations of real statements —
 * camt.052/053/054 XML, MT940, BAI2 and bank CSV — from the shared corpus when it is beside
 * the checkout, plus hand-written samples that are always there. Byte flips, truncation,
 * duplicated and deleted lines, and splices of format-specific fragments (XML entities and
 * deep nesting, MT940 tags, BAI2 record codes, CSV quotes, huge numbers and fields).
 *
 * Every mutant is parsed (format detected, and forced to each format) and must either parse
 * into statements whose entries have whole-minor-unit amounts and real dates, or throw one
 * BankFileError whose one-line message names the format and place — never another error,
 * never longer than the per-case bound. Runs: DUNWELL_FUZZ_RUNS (CI default 300).
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { BankFileError, type BankFormat, parseBankFile } from '../../src/payments/bank/index.ts';
import type { ParsedFile } from '../../src/payments/bank/model.ts';
import { camt053 } from '../payments/camt-fixture.ts';
import { EXTERNAL } from '../payments/external.ts';
import { assertClearError, fuzzParameters, fuzzRuns, mutate, mutation, show, Tally } from './support.ts';

const RUNS = fuzzRuns(300);

const MT940 = [
  ':20:STARTUMS',
  ':25:10020030/1234567890',
  ':28C:1/1',
  ':60F:C261123EUR1000,00',
  ':61:2611241124CR290,00NTRFNONREF//B-1',
  ':86:166?00GUTSCHRIFT?20EREF+E2E-77?21SVWZ+RE INV-1002 INV-?221003?30COBADEFF?31DE89370400440532013000',
  '?32ACME GMBH',
  ':61:2611241124RD15,00NMSCNONREF',
  ':86:Storno',
  ':62F:C261124EUR1275,00',
  '-',
].join('\r\n');

const BAI2 = [
  '01,CITIDIRECT,8888888,150716,0713,00131100,,,2/',
  '02,8888888,CITIGB00,1,150715,2340,GBP,2/',
  '03,77777777,GBP,010,10000,,,015,10000,,,/',
  '16,191,001,V,150715,,1234567890,RP12312312312312/',
  '88,FR:FP SIP INCOMING',
  '49,20001,3/',
  '98,20001,1,5/',
  '99,20001,1,7/',
].join('\n');

const CSV = [
  'date,amount,currency,reference,remittance,counterparty,iban',
  '2026-11-24,1234.50,EUR,B-1,RE INV-1001,Acme,DE89370400440532013000',
  '2026-11-25,-12.00,EUR,B-2,"Gebühr, ""Konto""",,',
].join('\n');

/** name → text of every seed statement. */
function seeds(): [string, string][] {
  const out: [string, string][] = [
    [
      'camt053 fixture',
      camt053([
        {
          amount: '1597.83',
          credit: true,
          date: '2026-11-24',
          ref: 'R1',
          remittance: 'INV-1',
          name: 'Acme',
          iban: 'DE89370400440532013000',
        },
      ]),
    ],
    ['mt940 sample', MT940],
    ['bai2 sample', BAI2],
    ['csv sample', CSV],
  ];
  const take = (dir: string, pattern: RegExp, max: number) => {
    const full = join(EXTERNAL, dir);
    if (!existsSync(full)) return;
    const files: string[] = [];
    const walk = (d: string) => {
      for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
        if (e.isDirectory()) walk(join(d, e.name));
        else if (pattern.test(e.name)) files.push(join(d, e.name));
      }
    };
    walk(full);
    const step = Math.max(1, Math.floor(files.length / max));
    for (const f of files.filter((_, i) => i % step === 0).slice(0, max)) {
      out.push([f.slice(EXTERNAL.length + 1), readFileSync(f, 'latin1')]);
    }
  };
  take('genkgo-camt', /\.xml$/, 10);
  take('wolph-mt940', /\.(sta|txt|mt940)$/i, 10);
  take('moj-bai2', /\.bai2$/, 5);
  return out;
}

const SPLICES = [
  // XML: entities (internal and external), a DOCTYPE, deep nesting, CDATA, broken tags
  '<!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>',
  '<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
  '&c;&x;&amp;&#0;&#xFFFF;&#99999999;',
  '<Ntry>'.repeat(2000),
  '<Amt Ccy="EUR">1e309</Amt>',
  '<Amt Ccy="XXX">-0.000000001</Amt>',
  '<Amt>NaN</Amt><Dt>2026-02-30</Dt>',
  '<![CDATA[</Document>]]>',
  '</Stmt></Stmt>',
  '<Stmt>',
  '<__proto__><constructor>x</constructor></__proto__>',
  // MT940
  '\r\n:61:9999999999CR99999999999999,99NTRF\r\n',
  '\r\n:61:2602302602CR1,00NTRF\r\n',
  '\r\n:60F:C000000EUR,\r\n',
  '\r\n:62F:D261124XXX1,2,3\r\n',
  '\r\n:86:?20?21?22?23?24?25?26?27?28?29?30?31?32?33?60?61?62?63\r\n',
  '\r\n:20:\r\n:25:\r\n',
  '\r\n-}\r\n{1:F01',
  // BAI2
  '\n16,999,99999999999999999999,V,,,,/\n',
  '\n88,\n88,\n88,\n',
  '\n03,,,,,,,,,,,,,,,,,/\n',
  '\n49,-1,0/\n',
  '\n02,,,,,,,,,/\n',
  '\n99,,,/\n',
  // CSV
  '\n"unclosed,2026-01-01,1,EUR\n',
  ',"a""b",,\n',
  '\n2026-11-31,1.00,EUR\n',
  '\n2026-11-24,1.005.00,EUR\n',
  '\n2026-11-24,99999999999999999999999,EUR\n',
  '\n2026-11-24,1,€€€\n',
  '\u0000\uFEFF\uFFFD',
];

/** Every refusal names the format or the place: a line, row, record or XML path. */
const WHERE = /line \d|row \d|record|\/|csv|bai2|mt940|camt|XML|:\d\d[A-Z]?:|file|header/i;

const FORMATS: (BankFormat | undefined)[] = [undefined, 'camt.053', 'camt.054', 'mt940', 'bai2', 'csv'];

function checkParsed(parsed: ParsedFile, label: string): void {
  assert.ok(Array.isArray(parsed.statements), label);
  for (const s of parsed.statements) {
    for (const e of s.entries) {
      assert.ok(Number.isSafeInteger(e.amount), `amount ${e.amount} is not whole minor units: ${label}`);
      for (const date of [e.bookingDate, e.valueDate]) {
        if (date === null) continue;
        assert.match(date, /^\d{4}-\d{2}-\d{2}$/, label);
        assert.ok(!Number.isNaN(Date.parse(`${date}T00:00:00Z`)), `date ${date}: ${label}`);
      }
      assert.match(e.currency, /^[A-Z]{3}$/, label);
    }
  }
}

describe('fuzz: bank files (camt, MT940, BAI2, CSV)', () => {
  const corpus = seeds();

  // found by this suite: errors quoted the file with its line breaks (a NUL line joined to a
  // field) and at any length
  it('keeps a refusal to one printable line of at most 300 characters', () => {
    const broken = MT940.replace(':61:', '\u0000:61:').replace(
      ':60F:C261123EUR1000,00',
      `:60F:C261123EUR1000,00${'9'.repeat(5000)}`,
    );
    for (const input of [MT940.replace('\r\n:61:', '\r\n\u0000:61:').replace(':60F:', ':60F:X'), broken]) {
      assert.throws(
        () => parseBankFile(input),
        (e: unknown) =>
          e instanceof BankFileError &&
          !/\p{Cc}/u.test(e.message) &&
          e.message.length <= 300 &&
          /line \d/.test(e.message),
      );
    }
  });

  it(`parses or refuses ${RUNS} mutated statements with one clear BankFileError each`, async () => {
    const tally = new Tally();
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: corpus.length - 1 }),
        mutation(SPLICES),
        fc.constantFrom(...FORMATS),
        fc.boolean(),
        async (which, m, format, asBytes) => {
          const [name, text] = corpus[which]!;
          const input = mutate(text, m);
          const label = `${name}, format ${format ?? 'detected'}: ${show(m, input)}`;
          await tally.time(
            () => label,
            () => {
              try {
                const parsed = parseBankFile(
                  asBytes ? Buffer.from(input, 'latin1') : input,
                  format ? { format } : {},
                );
                checkParsed(parsed, label);
                tally.accepted++;
              } catch (err) {
                assertClearError(err, [BankFileError], WHERE, label);
                tally.refused++;
              }
            },
          );
        },
      ),
      fuzzParameters(RUNS),
    );
    tally.report('bank files');
    if (RUNS >= 100)
      assert.ok(tally.accepted > 0 && tally.refused > 0, 'the mutations must exercise both outcomes');
  });

  it('random bytes in every format: a BankFileError, never a crash', async () => {
    const tally = new Tally();
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 4000 }),
        fc.constantFrom(...FORMATS),
        async (bytes, format) => {
          const label = `${format ?? 'detected'}: ${Buffer.from(bytes).toString('hex').slice(0, 200)}`;
          await tally.time(
            () => label,
            () => {
              try {
                checkParsed(parseBankFile(bytes, format ? { format } : {}), label);
                tally.accepted++;
              } catch (err) {
                assertClearError(err, [BankFileError], WHERE, label);
                tally.refused++;
              }
            },
          );
        },
      ),
      fuzzParameters(RUNS),
    );
    tally.report('bank files, random bytes');
  });
});
