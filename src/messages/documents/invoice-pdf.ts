/**
 * An invoice PDF for invoices imported without one: a copy generated from the ledger (the
 * ERP sends amounts, not line items), so it says what the ledger knows — number, dates, PO,
 * amount, what was paid or credited against it, the balance due — and how to pay. It is
 * labelled as a copy generated from our records, so nobody mistakes it for the original.
 */
import type { CalendarDate } from '../../ledger/dates.ts';
import { formatAmount } from '../../ledger/money.ts';
import { formatDate, formatMoney } from '../templates/format.ts';
import { prepareLogo } from './logo.ts';
import {
  CONTENT_WIDTH,
  cell,
  createPdf,
  type DocumentBranding,
  type DocumentCustomer,
  documentLabels,
  documentLocale,
  drawBranding,
  drawPageNumbers,
  drawRemittance,
  FONT,
  FONT_BOLD,
  PAGE,
  pdfToBuffer,
} from './pdf.ts';

export interface InvoiceSettlement {
  readonly date: CalendarDate;
  readonly kind: 'payment' | 'credit_note' | 'adjustment';
  readonly reference: string;
  /** minor units */
  readonly amount: number;
}

export interface InvoicePdfInput {
  readonly organisation: DocumentBranding;
  readonly customer: DocumentCustomer;
  readonly language: string;
  readonly invoice: {
    readonly number: string;
    readonly issueDate: CalendarDate;
    readonly dueDate: CalendarDate;
    readonly currency: string;
    /** minor units */
    readonly amount: number;
    readonly poNumber: string | null;
  };
  /** applications dated up to `asOf`, oldest first */
  readonly settlements: readonly InvoiceSettlement[];
  /** the day the copy is made: balances are as of this day */
  readonly asOf: CalendarDate;
}

const MAX_SETTLEMENT_ROWS = 30;

export async function renderInvoicePdf(input: InvoicePdfInput): Promise<Buffer> {
  const { invoice, organisation, customer } = input;
  const labels = documentLabels(input.language);
  const locale = documentLocale(input.language);
  const money = (minor: number) =>
    formatMoney(formatAmount(minor, invoice.currency), invoice.currency, locale);
  const date = (d: string) => formatDate(d, locale, 'long');
  const logo = organisation.logo ? await prepareLogo(organisation.logo) : undefined;
  const doc = createPdf(`${labels.invoiceCopy} ${invoice.number}`, organisation.name, input.asOf);

  const brandingBottom = drawBranding(doc, organisation, PAGE.margin, logo);
  const rightX = PAGE.margin + 280;
  doc
    .font(FONT_BOLD)
    .fontSize(18)
    .fillColor('#1f2933')
    .text(`${labels.invoiceCopy} ${invoice.number}`, rightX, PAGE.margin, { width: 215, align: 'right' });
  let fy = doc.y + 6;
  const facts: [string, string][] = [
    [labels.invoiceNumber, invoice.number],
    [labels.issueDate, date(invoice.issueDate)],
    [labels.dueDate, date(invoice.dueDate)],
    [labels.customerNumber, customer.externalId],
  ];
  if (invoice.poNumber) facts.push([labels.poNumber, invoice.poNumber]);
  doc.fontSize(9);
  for (const [k, v] of facts) {
    doc.font(FONT).fillColor('#52606d');
    cell(doc, k, rightX, fy, 100);
    doc
      .font(FONT)
      .fillColor('#1f2933')
      .text(v, rightX + 100, fy, { width: 115, align: 'right', height: 24 });
    fy = Math.max(doc.y, fy + 13);
  }

  let y = Math.max(brandingBottom, fy) + 28;
  doc.font(FONT).fontSize(8.5).fillColor('#52606d').text(labels.billTo, PAGE.margin, y, { lineBreak: false });
  y += 13;
  doc.font(FONT_BOLD).fontSize(11).fillColor('#1f2933').text(customer.name, PAGE.margin, y, { width: 300 });
  y = doc.y;
  if (customer.address) {
    doc.font(FONT).fontSize(9).text(customer.address, PAGE.margin, y, { width: 300 });
    y = doc.y;
  }
  y += 28;

  // amount, settlements, balance due
  const settled = input.settlements.filter((s) => s.date <= input.asOf);
  const paid = settled.reduce((sum, s) => sum + s.amount, 0);
  const balance = invoice.amount - paid;
  const line = (label: string, value: string, bold = false) => {
    doc
      .font(bold ? FONT_BOLD : FONT)
      .fontSize(bold ? 11 : 10)
      .fillColor('#1f2933');
    cell(doc, label, PAGE.margin, y, 300);
    cell(doc, value, PAGE.margin + CONTENT_WIDTH - 180, y, 180, 'right');
    y += bold ? 20 : 17;
  };
  line(labels.invoiceAmount, money(invoice.amount));
  if (paid !== 0) line(labels.paidAndCredited, money(-paid));
  doc
    .moveTo(PAGE.margin, y - 2)
    .lineTo(PAGE.margin + CONTENT_WIDTH, y - 2)
    .lineWidth(0.8)
    .strokeColor('#9aa5b1')
    .stroke();
  y += 4;
  line(labels.balanceDue, money(balance), true);

  if (settled.length > 0) {
    y += 16;
    doc
      .font(FONT_BOLD)
      .fontSize(10)
      .fillColor('#1f4e79')
      .text(labels.settlements, PAGE.margin, y, { lineBreak: false });
    y += 16;
    const kind = { payment: labels.payment, credit_note: labels.creditNote, adjustment: labels.adjustment };
    for (const s of settled.slice(0, MAX_SETTLEMENT_ROWS)) {
      doc.font(FONT).fontSize(9).fillColor('#1f2933');
      cell(doc, formatDate(s.date, locale, 'medium'), PAGE.margin, y, 90);
      cell(doc, s.reference ? `${kind[s.kind]} ${s.reference}` : kind[s.kind], PAGE.margin + 95, y, 220);
      cell(doc, money(s.amount), PAGE.margin + CONTENT_WIDTH - 180, y, 180, 'right');
      y += 14;
    }
  }

  y += 24;
  const remittanceText = organisation.remittance?.trim() || labels.defaultRemittance(customer.externalId);
  y = drawRemittance(doc, labels.remittance, remittanceText, y) + 20;
  doc
    .font(FONT)
    .fontSize(8)
    .fillColor('#616e7c')
    .text(labels.copyNote(date(input.asOf)), PAGE.margin, y, { width: CONTENT_WIDTH });

  drawPageNumbers(doc, labels.page);
  return pdfToBuffer(doc);
}
