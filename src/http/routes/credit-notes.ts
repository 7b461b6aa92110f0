import { getCreditNote, listCreditNotes } from '../../ledger/read.ts';
import type { ApiApp, AppDeps } from '../app.ts';
import { CreditNoteFields, CreditNoteInput, CreditNoteSchema } from '../ledger-schemas.ts';
import { registerSettlementRoutes } from '../settlement-routes.ts';

export default async function creditNotes(app: ApiApp, deps: AppDeps): Promise<void> {
  registerSettlementRoutes(app, deps, {
    kind: 'credit-notes',
    table: 'credit_notes',
    noun: 'credit note',
    plural: 'credit notes',
    schema: CreditNoteSchema,
    input: CreditNoteInput,
    fields: CreditNoteFields,
    list: listCreditNotes,
    get: getCreditNote,
    reopens: 'what it credited',
  });
}
