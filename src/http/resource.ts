/**
 * The two write routes every ledger resource has, built the same way: PUT one record by its
 * external_id, and POST a batch of up to 10,000. Both run the import (ledger-writes.ts).
 */
import { z } from 'zod';
import type { ApiApp, AppDeps } from './app.ts';
import { FieldError } from './errors.ts';
import { type ImportKind, toImportRecord, upsertBatch, upsertOne } from './ledger-writes.ts';
import {
  BATCH_BODY_LIMIT,
  BatchQuery,
  ErrorBody,
  ExternalIdParam,
  ImportResultSchema,
  MAX_BATCH,
  QueryBool,
} from './schemas.ts';

export interface UpsertSpec {
  kind: ImportKind;
  /** '/api/v1/customers' */
  path: string;
  tag: string;
  /** 'customer' */
  noun: string;
  /** the PUT body (external_id optional) */
  input: z.ZodObject;
  /** one batch item (external_id required where the import needs it) */
  batchItem: z.ZodObject;
  output: z.ZodType;
  /** reads the record back after a PUT (its shape is `output`) */
  load(deps: AppDeps, externalId: string): Promise<object | null>;
}

export function registerUpserts(app: ApiApp, deps: AppDeps, spec: UpsertSpec): void {
  app.put(
    `${spec.path}/:external_id`,
    {
      schema: {
        tags: [spec.tag],
        summary: `Create or update one ${spec.noun}`,
        description:
          `Upserts the ${spec.noun} with this external_id, validated and stored exactly like ` +
          `\`dunwell import ${spec.kind}\`. Fields left out keep their stored value; null clears a field. ` +
          'Answers 201 when it was created, 200 when it existed; ' +
          '422 rejected_rows (nothing written) when the import refuses it.',
        params: ExternalIdParam,
        querystring: z.object({
          create_customers: QueryBool.optional().meta({
            description: 'An unknown customer_external_id creates a customer named by its id',
          }),
        }),
        body: spec.input,
        response: { 200: spec.output, 201: spec.output, 400: ErrorBody, 422: ErrorBody },
      },
    },
    async (request, reply) => {
      const externalId = request.params.external_id;
      const body = request.body as Record<string, unknown>;
      if (body.external_id !== undefined && body.external_id !== externalId) {
        throw new FieldError(
          'body.external_id',
          `"${String(body.external_id)}" differs from "${externalId}" in the URL; ` +
            'leave it out of the body or make the two equal',
        );
      }
      const result = await upsertOne(
        deps,
        request,
        spec.kind,
        toImportRecord(spec.kind, body, 'body', externalId),
        {
          create_customers: request.query.create_customers,
        },
      );
      const saved = await spec.load(deps, externalId);
      if (!saved) throw new Error(`the ${spec.noun} ${externalId} was saved but cannot be read back`);
      return reply.code(result.inserted > 0 ? 201 : 200).send(saved as never);
    },
  );

  app.post(
    spec.path,
    {
      bodyLimit: BATCH_BODY_LIMIT,
      schema: {
        tags: [spec.tag],
        summary: `Create or update a batch of ${spec.noun}s`,
        description:
          `Upserts up to ${MAX_BATCH.toLocaleString('en')} ${spec.noun}s by external_id in one transaction, ` +
          `like \`dunwell import ${spec.kind}\`. When any item is rejected nothing is written and the answer ` +
          'is 422 rejected_rows listing every rejected item (row = its 1-based position, path = its field), ' +
          'unless ?partial=true, which writes the good items and lists the rejected ones in the result. ' +
          'Sending the same batch again changes nothing. The items are read like the rows of one CSV file whose ' +
          'columns are all the fields the items use: a field one item leaves out while another gives it counts ' +
          'as empty for that item.',
        querystring: BatchQuery,
        body: z.strictObject({
          items: z
            .array(spec.batchItem)
            .min(1, { error: 'must hold at least one item' })
            .max(MAX_BATCH, { error: `must hold at most ${MAX_BATCH} items; split the batch` }),
        }),
        response: { 200: ImportResultSchema, 400: ErrorBody, 413: ErrorBody, 422: ErrorBody },
      },
    },
    async (request) => {
      const records = request.body.items.map((item, i) =>
        toImportRecord(spec.kind, item as Record<string, unknown>, `body.items[${i}]`),
      );
      return upsertBatch(deps, request, spec.kind, records, request.query);
    },
  );
}
