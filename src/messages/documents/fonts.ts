/**
 * The embedded font (DejaVu Sans), parsed once per process and shared by every document.
 *
 * pdfkit parses a font given as bytes again for every document, and its text layout (fontkit
 * shaping) and font subsetting then start cold each time: ~35 ms of CPU per statement PDF. So
 * each face is parsed once, and each document's pdfkit font object is given
 *
 * - the shared fontkit font. fontkit keeps one Glyph object per glyph id, created with the
 *   code points of whoever asked first, and pdfkit writes those code points into the PDF's
 *   ToUnicode map (what copy-paste and pdftotext read). Shared naively this goes wrong:
 *   fontkit's subsetter creates the components of an accented glyph (the "o" inside "ó")
 *   with no code points, so a later document maps its plain "o" to nothing and its text
 *   shifts ("xylophoqe" — the wrong text measured in an earlier attempt). Hence: the subsets
 *   are written by {@link TrueTypeSubset}, which never creates Glyph objects, and before any
 *   document uses a face the glyph of every character in its cmap is created once, in code
 *   point order (presentation forms excepted, see {@link isPresentationForm}), so which code
 *   points a glyph carries never depends on what a process rendered before.
 * - a shared word-layout cache (pdfkit keeps one per document): a layout depends only on the
 *   face and the word, never on the document, and pdfkit does not change cached runs.
 *   Bounded, since amounts and names vary without end.
 * - a per-document subset written by {@link TrueTypeSubset} from glyph records cached per
 *   face, instead of fontkit's subsetter, which decodes every glyph's outline again per
 *   document only to find the composite ones. New glyph ids are handed out in order of first
 *   use, as fontkit does, so pdfkit's width and ToUnicode tables keep their meaning. Hinting
 *   instructions are left out (see {@link withoutHinting}): PDFs about 40 % smaller.
 *
 * The hook-up relies on three fields of pdfkit's EmbeddedFont (`font`, `layoutCache`,
 * `subset`); {@link FontFace.attach} checks them and fails loudly if a pdfkit upgrade
 * changes them, and the document tests check text, glyph outlines and widths of the result.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

export interface FontkitGlyph {
  readonly id: number;
  readonly codePoints: number[];
  readonly advanceWidth: number;
  readonly path: { toSVG(): string };
}

/** The parts of a fontkit font this module, pdfkit and the tests use. */
export interface FontkitFont {
  readonly postscriptName: string;
  readonly numGlyphs: number;
  readonly characterSet: number[];
  readonly directory: { tables: Record<string, { offset: number; length: number } | undefined> };
  glyphForCodePoint(codePoint: number): FontkitGlyph;
  getGlyph(glyphId: number): FontkitGlyph;
  layout(text: string): { glyphs: FontkitGlyph[] };
}

const resolveFromHere = createRequire(import.meta.url);
// fontkit as pdfkit itself loads it (pdfkit's dependency, same version pdfkit uses)
const fontkit = createRequire(resolveFromHere.resolve('pdfkit'))('fontkit') as {
  create(bytes: Uint8Array): FontkitFont;
};

/** Parses a TrueType font with the fontkit pdfkit uses (tests read embedded subsets with it). */
export function openFont(bytes: Uint8Array): FontkitFont {
  return fontkit.create(bytes);
}

/** Word layouts kept per face before the cache starts over. */
export const LAYOUT_CACHE_WORDS = 20_000;

interface GlyphRecord {
  /** the glyph's bytes in the font's glyf table */
  readonly data: Buffer;
  /** composite glyphs: where each component's glyph id sits in `data`, and that id */
  readonly components: readonly { readonly at: number; readonly glyphId: number }[];
  readonly advance: number;
  readonly leftSideBearing: number;
}

export class FontFace {
  readonly font: FontkitFont;
  private readonly bytes: Buffer;
  private readonly glyphs = new Map<number, GlyphRecord>();
  private readonly tables: Record<string, { offset: number; length: number } | undefined>;
  private readonly longLoca: boolean;
  private readonly hMetrics: number;
  private layouts: Record<string, unknown> = Object.create(null);
  private layoutCount = 0;
  /** pdfkit reads and writes `layoutCache[word]`; this view bounds it. */
  readonly layoutCache: Record<string, unknown>;

  constructor(bytes: Buffer) {
    this.bytes = bytes;
    this.font = fontkit.create(bytes);
    // see the module comment: every mapped glyph gets its own code point, in a fixed order
    for (const codePoint of this.font.characterSet)
      if (!isPresentationForm(codePoint)) this.font.glyphForCodePoint(codePoint);
    this.tables = this.font.directory.tables;
    for (const tag of ['head', 'hhea', 'maxp', 'loca', 'glyf', 'hmtx'])
      if (!this.tables[tag]) throw new Error(`font ${this.font.postscriptName}: no ${tag} table`);
    this.longLoca = bytes.readInt16BE(this.table('head').offset + 50) === 1;
    this.hMetrics = bytes.readUInt16BE(this.table('hhea').offset + 34);
    this.layoutCache = new Proxy(Object.create(null) as Record<string, unknown>, {
      get: (_target, word) => (typeof word === 'string' ? this.layouts[word] : undefined),
      set: (_target, word, run) => {
        if (typeof word !== 'string') return false;
        if (this.layoutCount >= LAYOUT_CACHE_WORDS) {
          this.layouts = Object.create(null);
          this.layoutCount = 0;
        }
        if (!(word in this.layouts)) this.layoutCount++;
        this.layouts[word] = run;
        return true;
      },
    });
  }

  private table(tag: string): { offset: number; length: number } {
    return this.tables[tag]!;
  }

  /** A glyph's outline bytes, components and metrics, read once per face. */
  glyph(glyphId: number): GlyphRecord {
    let record = this.glyphs.get(glyphId);
    if (record) return record;
    if (!Number.isInteger(glyphId) || glyphId < 0 || glyphId >= this.font.numGlyphs)
      throw new RangeError(`font ${this.font.postscriptName} has no glyph ${glyphId}`);
    const b = this.bytes;
    const loca = this.table('loca').offset;
    const [start, end] = this.longLoca
      ? [b.readUInt32BE(loca + 4 * glyphId), b.readUInt32BE(loca + 4 * glyphId + 4)]
      : [b.readUInt16BE(loca + 2 * glyphId) * 2, b.readUInt16BE(loca + 2 * glyphId + 2) * 2];
    const glyf = this.table('glyf').offset;
    const { data, components } = withoutHinting(b.subarray(glyf + start, glyf + end));
    const hmtx = this.table('hmtx').offset;
    const metric = Math.min(glyphId, this.hMetrics - 1);
    const advance = b.readUInt16BE(hmtx + 4 * metric);
    const leftSideBearing =
      glyphId < this.hMetrics
        ? b.readInt16BE(hmtx + 4 * glyphId + 2)
        : b.readInt16BE(hmtx + 4 * this.hMetrics + 2 * (glyphId - this.hMetrics));
    record = { data, components, advance, leftSideBearing };
    this.glyphs.set(glyphId, record);
    return record;
  }

  /** The bytes of one of the font's tables, as they are. */
  rawTable(tag: string): Buffer | null {
    const t = this.tables[tag];
    return t ? this.bytes.subarray(t.offset, t.offset + t.length) : null;
  }

  /**
   * Gives the pdfkit font object pdfkit just created for this face in `doc` the shared
   * layout cache and a fresh subset of ours.
   */
  attach(doc: PDFKit.PDFDocument): void {
    const embedded = (doc as unknown as { _font?: Record<string, unknown> })._font;
    const subset = embedded?.subset as { includeGlyph?: unknown; cff?: unknown } | undefined;
    if (
      !embedded ||
      embedded.font !== this.font ||
      !('layoutCache' in embedded) ||
      typeof subset?.includeGlyph !== 'function' ||
      subset.cff != null
    ) {
      throw new Error(
        'pdfkit’s EmbeddedFont no longer has the font/layoutCache/subset fields this code uses',
      );
    }
    embedded.layoutCache = this.layoutCache;
    embedded.subset = new TrueTypeSubset(this);
  }
}

/**
 * A glyph's bytes without its TrueType hinting instructions, and where its components' glyph
 * ids are (composite glyphs). Hinting is half of DejaVu's glyph data and PDF readers rasterise
 * without it (as `pyftsubset --no-hinting` does), so the subsets leave it out.
 */
export function withoutHinting(glyph: Buffer): {
  data: Buffer;
  components: { at: number; glyphId: number }[];
} {
  const components: { at: number; glyphId: number }[] = [];
  if (glyph.length < 10) return { data: glyph, components }; // empty glyph (space)
  const contours = glyph.readInt16BE(0);
  if (contours >= 0) {
    // header, end points of contours, instruction length + instructions, flags and points
    const lengthAt = 10 + 2 * contours;
    const points = contours === 0 ? 0 : glyph.readUInt16BE(lengthAt - 2) + 1;
    const instructions = glyph.readUInt16BE(lengthAt);
    // the flags, then the x and y coordinates, whose sizes the flags give; what follows in
    // the font's glyf table is padding
    let at = lengthAt + 2 + instructions;
    let coordinates = 0;
    for (let point = 0; point < points; ) {
      const flags = glyph[at++]!;
      const repeat = flags & 0x08 ? glyph[at++]! + 1 : 1;
      const x = flags & 0x02 ? 1 : flags & 0x10 ? 0 : 2;
      const y = flags & 0x04 ? 1 : flags & 0x20 ? 0 : 2;
      coordinates += (x + y) * repeat;
      point += repeat;
    }
    const end = at + coordinates;
    if (end > glyph.length) throw new RangeError('glyph data shorter than its points');
    const data = Buffer.alloc(end - instructions);
    glyph.copy(data, 0, 0, lengthAt); // instruction length stays 0
    glyph.copy(data, lengthAt + 2, lengthAt + 2 + instructions, end);
    return { data, components };
  }
  // composite: flags, glyph index, arguments, optional transform; repeated; then instructions
  const data = Buffer.from(glyph);
  let at = 10;
  for (;;) {
    const flags = data.readUInt16BE(at);
    components.push({ at: at + 2, glyphId: data.readUInt16BE(at + 2) });
    data.writeUInt16BE(flags & ~0x0100, at); // WE_HAVE_INSTRUCTIONS off
    at += 4 + (flags & 0x0001 ? 4 : 2);
    if (flags & 0x0008) at += 2;
    else if (flags & 0x0040) at += 4;
    else if (flags & 0x0080) at += 8;
    if (!(flags & 0x0020)) break;
  }
  return { data: data.subarray(0, at), components };
}

/**
 * Ligature and contextual forms (ﬀ, ﬁ, Arabic letter forms) have code points too, but text
 * reaches them through shaping: left out of the warm-up, their glyphs are created by the
 * layout with the characters they stand for ("ff"), which is what a reader must extract.
 */
function isPresentationForm(codePoint: number): boolean {
  return (codePoint >= 0xfb00 && codePoint <= 0xfdff) || (codePoint >= 0xfe70 && codePoint <= 0xfeff);
}

function checksum(table: Buffer): number {
  let sum = 0;
  const whole = table.length - (table.length % 4);
  for (let i = 0; i < whole; i += 4) sum = (sum + table.readUInt32BE(i)) >>> 0;
  if (whole < table.length) {
    const tail = Buffer.alloc(4);
    table.copy(tail, 0, whole);
    sum = (sum + tail.readUInt32BE(0)) >>> 0;
  }
  return sum;
}

/**
 * A TrueType font holding the glyphs one document uses: glyph 0 (.notdef), then each glyph in
 * order of first use, then the components of composite glyphs. The tables a PDF reader needs
 * for an embedded TrueType font: head, hhea, maxp, loca, glyf and hmtx (fontkit's subsetter
 * writes these plus the hinting programs, which are left out here with the glyphs'
 * instructions). Same glyphs in, same bytes out.
 */
export class TrueTypeSubset {
  private readonly sourceIds: number[] = [];
  private readonly newIds = new Map<number, number>();

  constructor(private readonly face: FontFace) {
    this.includeGlyph(0);
  }

  /** The glyph's id in the subset (pdfkit writes these ids into the content stream). */
  includeGlyph(glyph: number | { id: number }): number {
    const id = typeof glyph === 'number' ? glyph : glyph.id;
    let newId = this.newIds.get(id);
    if (newId === undefined) {
      this.face.glyph(id); // refuses an id the font does not have, now rather than at the end
      newId = this.sourceIds.length;
      this.sourceIds.push(id);
      this.newIds.set(id, newId);
    }
    return newId;
  }

  encode(): Buffer {
    const offsets: number[] = [];
    let offset = 0;
    // components are appended while we go, so the length is read on every turn
    for (let i = 0; i < this.sourceIds.length; i++) {
      const record = this.face.glyph(this.sourceIds[i]!);
      for (const c of record.components) this.includeGlyph(c.glyphId);
      offsets.push(offset);
      offset += (record.data.length + 3) & ~3;
    }
    offsets.push(offset);
    const count = this.sourceIds.length;
    const glyf = Buffer.alloc(offset);
    const loca = Buffer.alloc(4 * offsets.length);
    const hmtx = Buffer.alloc(4 * count);
    for (let i = 0; i < count; i++) {
      const record = this.face.glyph(this.sourceIds[i]!);
      record.data.copy(glyf, offsets[i]);
      for (const c of record.components) glyf.writeUInt16BE(this.newIds.get(c.glyphId)!, offsets[i]! + c.at);
      loca.writeUInt32BE(offsets[i]!, 4 * i);
      hmtx.writeUInt16BE(record.advance, 4 * i);
      hmtx.writeInt16BE(record.leftSideBearing, 4 * i + 2);
    }
    loca.writeUInt32BE(offset, 4 * count);

    const head = Buffer.from(this.face.rawTable('head')!);
    head.writeUInt32BE(0, 8); // checkSumAdjustment, set below
    head.writeInt16BE(1, 50); // indexToLocFormat: long offsets
    const hhea = Buffer.from(this.face.rawTable('hhea')!);
    hhea.writeUInt16BE(count, 34); // numberOfHMetrics
    const maxp = Buffer.from(this.face.rawTable('maxp')!);
    maxp.writeUInt16BE(count, 4); // numGlyphs
    const tables = new Map<string, Buffer>([
      ['glyf', glyf],
      ['head', head],
      ['hhea', hhea],
      ['hmtx', hmtx],
      ['loca', loca],
      ['maxp', maxp],
    ]);
    const tags = [...tables.keys()].sort();

    // offset table and table directory, then the tables, each on a 4-byte boundary
    const numTables = tags.length;
    const entrySelector = Math.floor(Math.log2(numTables));
    const searchRange = 2 ** entrySelector * 16;
    const headerLength = 12 + 16 * numTables;
    let size = headerLength;
    for (const tag of tags) size += (tables.get(tag)!.length + 3) & ~3;
    const out = Buffer.alloc(size);
    out.writeUInt32BE(0x00010000, 0);
    out.writeUInt16BE(numTables, 4);
    out.writeUInt16BE(searchRange, 6);
    out.writeUInt16BE(entrySelector, 8);
    out.writeUInt16BE(numTables * 16 - searchRange, 10);
    let at = headerLength;
    let headAt = 0;
    tags.forEach((tag, i) => {
      const table = tables.get(tag)!;
      const entry = 12 + 16 * i;
      out.write(tag, entry, 4, 'latin1');
      out.writeUInt32BE(checksum(table), entry + 4);
      out.writeUInt32BE(at, entry + 8);
      out.writeUInt32BE(table.length, entry + 12);
      table.copy(out, at);
      if (tag === 'head') headAt = at;
      at += (table.length + 3) & ~3;
    });
    out.writeUInt32BE((0xb1b0afba - checksum(out)) >>> 0, headAt + 8);
    return out;
  }
}

let files: { regular: Buffer; bold: Buffer } | undefined;

/** DejaVu Sans regular and bold from the dejavu-fonts-ttf package, read once per process. */
export function fontFiles(): { regular: Buffer; bold: Buffer } {
  files ??= {
    regular: readFileSync(resolveFromHere.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf')),
    bold: readFileSync(resolveFromHere.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf')),
  };
  return files;
}

let faces: { regular: FontFace; bold: FontFace } | undefined;

/** The two faces, parsed and warmed up once per process. */
export function fontFaces(): { regular: FontFace; bold: FontFace } {
  faces ??= { regular: new FontFace(fontFiles().regular), bold: new FontFace(fontFiles().bold) };
  return faces;
}
