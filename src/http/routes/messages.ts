import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { decodeCursor, encodeCursor } from '../../ledger/read.ts';
import { getOutboundMail, getOutboundMailRaw, listOutboundMail } from '../../messages/catcher/index.ts';
import { NotFoundError } from '../../platform/errors.ts';
import type { ApiApp, AppDeps } from '../app.ts';
import { ErrorBody, Instant, PageQuery, pageOf } from '../schemas.ts';

/** A message the sender handed over: accepted by the SMTP server, or caught by the built-in catcher. */
export const OutboundMailSchema = z
  .object({
    id: z.number().int(),
    outbox_id: z.number().int().nullable().meta({
      description: 'The outbox message it was built from (/api/v1/outbox/{id}); null for system mail',
    }),
    kind: z.enum(['customer', 'system']).meta({
      description:
        "'customer': an outbox message; 'system': mail to a workspace user (a password reset link), listed for admins only",
    }),
    customer_external_id: z.string().nullable(),
    transport: z.enum(['smtp', 'catcher']).meta({
      description:
        "'smtp': accepted by the configured SMTP server; 'catcher': stored instead of sent (no SMTP configured)",
    }),
    message_id: z.string().meta({ description: 'The Message-ID header, with angle brackets' }),
    from: z.string().meta({ description: 'Envelope sender (MAIL FROM)' }),
    to: z.array(z.string()).meta({ description: 'Envelope recipients (RCPT TO): To and Cc' }),
    subject: z.string(),
    size: z.number().int().meta({ description: 'Size of the raw message in bytes' }),
    response: z.string().nullable().meta({ description: 'The SMTP server’s reply' }),
    created_at: Instant,
  })
  .meta({ id: 'OutboundMessage', description: 'A sent or caught message' });

const IdParams = z.object({ id: z.coerce.number().int().min(1) });

/**
 * System mail (a password reset link) is for admins only: an API key (admin rights) or a
 * signed-in admin. Other roles do not see it listed and get 404 for its id.
 */
function seesSystemMail(request: FastifyRequest): boolean {
  return request.apiKey !== null || request.user?.role === 'admin';
}

export default async function messages(app: ApiApp, deps: AppDeps): Promise<void> {
  app.get(
    '/api/v1/messages',
    {
      schema: {
        tags: ['messages'],
        summary: 'List sent and caught messages',
        description:
          'Every message the sender handed over, newest first: what the SMTP server accepted, or what the ' +
          'built-in mail catcher stored when no SMTP server is configured. The raw message is at /api/v1/messages/{id}/raw.',
        querystring: z.object({
          customer: z.string().min(1).max(200).optional().meta({ description: 'Customer external_id' }),
          transport: z.enum(['smtp', 'catcher']).optional(),
          ...PageQuery,
        }),
        response: { 200: pageOf(OutboundMailSchema), 400: ErrorBody },
      },
    },
    async (request) => {
      const q = request.query;
      const after = q.cursor ? decodeCursor(q.cursor, 'int') : null;
      const rows = await listOutboundMail(deps.db, {
        includeSystem: seesSystemMail(request),
        customerExternalId: q.customer,
        transport: q.transport,
        beforeId: after ? after[1] : undefined,
        limit: q.limit + 1,
      });
      const more = rows.length > q.limit;
      const items = more ? rows.slice(0, q.limit) : rows;
      const last = items[items.length - 1];
      return { items, next_cursor: more && last ? encodeCursor(last.id, last.id) : null };
    },
  );

  app.get(
    '/api/v1/messages/:id',
    {
      schema: {
        tags: ['messages'],
        summary: 'Get a sent or caught message',
        description: 'Its envelope, subject, size and the server’s reply.',
        params: IdParams,
        response: { 200: OutboundMailSchema, 400: ErrorBody, 404: ErrorBody },
      },
    },
    async (request) => {
      const row = await getOutboundMail(deps.db, request.params.id, {
        includeSystem: seesSystemMail(request),
      });
      if (!row) throw new NotFoundError(`no sent or caught message with id ${request.params.id}`);
      return row;
    },
  );

  app.get(
    '/api/v1/messages/:id/raw',
    {
      schema: {
        tags: ['messages'],
        summary: 'Download the raw message (.eml)',
        description:
          'The exact RFC 5322 message as it was sent or caught, DKIM signature and attachments included ' +
          '(message/rfc822; opens in any mail client).',
        params: IdParams,
        response: { 400: ErrorBody, 404: ErrorBody },
      },
    },
    async (request, reply) => {
      const raw = await getOutboundMailRaw(deps.db, request.params.id, {
        includeSystem: seesSystemMail(request),
      });
      if (!raw) throw new NotFoundError(`no sent or caught message with id ${request.params.id}`);
      return (
        reply
          .type('message/rfc822')
          .header('content-disposition', `attachment; filename="message-${request.params.id}.eml"`)
          // raw bytes, not JSON: the response schema only types the error bodies
          .send(raw as unknown as z.infer<typeof ErrorBody>)
      );
    },
  );
}
