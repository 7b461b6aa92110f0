/**
 * What the invoice and statement PDFs share: the embedded font (DejaVu Sans, so ä, ł, ñ, €
 * and the no-break spaces Intl puts into amounts all render), page setup, the branded header,
 * page numbers and the labels in the reader's language.
 *
 * Data in, bytes out; the only file read is the font, from the installed npm package.
 */
import PDFDocument from 'pdfkit';
import type { CalendarDate } from '../../ledger/dates.ts';
import { fontFaces, fontFiles } from './fonts.ts';
import { logoImage, type PreparedLogo } from './logo.ts';

/** DejaVu Sans from the dejavu-fonts-ttf package, read once per process. */
export function documentFonts(): { regular: Buffer; bold: Buffer } {
  return fontFiles();
}

export const FONT = 'DejaVu';
export const FONT_BOLD = 'DejaVu-Bold';

/** The organisation as printed on its documents. */
export interface DocumentBranding {
  readonly name: string;
  readonly address: string;
  /** PNG or JPEG bytes; null prints the name instead */
  readonly logo: Buffer | null;
  /** payment instructions (bank account, reference to quote); null = a generic line */
  readonly remittance: string | null;
}

export interface DocumentCustomer {
  readonly externalId: string;
  readonly name: string;
  readonly address?: string | null;
}

export const PAGE = { width: 595.28, height: 841.89, margin: 50 } as const;
export const CONTENT_WIDTH = PAGE.width - 2 * PAGE.margin;

export function createPdf(title: string, author: string, createdOn: CalendarDate): PDFKit.PDFDocument {
  const doc = new PDFDocument({
    size: 'A4',
    margins: { top: PAGE.margin, bottom: PAGE.margin, left: PAGE.margin, right: PAGE.margin },
    bufferPages: true,
    autoFirstPage: true,
    // no default font: pdfkit would parse Helvetica's metrics for every document
    font: null as unknown as string,
    // The document date is the statement's or copy's date, not the clock: same data, same PDF.
    info: {
      Title: title,
      Author: author,
      Creator: 'Dunwell',
      CreationDate: new Date(`${createdOn}T00:00:00Z`),
    },
  });
  // one parsed font per process, shared by all documents: see fonts.ts
  const { regular, bold } = fontFaces();
  doc.registerFont(FONT, regular.font as never);
  doc.registerFont(FONT_BOLD, bold.font as never);
  doc.font(FONT);
  regular.attach(doc);
  doc.font(FONT_BOLD);
  bold.attach(doc);
  doc.font(FONT);
  return doc;
}

export function pdfToBuffer(doc: PDFKit.PDFDocument): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    doc.end();
  });
}

/**
 * The organisation block at the top left (logo or name, then the address); returns the y
 * below it. A logo that pdfkit cannot read falls back to the name. `preparedLogo` is the
 * logo from {@link prepareLogo} (null: it could not be read); without it the logo bytes are
 * decoded for this document alone.
 */
export function drawBranding(
  doc: PDFKit.PDFDocument,
  org: DocumentBranding,
  top: number,
  preparedLogo?: PreparedLogo | null,
): number {
  let y = top;
  let drewLogo = false;
  if (org.logo && preparedLogo !== null) {
    try {
      const image = preparedLogo ? logoImage(preparedLogo) : org.logo;
      doc.image(image as Buffer, PAGE.margin, y, { fit: [160, 48] });
      y += 54;
      drewLogo = true;
    } catch {
      drewLogo = false;
    }
  }
  if (!drewLogo) {
    doc.font(FONT_BOLD).fontSize(15).fillColor('#1f4e79').text(org.name, PAGE.margin, y, { width: 260 });
    y = doc.y + 4;
  } else {
    doc.font(FONT_BOLD).fontSize(10).fillColor('#1f2933').text(org.name, PAGE.margin, y, { width: 260 });
    y = doc.y + 2;
  }
  if (org.address.trim() !== '') {
    doc.font(FONT).fontSize(8.5).fillColor('#52606d').text(org.address, PAGE.margin, y, { width: 260 });
    y = doc.y;
  }
  doc.fillColor('#1f2933');
  return y;
}

/** "Page n of m" at the foot of every page, once all pages exist. */
/**
 * The remittance block both documents end with: a heading and how to pay (bank details and
 * the reference to quote). Returns the y position below it.
 */
export function drawRemittance(doc: PDFKit.PDFDocument, heading: string, text: string, top: number): number {
  doc.font(FONT_BOLD).fontSize(10).fillColor('#1f4e79').text(heading, PAGE.margin, top, { lineBreak: false });
  doc
    .font(FONT)
    .fontSize(9)
    .fillColor('#1f2933')
    .text(text, PAGE.margin, top + 16, { width: CONTENT_WIDTH });
  return doc.y;
}

export function drawPageNumbers(
  doc: PDFKit.PDFDocument,
  label: (page: number, pages: number) => string,
): void {
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    // writing below the bottom margin would make pdfkit open a new page
    doc.page.margins.bottom = 0;
    doc.font(FONT).fontSize(8).fillColor('#616e7c');
    cell(doc, label(i + 1, range.count), PAGE.margin, PAGE.height - 32, CONTENT_WIDTH, 'center');
  }
}

/**
 * One cell of text on one line, aligned in its width and cut with an ellipsis when it does not
 * fit. Placed directly (pdfkit's line wrapper is not needed for one line and costs more than
 * the text itself).
 */
export function cell(
  doc: PDFKit.PDFDocument,
  text: string,
  x: number,
  y: number,
  width: number,
  align: 'left' | 'right' | 'center' = 'left',
): void {
  const line = fitted(doc, text.replace(/\s*\n\s*/g, ' '), width);
  if (line === '') return;
  const free = align === 'left' ? 0 : width - doc.widthOfString(line);
  const dx = align === 'right' ? free : free / 2;
  doc.text(line, x + Math.max(dx, 0), y, { lineBreak: false });
}

/** The text, or its longest start that fits the width followed by "…". */
export function fitted(doc: PDFKit.PDFDocument, text: string, width: number): string {
  if (doc.widthOfString(text) <= width) return text;
  const chars = Array.from(text);
  let lo = 0;
  let hi = chars.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (doc.widthOfString(`${chars.slice(0, mid).join('').trimEnd()}…`) <= width) lo = mid;
    else hi = mid - 1;
  }
  return lo === 0 ? '' : `${chars.slice(0, lo).join('').trimEnd()}…`;
}

export interface DocumentLabels {
  statement: string;
  invoiceCopy: string;
  customer: string;
  customerNumber: string;
  statementDate: string;
  period: string;
  date: string;
  document: string;
  dueDate: string;
  debit: string;
  credit: string;
  balance: string;
  openingBalance: string;
  closingBalance: string;
  invoice: string;
  payment: string;
  creditNote: string;
  adjustment: string;
  continued: string;
  accountIn: string;
  agingSummary: string;
  currency: string;
  current: string;
  days1to30: string;
  days31to60: string;
  days61to90: string;
  days91plus: string;
  totalOpen: string;
  unapplied: string;
  remittance: string;
  defaultRemittance: (customerNumber: string) => string;
  page: (page: number, pages: number) => string;
  invoiceNumber: string;
  issueDate: string;
  poNumber: string;
  billTo: string;
  invoiceAmount: string;
  paidAndCredited: string;
  balanceDue: string;
  settlements: string;
  copyNote: (date: string) => string;
  noActivity: string;
}

const EN: DocumentLabels = {
  statement: 'Account statement',
  invoiceCopy: 'Invoice',
  customer: 'Customer',
  customerNumber: 'Customer number',
  statementDate: 'Statement date',
  period: 'Period',
  date: 'Date',
  document: 'Document',
  dueDate: 'Due date',
  debit: 'Charges',
  credit: 'Payments',
  balance: 'Balance',
  openingBalance: 'Opening balance',
  closingBalance: 'Closing balance',
  invoice: 'Invoice',
  payment: 'Payment',
  creditNote: 'Credit note',
  adjustment: 'Adjustment',
  continued: 'continued',
  accountIn: 'Account in',
  agingSummary: 'Aging of open invoices',
  currency: 'Currency',
  current: 'Not yet due',
  days1to30: '1–30 days',
  days31to60: '31–60 days',
  days61to90: '61–90 days',
  days91plus: 'Over 90 days',
  totalOpen: 'Total open',
  unapplied: 'Unapplied payments and credits',
  remittance: 'Remittance details',
  defaultRemittance: (n) =>
    `Please quote your customer number ${n} and the invoice numbers with your payment.`,
  page: (p, n) => `Page ${p} of ${n}`,
  invoiceNumber: 'Invoice number',
  issueDate: 'Invoice date',
  poNumber: 'PO number',
  billTo: 'Bill to',
  invoiceAmount: 'Invoice amount',
  paidAndCredited: 'Paid and credited',
  balanceDue: 'Balance due',
  settlements: 'Payments and credits applied',
  copyNote: (d) => `Copy generated from our records on ${d}.`,
  noActivity: 'No activity in this period.',
};

const DE: DocumentLabels = {
  statement: 'Kontoauszug',
  invoiceCopy: 'Rechnung',
  customer: 'Kunde',
  customerNumber: 'Kundennummer',
  statementDate: 'Stichtag',
  period: 'Zeitraum',
  date: 'Datum',
  document: 'Beleg',
  dueDate: 'Fällig am',
  debit: 'Soll',
  credit: 'Haben',
  balance: 'Saldo',
  openingBalance: 'Anfangssaldo',
  closingBalance: 'Endsaldo',
  invoice: 'Rechnung',
  payment: 'Zahlung',
  creditNote: 'Gutschrift',
  adjustment: 'Ausgleich',
  continued: 'Fortsetzung',
  accountIn: 'Konto in',
  agingSummary: 'Altersstruktur der offenen Rechnungen',
  currency: 'Währung',
  current: 'Noch nicht fällig',
  days1to30: '1–30 Tage',
  days31to60: '31–60 Tage',
  days61to90: '61–90 Tage',
  days91plus: 'Über 90 Tage',
  totalOpen: 'Offen gesamt',
  unapplied: 'Nicht zugeordnete Zahlungen und Gutschriften',
  remittance: 'Zahlungshinweise',
  defaultRemittance: (n) =>
    `Bitte geben Sie bei Ihrer Zahlung Ihre Kundennummer ${n} und die Rechnungsnummern an.`,
  page: (p, n) => `Seite ${p} von ${n}`,
  invoiceNumber: 'Rechnungsnummer',
  issueDate: 'Rechnungsdatum',
  poNumber: 'Bestellnummer',
  billTo: 'Rechnungsempfänger',
  invoiceAmount: 'Rechnungsbetrag',
  paidAndCredited: 'Bezahlt und gutgeschrieben',
  balanceDue: 'Offener Betrag',
  settlements: 'Zugeordnete Zahlungen und Gutschriften',
  copyNote: (d) => `Kopie, erstellt aus unseren Unterlagen am ${d}.`,
  noActivity: 'Keine Buchungen in diesem Zeitraum.',
};

const FR: DocumentLabels = {
  statement: 'Relevé de compte',
  invoiceCopy: 'Facture',
  customer: 'Client',
  customerNumber: 'N° client',
  statementDate: 'Date du relevé',
  period: 'Période',
  date: 'Date',
  document: 'Pièce',
  dueDate: 'Échéance',
  debit: 'Débit',
  credit: 'Crédit',
  balance: 'Solde',
  openingBalance: 'Solde d’ouverture',
  closingBalance: 'Solde de clôture',
  invoice: 'Facture',
  payment: 'Paiement',
  creditNote: 'Avoir',
  adjustment: 'Régularisation',
  continued: 'suite',
  accountIn: 'Compte en',
  agingSummary: 'Balance âgée des factures ouvertes',
  currency: 'Devise',
  current: 'Non échu',
  days1to30: '1 à 30 jours',
  days31to60: '31 à 60 jours',
  days61to90: '61 à 90 jours',
  days91plus: 'Plus de 90 jours',
  totalOpen: 'Total dû',
  unapplied: 'Paiements et avoirs non affectés',
  remittance: 'Modalités de règlement',
  defaultRemittance: (n) =>
    `Merci d’indiquer votre numéro client ${n} et les numéros de facture lors de votre règlement.`,
  page: (p, n) => `Page ${p} sur ${n}`,
  invoiceNumber: 'N° de facture',
  issueDate: 'Date de facture',
  poNumber: 'N° de commande',
  billTo: 'Facturé à',
  invoiceAmount: 'Montant de la facture',
  paidAndCredited: 'Réglé et crédité',
  balanceDue: 'Reste dû',
  settlements: 'Paiements et avoirs affectés',
  copyNote: (d) => `Copie établie à partir de nos enregistrements le ${d}.`,
  noActivity: 'Aucun mouvement sur la période.',
};

const ES: DocumentLabels = {
  statement: 'Extracto de cuenta',
  invoiceCopy: 'Factura',
  customer: 'Cliente',
  customerNumber: 'N.º de cliente',
  statementDate: 'Fecha del extracto',
  period: 'Periodo',
  date: 'Fecha',
  document: 'Documento',
  dueDate: 'Vencimiento',
  debit: 'Cargos',
  credit: 'Abonos',
  balance: 'Saldo',
  openingBalance: 'Saldo inicial',
  closingBalance: 'Saldo final',
  invoice: 'Factura',
  payment: 'Pago',
  creditNote: 'Abono',
  adjustment: 'Ajuste',
  continued: 'continuación',
  accountIn: 'Cuenta en',
  agingSummary: 'Antigüedad de las facturas pendientes',
  currency: 'Moneda',
  current: 'No vencido',
  days1to30: '1–30 días',
  days31to60: '31–60 días',
  days61to90: '61–90 días',
  days91plus: 'Más de 90 días',
  totalOpen: 'Total pendiente',
  unapplied: 'Pagos y abonos sin aplicar',
  remittance: 'Datos para el pago',
  defaultRemittance: (n) => `Indique su número de cliente ${n} y los números de factura al realizar el pago.`,
  page: (p, n) => `Página ${p} de ${n}`,
  invoiceNumber: 'N.º de factura',
  issueDate: 'Fecha de factura',
  poNumber: 'N.º de pedido',
  billTo: 'Facturar a',
  invoiceAmount: 'Importe de la factura',
  paidAndCredited: 'Pagado y abonado',
  balanceDue: 'Importe pendiente',
  settlements: 'Pagos y abonos aplicados',
  copyNote: (d) => `Copia generada a partir de nuestros registros el ${d}.`,
  noActivity: 'Sin movimientos en este periodo.',
};

const LABELS: Record<string, DocumentLabels> = { en: EN, de: DE, fr: FR, es: ES };

/** Labels for a language ('de-AT' → German), English when we have none. */
export function documentLabels(language: string): DocumentLabels {
  return LABELS[language.split('-')[0]!.toLowerCase()] ?? EN;
}

/** The Intl locale to format with: the language itself when Intl knows it, else English. */
export function documentLocale(language: string): string {
  try {
    return Intl.getCanonicalLocales(language)[0] ?? 'en';
  } catch {
    return 'en';
  }
}
