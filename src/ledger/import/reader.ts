/**
 * Reads a CSV file as a stream of records with bounded memory: checks that it is UTF-8 text
 * (a BOM is dropped), detects ',' or ';' from the header line and hands the text to csv-parse.
 * Structural problems (binary data, another encoding, broken quoting) are file-level
 * UserErrors that say where and what to do.
 */
import { CsvError, parse } from 'csv-parse';
import { UserError } from '../../platform/errors.ts';
import { type CsvDelimiter, detectDelimiter, PlainCsvSplitter, type RecordDelimiter } from '../csv.ts';

/** A record larger than this is almost always an unclosed quote swallowing the file. */
export const MAX_RECORD_BYTES = 4 * 1024 * 1024;

async function* chunksOf(input: NodeJS.ReadableStream | string): AsyncGenerator<Uint8Array | string> {
  if (typeof input === 'string') {
    yield input;
    return;
  }
  for await (const chunk of input as AsyncIterable<Uint8Array | string>) yield chunk;
}

/** Decodes UTF-8 strictly, chunk by chunk, and drops a leading BOM. */
async function* decodedText(input: NodeJS.ReadableStream | string): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  let first = true;
  let offset = 0;
  for await (const chunk of chunksOf(input)) {
    if (typeof chunk === 'string') {
      let text = chunk;
      if (first && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      if (first) sniff(text.slice(0, 8192));
      first = false;
      yield text;
      continue;
    }
    if (first && chunk.length >= 2) {
      if ((chunk[0] === 0xff && chunk[1] === 0xfe) || (chunk[0] === 0xfe && chunk[1] === 0xff)) {
        throw new UserError('is UTF-16 text; save it as UTF-8 ("CSV UTF-8" in Excel) and import again');
      }
      if (chunk[0] === 0x50 && chunk[1] === 0x4b) {
        throw new UserError(
          'is a ZIP archive or an Excel workbook, not CSV; save it as "CSV UTF-8" and import again',
        );
      }
    }
    let text: string;
    try {
      text = decoder.decode(chunk, { stream: true });
    } catch {
      throw new UserError(
        `is not UTF-8 text (invalid byte sequence near byte ${offset + firstInvalidByte(chunk)}); ` +
          'save it as UTF-8 ("CSV UTF-8" in Excel) and import again',
      );
    }
    offset += chunk.length;
    if (first) sniff(text.slice(0, 8192));
    first = false;
    if (text !== '') yield text;
  }
  try {
    const rest = decoder.decode();
    if (rest !== '') yield rest;
  } catch {
    throw new UserError(
      'is not UTF-8 text (it ends in the middle of a character); save it as UTF-8 and import again',
    );
  }
}

function firstInvalidByte(chunk: Uint8Array): number {
  const probe = new TextDecoder('utf-8', { fatal: true });
  let lo = 0;
  let hi = chunk.length;
  // binary search for the longest valid prefix (a truncated multi-byte tail counts as valid)
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    try {
      probe.decode(chunk.subarray(0, mid), { stream: true });
      lo = mid;
    } catch {
      hi = mid - 1;
    }
  }
  return lo;
}

function sniff(start: string): void {
  if (start.includes('\u0000')) {
    throw new UserError(
      'contains NUL bytes, so it is not a CSV text file; export it as CSV (UTF-8) and import again',
    );
  }
}

/**
 * Waits for the header line (or the end of input) before choosing the separator, then
 * replays the buffered text to the parser.
 */
async function* withDelimiter(
  text: AsyncGenerator<string>,
  found: (delimiter: CsvDelimiter) => void,
): AsyncGenerator<string> {
  let buffered = '';
  let decided = false;
  for await (const chunk of text) {
    if (decided) {
      yield chunk;
      continue;
    }
    buffered += chunk;
    if (/[\r\n]/.test(buffered) || buffered.length > 65536) {
      found(detectDelimiter(buffered));
      decided = true;
      yield buffered;
      buffered = '';
    }
  }
  if (!decided) {
    found(detectDelimiter(buffered));
    if (buffered !== '') yield buffered;
  }
}

/** `before`: records (= lines) the fast path returned before csv-parse took over. */
function describeCsvError(err: CsvError, before: number): string {
  const info = err as CsvError & { records?: number; lines?: number };
  const row = before + (info.records ?? 0) + 1;
  const where = `row ${row} (line ${info.lines === undefined ? '?' : before + info.lines})`;
  switch (err.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return `${where}: a quoted field is never closed; close the quote or remove it`;
    case 'CSV_INVALID_CLOSING_QUOTE':
      return `${where}: text follows a closing quote; double quotes inside a quoted field ("")`;
    case 'CSV_MAX_RECORD_SIZE':
      return `${where}: a row is larger than ${MAX_RECORD_BYTES / 1024 / 1024} MB (an unclosed quote?); fix the quoting`;
    default:
      return `${where}: malformed CSV (${err.message}); fix the file and import again`;
  }
}

/** Lines longer than this (in characters) leave the fast path, so csv-parse applies its size limit. */
const MAX_PLAIN_LINE = MAX_RECORD_BYTES / 4;

/**
 * The records of a CSV input, header first, each an array of raw field strings, in batches
 * of up to `batchSize` records (a big file is millions of records: one await per batch, not
 * per record). Text without quotes is split by PlainCsvSplitter (../csv.ts); from the first
 * quote on, csv-parse reads the rest.
 */
export async function* readCsvRecords(
  input: NodeJS.ReadableStream | string,
  batchSize = 512,
): AsyncGenerator<string[][]> {
  let delimiter: CsvDelimiter = ',';
  const text = withDelimiter(decodedText(input), (d) => {
    delimiter = d;
  });
  let splitter: PlainCsvSplitter | null = null;
  let batch: string[][] = [];
  let handoff: string | null = null;
  let stopped = true;
  try {
    for (;;) {
      const next = await text.next();
      if (next.done) break;
      splitter ??= new PlainCsvSplitter(delimiter, MAX_PLAIN_LINE);
      handoff = splitter.feed(next.value, batch);
      if (batch.length >= batchSize || (handoff !== null && batch.length > 0)) {
        yield batch;
        batch = [];
      }
      if (handoff !== null) break;
    }
    stopped = false;
  } finally {
    // the consumer gave up (or reading failed): release the input stream
    if (stopped) await text.return(undefined);
  }
  if (handoff === null) {
    splitter?.end(batch);
    if (batch.length > 0) yield batch;
    return;
  }
  yield* parseRest(
    handoff,
    text,
    delimiter,
    splitter?.recordDelimiter ?? null,
    splitter?.records ?? 0,
    batchSize,
  );
}

/** csv-parse over `first` and the rest of `text`, in batches. */
async function* parseRest(
  first: string,
  text: AsyncGenerator<string>,
  delimiter: CsvDelimiter,
  recordDelimiter: RecordDelimiter | null,
  before: number,
  batchSize: number,
): AsyncGenerator<string[][]> {
  const parser = parse({
    delimiter,
    relax_column_count: true,
    relax_quotes: true,
    trim: true,
    max_record_size: MAX_RECORD_BYTES,
    ...(recordDelimiter ? { record_delimiter: recordDelimiter } : {}),
  });
  const feed = async () => {
    try {
      let chunk: string | undefined = first;
      while (chunk !== undefined && !parser.destroyed) {
        if (!parser.write(chunk)) await onceDrained(parser);
        const next = await text.next();
        chunk = next.done ? undefined : next.value;
      }
      if (!parser.destroyed) parser.end();
      // stopped early (the reader gave up): release the input stream
      else await text.return(undefined);
    } catch (err) {
      parser.destroy(err as Error);
    }
  };
  let ended = false;
  let failure: Error | null = null;
  let wake: (() => void) | null = null;
  const signal = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  parser.on('readable', signal);
  parser.once('end', () => {
    ended = true;
    signal();
  });
  parser.once('error', (err: Error) => {
    failure = err;
    signal();
  });
  parser.once('close', () => {
    ended = true;
    signal();
  });
  void feed();
  try {
    let batch: string[][] = [];
    for (;;) {
      if (failure) throw failure;
      let record: string[] | null = parser.read() as string[] | null;
      while (record !== null) {
        batch.push(record);
        if (batch.length >= batchSize) {
          yield batch;
          batch = [];
        }
        record = parser.read() as string[] | null;
      }
      if (failure) throw failure;
      if (ended) break;
      if (batch.length > 0) {
        yield batch;
        batch = [];
        continue;
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
    if (batch.length > 0) yield batch;
  } catch (err) {
    if (err instanceof CsvError) throw new UserError(describeCsvError(err, before));
    throw err;
  } finally {
    parser.destroy();
  }
}

function onceDrained(stream: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (err?: Error) => {
      stream.off('drain', onDrain);
      stream.off('close', onDrain);
      stream.off('error', done);
      if (err) reject(err);
      else resolve();
    };
    const onDrain = () => done();
    stream.once('drain', onDrain);
    stream.once('close', onDrain);
    stream.once('error', done);
  });
}
