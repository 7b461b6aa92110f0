// Fuzzing the CSV import: random bytes, random (and broken) quoting, huge fields. Whatever
// comes in, the importer returns a result or throws one clear UserError, and a rejected or
// failed import leaves every table exactly as it was.
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { it } from 'node:test';
import fc from 'fast-check';
import { type ImportResult, importCsv } from '../../src/ledger/import/index.ts';
import { MAX_RECORD_BYTES } from '../../src/ledger/import/reader.ts';
import type { Db } from '../../src/platform/db/index.ts';
import { UserError } from '../../src/platform/errors.ts';
import { describeEachEngine } from '../support/db.ts';

const opts = { actor: 'fuzz', today: '2024-06-30' };

async function dumpLedger(db: Db): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const t of [
    'customers',
    'contacts',
    'invoices',
    'payments',
    'credit_notes',
    'applications',
    'audit_log',
  ]) {
    out[t] = await db.query(`SELECT * FROM ${t} ORDER BY id`);
  }
  return out;
}

const cellText = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      'INV-1',
      'C1',
      'C2',
      'ZZ',
      '2024-01-31',
      '2024-02-30',
      '10.00',
      '-1',
      '1e3',
      '',
    ),
  },
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom('"', '""', ',', ';', '\n', '\r\n', '\r', '\u0000', '\uFEFF', '\\.', ' "x" '),
  },
  { weight: 1, arbitrary: fc.integer({ min: 1000, max: 150_000 }).map((n) => 'x'.repeat(n)) },
);

/** A cell as it might appear in a file: raw, correctly quoted, or (in a messy file) with broken quotes. */
const cell = (messy: boolean) =>
  fc
    .tuple(cellText, fc.constantFrom('raw', 'raw', 'quoted', 'quoted', 'open', 'stray'))
    .map(([text, how]) => {
      const needsQuotes = /[",;\r\n]/.test(text) || text.trim() !== text;
      if (messy && how === 'open') return `"${text}`;
      if (messy && how === 'stray') return `${text}"x`;
      if (!messy && text.includes('\u0000')) return 'nul';
      if (how === 'quoted' || (!messy && needsQuotes)) return `"${text.replace(/"/g, '""')}"`;
      return text;
    });

// mostly the required columns plus some optional ones; sometimes a column is missing or twice
const header = fc
  .tuple(
    fc.shuffledSubarray(['due_date', 'balance', 'status', 'note', 'NUMBER', 'external_id']),
    fc.integer({ min: 0, max: 9 }),
  )
  .map(([optional, drop]) => {
    const required = ['number', 'customer_external_id', 'issue_date', 'amount'];
    if (drop < required.length) required.splice(drop, 1);
    return [...required, ...optional];
  });

const textFile = fc
  .tuple(
    header,
    fc.constantFrom(',', ';'),
    // one file in four is messy (broken quotes, NUL bytes); the rest are well-formed CSV
    fc
      .constantFrom(false, false, false, true)
      .chain((messy) => fc.array(fc.array(cell(messy), { minLength: 3, maxLength: 8 }), { maxLength: 12 })),
    fc.constantFrom('\n', '\r\n'),
    fc.boolean(),
  )
  .map(([names, sep, rows, eol, bom]) => {
    const lines = [names.join(sep), ...rows.map((r) => r.join(sep))];
    return (bom ? '\uFEFF' : '') + lines.join(eol) + eol;
  });

const byteFile = fc
  .tuple(fc.boolean(), fc.uint8Array({ maxLength: 3000 }))
  .map(([withHeader, bytes]) =>
    Buffer.concat([Buffer.from(withHeader ? 'number,customer_external_id,issue_date,amount\n' : ''), bytes]),
  );

describeEachEngine('import fuzz', (db) => {
  it('sets up two customers', async () => {
    const r = await importCsv(db(), 'customers', 'external_id,name\nC1,One\nC2,Two\n', opts);
    assert.equal(r.inserted, 2);
  });

  it('random files: a result or a clear UserError, and no partial write', async () => {
    let results = 0;
    let userErrors = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof({ weight: 3, arbitrary: textFile }, { weight: 1, arbitrary: byteFile }),
        fc.constantFrom('plain', 'plain', 'partial', 'dry-run'),
        fc.constantFrom('string', 'stream'),
        async (file, mode, as) => {
          const before = await dumpLedger(db());
          const input =
            as === 'stream' || typeof file !== 'string'
              ? Readable.from(chunks(typeof file === 'string' ? Buffer.from(file) : file))
              : file;
          let result: ImportResult | undefined;
          try {
            result = await importCsv(db(), 'invoices', input, {
              ...opts,
              partial: mode === 'partial',
              dryRun: mode === 'dry-run',
            });
          } catch (err) {
            if (!(err instanceof UserError)) throw err;
            assert.ok(err.message.length > 0 && !err.message.includes('\n'), `one line: ${err.message}`);
            userErrors++;
            assert.deepEqual(await dumpLedger(db()), before);
            return;
          }
          results++;
          const { rows, inserted, updated, unchanged, rejectedRows } = result;
          assert.ok(rows >= 0 && rejectedRows <= rows);
          if (rejectedRows > 0 && mode !== 'partial') {
            assert.deepEqual([inserted, updated, unchanged], [0, 0, 0]);
          } else {
            assert.equal(inserted + updated + unchanged + rejectedRows, rows);
          }
          for (const e of result.rejected) assert.ok(e.row >= 2 && e.reason.length > 0);
          if (mode === 'dry-run' || (rejectedRows > 0 && mode !== 'partial')) {
            assert.deepEqual(await dumpLedger(db()), before);
          }
        },
      ),
      // long mode: DUNWELL_FUZZ_RUNS (npm run test:fuzz), replayable with DUNWELL_FUZZ_SEED
      {
        numRuns: Number(process.env.DUNWELL_FUZZ_RUNS ?? '') || 200,
        seed: Number(process.env.DUNWELL_FUZZ_SEED ?? '') || 20261125,
      },
    );
    // the generators must exercise both outcomes, or the property proves little
    assert.ok(results > 20 && userErrors > 5, `results ${results}, user errors ${userErrors}`);
  });

  it('an unclosed quote swallowing a huge file is a clear error, not a memory blow-up', async () => {
    const before = await dumpLedger(db());
    const huge = `number,customer_external_id,issue_date,amount\nA,C1,2024-01-01,"${'y'.repeat(MAX_RECORD_BYTES + 10)}\n`;
    await assert.rejects(importCsv(db(), 'invoices', huge, opts), (e: unknown) => {
      return e instanceof UserError && /row 2 .*larger than 4 MB/.test(e.message);
    });
    assert.deepEqual(await dumpLedger(db()), before);
  });

  it('names the encoding problem: UTF-16, Latin-1, a spreadsheet workbook', async () => {
    const cases: [Buffer, RegExp][] = [
      [Buffer.from('\uFEFFnumber', 'utf16le'), /UTF-16/],
      [
        Buffer.from('number,customer_external_id,issue_date,amount\nA,C1,2024-01-01,1\nMüller\n', 'latin1'),
        /not UTF-8/,
      ],
      [Buffer.from('PK\u0003\u0004rest'), /Excel workbook/],
    ];
    for (const [bytes, pattern] of cases) {
      await assert.rejects(importCsv(db(), 'invoices', Readable.from([bytes]), opts), pattern);
    }
  });
});

/** Splits a file into random-sized chunks, so multi-byte characters straddle chunk edges. */
function* chunks(bytes: Buffer): Generator<Buffer> {
  let at = 0;
  let size = 1;
  while (at < bytes.length) {
    yield bytes.subarray(at, at + size);
    at += size;
    size = (size * 7 + 3) % 4093 || 1;
  }
}
