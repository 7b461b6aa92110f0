/**
 * Small pure CSV helpers shared by the importer and the benchmarks: separator detection for
 * files from spreadsheets (',' in most locales, ';' where ',' is the decimal mark) and the
 * writer for PostgreSQL `COPY … WITH (FORMAT csv)` input.
 */

export type CsvDelimiter = ',' | ';';

/**
 * Picks ',' or ';' from the header line: the one that occurs more often outside quotes.
 * A tie (a one-column file) is ','.
 */
export function detectDelimiter(headerLine: string): CsvDelimiter {
  let commas = 0;
  let semicolons = 0;
  let quoted = false;
  for (const ch of headerLine) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && ch === ',') commas++;
    else if (!quoted && ch === ';') semicolons++;
    else if (!quoted && (ch === '\n' || ch === '\r')) break;
  }
  return semicolons > commas ? ';' : ',';
}

/** A value for COPY CSV: null is an unquoted empty field (SQL NULL); text is always quoted. */
export type CopyValue = string | number | boolean | null;

/**
 * Text is always quoted, so an empty string stays '' (not NULL) and a value such as `\.` can
 * never be read as COPY's end-of-data marker.
 */
export function copyField(value: CopyValue): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'boolean') return value ? 't' : 'f';
  // most text has no quote: skip the regex replace (an import formats millions of fields)
  return value.includes('"') ? `"${value.replace(/"/g, '""')}"` : `"${value}"`;
}

export function copyLine(values: readonly CopyValue[]): string {
  return copyLineAfter('', values);
}

/** `first` (already COPY text, e.g. a row number) followed by the values: one COPY line. */
export function copyLineAfter(first: string, values: readonly CopyValue[]): string {
  let line = first;
  for (let i = 0; i < values.length; i++) {
    if (i > 0 || first !== '') line += ',';
    line += copyField(values[i] ?? null);
  }
  return `${line}\n`;
}

/** A PostgreSQL array literal of text elements ('{"a","b \\"c\\""}'), for a text[] column. */
export function pgTextArray(items: readonly string[]): string {
  return `{${items.map((t) => `"${t.replace(/[\\"]/g, '\\$&')}"`).join(',')}}`;
}

export type RecordDelimiter = '\n' | '\r\n' | '\r';

/**
 * The fast path for reading CSV text that has no quote character: records split on the record
 * delimiter, fields on the separator, each field trimmed of white space. For such text this is
 * exactly what csv-parse returns with { trim, relax_column_count } (the same record delimiter
 * discovery — the first CR LF, LF or CR —, an empty line is one empty field, a last line
 * without a line break is a record unless it is only white space), at a fraction of the cost.
 * The reader hands the text to csv-parse from the record holding the first quote (or a line
 * longer than `maxLine`) on: quoting rules and error reports stay csv-parse's.
 */
export class PlainCsvSplitter {
  private pending = '';
  /** discovered from the first line break, as csv-parse does */
  recordDelimiter: RecordDelimiter | null = null;
  /** records returned so far (= lines: a plain record is one line) */
  records = 0;

  constructor(
    private readonly separator: string,
    private readonly maxLine: number,
  ) {}

  /**
   * Appends `text`, pushes the complete records to `out`. Returns null while the fast path
   * goes on, else the text (from the start of the record that stopped it) to parse otherwise.
   */
  feed(text: string, out: string[][]): string | null {
    const buf = this.pending === '' ? text : this.pending + text;
    this.pending = '';
    const quote = buf.indexOf('"');
    const scanEnd = quote === -1 ? buf.length : quote;
    if (this.recordDelimiter === null) {
      let i = 0;
      while (i < scanEnd && buf.charCodeAt(i) !== 10 && buf.charCodeAt(i) !== 13) i++;
      if (i === scanEnd) {
        if (quote !== -1 || buf.length > this.maxLine) return buf;
        this.pending = buf;
        return null;
      }
      if (buf.charCodeAt(i) === 13) {
        // CR as the last character so far: CR LF or CR is only known with the next text
        if (i + 1 === buf.length) {
          this.pending = buf;
          return null;
        }
        this.recordDelimiter = buf.charCodeAt(i + 1) === 10 ? '\r\n' : '\r';
      } else this.recordDelimiter = '\n';
    }
    const rd = this.recordDelimiter;
    let pos = 0;
    for (;;) {
      const end = buf.indexOf(rd, pos);
      if (end === -1 || end >= scanEnd) break;
      if (end - pos > this.maxLine) return buf.slice(pos);
      out.push(this.fields(buf.slice(pos, end)));
      pos = end + rd.length;
    }
    const rest = pos === 0 ? buf : buf.slice(pos);
    if (quote !== -1 || rest.length > this.maxLine) return rest;
    this.pending = rest;
    return null;
  }

  /** At the end of the input: the last line, if it is a record. */
  end(out: string[][]): void {
    const last = this.pending;
    this.pending = '';
    // a CR kept back to tell CR LF from CR ends the first record after all
    if (this.recordDelimiter === null && last.endsWith('\r')) {
      this.recordDelimiter = '\r';
      out.push(this.fields(last.slice(0, -1)));
      return;
    }
    if (last.includes(this.separator) || last.trim() !== '') out.push(this.fields(last));
  }

  private fields(line: string): string[] {
    this.records++;
    const fields = line.split(this.separator);
    for (let i = 0; i < fields.length; i++) fields[i] = fields[i]!.trim();
    return fields;
  }
}
