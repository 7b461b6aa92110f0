/**
 * Zod schemas shared by the API's routes: the value types of PRODUCT §2.2 (money as decimal
 * strings, dates YYYY-MM-DD, instants ISO UTC), the one error shape, pagination and the
 * import result. The same schemas validate requests, check responses and generate OpenAPI.
 */
import { z } from 'zod';

/** A decimal amount in the row's currency, written as a string: "1234.50". */
export const Money = z
  .string()
  .regex(/^-?\d+(\.\d+)?$/, { error: 'must be a decimal amount written as a string, like "1234.50"' })
  .meta({ description: 'Decimal amount in the currency of the row, as a string', examples: ['1234.50'] });

export const CalendarDateSchema = z.iso
  .date({ error: 'must be a date written YYYY-MM-DD' })
  .meta({ description: 'Calendar date (YYYY-MM-DD)', examples: ['2026-01-31'] });

export const Instant = z.iso.datetime().meta({ description: 'Instant, ISO 8601 UTC' });

export const CurrencyCode = z
  .string()
  .regex(/^[A-Za-z]{3}$/, { error: 'must be an ISO 4217 currency code like EUR' })
  .meta({ description: 'ISO 4217 currency code', examples: ['EUR'] });

/** Money per currency: {"EUR": "1200.00", "USD": "80.00"} */
export const TotalsByCurrency = z
  .record(z.string(), Money)
  .meta({ description: 'Amounts per currency (ISO 4217 code → decimal string)' });

export const CustomFields = z
  .record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]))
  .meta({ description: 'Fields of your own, kept as they are (the import keeps unknown columns here)' });

/** A query-string flag: true/false (also 1/0, yes/no). */
export const QueryBool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

export const ExternalIdParam = z.object({
  external_id: z.string().min(1).max(200).meta({ description: 'The record’s external_id (your ERP’s id)' }),
});

export const PageQuery = {
  limit: z.coerce
    .number({ error: 'must be a whole number from 1 to 500' })
    .int({ error: 'must be a whole number from 1 to 500' })
    .min(1, { error: 'must be at least 1' })
    .max(500, { error: 'must be at most 500' })
    .default(50)
    .meta({ description: 'Page size, 1–500 (default 50)' }),
  cursor: z
    .string()
    .max(2000)
    .optional()
    .meta({ description: 'The next_cursor of the previous page; leave out for the first page' }),
};

export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({
    items: z.array(item),
    next_cursor: z
      .string()
      .nullable()
      .meta({ description: 'Pass as ?cursor= to get the next page; null on the last page' }),
  });
}

export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string().meta({
        description:
          'validation_failed, malformed_json, invalid_cursor, unauthorized, not_found, conflict, rejected_rows, invalid_request, payload_too_large, unsupported_media_type, internal',
      }),
      message: z.string().meta({ description: 'What was wrong, where, and what to do about it' }),
      details: z.array(z.unknown()).optional(),
    }),
  })
  .meta({ id: 'Error', description: 'Every error the API returns has this shape' });

export const RowErrorSchema = z.object({
  row: z.number().int().meta({ description: '1-based position of the item in the request' }),
  column: z.string().nullable(),
  value: z.string().nullable(),
  reason: z.string(),
});

export const ImportResultSchema = z
  .object({
    kind: z.enum(['customers', 'contacts', 'invoices', 'payments', 'credit-notes']),
    rows: z.number().int(),
    inserted: z.number().int(),
    updated: z.number().int(),
    unchanged: z.number().int(),
    rejected: z.array(RowErrorSchema),
  })
  .meta({
    id: 'ImportResult',
    description: 'What a batch upsert did (the same shape as `dunwell import --json`)',
  });

/** Query flags every write accepts. */
export const WriteQuery = z.object({
  dry_run: QueryBool.optional().meta({ description: 'Validate and count, write nothing' }),
  create_customers: QueryBool.optional().meta({
    description:
      'An unknown customer_external_id creates a customer named by its id (instead of rejecting the row)',
  }),
});

export const BatchQuery = WriteQuery.extend({
  partial: QueryBool.optional().meta({
    description: 'Write the good items even when some are rejected (they are still listed)',
  }),
});

export const MAX_BATCH = 10_000;
/** A batch of 10,000 invoices is about 3 MB of JSON; leave room for long custom fields. */
export const BATCH_BODY_LIMIT = 32 * 1024 * 1024;

/** Error responses most operations can give (401 is added to every /api/v1 operation). */
export const errorResponses = { 400: ErrorBody, 404: ErrorBody };
