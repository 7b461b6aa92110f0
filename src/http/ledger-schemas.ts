/**
 * Request and response schemas of the ledger resources. Field names are the import columns
 * (PRODUCT §2.1); responses are the shapes of src/ledger/read.ts.
 */
import { z } from 'zod';
import {
  CalendarDateSchema,
  CurrencyCode,
  CustomFields,
  Instant,
  Money,
  TotalsByCurrency,
} from './schemas.ts';

const ExternalId = z.string().min(1, { error: 'must not be empty' }).max(200);
const optionalText = (description: string) =>
  z.string().max(1000).nullable().optional().meta({ description });

// ---------------------------------------------------------------------------------------
// Responses

export const ContactSchema = z
  .object({
    external_id: z.string(),
    customer_external_id: z.string(),
    name: z.string(),
    email: z.string().nullable(),
    phone: z.string().nullable(),
    role: z.enum(['billing', 'ap', 'key', 'other']),
    receives_dunning: z.boolean(),
    preferred_channel: z.enum(['email', 'phone']),
    email_status: z
      .enum(['ok', 'bounced', 'complained'])
      .meta({ description: 'bounced or complained addresses are not mailed' }),
    custom_fields: z.record(z.string(), z.unknown()),
    created_at: Instant,
    updated_at: Instant,
  })
  .meta({ id: 'Contact' });

export const CustomerSchema = z
  .object({
    external_id: z.string(),
    name: z.string(),
    currency: z
      .string()
      .nullable()
      .meta({ description: 'null: the organisation’s default currency applies' }),
    language: z.string().nullable(),
    time_zone: z.string().nullable(),
    payment_terms_days: z.number().int(),
    credit_limit: Money.nullable(),
    tags: z.array(z.string()),
    account_manager_email: z.string().nullable(),
    priority: z.enum(['high', 'normal', 'low']),
    paused: z
      .boolean()
      .meta({ description: 'true while dunning is paused (indefinitely or until paused_until)' }),
    paused_until: CalendarDateSchema.nullable(),
    custom_fields: z.record(z.string(), z.unknown()),
    open_balance: TotalsByCurrency.meta({ description: 'Open balance per currency' }),
    overdue: TotalsByCurrency.meta({ description: 'Past-due part of the open balance per currency' }),
    open_invoices: z.number().int(),
    created_at: Instant,
    updated_at: Instant,
  })
  .meta({ id: 'Customer' });

export const CustomerDetailSchema = CustomerSchema.extend({ contacts: z.array(ContactSchema) }).meta({
  id: 'CustomerDetail',
});

export const InvoiceSchema = z
  .object({
    external_id: z.string(),
    customer_external_id: z.string(),
    number: z.string(),
    issue_date: CalendarDateSchema,
    due_date: CalendarDateSchema,
    currency: z.string(),
    amount: Money,
    open_balance: Money.meta({
      description: 'Amount minus payments, credits and adjustments dated on or before as_of',
    }),
    status: z.enum(['open', 'paid', 'void']).meta({
      description:
        'void as the ERP states it; paid when the ERP says so or nothing is open as of as_of; else open',
    }),
    days_overdue: z
      .number()
      .int()
      .meta({ description: 'as_of − due_date for an open invoice past due, else 0' }),
    settled_on: CalendarDateSchema.nullable(),
    po_number: z.string().nullable(),
    disputed: z.boolean(),
    on_hold: z.boolean(),
    custom_fields: z.record(z.string(), z.unknown()),
    created_at: Instant,
    updated_at: Instant,
  })
  .meta({ id: 'Invoice' });

export const ApplicationSchema = z
  .object({
    invoice_external_id: z.string(),
    invoice_number: z.string(),
    amount: Money,
    date: CalendarDateSchema,
  })
  .meta({ id: 'Application', description: 'The part of a payment or credit note applied to one invoice' });

export const PaymentSchema = z
  .object({
    external_id: z.string(),
    customer_external_id: z.string(),
    date: CalendarDateSchema,
    amount: Money,
    currency: z.string(),
    reference: z.string(),
    source: z.enum(['import', 'api', 'bank', 'portal', 'provider']),
    unapplied: Money.meta({ description: 'The part of the amount not applied to any invoice' }),
    applications: z.array(ApplicationSchema),
    custom_fields: z.record(z.string(), z.unknown()),
    created_at: Instant,
    updated_at: Instant,
  })
  .meta({ id: 'Payment' });

export const CreditNoteSchema = z
  .object({
    external_id: z.string(),
    customer_external_id: z.string(),
    number: z.string(),
    date: CalendarDateSchema,
    amount: Money,
    currency: z.string(),
    unapplied: Money,
    applications: z.array(ApplicationSchema),
    custom_fields: z.record(z.string(), z.unknown()),
    created_at: Instant,
    updated_at: Instant,
  })
  .meta({ id: 'CreditNote' });

// ---------------------------------------------------------------------------------------
// Requests (upserts). Unknown fields are refused, so a misspelt field is an error that names
// it instead of being silently ignored; fields of your own go in custom_fields.

const AppliedTo = z
  .union([
    z.string().max(100_000),
    z
      .array(
        z.strictObject({
          invoice: z.string().min(1).meta({ description: 'Invoice number or external_id' }),
          amount: Money.optional().meta({ description: 'Amount applied; left out: what is open' }),
        }),
      )
      .max(10_000),
  ])
  .optional()
  .meta({
    description:
      'Invoices this settles: "INV-1:100.00;INV-2" or [{"invoice": "INV-1", "amount": "100.00"}, {"invoice": "INV-2"}]. ' +
      'Left out: matched by reference, then oldest first.',
  });

export const CustomerFields = z.strictObject({
  external_id: ExternalId.optional().meta({
    description: 'Required in batches; in a PUT it must match the URL',
  }),
  name: z.string().min(1, { error: 'must not be empty' }).max(500),
  currency: CurrencyCode.nullable().optional(),
  language: optionalText('Language of messages (e.g. en, de)'),
  time_zone: optionalText('IANA time zone, e.g. Europe/Berlin'),
  payment_terms_days: z.number().int().min(0).max(3650).optional(),
  credit_limit: Money.nullable().optional(),
  tags: z.array(z.string().min(1).max(100)).max(100).optional(),
  account_manager_email: z.email({ error: 'must be an email address' }).nullable().optional(),
  priority: z.enum(['high', 'normal', 'low']).optional(),
  paused_until: CalendarDateSchema.nullable().optional(),
  custom_fields: CustomFields.optional(),
});
export const CustomerInput = CustomerFields.meta({ id: 'CustomerUpsert' });

export const ContactFields = z.strictObject({
  external_id: ExternalId.optional().meta({
    description: 'Required in batches; in a PUT it must match the URL',
  }),
  customer_external_id: ExternalId,
  name: z.string().max(500).optional(),
  email: z.email({ error: 'must be an email address' }).nullable().optional(),
  phone: optionalText('Phone number'),
  role: z.enum(['billing', 'ap', 'key', 'other']).optional(),
  receives_dunning: z.boolean().optional(),
  preferred_channel: z.enum(['email', 'phone']).optional(),
  custom_fields: CustomFields.optional(),
});
export const ContactInput = ContactFields.meta({ id: 'ContactUpsert' });

export const InvoiceFields = z.strictObject({
  external_id: ExternalId.optional().meta({
    description: 'Defaults to number; in a PUT it must match the URL',
  }),
  customer_external_id: ExternalId,
  number: z.string().min(1).max(200),
  issue_date: CalendarDateSchema,
  due_date: CalendarDateSchema.optional().meta({
    description: 'Default: issue date + the customer’s payment terms',
  }),
  currency: CurrencyCode.optional().meta({ description: 'Default: the organisation’s currency' }),
  amount: Money,
  balance: Money.optional().meta({
    description: 'What the ERP says is still open (recorded as an adjustment)',
  }),
  po_number: optionalText('Purchase order number'),
  status: z.enum(['open', 'paid', 'void']).optional(),
  disputed: z.boolean().optional(),
  custom_fields: CustomFields.optional(),
});
export const InvoiceInput = InvoiceFields.meta({ id: 'InvoiceUpsert' });

export const PaymentFields = z.strictObject({
  external_id: ExternalId.optional().meta({
    description: 'Required in batches; in a PUT it must match the URL',
  }),
  customer_external_id: ExternalId,
  date: CalendarDateSchema,
  amount: Money,
  currency: CurrencyCode.optional(),
  reference: z.string().max(1000).optional(),
  applied_to: AppliedTo,
  custom_fields: CustomFields.optional(),
});
export const PaymentInput = PaymentFields.meta({ id: 'PaymentUpsert' });

export const CreditNoteFields = z.strictObject({
  external_id: ExternalId.optional().meta({
    description: 'Required in batches; in a PUT it must match the URL',
  }),
  customer_external_id: ExternalId,
  number: z.string().min(1).max(200),
  date: CalendarDateSchema,
  amount: Money,
  currency: CurrencyCode.optional(),
  applied_to: AppliedTo,
  custom_fields: CustomFields.optional(),
});
export const CreditNoteInput = CreditNoteFields.meta({ id: 'CreditNoteUpsert' });
