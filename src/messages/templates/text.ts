/**
 * Plain text from rendered HTML, for templates that do not write their own text part. Pure.
 *
 * Small and predictable rather than complete: layout tables (MJML marks them
 * role="presentation") are transparent; data tables become aligned columns; links keep their
 * address (`Pay now <https://…>`); paragraphs, headings, list items and line breaks become
 * line breaks; head, style, script and comments are dropped; entities are decoded. No-break
 * spaces are kept, so an amount like "1 234,50 €" never wraps in a plain-text reader.
 */

const BLOCK = new Set([
  'address',
  'article',
  'blockquote',
  'center',
  'div',
  'footer',
  'header',
  'hr',
  'main',
  'ol',
  'section',
  'ul',
]);
const PARAGRAPH = new Set(['p', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6']);

const NAMED: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: '\u00a0',
  ndash: '–',
  mdash: '—',
  hellip: '…',
  euro: '€',
  pound: '£',
  yen: '¥',
  copy: '©',
  reg: '®',
  middot: '·',
  bull: '•',
  lsquo: '‘',
  rsquo: '’',
  ldquo: '“',
  rdquo: '”',
  laquo: '«',
  raquo: '»',
  zwnj: '',
  zwj: '',
  shy: '',
};

export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name[0] === '#') {
      const code =
        name[1] === 'x' || name[1] === 'X' ? Number.parseInt(name.slice(2), 16) : Number(name.slice(1));
      return Number.isInteger(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return NAMED[name.toLowerCase()] ?? whole;
  });
}

interface Cell {
  text: string;
  span: number;
  right: boolean;
}

interface TableState {
  data: boolean;
  rows: Cell[][];
  row: Cell[] | null;
  cell: { parts: string[]; span: number; right: boolean } | null;
}

function attr(attrs: string, name: string): string | null {
  const m = new RegExp(`(?:^|\\s)${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s>]+))`, 'i').exec(attrs);
  return m ? decodeEntities(m[1] ?? m[2] ?? m[3] ?? '') : null;
}

function isRightAligned(attrs: string): boolean {
  return (
    attr(attrs, 'align')?.toLowerCase() === 'right' ||
    /text-align\s*:\s*right/i.test(attr(attrs, 'style') ?? '')
  );
}

function formatTable(rows: readonly Cell[][]): string {
  const columns = Math.max(0, ...rows.map((r) => r.reduce((n, c) => n + c.span, 0)));
  const widths = new Array<number>(columns).fill(0);
  for (const row of rows) {
    let col = 0;
    for (const cell of row) {
      if (cell.span === 1) widths[col] = Math.max(widths[col] ?? 0, cell.text.length);
      col += cell.span;
    }
  }
  const lines: string[] = [];
  for (const row of rows) {
    if (row.every((c) => c.text === '')) continue;
    // a row that is one cell across the table heads a group: set it off with a blank line
    if (row.length === 1 && columns > 1 && row[0]!.span >= columns && lines.length > 0) lines.push('');
    let col = 0;
    const out: string[] = [];
    row.forEach((cell, i) => {
      let width = 0;
      for (let k = col; k < col + cell.span; k++) width += widths[k] ?? 0;
      width += 2 * (cell.span - 1);
      const last = i === row.length - 1;
      out.push(cell.right ? cell.text.padStart(width) : last ? cell.text : cell.text.padEnd(width));
      col += cell.span;
    });
    lines.push(out.join('  ').trimEnd());
  }
  return lines.join('\n');
}

export function htmlToText(html: string): string {
  const cleaned = html
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/<![^>]*>/g, '')
    .replace(/<(head|style|script|title)\b[\s\S]*?<\/\1\s*>/gi, '');
  const out: string[] = [];
  const tables: TableState[] = [];
  const links: { href: string; start: number; sink: string[] }[] = [];

  /** Text goes into the innermost data-table cell, else the main output. */
  const sink = (): string[] => {
    for (let i = tables.length - 1; i >= 0; i--) {
      const t = tables[i]!;
      if (t.data) return t.cell?.parts ?? [];
    }
    return out;
  };
  const breakLine = (count: 1 | 2) => sink().push(count === 2 ? '\n\n' : '\n');

  // an element hidden with display:none (MJML's preview line) is skipped with its content
  let hidden: { name: string; depth: number } | null = null;
  const tokens = /<(\/?)([a-zA-Z][a-zA-Z0-9]*)\b([^>]*)>|([^<]+|<)/g;
  for (let m = tokens.exec(cleaned); m !== null; m = tokens.exec(cleaned)) {
    const [, closing, rawName, attrs = '', text] = m;
    if (hidden) {
      if (rawName?.toLowerCase() === hidden.name && !attrs.endsWith('/')) {
        hidden.depth += closing === '/' ? -1 : 1;
        if (hidden.depth === 0) hidden = null;
      }
      continue;
    }
    if (
      rawName &&
      closing !== '/' &&
      !attrs.endsWith('/') &&
      /display\s*:\s*none/i.test(attr(attrs, 'style') ?? '')
    ) {
      hidden = { name: rawName.toLowerCase(), depth: 1 };
      continue;
    }
    if (text !== undefined) {
      const collapsed = decodeEntities(text.replace(/[ \t\r\n\f]+/g, ' '));
      if (collapsed !== '') sink().push(collapsed);
      continue;
    }
    const name = rawName!.toLowerCase();
    const isClose = closing === '/';
    if (name === 'table') {
      if (!isClose) {
        tables.push({ data: attr(attrs, 'role') !== 'presentation', rows: [], row: null, cell: null });
      } else {
        const table = tables.pop();
        if (table?.data) {
          const target = sink();
          target.push('\n', formatTable(table.rows), '\n\n');
        } else breakLine(1);
      }
      continue;
    }
    const table = tables[tables.length - 1];
    if (table?.data && (name === 'tr' || name === 'td' || name === 'th')) {
      if (name === 'tr') {
        if (!isClose) table.row = [];
        else if (table.row) {
          table.rows.push(table.row);
          table.row = null;
        }
      } else if (!isClose) {
        table.row ??= [];
        table.cell = {
          parts: [],
          span: Math.max(1, Number(attr(attrs, 'colspan') ?? 1) || 1),
          right: isRightAligned(attrs),
        };
      } else if (table.cell) {
        const text = table.cell.parts
          .join('')
          .replace(/[ \t\r\n\f]+/g, ' ')
          .trim();
        table.row ??= [];
        table.row.push({ text, span: table.cell.span, right: table.cell.right });
        table.cell = null;
      }
      continue;
    }
    if (name === 'br') breakLine(1);
    else if (PARAGRAPH.has(name)) breakLine(2);
    else if (name === 'li') {
      if (!isClose) sink().push('\n- ');
    } else if (BLOCK.has(name) || name === 'tr') breakLine(1);
    else if (name === 'img' && !isClose) {
      const alt = attr(attrs, 'alt');
      if (alt) sink().push(alt);
    } else if (name === 'a') {
      if (!isClose) {
        const target = sink();
        links.push({ href: attr(attrs, 'href') ?? '', start: target.length, sink: target });
      } else {
        const link = links.pop();
        if (link && /^(https?:|mailto:)/i.test(link.href)) {
          while (link.sink.length > link.start && /^[ \t\r\n\f]*$/.test(link.sink[link.sink.length - 1]!)) {
            link.sink.pop();
          }
          if (link.sink.length > link.start) {
            link.sink[link.sink.length - 1] = link.sink[link.sink.length - 1]!.replace(/[ \t\r\n\f]+$/, '');
          }
          const label = link.sink.slice(link.start).join('').trim();
          const address = link.href.replace(/^mailto:/i, '');
          if (label !== address && label !== link.href)
            link.sink.push(label === '' ? address : ` <${address}>`);
        }
      }
    }
  }
  return out
    .join('')
    .split('\n')
    .map((line) => line.replace(/^[ \t]+|[ \t]+$/g, ''))
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
