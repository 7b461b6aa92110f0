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
  return `"${value.replace(/"/g, '""')}"`;
}

export function copyLine(values: readonly CopyValue[]): string {
  let line = '';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) line += ',';
    line += copyField(values[i] ?? null);
  }
  return `${line}\n`;
}

/** A PostgreSQL array literal of text elements ('{"a","b \\"c\\""}'), for a text[] column. */
export function pgTextArray(items: readonly string[]): string {
  return `{${items.map((t) => `"${t.replace(/[\\"]/g, '\\$&')}"`).join(',')}}`;
}
