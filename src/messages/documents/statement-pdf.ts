/**
 * The account statement PDF: branded header, one table per currency (opening balance, each
 * invoice, payment, credit and adjustment with the running balance, closing balance), an
 * aging summary of the open invoices, and remittance details. At most 30 table lines a page,
 * the table header repeated on each page, "Page n of m" on every page.
 */
import { formatAmount } from '../../ledger/money.ts';
import { formatDate, formatMoney } from '../templates/format.ts';
import { prepareLogo } from './logo.ts';
import {
  CONTENT_WIDTH,
  cell,
  createPdf,
  type DocumentBranding,
  type DocumentCustomer,
  type DocumentLabels,
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
import {
  AGING_BUCKETS,
  type StatementData,
  type StatementLine,
  type StatementSection,
} from './statement-data.ts';

export interface StatementPdfInput {
  readonly organisation: DocumentBranding;
  readonly customer: DocumentCustomer;
  /** the reader's language: labels, money and dates */
  readonly language: string;
  readonly statement: StatementData;
}

/** Table lines (opening, movements, closing) per page. */
export const STATEMENT_LINES_PER_PAGE = 30;

const ROW = 15;
const BOTTOM = PAGE.height - PAGE.margin - 20;
// Date | Document | Due date | Charges | Payments | Balance
const COLS = [
  { x: 0, w: 66, align: 'left' },
  { x: 70, w: 150, align: 'left' },
  { x: 224, w: 66, align: 'left' },
  { x: 294, w: 64, align: 'right' },
  { x: 362, w: 64, align: 'right' },
  { x: 430, w: 65, align: 'right' },
] as const;

function kindLabel(labels: DocumentLabels, line: StatementLine): string {
  switch (line.kind) {
    case 'invoice':
      return `${labels.invoice} ${line.reference}`;
    case 'payment':
      return line.reference ? `${labels.payment} ${line.reference}` : labels.payment;
    case 'credit_note':
      return `${labels.creditNote} ${line.reference}`;
    case 'adjustment':
      return `${labels.adjustment} ${line.reference}`;
  }
}

export async function renderStatementPdf(input: StatementPdfInput): Promise<Buffer> {
  const { statement, customer, organisation } = input;
  const labels = documentLabels(input.language);
  const locale = documentLocale(input.language);
  const money = (minor: number, currency: string) =>
    formatMoney(formatAmount(minor, currency), currency, locale);
  const date = (d: string) => formatDate(d, locale, 'medium');
  const logo = organisation.logo ? await prepareLogo(organisation.logo) : undefined;
  const doc = createPdf(`${labels.statement} ${customer.name}`, organisation.name, statement.to);

  // ── first page header ──
  const brandingBottom = drawBranding(doc, organisation, PAGE.margin, logo);
  const rightX = PAGE.margin + 280;
  doc
    .font(FONT_BOLD)
    .fontSize(16)
    .fillColor('#1f2933')
    .text(labels.statement, rightX, PAGE.margin, { width: 215, align: 'right' });
  doc.font(FONT).fontSize(9);
  const facts: [string, string][] = [
    [labels.customer, customer.name],
    [labels.customerNumber, customer.externalId],
    [labels.statementDate, date(statement.to)],
    [labels.period, `${date(statement.from)} – ${date(statement.to)}`],
  ];
  let fy = PAGE.margin + 26;
  for (const [k, v] of facts) {
    doc.font(FONT).fillColor('#52606d');
    cell(doc, k, rightX, fy, 90);
    doc
      .font(FONT)
      .fillColor('#1f2933')
      .text(v, rightX + 92, fy, { width: 123, align: 'right', height: 24 });
    fy = Math.max(doc.y, fy + 13);
  }
  if (customer.address) {
    doc.fillColor('#1f2933').text(customer.address, rightX, fy + 2, { width: 215, align: 'right' });
    fy = doc.y;
  }
  let y = Math.max(brandingBottom, fy) + 22;
  let linesOnPage = 0;

  const tableHeader = () => {
    doc.font(FONT_BOLD).fontSize(8.5).fillColor('#1f2933');
    const heads = [labels.date, labels.document, labels.dueDate, labels.debit, labels.credit, labels.balance];
    heads.forEach((h, i) => {
      cell(doc, h, PAGE.margin + COLS[i]!.x, y, COLS[i]!.w, COLS[i]!.align);
    });
    y += 13;
    doc
      .moveTo(PAGE.margin, y)
      .lineTo(PAGE.margin + CONTENT_WIDTH, y)
      .lineWidth(0.8)
      .strokeColor('#9aa5b1')
      .stroke();
    y += 4;
  };

  /** A new page with the compact running header. */
  const breakPage = () => {
    doc.addPage();
    y = PAGE.margin;
    doc.font(FONT_BOLD).fontSize(10).fillColor('#1f2933');
    cell(doc, `${organisation.name} · ${labels.statement} · ${customer.name}`, PAGE.margin, y, CONTENT_WIDTH);
    y += 20;
    linesOnPage = 0;
  };

  /** A page break inside a currency's table: the table continues under its header. */
  const newPage = (section: StatementSection) => {
    breakPage();
    doc
      .font(FONT)
      .fontSize(8.5)
      .fillColor('#52606d')
      .text(`${labels.accountIn} ${section.currency} (${labels.continued})`, PAGE.margin, y, {
        lineBreak: false,
      });
    y += 16;
    tableHeader();
  };

  const row = (section: StatementSection, values: string[], bold = false) => {
    if (linesOnPage >= STATEMENT_LINES_PER_PAGE || y + ROW > BOTTOM) newPage(section);
    doc
      .font(bold ? FONT_BOLD : FONT)
      .fontSize(8.5)
      .fillColor('#1f2933');
    values.forEach((v, i) => {
      if (v !== '') cell(doc, v, PAGE.margin + COLS[i]!.x, y + 2, COLS[i]!.w, COLS[i]!.align);
    });
    y += ROW;
    linesOnPage += 1;
    doc
      .moveTo(PAGE.margin, y - 1)
      .lineTo(PAGE.margin + CONTENT_WIDTH, y - 1)
      .lineWidth(0.3)
      .strokeColor('#e4e7eb')
      .stroke();
  };

  statement.sections.forEach((section, index) => {
    // a further currency starts on a fresh page when fewer than four of its lines would fit
    if (index > 0) {
      if (linesOnPage + 4 > STATEMENT_LINES_PER_PAGE || y + 80 > BOTTOM) breakPage();
      else y += 14;
    }
    doc
      .font(FONT_BOLD)
      .fontSize(10.5)
      .fillColor('#1f4e79')
      .text(`${labels.accountIn} ${section.currency}`, PAGE.margin, y, { lineBreak: false });
    y += 18;
    tableHeader();
    const c = section.currency;
    row(
      section,
      [date(statement.from), labels.openingBalance, '', '', '', money(section.openingBalance, c)],
      true,
    );
    for (const line of section.lines) {
      row(section, [
        date(line.date),
        kindLabel(labels, line),
        line.dueDate ? date(line.dueDate) : '',
        line.debit ? money(line.debit, c) : '',
        line.credit ? money(line.credit, c) : '',
        money(line.balance, c),
      ]);
    }
    if (section.lines.length === 0) row(section, ['', labels.noActivity, '', '', '', '']);
    row(
      section,
      [
        date(statement.to),
        labels.closingBalance,
        '',
        money(section.totals.invoiced, c),
        money(section.totals.paid + section.totals.credited + section.totals.adjusted, c),
        money(section.closingBalance, c),
      ],
      true,
    );
  });

  // ── aging summary and remittance details, on the last page if they fit ──
  const remittanceText = organisation.remittance?.trim() || labels.defaultRemittance(customer.externalId);
  doc.font(FONT).fontSize(8.5);
  const remittanceHeight = doc.heightOfString(remittanceText, { width: CONTENT_WIDTH });
  const summaryHeight = 50 + 15 * (statement.sections.length + 1) + 30 + remittanceHeight + 20;
  if (y + 24 + summaryHeight > BOTTOM) breakPage();
  else y += 24;

  doc
    .font(FONT_BOLD)
    .fontSize(10.5)
    .fillColor('#1f4e79')
    .text(labels.agingSummary, PAGE.margin, y, { lineBreak: false });
  y += 18;
  const agingCols = [
    labels.currency,
    labels.current,
    labels.days1to30,
    labels.days31to60,
    labels.days61to90,
    labels.days91plus,
    labels.totalOpen,
  ];
  const first = 50;
  const w = (CONTENT_WIDTH - first) / (agingCols.length - 1);
  doc.font(FONT_BOLD).fontSize(8).fillColor('#1f2933');
  // bucket names may take two lines ("Noch nicht fällig")
  agingCols.forEach((h, i) => {
    const x = i === 0 ? PAGE.margin : PAGE.margin + first + (i - 1) * w;
    doc.text(h, x, y, {
      width: i === 0 ? first : w - 4,
      align: i === 0 ? 'left' : 'right',
      height: 22,
      ellipsis: true,
    });
  });
  y += 22;
  doc
    .moveTo(PAGE.margin, y)
    .lineTo(PAGE.margin + CONTENT_WIDTH, y)
    .lineWidth(0.8)
    .strokeColor('#9aa5b1')
    .stroke();
  y += 4;
  for (const section of statement.sections) {
    const values = [
      section.currency,
      ...AGING_BUCKETS.map((b) => money(section.aging[b], section.currency)),
      money(section.aging.total, section.currency),
    ];
    values.forEach((v, i) => {
      doc.font(i === values.length - 1 ? FONT_BOLD : FONT).fontSize(8);
      const x = i === 0 ? PAGE.margin : PAGE.margin + first + (i - 1) * w;
      cell(doc, v, x, y + 2, i === 0 ? first : w - 4, i === 0 ? 'left' : 'right');
    });
    y += ROW;
  }
  const unapplied = statement.sections.filter((s) => s.unapplied < 0);
  if (unapplied.length > 0) {
    doc.font(FONT).fontSize(8).fillColor('#52606d');
    const text = unapplied.map((s) => money(-s.unapplied, s.currency)).join(' · ');
    doc.text(`${labels.unapplied}: ${text}`, PAGE.margin, y + 2, { width: CONTENT_WIDTH });
    y = doc.y + 4;
  }
  y += 14;
  drawRemittance(doc, labels.remittance, remittanceText, y);

  drawPageNumbers(doc, labels.page);
  return pdfToBuffer(doc);
}
