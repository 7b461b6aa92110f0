/**
 * The demo ledger: a seeded, deterministic data set (generate.ts, pure) and the loader that
 * writes it through the import (load.ts). `dunwell demo` (src/cli/commands/demo.ts) uses both.
 */
export {
  DEMO_HISTORY_MONTHS,
  DEMO_INVOICE_COUNT,
  DEMO_ORGANISATION,
  DEMO_SEED,
  type DemoContact,
  type DemoCreditNote,
  type DemoCustomer,
  type DemoData,
  type DemoDispute,
  type DemoInvoice,
  type DemoOptions,
  type DemoPayment,
  type DemoPromise,
  generateDemoData,
  PAYER_BEHAVIOURS,
  type PayerBehaviour,
} from './generate.ts';
export {
  applyDefaultCampaignsIfNone,
  applyDemoDefaults,
  DEMO_ACTOR,
  DemoLoadError,
  type DemoLoadResult,
  type DemoMarker,
  demoMarker,
  loadDemoData,
  type StoreSummary,
  setDemoOrganisation,
  storeSummary,
} from './load.ts';
