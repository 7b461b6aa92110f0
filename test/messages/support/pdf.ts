/**
 * Reading the PDFs our renderers write, for tests. With Poppler's `pdftotext` installed (CI),
 * text comes from it; without it, from a small reader that knows exactly what pdfkit writes:
 * Flate-compressed content streams, Type0 fonts with Identity-H encoding and a ToUnicode
 * CMap. Either way the structure is checked too: header, trailer, page tree, embedded fonts.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';

export interface PdfInspection {
  /** pages listed in the page tree */
  pages: number;
  /** BaseFont names of the embedded fonts (subset prefix removed) */
  embeddedFonts: string[];
  /** the text of each page, lines top to bottom */
  pageTexts: string[];
  /** which reader produced the text */
  textSource: 'pdftotext' | 'built-in';
}

let pdftotext: boolean | undefined;
export function hasPdftotext(): boolean {
  pdftotext ??= spawnSync('which', ['pdftotext']).status === 0;
  return pdftotext;
}

function objects(pdf: string): Map<number, string> {
  const map = new Map<number, string>();
  for (const m of pdf.matchAll(/(\d+) 0 obj\s*([\s\S]*?)endobj/g)) map.set(Number(m[1]), m[2]!);
  return map;
}

function streamOf(body: string): Buffer {
  const m = /stream\r?\n([\s\S]*?)\r?\nendstream/.exec(body);
  if (!m) throw new Error('object has no stream');
  const raw = Buffer.from(m[1]!, 'latin1');
  return /\/FlateDecode/.test(body) ? inflateSync(raw) : raw;
}

/** glyph id → text, from a ToUnicode CMap (bfchar and bfrange, both forms). */
function parseCmap(cmap: string): Map<number, string> {
  const map = new Map<number, string>();
  const hexText = (spaced: string) => {
    // a ligature maps to several characters: <0066 0066>
    const hex = spaced.replace(/\s+/g, '');
    let s = '';
    for (let i = 0; i < hex.length; i += 4)
      s += String.fromCharCode(Number.parseInt(hex.slice(i, i + 4), 16));
    return s;
  };
  for (const block of cmap.matchAll(/beginbfchar([\s\S]*?)endbfchar/g)) {
    for (const m of block[1]!.matchAll(/<([0-9a-fA-F]+)>\s*<([0-9a-fA-F\s]+)>/g)) {
      map.set(Number.parseInt(m[1]!, 16), hexText(m[2]!));
    }
  }
  for (const block of cmap.matchAll(/beginbfrange([\s\S]*?)endbfrange/g)) {
    for (const m of block[1]!.matchAll(
      /<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*(\[[^\]]*\]|<[0-9a-fA-F]+>)/g,
    )) {
      const lo = Number.parseInt(m[1]!, 16);
      const hi = Number.parseInt(m[2]!, 16);
      const target = m[3]!;
      if (target.startsWith('[')) {
        const items = [...target.matchAll(/<([0-9a-fA-F\s]+)>/g)].map((x) => hexText(x[1]!));
        for (let g = lo; g <= hi; g++) map.set(g, items[g - lo] ?? '');
      } else {
        const start = Number.parseInt(target.slice(1, -1), 16);
        for (let g = lo; g <= hi; g++) map.set(g, String.fromCharCode(start + g - lo));
      }
    }
  }
  return map;
}

function builtInText(objs: Map<number, string>, pageIds: number[]): string[] {
  const cmaps = new Map<number, Map<number, string>>();
  const fontCmap = (fontId: number) => {
    let cmap = cmaps.get(fontId);
    if (!cmap) {
      const ref = /\/ToUnicode (\d+) 0 R/.exec(objs.get(fontId) ?? '');
      cmap = ref ? parseCmap(streamOf(objs.get(Number(ref[1]))!).toString('latin1')) : new Map();
      cmaps.set(fontId, cmap);
    }
    return cmap;
  };
  return pageIds.map((pageId) => {
    const page = objs.get(pageId)!;
    const resources = /\/Resources (\d+) 0 R/.exec(page);
    const resBody = resources ? objs.get(Number(resources[1]))! : page;
    const fonts = new Map<string, number>();
    const fontDict = /\/Font <<([\s\S]*?)>>/.exec(resBody);
    for (const m of (fontDict?.[1] ?? '').matchAll(/\/(\w+) (\d+) 0 R/g)) fonts.set(m[1]!, Number(m[2]));
    const contents = /\/Contents (\d+) 0 R/.exec(page);
    const content = streamOf(objs.get(Number(contents![1]))!).toString('latin1');
    const runs: { x: number; y: number; text: string }[] = [];
    let x = 0;
    let y = 0;
    let cmap = new Map<number, string>();
    for (const m of content.matchAll(
      /1 0 0 1 ([\d.-]+) ([\d.-]+) Tm|\/(\w+) [\d.]+ Tf|\[((?:<[0-9a-fA-F]*>|[\s\d.-])*)\] TJ|<([0-9a-fA-F]*)> Tj/g,
    )) {
      if (m[1] !== undefined) {
        x = Number(m[1]);
        y = Number(m[2]);
      } else if (m[3] !== undefined) cmap = fontCmap(fonts.get(m[3])!);
      else {
        const hex =
          m[4] !== undefined ? [...m[4].matchAll(/<([0-9a-fA-F]*)>/g)].map((h) => h[1]!).join('') : m[5]!;
        let text = '';
        for (let i = 0; i < hex.length; i += 4)
          text += cmap.get(Number.parseInt(hex.slice(i, i + 4), 16)) ?? '\uFFFD';
        runs.push({ x, y, text });
      }
    }
    const lines = new Map<number, { x: number; text: string }[]>();
    for (const r of runs) {
      const key = Math.round(r.y);
      const line = lines.get(key) ?? [];
      line.push({ x: r.x, text: r.text });
      lines.set(key, line);
    }
    return [...lines.entries()]
      .sort((a, b) => b[0] - a[0])
      .map(([, rs]) =>
        rs
          .sort((a, b) => a.x - b.x)
          .map((r) => r.text)
          .join(' '),
      )
      .join('\n');
  });
}

function popplerText(bytes: Buffer, pages: number): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'dunwell-pdf-'));
  try {
    const file = join(dir, 'doc.pdf');
    writeFileSync(file, bytes);
    const out: string[] = [];
    for (let p = 1; p <= pages; p++) {
      out.push(
        execFileSync('pdftotext', ['-layout', '-f', String(p), '-l', String(p), file, '-'], {
          encoding: 'utf8',
        }),
      );
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function inspectPdf(bytes: Buffer): PdfInspection {
  const pdf = bytes.toString('latin1');
  if (!pdf.startsWith('%PDF-')) throw new Error('not a PDF: no %PDF- header');
  if (!/%%EOF\s*$/.test(pdf)) throw new Error('not a complete PDF: no %%EOF at the end');
  const objs = objects(pdf);
  const tree = [...objs.values()].find((b) => /\/Type \/Pages\b/.test(b));
  if (!tree) throw new Error('no page tree');
  const count = Number(/\/Count (\d+)/.exec(tree)?.[1]);
  const kids = [...(/\/Kids \[([^\]]*)\]/.exec(tree)?.[1] ?? '').matchAll(/(\d+) 0 R/g)].map((m) =>
    Number(m[1]),
  );
  const pageObjects = [...objs.values()].filter((b) => /\/Type \/Page\b/.test(b)).length;
  if (kids.length !== count || pageObjects !== count) {
    throw new Error(
      `page tree says ${count} pages, lists ${kids.length}, file has ${pageObjects} page objects`,
    );
  }
  const embeddedFonts = [...objs.values()]
    .filter((b) => /\/Type \/FontDescriptor/.test(b) && /\/FontFile2 \d+ 0 R/.test(b))
    .map((b) => /\/FontName \/(?:[A-Z]{6}\+)?([\w-]+)/.exec(b)?.[1] ?? '?');
  const textSource = hasPdftotext() ? 'pdftotext' : 'built-in';
  const pageTexts = textSource === 'pdftotext' ? popplerText(bytes, count) : builtInText(objs, kids);
  return { pages: count, embeddedFonts: [...new Set(embeddedFonts)].sort(), pageTexts, textSource };
}
