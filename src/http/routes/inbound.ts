/**
 * Inbound mail over HTTP: the webhook mail providers call with each raw message, the list of
 * inbound messages (the unassigned ones in particular), and the collector's actions on one
 * (assign, accept the proposal, undo, retry). The same functions as `dunwell inbound`.
 */
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import {
  acceptInbound,
  assignInbound,
  authenticateWebhookSecret,
  getInbound,
  type IntakeDeps,
  listInbound,
  MAX_INBOUND_BYTES,
  receiveInbound,
  retryInbound,
  undoInbound,
} from '../../inbound/intake/index.ts';
import { decodeCursor, toPage } from '../../ledger/read.ts';
import { loadConfig } from '../../platform/config.ts';
import type { ApiApp, AppDeps } from '../app.ts';
import { errorPayload } from '../errors.ts';
import { CalendarDateSchema, ErrorBody, Instant, PageQuery, pageOf } from '../schemas.ts';

const RAW_TYPES = ['message/rfc822', 'application/octet-stream', 'text/plain'];
const SECRET_HEADER = 'x-dunwell-inbound-secret';

const Json = z.record(z.string(), z.unknown());

const EffectSchema = z.object({
  id: z.number().int(),
  kind: z.string().meta({
    description:
      'contact_bounced, contact_complained, soft_bounce, task_created, reply_paused, promise_created, dispute_opened',
  }),
  customer_external_id: z.string().nullable(),
  before: z.unknown(),
  after: z.unknown(),
  undone: z.boolean(),
});

export const InboundSchema = z
  .object({
    id: z.number().int(),
    source: z.enum(['file', 'api', 'imap']),
    source_ref: z.string().nullable(),
    status: z.enum(['received', 'processed', 'failed']),
    attempts: z.number().int(),
    failure: z.string().nullable().meta({ description: 'Why processing failed (status failed)' }),
    received_at: Instant,
    processed_at: Instant.nullable(),
    message_id: z.string().nullable(),
    from: z.string().nullable(),
    subject: z.string().nullable(),
    kind: z.enum(['bounce', 'auto_reply', 'complaint', 'delivered', 'reply', 'unknown']).nullable(),
    classification: Json.nullable().meta({
      description: 'The PRODUCT §6 classification (kind, bounce, bounces, reply, thread) and problems',
    }),
    customer_external_id: z.string().nullable().meta({ description: 'null = unassigned' }),
    thread_method: z.enum(['token', 'in_reply_to', 'sender', 'manual']).nullable(),
    outbox_message_id: z.number().int().nullable(),
    proposal: Json.nullable().meta({
      description:
        'A proposed promise ({type, invoices, promised_date}) or dispute ({type, invoices, reason})',
    }),
    proposal_status: z.enum(['proposed', 'accepted']).nullable(),
    notes: z.array(z.string()),
    effects: z.array(EffectSchema),
    undone_at: Instant.nullable(),
    duplicate: z.boolean().optional().meta({ description: 'POST only: the message was stored before' }),
    reverted: z.array(z.string()).optional().meta({ description: 'undo only: what was put back' }),
  })
  .meta({ id: 'InboundMessage', description: 'An inbound message and what processing it did' });

const IdParam = z.object({ id: z.coerce.number().int().min(1).meta({ description: 'Inbound message id' }) });

function intakeDeps(deps: AppDeps): IntakeDeps {
  const config = loadConfig();
  return {
    db: deps.db,
    clock: deps.clock,
    reply: { localPart: config.replyLocalPart, domain: config.replyDomain },
  };
}

export default async function inbound(app: ApiApp, deps: AppDeps): Promise<void> {
  // Raw messages, not JSON: this plugin's own parsers (encapsulated to these routes).
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser(
    RAW_TYPES,
    { parseAs: 'buffer', bodyLimit: MAX_INBOUND_BYTES },
    (_req, body, done) => done(null, body),
  );

  const webhookSecret = async (request: FastifyRequest): Promise<string | null> => {
    const header = request.headers[SECRET_HEADER];
    const query = (request.query as Record<string, unknown> | undefined)?.secret;
    const secret = typeof header === 'string' ? header : typeof query === 'string' ? query : null;
    if (!secret) return null;
    const name = await authenticateWebhookSecret(deps.db, secret);
    return name ? `webhook:${name}` : null;
  };

  app.post(
    '/api/v1/inbound',
    {
      bodyLimit: MAX_INBOUND_BYTES,
      config: { alternativeAuth: webhookSecret },
      errorHandler: (err, request, reply) => {
        if (err.statusCode === 413)
          return reply
            .code(413)
            .type('application/json; charset=utf-8')
            .serializer(JSON.stringify)
            .send(
              errorPayload(
                'payload_too_large',
                `the message is larger than ${MAX_INBOUND_BYTES / 1048576} MB, the most Dunwell takes in one message; it was not stored`,
              ),
            );
        return app.errorHandler(err, request, reply);
      },
      schema: {
        tags: ['inbound'],
        summary: 'Take in one raw message (inbound webhook)',
        description:
          'The body is one raw RFC 5322 message (Content-Type message/rfc822, application/octet-stream or ' +
          `text/plain, at most ${MAX_INBOUND_BYTES / 1048576} MB; larger is 413). It is stored first (status ` +
          'received), then classified, threaded to a customer and applied; the answer says what happened. ' +
          'A message stored before (same Message-ID and content) is not stored again (duplicate: true). ' +
          'Authenticate with a bearer API key, or — for mail providers that cannot send one — with a secret ' +
          'from "dunwell inbound secret create NAME" in ?secret= or the X-Dunwell-Inbound-Secret header.',
        querystring: z.object({
          secret: z.string().max(200).optional().meta({ description: 'Inbound webhook secret' }),
        }),
        response: { 200: InboundSchema, 400: ErrorBody, 413: ErrorBody, 415: ErrorBody, 422: ErrorBody },
      },
    },
    async (request, reply) => {
      const body = request.body;
      if (!Buffer.isBuffer(body) || body.byteLength === 0)
        return reply
          .code(400)
          .type('application/json; charset=utf-8')
          .serializer(JSON.stringify)
          .send(
            errorPayload(
              'bad_request',
              'the request body is empty; send the raw message with Content-Type: message/rfc822',
            ),
          );
      return receiveInbound(intakeDeps(deps), {
        raw: new Uint8Array(body.buffer, body.byteOffset, body.byteLength),
        source: 'api',
        sourceRef: request.actor,
        actor: request.actor,
      });
    },
  );

  app.get(
    '/api/v1/inbound',
    {
      schema: {
        tags: ['inbound'],
        summary: 'List inbound messages',
        description:
          'Newest first. status=unassigned lists processed messages no customer was found for (assign them ' +
          'with POST /api/v1/inbound/{id}/assign).',
        querystring: z.object({
          status: z.enum(['received', 'processed', 'failed', 'unassigned']).optional(),
          customer: z.string().min(1).max(200).optional().meta({ description: 'Customer external_id' }),
          ...PageQuery,
        }),
        response: { 200: pageOf(InboundSchema), 400: ErrorBody },
      },
    },
    async (request) => {
      const q = request.query;
      const after = q.cursor ? decodeCursor(q.cursor, 'int') : null;
      const rows = await listInbound(deps.db, {
        status: q.status,
        customerExternalId: q.customer,
        beforeId: after ? after[1] : undefined,
        limit: q.limit + 1,
      });
      return toPage(rows, q.limit, (row) => row.id);
    },
  );

  app.get(
    '/api/v1/inbound/:id',
    {
      schema: {
        tags: ['inbound'],
        summary: 'Get an inbound message',
        params: IdParam,
        response: { 200: InboundSchema, 400: ErrorBody, 404: ErrorBody },
      },
    },
    async (request) => getInbound(deps.db, request.params.id),
  );

  app.post(
    '/api/v1/inbound/:id/retry',
    {
      config: { minRole: 'collector' },
      schema: {
        tags: ['inbound'],
        summary: 'Process a failed message again',
        params: IdParam,
        response: { 200: InboundSchema, 400: ErrorBody, 404: ErrorBody, 422: ErrorBody },
      },
    },
    async (request) => retryInbound(intakeDeps(deps), request.params.id, request.actor),
  );

  app.post(
    '/api/v1/inbound/:id/assign',
    {
      config: { minRole: 'collector' },
      schema: {
        tags: ['inbound'],
        summary: 'Assign a message to a customer',
        description: 'Threads the message to the customer by hand; its effects apply to that customer.',
        params: IdParam,
        body: z.object({ customer_external_id: z.string().min(1).max(200) }),
        response: { 200: InboundSchema, 400: ErrorBody, 404: ErrorBody, 422: ErrorBody },
      },
    },
    async (request) =>
      assignInbound(intakeDeps(deps), {
        id: request.params.id,
        customerExternalId: request.body.customer_external_id,
        actor: request.actor,
      }),
  );

  app.post(
    '/api/v1/inbound/:id/accept',
    {
      config: { minRole: 'collector' },
      schema: {
        tags: ['inbound'],
        summary: 'Accept the proposed promise or dispute',
        description:
          'Records the promise to pay (date prefilled from the reply; promised_date overrides) or opens the ' +
          'dispute the reply proposed, on each invoice of the proposal, in one transaction.',
        params: IdParam,
        body: z.object({ promised_date: CalendarDateSchema.optional() }).optional().default({}),
        response: { 200: InboundSchema, 400: ErrorBody, 404: ErrorBody, 422: ErrorBody },
      },
    },
    async (request) =>
      acceptInbound(intakeDeps(deps), {
        id: request.params.id,
        actor: request.actor,
        promisedDate: request.body?.promised_date ?? null,
      }),
  );

  app.post(
    '/api/v1/inbound/:id/undo',
    {
      config: { minRole: 'collector' },
      schema: {
        tags: ['inbound'],
        summary: 'Undo what a message changed',
        description:
          'Reverts every effect of processing and accepting the message (address status, tasks, reply pause, ' +
          'promise, dispute) unless a person changed it since; each reverted change is on the timeline.',
        params: IdParam,
        response: { 200: InboundSchema, 400: ErrorBody, 404: ErrorBody, 422: ErrorBody },
      },
    },
    async (request) => undoInbound(intakeDeps(deps), { id: request.params.id, actor: request.actor }),
  );
}
