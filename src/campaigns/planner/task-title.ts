/**
 * Task titles are short Liquid templates written in the campaign file ("Call {{ customer.name }}
 * about {{ invoices.size }} invoices"). They are rendered by a sandboxed engine: only the
 * variables below exist (an unknown one is an error, not an empty string), only own properties
 * are readable (no prototype walks), only built-in filters, no file access (include/render/
 * layout find nothing), and parse/render/memory limits stop runaway templates.
 * Pure: liquidjs renders in memory; nothing here reads files, the clock or the environment.
 */
import { Liquid } from 'liquidjs';

export interface TaskTitleContext {
  customer: {
    name: string;
    external_id: string;
    tags: string[];
    priority: string;
    currency: string;
    language: string;
    account_manager_email: string | null;
  };
  invoices: {
    number: string;
    currency: string;
    due_date: string;
    issue_date: string;
    days_overdue: number;
    /** Minor units; a title formats money at its own risk (kept numeric for size/sum filters). */
    open_balance: number;
  }[];
  step: { key: string; offset_days: number };
  campaign: { key: string; name: string };
}

/** A file system that holds nothing: `{% include %}`, `{% render %}` and `{% layout %}` fail. */
const noFiles = {
  exists: async () => false,
  existsSync: () => false,
  readFile: async (file: string): Promise<string> => {
    throw new Error(`templates cannot read files ("${file}")`);
  },
  readFileSync: (file: string): string => {
    throw new Error(`templates cannot read files ("${file}")`);
  },
  resolve: (_dir: string, file: string) => file,
  contains: async () => false,
  containsSync: () => false,
  sep: '/',
  dirname: (file: string) => file,
};

const engine = new Liquid({
  ownPropertyOnly: true,
  strictFilters: true,
  strictVariables: true,
  parseLimit: 4_000,
  // renderLimit is wall time: a loaded machine once took > 200 ms for a plain title and the
  // plan fell back to the campaign-name title (a timing-dependent plan breaks R10). The memory
  // and parse limits bound runaway templates; this only stops one that still spins.
  renderLimit: 5_000,
  memoryLimit: 1_000_000,
  fs: noFiles,
  root: [],
  relativeReference: false,
  cache: false,
});

const parsed = new Map<string, ReturnType<Liquid['parse']>>();

/** Renders a task title; whitespace is collapsed to one line. Throws on any template error. */
export function renderTaskTitle(template: string, context: TaskTitleContext): string {
  let tpl = parsed.get(template);
  if (!tpl) {
    tpl = engine.parse(template);
    parsed.set(template, tpl);
  }
  const out = engine.renderSync(tpl, context) as string;
  return out.replace(/\s+/g, ' ').trim();
}

/** A context with every variable present, used to validate titles when a campaign file loads. */
export const SAMPLE_TASK_TITLE_CONTEXT: TaskTitleContext = {
  customer: {
    name: 'Sample Customer Ltd',
    external_id: 'C-1',
    tags: ['sample'],
    priority: 'normal',
    currency: 'EUR',
    language: 'en',
    account_manager_email: 'manager@example.com',
  },
  invoices: [
    {
      number: 'INV-1',
      currency: 'EUR',
      due_date: '2026-01-31',
      issue_date: '2026-01-01',
      days_overdue: 10,
      open_balance: 12_345,
    },
  ],
  step: { key: 'call', offset_days: 75 },
  campaign: { key: 'standard', name: 'Standard accounts' },
};

/** Returns an error message for a title that does not render, else null. */
export function taskTitleProblem(template: string): string | null {
  try {
    const out = renderTaskTitle(template, SAMPLE_TASK_TITLE_CONTEXT);
    if (out === '') return 'renders to an empty title';
    return null;
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0]! : String(error);
    return message;
  }
}
