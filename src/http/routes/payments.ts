import { getPayment, listPayments } from '../../ledger/read.ts';
import type { ApiApp, AppDeps } from '../app.ts';
import { PaymentFields, PaymentInput, PaymentSchema } from '../ledger-schemas.ts';
import { registerSettlementRoutes } from '../settlement-routes.ts';

export default async function payments(app: ApiApp, deps: AppDeps): Promise<void> {
  registerSettlementRoutes(app, deps, {
    kind: 'payments',
    table: 'payments',
    noun: 'payment',
    plural: 'payments',
    schema: PaymentSchema,
    input: PaymentInput,
    fields: PaymentFields,
    list: listPayments,
    get: getPayment,
    reopens: 'what it paid',
  });
}
