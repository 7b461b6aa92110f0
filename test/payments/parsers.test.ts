// Parsers (pure): BAI2 against moj-bai2's control totals, tampered BAI2 files, CSV with --map,
// a structured MT940 :86:, format detection, and one clear error for malformed input.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseBai2 } from '../../src/payments/bank/bai2.ts';
import { parseBankCsv } from '../../src/payments/bank/csv.ts';
import { BankFileError, detectFormat, parseBankFile } from '../../src/payments/bank/index.ts';
import { parseMt940 } from '../../src/payments/bank/mt940.ts';
import { camt053 } from './camt-fixture.ts';
import { externalDir } from './external.ts';

const bai2 = externalDir('moj-bai2');

describe('BAI2', () => {
  it('moj-bai2: every file reproduces its account, group and file control totals', {
    skip: bai2.skip,
  }, () => {
    const files = readdirSync(bai2.dir).filter((f) => f.endsWith('.bai2'));
    let accounts = 0;
    let entries = 0;
    for (const f of files) {
      const parsed = parseBai2(readFileSync(join(bai2.dir, f)));
      accounts += parsed.statements.length;
      entries += parsed.statements.reduce((n, s) => n + s.entries.length, 0);
    }
    console.log(
      `moj-bai2 agreement: ${files.length}/${files.length} files, control totals reproduced for ${accounts} accounts, ${entries} entries`,
    );
    assert.equal(files.length, 5);
    const svb = parseBai2(readFileSync(join(bai2.dir, 'svb_us_example.bai2')));
    assert.deepEqual(
      svb.statements.map((s) => [
        s.account,
        s.currency,
        s.openingBalance,
        s.closingBalance,
        s.entries.map((e) => [e.amount, e.bookingDate, e.bankReference, e.remittance]),
      ]),
      [
        [
          '1234567890',
          'USD',
          34726979,
          35217175,
          [[490196, '2022-02-01', '172629', 'SOME PAYMENT ACH OFFSET']],
        ],
        [
          '1234567890',
          'USD',
          35217175,
          36122975,
          [[905800, '2022-02-02', '150675', 'SOME PAYMENT ACH OFFSET']],
        ],
      ],
    );
  });

  it('refuses a file whose control totals or counts do not add up', { skip: bai2.skip }, () => {
    const text = readFileSync(join(bai2.dir, 'example.bai2'), 'utf8');
    assert.throws(
      () => parseBai2(text.replace('16,191,001,', '16,191,002,')),
      /bai2 line 12: account 77777777 control total is 20001, but its amounts add up to 20002/,
    );
    assert.throws(
      () => parseBai2(text.replace('49,20001,10/', '49,20001,9/')),
      /states 9 records, but there are 10/,
    );
    assert.throws(
      () => parseBai2(text.replace(/99,.*\n?$/, '')),
      /the file ends where a 99 record \(file trailer\) was expected/,
    );
    assert.throws(() => parseBai2(text.replace('16,191,', '16,999,')), /type code 999 is bank-specific/);
  });
});

describe('CSV with --map', () => {
  const csv = `Buchungstag;Betrag;Währung;Verwendungszweck;Name;IBAN\n24.11.2026;1.234,50;EUR;RE INV-1001;Acme;DE89 3704 0044 0532 0130 00\n25.11.2026;-12,00;EUR;Gebühr;;\n`;
  const map = {
    Buchungstag: 'date',
    Betrag: 'amount',
    Währung: 'currency',
    Verwendungszweck: 'remittance',
    Name: 'counterparty',
    IBAN: 'iban',
  };

  it('reads a mapped semicolon file and refuses thousands separators', () => {
    assert.throws(
      () => parseBankCsv(csv, { map, dateFormat: 'DD.MM.YYYY' }),
      /csv row 2, amount: "1.234,50" has a thousands separator/,
    );
    const parsed = parseBankCsv(csv.replace('1.234,50', '1234,50'), {
      map,
      dateFormat: 'DD.MM.YYYY',
      account: 'DE02',
    });
    const [s] = parsed.statements;
    assert.equal(s!.account, 'DE02');
    assert.deepEqual(
      s!.entries.map((e) => [
        e.bookingDate,
        e.amount,
        e.currency,
        e.remittance,
        e.counterpartyName,
        e.counterpartyIban,
      ]),
      [
        ['2026-11-24', 123450, 'EUR', 'RE INV-1001', 'Acme', 'DE89370400440532013000'],
        ['2026-11-25', -1200, 'EUR', 'Gebühr', null, null],
      ],
    );
  });

  it('names the row and column of a bad value, and a missing column', () => {
    assert.throws(
      () => parseBankCsv('date,amount,currency\n2026-11-31,1.00,EUR\n'),
      /csv row 2, date: "2026-11-31" is not a date/,
    );
    assert.throws(
      () => parseBankCsv('when,amount\n2026-11-30,1.00\n'),
      /no "date" column in the header \(when, amount\)/,
    );
    assert.throws(
      () => parseBankCsv('date,amount\n2026-11-30,1.00\n'),
      /no "currency" column and no currency given/,
    );
    assert.equal(
      parseBankCsv('date,amount\n2026-11-30,1.005\n', { currency: 'KWD' }).statements[0]!.entries[0]!.amount,
      1005,
    );
  });
});

describe('MT940', () => {
  const sta = [
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

  it('reads the structured :86: (purpose, end-to-end id, payer) and reversals', () => {
    const [s] = parseMt940(sta).statements;
    assert.deepEqual(
      [s!.account, s!.currency, s!.openingBalance, s!.closingBalance],
      ['10020030/1234567890', 'EUR', 100000, 127500],
    );
    const [credit, reversal] = s!.entries;
    assert.deepEqual(
      [
        credit!.amount,
        credit!.bookingDate,
        credit!.bankReference,
        credit!.endToEndId,
        credit!.remittance,
        credit!.counterpartyName,
        credit!.counterpartyIban,
        credit!.typeCode,
      ],
      [
        29000,
        '2026-11-24',
        'B-1',
        'E2E-77',
        'RE INV-1002 INV-1003',
        'ACME GMBH',
        'DE89370400440532013000',
        'NTRF/166',
      ],
    );
    // RD reverses a debit: money comes back in
    assert.deepEqual([reversal!.amount, reversal!.reversal], [1500, true]);
  });

  it('names the line of a malformed field', () => {
    assert.throws(
      () => parseMt940(sta.replace(':61:2611241124CR290,00', ':61:2611241124XR290,00')),
      /line 5, :61: "2611241124XR290,00NTRFNONREF\/\/B-1" is not a statement line/,
    );
    assert.throws(
      () => parseMt940(sta.replace(':60F:C261123EUR1000,00', ':60F:C261323EUR1000,00')),
      /line 4, :60F: "261323" is not a date/,
    );
  });
});

describe('format detection', () => {
  it('tells the formats apart by their content', () => {
    assert.equal(detectFormat(camt053([])), 'camt.053');
    assert.equal(detectFormat(':20:X\n:25:Y\n:60F:C261123EUR1,00\n-'), 'mt940');
    assert.equal(detectFormat('01,A,B,261124,0000,1,,,2/\n'), 'bai2');
    assert.equal(detectFormat('date,amount,currency\n'), 'csv');
    assert.throws(() => detectFormat('<?xml version="1.0"?><Invoice/>'), BankFileError);
    assert.throws(
      () => parseBankFile(camt053([]), { format: 'camt.054' }),
      /--format camt.054 was given, but the file is a camt.053 message/,
    );
  });
});

describe('purity', () => {
  it('the parsers and the matcher import nothing that does I/O', () => {
    const root = join(import.meta.dirname, '..', '..', 'src', 'payments');
    const files = [
      ...readdirSync(join(root, 'bank')).map((f) => join(root, 'bank', f)),
      join(root, 'reconcile', 'match.ts'),
    ];
    const allowed =
      /^(\.\/|\.\.\/\.\.\/ledger\/(allocation|dates|money|csv)\.ts$|\.\.\/\.\.\/platform\/errors\.ts$|fast-xml-parser$|csv-parse\/sync$|\.\.\/\.\.\/ledger\/allocation\.ts$)/;
    for (const file of files) {
      const imports = [...readFileSync(file, 'utf8').matchAll(/from '([^']+)'/g)].map((m) => m[1]!);
      for (const spec of imports) assert.match(spec, allowed, `${file} imports ${spec}`);
    }
  });
});
