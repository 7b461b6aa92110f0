/**
 * Statement lines from ledger rows, and the statement and invoice PDFs: page count and page
 * numbers, the embedded Unicode font, and the text a reader sees. Text comes from pdftotext
 * when it is installed, else from the built-in reader of test/messages/support/pdf.ts; each
 * test says which one it used.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inflateSync } from 'node:zlib';
import {
  FontFace,
  LAYOUT_CACHE_WORDS,
  openFont,
  TrueTypeSubset,
} from '../../src/messages/documents/fonts.ts';
import { renderInvoicePdf } from '../../src/messages/documents/invoice-pdf.ts';
import { prepareLogo } from '../../src/messages/documents/logo.ts';
import {
  createPdf,
  type DocumentBranding,
  documentFonts,
  drawBranding,
  fitted,
  pdfToBuffer,
} from '../../src/messages/documents/pdf.ts';
import { buildStatement, type LedgerInvoice } from '../../src/messages/documents/statement-data.ts';
import { renderStatementPdf } from '../../src/messages/documents/statement-pdf.ts';
import { inspectPdf } from './support/pdf.ts';
import { pngImage } from './support/png.ts';

/*
 * Calendar of the small ledger (EUR unless said):
 *   2026-01-10 INV-1 1000.00 issued, due 2026-02-09
 *   2026-01-20 INV-V  500.00 issued, void (never on the statement)
 *   2026-02-01 INV-2  200.00 issued, due 2026-03-03
 *   2026-02-05 PAY-1  600.00 received, applied to INV-1
 *   2026-02-10 CN-1    50.00 credit note, applied to INV-2
 *   2026-02-12 INV-3  300.00 issued as partly paid by the ERP: adjustment 100.00 dated 2026-02-12
 *   2026-02-15 INV-U  USD 70.00 issued, due 2026-02-20
 *   2026-03-05 PAY-2  999.00 after the period (not on a statement to 2026-02-28)
 * Period 2026-02-01 … 2026-02-28.
 */
const invoices: LedgerInvoice[] = [
  {
    number: 'INV-1',
    issueDate: '2026-01-10',
    dueDate: '2026-02-09',
    currency: 'EUR',
    amount: 100000,
    status: 'open',
  },
  {
    number: 'INV-V',
    issueDate: '2026-01-20',
    dueDate: '2026-02-19',
    currency: 'EUR',
    amount: 50000,
    status: 'void',
  },
  {
    number: 'INV-2',
    issueDate: '2026-02-01',
    dueDate: '2026-03-03',
    currency: 'EUR',
    amount: 20000,
    status: 'open',
  },
  {
    number: 'INV-3',
    issueDate: '2026-02-12',
    dueDate: '2026-01-01',
    currency: 'EUR',
    amount: 30000,
    status: 'open',
  },
  {
    number: 'INV-U',
    issueDate: '2026-02-15',
    dueDate: '2026-02-20',
    currency: 'USD',
    amount: 7000,
    status: 'open',
  },
];
const ledger = {
  from: '2026-02-01',
  to: '2026-02-28',
  invoices,
  payments: [
    { reference: 'PAY-1', date: '2026-02-05', currency: 'EUR', amount: 60000 },
    { reference: 'PAY-2', date: '2026-03-05', currency: 'EUR', amount: 99900 },
  ],
  creditNotes: [{ number: 'CN-1', date: '2026-02-10', currency: 'EUR', amount: 5000 }],
  applications: [
    { invoiceNumber: 'INV-1', kind: 'payment' as const, date: '2026-02-05', amount: 60000 },
    { invoiceNumber: 'INV-2', kind: 'credit_note' as const, date: '2026-02-10', amount: 5000 },
    { invoiceNumber: 'INV-3', kind: 'adjustment' as const, date: '2026-02-12', amount: 10000 },
    { invoiceNumber: 'INV-1', kind: 'payment' as const, date: '2026-03-05', amount: 40000 },
  ],
};

describe('statement data', () => {
  const statement = buildStatement(ledger);
  const eur = statement.sections.find((s) => s.currency === 'EUR')!;
  const usd = statement.sections.find((s) => s.currency === 'USD')!;

  it('keeps one section per currency, never summed', () => {
    assert.deepEqual(
      statement.sections.map((s) => s.currency),
      ['EUR', 'USD'],
    );
    assert.equal(usd.closingBalance, 7000);
  });

  it('opens with the balance before the period and runs it line by line', () => {
    assert.equal(eur.openingBalance, 100000);
    assert.deepEqual(
      eur.lines.map((l) => [l.date, l.kind, l.reference, l.debit, l.credit, l.balance]),
      [
        ['2026-02-01', 'invoice', 'INV-2', 20000, 0, 120000],
        ['2026-02-05', 'payment', 'PAY-1', 0, 60000, 60000],
        ['2026-02-10', 'credit_note', 'CN-1', 0, 5000, 55000],
        ['2026-02-12', 'invoice', 'INV-3', 30000, 0, 85000],
        ['2026-02-12', 'adjustment', 'INV-3', 0, 10000, 75000],
      ],
    );
    assert.equal(eur.closingBalance, 75000);
    assert.deepEqual(eur.totals, { invoiced: 50000, paid: 60000, credited: 5000, adjusted: 10000 });
  });

  it('ages what is open at the period end and reconciles with the closing balance', () => {
    // INV-1 400.00 (19 days past due), INV-2 150.00 (not yet due), INV-3 200.00 (58 days)
    assert.deepEqual(eur.aging, {
      current: 15000,
      '1-30': 40000,
      '31-60': 20000,
      '61-90': 0,
      '91+': 0,
      total: 75000,
    });
    assert.equal(eur.unapplied, 0);
    assert.deepEqual(
      eur.openItems.map((i) => [i.number, i.open, i.daysPastDue]),
      [
        ['INV-3', 20000, 58],
        ['INV-1', 40000, 19],
        ['INV-2', 15000, -3],
      ],
    );
  });

  it('shows money on account as unapplied', () => {
    const withUnapplied = buildStatement({
      ...ledger,
      payments: [...ledger.payments, { reference: 'ADV', date: '2026-02-20', currency: 'EUR', amount: 2500 }],
    });
    assert.equal(withUnapplied.sections[0]!.unapplied, -2500);
    assert.equal(withUnapplied.sections[0]!.closingBalance, 72500);
  });

  it('refuses an empty period', () => {
    assert.throws(() => buildStatement({ ...ledger, from: '2026-03-01', to: '2026-02-28' }), /empty/);
  });
});

const org: DocumentBranding = {
  name: 'Złota Rybka Sp. z o.o.',
  address: 'ul. Łąkowa 7\n90-554 Łódź, Polska',
  logo: null,
  remittance: 'IBAN PL61 1090 1014 0000 0712 1981 2874 · SWIFT WBKPPLPP',
};

function manyInvoices(count: number): LedgerInvoice[] {
  return Array.from({ length: count }, (_, i) => ({
    number: `FV/2026/${String(i + 1).padStart(3, '0')}`,
    issueDate: `2026-03-${String(1 + (i % 28)).padStart(2, '0')}`,
    dueDate: '2026-04-30',
    currency: 'EUR',
    amount: 10000 + i,
    status: 'open' as const,
  }));
}

describe('statement PDF', () => {
  it('puts 75 lines on 3 pages, numbered, with the table header on each', async (t) => {
    const statement = buildStatement({
      from: '2026-03-01',
      to: '2026-03-31',
      invoices: manyInvoices(75),
      payments: [],
      creditNotes: [],
      applications: [],
    });
    assert.equal(statement.sections[0]!.lines.length, 75);
    const pdf = await renderStatementPdf({
      organisation: org,
      customer: { externalId: 'K-17', name: 'Ñandú Großhandel Ærø' },
      language: 'en',
      statement,
    });
    const inspected = inspectPdf(pdf);
    t.diagnostic(
      `checked: %PDF- header, %%EOF, page tree (${inspected.pages} pages), embedded fonts [${inspected.embeddedFonts}], text via ${inspected.textSource}`,
    );
    assert.equal(inspected.pages, 3);
    inspected.pageTexts.forEach((text, i) => {
      assert.match(text, new RegExp(`Page ${i + 1} of 3`));
      assert.match(text, /Date\s+Document\s+Due date\s+Charges\s+Payments\s+Balance/);
    });
    const invoiceLines = inspected.pageTexts.map(
      (text) => (text.match(/Invoice FV\/2026\/\d{3}/g) ?? []).length,
    );
    assert.deepEqual(invoiceLines, [29, 30, 16]); // opening balance + 29, then 30, then 16 + closing
    assert.match(inspected.pageTexts[2]!, /Closing balance/);
    assert.match(inspected.pageTexts[2]!, /Aging of open invoices/);
    assert.match(inspected.pageTexts[2]!, /Remittance details/);
  });

  it('embeds DejaVu Sans and renders ä, ł, ñ, € as text', async (t) => {
    const statement = buildStatement(ledger);
    const pdf = await renderStatementPdf({
      organisation: org,
      customer: { externalId: 'K-17', name: 'Ñandú Großhandel Ærø – Łukasz' },
      language: 'de',
      statement,
    });
    const inspected = inspectPdf(pdf);
    t.diagnostic(`text via ${inspected.textSource}; fonts ${inspected.embeddedFonts.join(', ')}`);
    assert.deepEqual(inspected.embeddedFonts, ['DejaVuSans', 'DejaVuSans-Bold']);
    const text = inspected.pageTexts.join('\n');
    for (const expected of [
      'Złota Rybka Sp. z o.o.',
      'Łódź, Polska',
      'Ñandú Großhandel Ærø',
      'Kontoauszug',
      'Anfangssaldo',
      '1.000,00 €',
      'Rechnung INV-2',
      'Zahlung PAY-1',
      'Gutschrift CN-1',
      'Konto in USD',
      '70,00 $',
      'Altersstruktur der offenen Rechnungen',
      'IBAN PL61 1090 1014 0000 0712 1981 2874',
    ]) {
      assert.ok(text.replace(/\s+/g, ' ').includes(expected), `missing "${expected}" in:\n${text}`);
    }
    assert.doesNotMatch(text, /INV-V/, 'void invoice listed');
    assert.doesNotMatch(text, /PAY-2/, 'payment after the period listed');
    assert.equal(inspected.pages, 1);
    assert.match(text, /Seite 1 von 1/);
  });

  it('is the same document for the same data', async () => {
    const input = {
      organisation: org,
      customer: { externalId: 'K-1', name: 'A' },
      language: 'fr',
      statement: buildStatement(ledger),
    };
    const a = await renderStatementPdf(input);
    const b = await renderStatementPdf(input);
    assert.ok(a.equals(b), 'two renders of the same statement differ');
  });
});

describe('invoice PDF', () => {
  it('prints the invoice copy with settlements and the balance due, in the reader language', async (t) => {
    const pdf = await renderInvoicePdf({
      organisation: org,
      customer: { externalId: 'K-17', name: 'Señora Núñez' },
      language: 'es',
      invoice: {
        number: 'FV/2026/001',
        issueDate: '2026-01-10',
        dueDate: '2026-02-09',
        currency: 'EUR',
        amount: 123450,
        poNumber: 'PO-ÄÖÜ-9',
      },
      settlements: [
        { date: '2026-02-05', kind: 'payment', reference: 'TRX-1', amount: 20000 },
        { date: '2026-02-07', kind: 'credit_note', reference: 'AB-3', amount: 3450 },
      ],
      asOf: '2026-02-10',
    });
    const inspected = inspectPdf(pdf);
    t.diagnostic(`text via ${inspected.textSource}`);
    assert.equal(inspected.pages, 1);
    const text = inspected.pageTexts.join('\n').replace(/\s+/g, ' ');
    for (const expected of [
      'Factura FV/2026/001',
      '10 de enero de 2026',
      '9 de febrero de 2026',
      'PO-ÄÖÜ-9',
      'Señora Núñez',
      'Importe de la factura 1234,50 €',
      'Importe pendiente 1000,00 €',
      'Pago TRX-1',
      'Abono AB-3',
      'Página 1 de 1',
    ]) {
      assert.ok(text.includes(expected), `missing "${expected}" in: ${text}`);
    }
  });
});

/** The objects of a PDF as pdfkit writes them: number → body (dictionary and stream). */
function pdfObjects(pdf: Buffer): Map<number, string> {
  const map = new Map<number, string>();
  for (const m of pdf.toString('latin1').matchAll(/(\d+) 0 obj\s*([\s\S]*?)endobj/g))
    map.set(Number(m[1]), m[2]!);
  return map;
}

function pdfStream(body: string): Buffer {
  const m = /stream\r?\n([\s\S]*?)\r?\nendstream/.exec(body);
  if (!m) throw new Error('object has no stream');
  const raw = Buffer.from(m[1]!, 'latin1');
  return /\/FlateDecode/.test(body) ? inflateSync(raw) : raw;
}

/**
 * Each embedded font subset with its ToUnicode map: for every glyph a page can show, the text
 * it stands for, its outline and its advance width in the subset.
 */
function embeddedGlyphs(
  pdf: Buffer,
): { font: string; glyphs: { text: string; svg: string; advance: number }[] }[] {
  const objs = pdfObjects(pdf);
  const ref = (body: string, key: string) => Number(new RegExp(`/${key} (\\d+) 0 R`).exec(body)?.[1]);
  const out = [];
  for (const body of objs.values()) {
    if (!/\/Subtype \/Type0/.test(body)) continue;
    const cmap = pdfStream(objs.get(ref(body, 'ToUnicode'))!).toString('latin1');
    const descendant = objs.get(Number(/\/DescendantFonts \[(\d+) 0 R\]/.exec(body)![1]))!;
    const descriptor = objs.get(ref(descendant, 'FontDescriptor'))!;
    const subset = openFont(pdfStream(objs.get(ref(descriptor, 'FontFile2'))!));
    const glyphs: { text: string; svg: string; advance: number }[] = [];
    // pdfkit writes the map as bfrange lines: <first> <last> [<text> <text> …]
    for (const m of cmap.matchAll(/<([0-9a-f]{4})> <([0-9a-f]{4})> \[([^\]]*)\]/g)) {
      const texts = [...m[3]!.matchAll(/<([0-9a-f ]*)>/g)].map((t) =>
        String.fromCodePoint(...(t[1]!.match(/[0-9a-f]{4}/g) ?? []).map((h) => Number.parseInt(h, 16))),
      );
      texts.forEach((text, i) => {
        const glyph = subset.getGlyph(Number.parseInt(m[1]!, 16) + i);
        glyphs.push({ text, svg: glyph.path.toSVG(), advance: glyph.advanceWidth });
      });
    }
    out.push({ font: /\/BaseFont \/[A-Z]{6}\+([\w-]+)/.exec(body)![1]!, glyphs });
  }
  return out;
}

describe('fonts shared across documents', () => {
  // the text under test is the remittance line: one line across the page
  const statement = (text: string, language: string) =>
    renderStatementPdf({
      organisation: { ...org, remittance: text },
      customer: { externalId: 'K-9', name: 'Kunde' },
      language,
      statement: buildStatement(ledger),
    });

  it('gives documents rendered one after another their own correct text', async () => {
    // the first document's accented letters are composite glyphs (o + acute …): subsetting them
    // must not change what the plain letters of the next document extract as
    const names = [
      'Łódź Café Señor Ñoño Ærø ß ç ü',
      'xylophone quartz wizard jumps 0123456789',
      'Ωmega Ελλάδα Москва Łukasz Żółć — “quotes” …',
      'xylophone quartz wizard jumps 0123456789',
    ];
    const pdfs = [];
    for (const [i, name] of names.entries()) pdfs.push(await statement(name, ['de', 'en', 'fr', 'en'][i]!));
    pdfs.forEach((pdf, i) => {
      const text = inspectPdf(pdf).pageTexts.join('\n').replace(/\s+/g, ' ');
      assert.ok(text.includes(names[i]!), `document ${i + 1} lacks "${names[i]}": ${text}`);
    });
    assert.ok(pdfs[1]!.equals(pdfs[3]!), 'the same document rendered again differs');
  });

  it('renders concurrent documents each with its own text', async () => {
    const names = ['Ærø Ωmega', 'Łódź Żółć', 'Ñoño Çağrı', 'Москва Київ', 'Großhandel ß', 'xylophone'];
    const pdfs = await Promise.all(names.map((name, i) => statement(name, i % 2 ? 'fr' : 'de')));
    pdfs.forEach((pdf, i) => {
      const text = inspectPdf(pdf).pageTexts.join('\n').replace(/\s+/g, ' ');
      assert.ok(text.includes(names[i]!), `document ${i + 1} lacks "${names[i]}"`);
    });
  });

  it('draws for every character the font’s own glyph, and extracts ligatures as their letters', async () => {
    const full = { DejaVuSans: documentFonts().regular, 'DejaVuSans-Bold': documentFonts().bold };
    await statement('Złota Rybka: Ñandú Großhandel Ærø – Łukasz, Çağrı, Μύθος', 'fr');
    const pdf = await statement('Effi offers fine waffles — Ölçü', 'de');
    const fonts = embeddedGlyphs(pdf);
    assert.deepEqual(fonts.map((f) => f.font).sort(), ['DejaVuSans', 'DejaVuSans-Bold']);
    let compared = 0;
    for (const { font, glyphs } of fonts) {
      const source = openFont(full[font as keyof typeof full]);
      for (const g of glyphs) {
        const chars = [...g.text];
        if (chars.length !== 1) {
          // a ligature glyph must stand for its letters, not for a presentation form
          assert.match(g.text, /^[a-z]+$/i, `ligature in ${font} extracts as ${JSON.stringify(g.text)}`);
          continue;
        }
        const original = source.glyphForCodePoint(chars[0]!.codePointAt(0)!);
        assert.equal(g.svg, original.path.toSVG(), `${font}: the glyph for "${g.text}" is not the font's`);
        assert.equal(g.advance, original.advanceWidth, `${font}: "${g.text}" has another width`);
        compared++;
      }
    }
    assert.ok(compared > 60, `only ${compared} glyphs compared`);
    const text = inspectPdf(pdf).pageTexts.join('\n');
    assert.match(text, /offenen/);
    assert.doesNotMatch(text, /[\uFB00-\uFB06]/, 'a ligature extracted as a presentation form');
  });

  it('keeps the word-layout cache bounded', async () => {
    const regular = new FontFace(documentFonts().regular); // not the shared one: its cache stays clean
    for (let i = 0; i < LAYOUT_CACHE_WORDS + 10; i++) regular.layoutCache[`w${i}`] = { i };
    assert.equal(regular.layoutCache.w0, undefined, 'the cache never started over');
    assert.deepEqual(regular.layoutCache[`w${LAYOUT_CACHE_WORDS + 9}`], { i: LAYOUT_CACHE_WORDS + 9 });
  });
});

/** A PNG: width × height, RGB or RGBA; `corrupt` makes its pixel data unreadable. */
const png = (width: number, height: number, alpha: boolean, corrupt = false) =>
  pngImage(width, height, { alpha, corrupt });

describe('logo', () => {
  /**
   * The objects that make up the image (image XObjects, their soft mask and decode parameters)
   * with object numbers left out: pdfkit numbers a soft mask when its asynchronous PNG
   * decoding ends, the prepared logo when the document embeds it.
   */
  const imageObjectsOf = (pdf: Buffer) =>
    [...pdfObjects(pdf).values()]
      .filter((body) => /\/Subtype \/Image|\/Predictor/.test(body))
      .map((body) => {
        const dict = body
          .split(/\bstream\r?\n/)[0]!
          .replace(/\/Length \d+/, '')
          .replace(/\d+ 0 R/g, 'R');
        const content = body.includes('endstream') ? pdfStream(body).toString('hex') : '';
        return dict + content;
      })
      .sort();

  for (const alpha of [false, true]) {
    it(`is embedded from the prepared objects exactly as pdfkit embeds it (${alpha ? 'RGBA' : 'RGB'})`, async () => {
      const logo = png(120, 40, alpha);
      const render = async (prepared: boolean) => {
        const doc = createPdf('Logo', 'Test', '2026-03-01');
        drawBranding(doc, { ...org, logo }, 50, prepared ? await prepareLogo(logo) : undefined);
        return pdfToBuffer(doc);
      };
      const direct = await render(false);
      const first = await render(true);
      const second = await render(true);
      assert.deepEqual(imageObjectsOf(first), imageObjectsOf(direct));
      assert.deepEqual(imageObjectsOf(second), imageObjectsOf(direct));
      // RGBA: the image and its soft mask; RGB: the image and its decode parameters
      assert.equal(imageObjectsOf(direct).length, 2);
      const image = [...pdfObjects(first).values()].find(
        (b) => /\/Subtype \/Image/.test(b) && /\/DeviceRGB/.test(b),
      )!;
      assert.ok(image, 'no image object');
      assert.equal(
        /\/SMask \d+ 0 R/.test(image),
        alpha,
        `SMask ${alpha ? 'missing' : 'unexpected'}: ${image.slice(0, 300)}`,
      );
    });
  }

  it('falls back to the organisation name for a logo that cannot be read', async () => {
    for (const logo of [png(50, 20, true, true), Buffer.from('GIF89a not supported')]) {
      const pdf = await renderStatementPdf({
        organisation: { ...org, logo },
        customer: { externalId: 'K-1', name: 'Kunde' },
        language: 'en',
        statement: buildStatement(ledger),
      });
      assert.match(inspectPdf(pdf).pageTexts[0]!, /Złota Rybka Sp\. z o\.o\./);
      assert.doesNotMatch(pdf.toString('latin1'), /\/Subtype \/Image/);
    }
    assert.equal(await prepareLogo(png(50, 20, true, true)), null);
  });
});

describe('table cells', () => {
  it('cut text that does not fit with an ellipsis, within the width', () => {
    const doc = createPdf('Cells', 'Test', '2026-03-01');
    doc.fontSize(9);
    const long = 'Ñandú Großhandel Ærø und Söhne Kommanditgesellschaft auf Aktien';
    const cut = fitted(doc, long, 120);
    assert.ok(cut.endsWith('…') && cut.length < long.length, cut);
    assert.ok(long.startsWith(cut.slice(0, -1)), cut);
    assert.ok(doc.widthOfString(cut) <= 120, `${cut} is wider than 120`);
    // one more character (spaces at the cut are dropped) would not fit
    let n = cut.length;
    while (long.slice(0, n).trimEnd() === cut.slice(0, -1)) n++;
    assert.ok(doc.widthOfString(`${long.slice(0, n).trimEnd()}…`) > 120, `${cut} could be longer`);
    assert.equal(fitted(doc, 'Kunde', 120), 'Kunde');
    assert.equal(fitted(doc, long, 2), '');
    doc.end();
  });
});

describe('font subsets', () => {
  it('keep every glyph of both faces intact (outline, width, components) without hinting', () => {
    for (const bytes of [documentFonts().regular, documentFonts().bold]) {
      const face = new FontFace(bytes);
      const source = openFont(bytes);
      const subset = new TrueTypeSubset(face);
      // every glyph, in an order unlike the font's, so ids are remapped (components too)
      const ids = Array.from({ length: source.numGlyphs }, (_, i) => (i * 7919) % source.numGlyphs);
      const newIds = ids.map((id) => subset.includeGlyph(id));
      const font = openFont(subset.encode());
      ids.forEach((id, i) => {
        const original = source.getGlyph(id);
        const copy = font.getGlyph(newIds[i]!);
        assert.equal(copy.path.toSVG(), original.path.toSVG(), `glyph ${id} of ${source.postscriptName}`);
        assert.equal(copy.advanceWidth, original.advanceWidth, `width of glyph ${id}`);
      });
    }
  });
});
