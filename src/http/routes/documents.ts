/**
 * The documents over the API (PRODUCT §5: "same documents download over the API"): the PDF of
 * an invoice — the imported one as stored, else a copy rendered from the ledger — and the
 * account statement of a customer as of a day; plus uploading an invoice's own PDF, which is
 * then attached to its messages as it is. The same functions as the sender and the portal use
 * (src/messages/documents).
 */
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import {
  contentDisposition,
  invoicePdfByExternalId,
  MAX_INVOICE_PDF_BYTES,
  type PdfFile,
  statementPdf,
  uploadInvoicePdf,
} from '../../messages/documents/index.ts';
import type { ApiApp, AppDeps } from '../app.ts';
import { errorPayload } from '../errors.ts';
import { CalendarDateSchema, ErrorBody, ExternalIdParam } from '../schemas.ts';

const PDF_TYPES = ['application/pdf', 'application/octet-stream'];

const StoredPdfSchema = z.object({
  invoice: z.string().meta({ description: 'The invoice number' }),
  file_name: z.string().meta({ description: 'The name it is attached under' }),
  sha256: z.string().meta({ description: 'SHA-256 of the stored bytes, hex' }),
  size: z.number().int().meta({ description: 'Bytes' }),
  changed: z.boolean().meta({ description: 'false: the same PDF was stored already' }),
});

function sendPdf(reply: FastifyReply, pdf: PdfFile): FastifyReply {
  return (
    reply
      .type('application/pdf')
      .header('content-disposition', contentDisposition(pdf.fileName))
      .header('x-dunwell-document-origin', pdf.origin)
      // documents change with the ledger: never served from a shared cache
      .header('cache-control', 'private, no-store')
      .send(pdf.bytes)
  );
}

export default async function documents(app: ApiApp, deps: AppDeps): Promise<void> {
  // PDF uploads arrive as raw bytes (this plugin's own parser, encapsulated to these routes)
  app.addContentTypeParser(
    PDF_TYPES,
    { parseAs: 'buffer', bodyLimit: MAX_INVOICE_PDF_BYTES },
    (_request, body, done) => done(null, body),
  );

  app.get(
    '/api/v1/invoices/:external_id/pdf',
    {
      schema: {
        tags: ['documents'],
        summary: 'Download an invoice PDF',
        description:
          'The PDF imported or uploaded for the invoice, byte for byte; for an invoice without one, a copy ' +
          'rendered from the ledger (amount, what was paid or credited by ?as_of=, balance due, remittance ' +
          'details) in the customer’s language. The X-Dunwell-Document-Origin header says which: imported or ' +
          'rendered. This is the file the invoice’s messages attach.',
        params: ExternalIdParam,
        querystring: z.object({
          as_of: CalendarDateSchema.optional().meta({
            description: 'Day the rendered copy’s balance is taken on (default: today)',
          }),
        }),
        response: { 400: ErrorBody, 404: ErrorBody },
      },
    },
    async (request, reply) => {
      const asOf = request.query.as_of ?? (await deps.today());
      return sendPdf(reply, await invoicePdfByExternalId(deps.db, request.params.external_id, asOf));
    },
  );

  app.put(
    '/api/v1/invoices/:external_id/pdf',
    {
      bodyLimit: MAX_INVOICE_PDF_BYTES,
      errorHandler: (err, request, reply) => {
        const status = (err as { statusCode?: number }).statusCode;
        if (status === 413 || status === 415) {
          const message =
            status === 413
              ? `the PDF is larger than ${MAX_INVOICE_PDF_BYTES / 1048576} MB, the most an invoice PDF may have; nothing was stored`
              : `send the PDF itself as the body with Content-Type: application/pdf; nothing was stored`;
          return reply
            .code(status)
            .type('application/json; charset=utf-8')
            .serializer(JSON.stringify)
            .send(errorPayload(status === 413 ? 'payload_too_large' : 'unsupported_media_type', message));
        }
        return app.errorHandler(err, request, reply);
      },
      schema: {
        tags: ['documents'],
        summary: 'Upload an invoice PDF',
        description:
          `The body is the invoice’s PDF (Content-Type: application/pdf, at most ${MAX_INVOICE_PDF_BYTES / 1048576} MB; ` +
          'larger is 413). It must start with %PDF- (else 422). It replaces an earlier one, is attached to the ' +
          'invoice’s messages as it is and served by GET …/pdf; the upload is on the customer’s timeline.',
        params: ExternalIdParam,
        response: {
          200: StoredPdfSchema,
          400: ErrorBody,
          404: ErrorBody,
          413: ErrorBody,
          415: ErrorBody,
          422: ErrorBody,
        },
      },
    },
    async (request, reply) => {
      const body = request.body;
      if (!Buffer.isBuffer(body)) {
        return reply
          .code(415)
          .type('application/json; charset=utf-8')
          .serializer(JSON.stringify)
          .send(
            errorPayload(
              'unsupported_media_type',
              'send the PDF itself as the body with Content-Type: application/pdf; nothing was stored',
            ),
          );
      }
      const stored = await deps.db.transaction((tx) =>
        uploadInvoicePdf(tx, request.params.external_id, body, request.actor),
      );
      return {
        invoice: stored.number,
        file_name: stored.fileName,
        sha256: stored.sha256,
        size: stored.size,
        changed: stored.changed,
      };
    },
  );

  app.get(
    '/api/v1/customers/:external_id/statement.pdf',
    {
      schema: {
        tags: ['documents'],
        summary: 'Download a customer’s account statement PDF',
        description:
          'The account statement as of ?as_of= (default today): opening balance, the invoices, payments, ' +
          'credits and adjustments of the period with the running balance, closing balance, aging of what is ' +
          'open, and remittance details — per currency, in the customer’s language. The period is the month ' +
          'of as_of up to as_of, or from ?from= to as_of.',
        params: ExternalIdParam,
        querystring: z.object({
          as_of: CalendarDateSchema.optional().meta({ description: 'Statement date (default: today)' }),
          from: CalendarDateSchema.optional().meta({
            description: 'First day of the period (default: the first of as_of’s month)',
          }),
        }),
        response: { 400: ErrorBody, 404: ErrorBody, 422: ErrorBody },
      },
    },
    async (request, reply) => {
      const asOf = request.query.as_of ?? (await deps.today());
      const from = request.query.from;
      if (from !== undefined && from > asOf) {
        return reply
          .code(400)
          .type('application/json; charset=utf-8')
          .serializer(JSON.stringify)
          .send(
            errorPayload(
              'validation_failed',
              `querystring.from: ${from} is after as_of ${asOf}; the period would be empty`,
              [{ path: 'querystring.from', message: `after as_of ${asOf}` }],
            ),
          );
      }
      return sendPdf(reply, await statementPdf(deps.db, request.params.external_id, asOf, { from }));
    },
  );
}
