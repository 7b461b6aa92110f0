// The import's CSV reader splits quote-free text itself (PlainCsvSplitter, the fast path) and
// hands the rest to csv-parse from the first quote on. Whatever the text and however it is cut
// into chunks, it must return exactly the records csv-parse returns for the whole text with
// the same options — or fail where csv-parse fails.
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { detectDelimiter, PlainCsvSplitter } from '../../src/ledger/csv.ts';
import { readCsvRecords } from '../../src/ledger/import/reader.ts';
import { UserError } from '../../src/platform/errors.ts';

function reference(text: string): string[][] | 'error' {
  try {
    return parse(text, {
      delimiter: detectDelimiter(text),
      relax_column_count: true,
      relax_quotes: true,
      trim: true,
      max_record_size: 4 * 1024 * 1024,
    }) as string[][];
  } catch {
    return 'error';
  }
}

async function read(chunks: string[], batchSize: number): Promise<string[][] | 'error'> {
  const out: string[][] = [];
  try {
    for await (const batch of readCsvRecords(Readable.from(chunks, { objectMode: true }), batchSize)) {
      assert.ok(batch.length > 0 && batch.length <= batchSize + 1024);
      out.push(...batch);
    }
    return out;
  } catch (err) {
    assert.ok(err instanceof UserError, String(err));
    return 'error';
  }
}

/** Cuts `text` at the given fractions. */
function cut(text: string, at: number[]): string[] {
  const points = [...new Set(at.map((f) => Math.floor(f * text.length)))].sort((a, b) => a - b);
  const out: string[] = [];
  let prev = 0;
  for (const p of points) {
    if (p > prev) out.push(text.slice(prev, p));
    prev = Math.max(prev, p);
  }
  if (prev < text.length) out.push(text.slice(prev));
  return out;
}

const piece = fc.constantFrom(
  'a',
  'bc',
  '12.50',
  ' ',
  '\t',
  ',',
  ';',
  '\n',
  '\r',
  '\r\n',
  '\u00a0',
  '\u3000',
  'é',
  '"',
  '""',
  ' "x" ',
);
const text = (quotes: boolean) =>
  fc
    .tuple(
      fc.constantFrom('h1,h2;h3\n', 'h1,h2\r\n', 'h1;h2\r', ''),
      fc.array(quotes ? piece : piece.filter((p) => !p.includes('"')), { maxLength: 60 }),
    )
    .map(([header, parts]) => header + parts.join(''));

describe('import CSV reader: fast path equals csv-parse', () => {
  it('quote-free text, any chunking and batch size: the same records', async () => {
    await fc.assert(
      fc.asyncProperty(
        text(false),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 6 }),
        fc.integer({ min: 1, max: 5 }),
        async (t, at, batchSize) => {
          assert.deepEqual(await read(cut(t, at), batchSize), reference(t));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('text with quotes (handed to csv-parse mid-file): the same records, or both fail', async () => {
    await fc.assert(
      fc.asyncProperty(
        text(true),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 6 }),
        async (t, at) => {
          assert.deepEqual(await read(cut(t, at), 3), reference(t));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('a CR at a chunk end waits for the next chunk to tell CR LF from CR', async () => {
    assert.deepEqual(await read(['h1,h2\r', '\na,b\r', '\nc,d'], 10), [
      ['h1', 'h2'],
      ['a', 'b'],
      ['c', 'd'],
    ]);
    assert.deepEqual(await read(['h1,h2\r', 'a,b\rc'], 10), [['h1', 'h2'], ['a', 'b'], ['c']]);
  });

  it('an error after the fast path names the row and line in the whole file', async () => {
    const rows = Array.from({ length: 50 }, (_, i) => `r${i},x\n`).join('');
    assert.equal(await read([`h1,h2\n${rows}bad,"open\n`], 7), 'error');
    try {
      for await (const _ of readCsvRecords(`h1,h2\n${rows}bad,"open\nmore\n`)) {
        // drain
      }
      assert.fail('expected an error');
    } catch (err) {
      assert.ok(err instanceof UserError);
      assert.match(err.message, /^row 52 \(line \d+\): a quoted field is never closed/);
    }
  });

  it('the splitter alone: an empty line is one empty field, a blank last line is no record', () => {
    const s = new PlainCsvSplitter(',', 1000);
    const out: string[][] = [];
    assert.equal(s.feed('a, b\n\n c ,\n  ', out), null);
    s.end(out);
    assert.deepEqual(out, [['a', 'b'], [''], ['c', '']]);
    assert.equal(s.recordDelimiter, '\n');
  });
});
