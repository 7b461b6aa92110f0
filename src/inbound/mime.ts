/**
 * A small, tolerant walker over the raw MIME structure. mailparser gives us decoded text, html,
 * addresses and attachments, but it folds `message/delivery-status` into `text` and does not
 * expose the headers of an attached original message; bounce classification needs both, so
 * this walker finds the report parts itself. Pure: bytes in, parts out. It never throws on
 * malformed input and is bounded (depth, part count, bytes scanned) so hostile messages cannot
 * make it hang.
 */

export interface RawHeader {
  readonly name: string;
  readonly value: string;
}

export interface MimePart {
  readonly contentType: string;
  readonly params: Readonly<Record<string, string>>;
  readonly headers: readonly RawHeader[];
  /** Decoded body for text-like parts (text/*, message/*); '' for binary or multipart parts. */
  readonly text: string;
  readonly size: number;
  readonly depth: number;
  readonly filename: string | null;
}

export interface MimeTree {
  readonly headers: readonly RawHeader[];
  /** Every leaf part in document order (multipart containers are not listed). */
  readonly parts: readonly MimePart[];
  /** Problems found while walking (too deep, missing boundary, unknown charset…). */
  readonly problems: readonly string[];
}

export const MAX_DEPTH = 24;
export const MAX_PARTS = 500;
/** Text-like parts larger than this are truncated before decoding: classification needs the start. */
const MAX_TEXT_BYTES = 2 * 1024 * 1024;

export function walkMime(raw: Uint8Array): MimeTree {
  const problems: string[] = [];
  const parts: MimePart[] = [];
  const source = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('latin1');
  const { headers, body } = splitEntity(source);
  walkEntity(headers, body, 0, parts, problems);
  return { headers, parts, problems };
}

/** Splits an entity (latin1 string, one char per byte) into its unfolded headers and body. */
export function splitEntity(entity: string): { headers: RawHeader[]; body: string } {
  const match = /\r?\n\r?\n/.exec(entity);
  let headerText: string;
  let body: string;
  if (match) {
    headerText = entity.slice(0, match.index);
    body = entity.slice(match.index + match[0].length);
  } else if (/^[\x21-\x39\x3b-\x7e]+:/.test(entity)) {
    headerText = entity;
    body = '';
  } else {
    headerText = '';
    body = entity;
  }
  return { headers: parseHeaderBlock(headerText), body };
}

export function parseHeaderBlock(text: string): RawHeader[] {
  const headers: RawHeader[] = [];
  let current: { name: string; value: string } | null = null;
  for (const line of text.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && current) {
      current.value += ` ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim();
    if (!/^[\x21-\x39\x3b-\x7e]+$/.test(name)) continue;
    if (current) headers.push(current);
    current = { name: name.toLowerCase(), value: line.slice(colon + 1).trim() };
  }
  if (current) headers.push(current);
  return headers;
}

export function headerValue(headers: readonly RawHeader[], name: string): string | undefined {
  return headers.find((h) => h.name === name)?.value;
}

/** `text/plain; charset="utf-8"` → type and lower-cased parameter names. */
export function parseContentType(value: string | undefined): {
  type: string;
  params: Record<string, string>;
} {
  if (!value) return { type: 'text/plain', params: {} };
  const [typePart = '', ...rest] = splitParams(value);
  const type = typePart.trim().toLowerCase() || 'text/plain';
  const params: Record<string, string> = {};
  for (const p of rest) {
    const eq = p.indexOf('=');
    if (eq <= 0) continue;
    const key = p.slice(0, eq).trim().toLowerCase();
    let v = p.slice(eq + 1).trim();
    if (v.startsWith('"') && v.endsWith('"') && v.length >= 2) v = v.slice(1, -1);
    params[key] = v;
  }
  return { type: type.includes('/') ? type : 'text/plain', params };
}

function splitParams(value: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (const ch of value) {
    if (ch === '"') quoted = !quoted;
    if (ch === ';' && !quoted) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

function walkEntity(
  headers: RawHeader[],
  body: string,
  depth: number,
  parts: MimePart[],
  problems: string[],
): void {
  if (parts.length >= MAX_PARTS) {
    if (!problems.includes('too many MIME parts')) problems.push('too many MIME parts');
    return;
  }
  const { type, params } = parseContentType(headerValue(headers, 'content-type'));
  const encoding = (headerValue(headers, 'content-transfer-encoding') ?? '').trim().toLowerCase();
  if (type.startsWith('multipart/')) {
    if (depth >= MAX_DEPTH) {
      problems.push(`MIME nesting deeper than ${MAX_DEPTH} levels; inner parts ignored`);
      return;
    }
    const boundary = params.boundary;
    if (!boundary) {
      problems.push(`${type} without a boundary; body read as text`);
      pushLeaf('text/plain', {}, headers, body, encoding, depth, parts, problems);
      return;
    }
    const children = splitMultipart(body, boundary);
    if (children.length === 0) {
      problems.push(`${type} boundary "${boundary}" not found; body read as text`);
      pushLeaf('text/plain', {}, headers, body, encoding, depth, parts, problems);
      return;
    }
    for (const child of children) {
      const entity = splitEntity(child);
      walkEntity(entity.headers, entity.body, depth + 1, parts, problems);
    }
    return;
  }
  pushLeaf(type, params, headers, body, encoding, depth, parts, problems);
}

function pushLeaf(
  type: string,
  params: Record<string, string>,
  headers: RawHeader[],
  body: string,
  encoding: string,
  depth: number,
  parts: MimePart[],
  problems: string[],
): void {
  const textLike = type.startsWith('text/') || type.startsWith('message/');
  let text = '';
  if (textLike) {
    const limited = body.length > MAX_TEXT_BYTES ? body.slice(0, MAX_TEXT_BYTES) : body;
    const bytes = decodeTransfer(limited, encoding);
    text = decodeCharset(bytes, params.charset, problems);
  }
  const disposition = parseContentType(headerValue(headers, 'content-disposition'));
  const filename = disposition.params.filename ?? params.name ?? null;
  parts.push({ contentType: type, params, headers, text, size: body.length, depth, filename });
}

function splitMultipart(body: string, boundary: string): string[] {
  const delimiter = `--${boundary}`;
  const out: string[] = [];
  let index = body.indexOf(delimiter);
  if (index < 0) return out;
  while (index >= 0) {
    const lineEnd = body.indexOf('\n', index);
    if (body.startsWith(`${delimiter}--`, index)) break;
    if (lineEnd < 0) break;
    const start = lineEnd + 1;
    let next = body.indexOf(`\n${delimiter}`, start);
    if (next < 0) next = body.length;
    let chunk = body.slice(start, next);
    if (chunk.endsWith('\r')) chunk = chunk.slice(0, -1);
    out.push(chunk);
    index = next < body.length ? next + 1 : -1;
    if (out.length > MAX_PARTS) break;
  }
  return out;
}

function decodeTransfer(body: string, encoding: string): Buffer {
  if (encoding === 'base64') return Buffer.from(body.replace(/[^A-Za-z0-9+/=]/g, ''), 'base64');
  if (encoding === 'quoted-printable') return decodeQuotedPrintable(body);
  return Buffer.from(body, 'latin1');
}

function decodeQuotedPrintable(body: string): Buffer {
  const soft = body.replace(/=\r?\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < soft.length; i++) {
    const ch = soft.charCodeAt(i);
    if (ch === 61 /* = */ && /^[0-9A-Fa-f]{2}$/.test(soft.slice(i + 1, i + 3))) {
      bytes.push(Number.parseInt(soft.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(ch & 0xff);
  }
  return Buffer.from(bytes);
}

export function decodeCharset(bytes: Uint8Array, charset: string | undefined, problems: string[]): string {
  const label = (charset ?? 'utf-8').trim().toLowerCase() || 'utf-8';
  // A 7-bit charset (us-ascii, iso-2022-*) cannot carry 8-bit bytes: such a body is almost
  // always UTF-8 with a wrong label.
  if (/^(us-ascii|ascii|iso-2022-)/.test(label) && bytes.some((b) => b > 0x7f)) {
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      // not UTF-8 either: fall through to the declared charset
    }
  }
  const candidates = label === 'us-ascii' || label === 'ascii' ? ['utf-8'] : [label];
  for (const c of candidates) {
    try {
      return new TextDecoder(c).decode(bytes);
    } catch {
      // fall through: an unknown or misspelt charset label
    }
  }
  const note = `unknown charset "${label.slice(0, 40)}"; read as UTF-8`;
  if (!problems.includes(note)) problems.push(note);
  return new TextDecoder('utf-8').decode(bytes);
}
