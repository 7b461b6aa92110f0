/**
 * Campaign files (PRODUCT §4): YAML or JSON, snake_case keys, validated by one zod schema
 * that is also published as JSON Schema (`dunwell campaigns schema`). The file format is
 * the contract; CampaignDefinition (planner/types.ts) is the planner's camelCase view of it.
 *
 * Validation happens in two layers: the zod schema checks shapes and ranges (and is what the
 * JSON Schema shows), then `checkCampaigns` checks what a schema cannot say: distinct keys
 * and offsets, until ≥ offset, trigger-specific fields, known holiday calendars, task titles
 * that render. Every error is one line naming the file, the campaign, the step and the field.
 */
import { fileURLToPath } from 'node:url';
import { Document, isMap, isScalar, isSeq, LineCounter, parseDocument, Scalar, visit } from 'yaml';
import { z } from 'zod';
import { WEEKDAY_KEYS, type WeekdayKey } from '../ledger/dates.ts';
import { normaliseCurrency } from '../ledger/money.ts';
import { UserError } from '../platform/errors.ts';
import { isKnownHolidayCalendar } from './holidays.ts';
import { stepSlotOffsets } from './planner/slots.ts';
import { taskTitleProblem } from './planner/task-title.ts';
import {
  type Audience,
  type CampaignDefinition,
  DEFAULT_SPLIT_PERCENT,
  type StepDefinition,
  type StepVariant,
  type Trigger,
} from './planner/types.ts';

/** The campaigns shipped with Dunwell (standard, key-accounts, welcome, statement, promise-broken). */
export const DEFAULT_CAMPAIGNS_PATH = fileURLToPath(new URL('./defaults/campaigns.yaml', import.meta.url));

/** Settings that apply across campaigns (the engine's EngineSettings takes them from here). */
export interface CampaignFileSettings {
  /** R5: at most this many dunning emails per customer in any 7 days, across all campaigns. */
  maxEmailsPerCustomerPerWeek: number;
}

export interface CampaignFile {
  settings: CampaignFileSettings;
  campaigns: CampaignDefinition[];
}

/** Values a campaign takes when neither it nor the file's `settings` block says otherwise. */
export const BUILT_IN_DEFAULTS = {
  maxEmailsPerCustomerPerWeek: 2,
  catchUpDays: 3,
  promiseGraceDays: 2,
  replyPauseDays: 5,
  minDaysBetween: 3,
  sendOn: ['mon', 'tue', 'wed', 'thu', 'fri'] as WeekdayKey[],
  sendAt: '09:00',
  holidays: [] as string[],
  priority: 100,
} as const;

// ---------------------------------------------------------------------------------------
// The schema (shapes and ranges; no transforms, so it converts to JSON Schema as is)

const KEY = /^[a-z0-9][a-z0-9_-]*$/;
const keyField = z
  .string({ error: 'must be a text key' })
  .regex(KEY, { error: 'must be lower-case letters, digits, "-" or "_" (e.g. "late-1")' })
  .max(64, { error: 'must be at most 64 characters' });
const wholeDays = z.int({ error: 'must be a whole number of days' });
const positiveWhole = z
  .int({ error: 'must be a positive whole number' })
  .min(1, { error: 'must be a positive whole number' });
const nonNegativeWhole = z
  .int({ error: 'must be a whole number ≥ 0' })
  .min(0, { error: 'must be a whole number ≥ 0' });
const weekday = z.enum(WEEKDAY_KEYS, { error: `must be one of ${WEEKDAY_KEYS.join(', ')}` });
const sendOn = z
  .array(weekday, { error: 'must be a list of weekdays' })
  .min(1, { error: 'must name at least one weekday' });
const sendAt = z
  .string({ error: 'must be a time "HH:MM"' })
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, { error: 'must be a time "HH:MM" between 00:00 and 23:59' });
const holidays = z
  .array(z.string({ error: 'must be a holiday calendar code such as "US" or "DE-BY"' }), {
    error: 'must be a list of holiday calendar codes such as ["US", "DE-BY"]',
  })
  .meta({ description: 'Public-holiday calendars (date-holidays codes: country or country-state).' });
const stringList = (what: string) =>
  z.array(z.union([z.string(), z.number()], { error: `must list ${what}` }), { error: `must list ${what}` });
const amount = z
  .union([z.string(), z.number()], { error: 'must be an amount in major units, e.g. "1000" or "99.50"' })
  .meta({ description: 'Major units of the customer currency, e.g. "1000".' });

const audienceSchema = z.strictObject(
  {
    tags_any: stringList('tags').optional(),
    tags_all: stringList('tags').optional(),
    tags_none: stringList('tags').optional(),
    priority_in: z
      .array(z.enum(['high', 'normal', 'low'], { error: 'must be high, normal or low' }), {
        error: 'must list priorities (high, normal, low)',
      })
      .optional(),
    currency_in: z
      .array(z.string({ error: 'must be a currency code' }), { error: 'must list currency codes' })
      .optional(),
    min_open_balance: amount.optional(),
    max_open_balance: amount.optional(),
    customer_ids: stringList('customer external ids').optional(),
    language_in: z
      .array(z.string({ error: 'must be a language code' }), { error: 'must list language codes' })
      .optional(),
  },
  { error: 'must be a mapping of audience conditions' },
);

/**
 * A/B test of one step (docs/campaigns.md): customers are split deterministically between the
 * step as written (arm a) and this variant (arm b) — another template or another offset.
 */
const variantSchema = z
  .strictObject(
    {
      template: keyField.optional(),
      offset_days: wholeDays.optional(),
      split_percent: z
        .int({ error: 'must be a whole percent from 1 to 99' })
        .min(1, { error: 'must be a whole percent from 1 to 99' })
        .max(99, { error: 'must be a whole percent from 1 to 99' })
        .optional()
        .meta({ description: 'Share of customers in arm b (the variant), default 50.' }),
    },
    { error: 'must be a mapping with template or offset_days (and optionally split_percent)' },
  )
  .meta({
    description:
      'A/B test: arm b uses this template or offset instead; each customer is in one arm, always the same.',
  });

const stepSchema = z.strictObject(
  {
    key: keyField,
    offset_days: wholeDays.meta({ description: 'Days relative to the due date (negative = before).' }),
    repeat_every_days: positiveWhole.optional(),
    until_offset_days: wholeDays.optional(),
    action: z.enum(['email', 'task'], { error: 'must be email or task' }).optional(),
    template: keyField.optional(),
    attach: z
      .array(z.enum(['invoice', 'statement'], { error: 'must be invoice or statement' }), {
        error: 'must list invoice and/or statement',
      })
      .optional(),
    cc: z
      .array(
        z.enum(['billing', 'ap', 'key', 'other', 'account_manager'], {
          error: 'must be a contact role (billing, ap, key, other) or account_manager',
        }),
        { error: 'must list contact roles' },
      )
      .optional(),
    task: z
      .string({ error: 'must be a task title (Liquid text)' })
      .min(1, { error: 'must not be empty' })
      .max(500, { error: 'must be at most 500 characters' })
      .optional(),
    variant: variantSchema.optional(),
  },
  { error: 'must be a mapping with key, offset_days and template or task' },
);

const campaignSchema = z.strictObject(
  {
    key: keyField,
    name: z.string({ error: 'must be text' }).min(1, { error: 'must not be empty' }).optional(),
    priority: z.int({ error: 'must be a whole number' }).optional(),
    trigger: z
      .enum(['customer_created', 'statement_monthly', 'promise_broken'], {
        error: 'must be customer_created, statement_monthly or promise_broken',
      })
      .optional(),
    day_of_month: z
      .int({ error: 'must be a day of the month (1–31)' })
      .min(1, { error: 'must be a day of the month (1–31)' })
      .max(31, { error: 'must be a day of the month (1–31)' })
      .optional(),
    audience: audienceSchema.optional(),
    send_on: sendOn.optional(),
    send_at: sendAt.optional(),
    min_days_between: positiveWhole.optional(),
    catch_up_days: nonNegativeWhole.optional(),
    promise_grace_days: nonNegativeWhole.optional(),
    reply_pause_days: nonNegativeWhole.optional(),
    holidays: holidays.optional(),
    steps: z
      .array(stepSchema, { error: 'must be a list of steps' })
      .min(1, { error: 'must list at least one step' }),
  },
  { error: 'must be a mapping with key and steps' },
);

const settingsSchema = z.strictObject(
  {
    max_emails_per_customer_per_week: positiveWhole.optional(),
    send_on: sendOn.optional(),
    send_at: sendAt.optional(),
    min_days_between: positiveWhole.optional(),
    catch_up_days: nonNegativeWhole.optional(),
    promise_grace_days: nonNegativeWhole.optional(),
    reply_pause_days: nonNegativeWhole.optional(),
    holidays: holidays.optional(),
  },
  { error: 'must be a mapping of settings' },
);

export const campaignFileSchema = z
  .strictObject(
    {
      settings: settingsSchema.optional(),
      campaigns: z.array(campaignSchema, { error: 'must be a list of campaigns' }),
    },
    { error: 'must be a mapping with a campaigns list' },
  )
  .meta({
    title: 'Dunwell campaign file',
    description: 'Dunning and event campaigns (PRODUCT §4). YAML or JSON.',
  });

type RawFile = z.infer<typeof campaignFileSchema>;
type RawCampaign = z.infer<typeof campaignSchema>;
type RawStep = z.infer<typeof stepSchema>;

/** The published JSON Schema of campaign files. */
export function campaignJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(campaignFileSchema, { target: 'draft-2020-12' }) as Record<string, unknown>;
}

// ---------------------------------------------------------------------------------------
// Errors: one line naming file, campaign, step and field

/** Where a problem is, as a path into the file's data (e.g. ["campaigns", 0, "steps", 2, "template"]). */
export type CampaignFilePath = (string | number)[];

/** A problem in a campaign file: the one-line message, and the path of the value at fault. */
export class CampaignFileError extends UserError {
  constructor(
    message: string,
    readonly path: CampaignFilePath,
  ) {
    super(message);
  }
}

/** 'audience.currency_in[0]' → ['audience', 'currency_in', 0]. */
function fieldSegments(field: string): CampaignFilePath {
  const out: CampaignFilePath = [];
  for (const part of field.split('.')) {
    const match = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part);
    if (!match) {
      out.push(part);
      continue;
    }
    if (match[1]) out.push(match[1]);
    for (const index of match[2]!.matchAll(/\[(\d+)\]/g)) out.push(Number(index[1]));
  }
  return out;
}

class Location {
  constructor(
    readonly file: string,
    readonly campaign?: string,
    readonly step?: string,
    /** The path of the campaign or step this location names, inside the file's data. */
    readonly base: CampaignFilePath = [],
  ) {}
  error(field: string, problem: string): CampaignFileError {
    return new CampaignFileError(`${this.prefix()}${field ? `${field} ` : ''}${problem}`, [
      ...this.base,
      ...(field ? fieldSegments(field) : []),
    ]);
  }
  fail(field: string, problem: string): never {
    throw this.error(field, problem);
  }
  prefix(): string {
    const where = [
      this.campaign !== undefined ? `campaign ${this.campaign}` : null,
      this.step !== undefined ? `step ${this.step}` : null,
    ].filter(Boolean);
    return `${this.file}: ${where.length > 0 ? `${where.join(', ')}: ` : ''}`;
  }
}

function label(item: unknown, index: number): string {
  if (item && typeof item === 'object' && 'key' in item && typeof item.key === 'string' && item.key !== '') {
    return JSON.stringify(item.key);
  }
  return `#${index + 1}`;
}

function fieldPath(path: PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}

function zodIssueToError(file: string, raw: unknown, issue: z.core.$ZodIssue): CampaignFileError {
  const path = [...issue.path];
  let campaign: string | undefined;
  let step: string | undefined;
  let rest = path;
  if (path[0] === 'campaigns' && typeof path[1] === 'number') {
    const campaigns = (raw as { campaigns?: unknown[] }).campaigns ?? [];
    const rawCampaign = campaigns[path[1]];
    campaign = label(rawCampaign, path[1]);
    rest = path.slice(2);
    if (rest[0] === 'steps' && typeof rest[1] === 'number') {
      const steps = (rawCampaign as { steps?: unknown[] } | undefined)?.steps ?? [];
      step = label(steps[rest[1]], rest[1]);
      rest = rest.slice(2);
    }
  }
  const location = new Location(
    file,
    campaign,
    step,
    path.slice(0, path.length - rest.length) as CampaignFilePath,
  );
  const field = fieldPath(rest);
  let problem: string;
  if (issue.code === 'unrecognized_keys') {
    // the names are the file's text: one line, at most 60 characters each (test/fuzz/campaign-file.test.ts)
    const shown = (k: string) => {
      const flat = k.replace(/\p{Cc}/gu, ' ');
      return flat.length > 60 ? `${flat.slice(0, 59)}…` : flat;
    };
    const known = issue.keys.map((k) => `"${shown(k)}"`).join(', ');
    problem = `${field ? 'has ' : ''}unknown field${issue.keys.length > 1 ? 's' : ''} ${known}`;
  } else if (issue.code === 'invalid_type' && issue.input === undefined) {
    problem = 'is required';
  } else {
    problem = issue.message;
  }
  return location.error(field, problem);
}

// ---------------------------------------------------------------------------------------
// Parsing

/** One problem of a campaign file, located in the data (path) and in the text (line, column). */
export interface CampaignFileProblem {
  message: string;
  /** e.g. ["campaigns", 0, "steps", 2, "template"]; [] for the file as a whole. */
  path: CampaignFilePath;
  /** 1-based position in the text of the value at fault (or of its nearest enclosing node). */
  line: number | null;
  column: number | null;
}

/**
 * Checks a campaign file without applying it: the parsed file, or every problem found. Shape
 * problems (the schema) are all listed; the cross-field checks stop at the first one, as
 * `apply` does. Each problem has its message (the same one-line text `apply` prints), the
 * path of the value at fault, and its line and column in the text.
 */
export function inspectCampaignFile(
  text: string,
  fileName: string,
): { file: CampaignFile; problems: [] } | { file: null; problems: CampaignFileProblem[] } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true, lineCounter: lines });
  const firstError = doc.errors[0];
  if (firstError) {
    const pos = firstError.linePos?.[0];
    const where = pos ? `line ${pos.line}, column ${pos.col}: ` : '';
    return {
      file: null,
      problems: [
        {
          message: `${fileName}: ${where}not valid YAML or JSON (${firstError.message
            .split('\n')[0]!
            .replace(/ at line \d+, column \d+:?$/, '')
            .replace(/^Maximum call stack size exceeded$/, 'nested too deeply')})`,
          path: [],
          line: pos?.line ?? null,
          column: pos?.col ?? null,
        },
      ],
    };
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    // the yaml package refuses alias bombs with a ReferenceError (found by test/fuzz/campaign-file.test.ts)
    const message = `${fileName}: not usable YAML (${(err as Error).message.split('\n')[0]})`;
    return { file: null, problems: [{ message, path: [], line: null, column: null }] };
  }
  const locate = (error: CampaignFileError): CampaignFileProblem => {
    // The value at fault, else the nearest enclosing node that exists (a missing field).
    for (let n = error.path.length; n >= 0; n--) {
      const node = n === 0 ? doc.contents : doc.getIn(error.path.slice(0, n), true);
      const offset = (node as { range?: [number, number, number] } | undefined)?.range?.[0];
      if (offset !== undefined) {
        const pos = lines.linePos(offset);
        return { message: error.message, path: error.path, line: pos.line, column: pos.col };
      }
    }
    return { message: error.message, path: error.path, line: null, column: null };
  };
  if (raw === null || raw === undefined) {
    return {
      file: null,
      problems: [
        {
          message: `${fileName}: the file is empty; it must have a "campaigns:" list`,
          path: [],
          line: null,
          column: null,
        },
      ],
    };
  }
  const parsed = campaignFileSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) {
    return {
      file: null,
      problems: parsed.error.issues.map((issue) => locate(zodIssueToError(fileName, raw, issue))),
    };
  }
  try {
    return { file: checkCampaigns(parsed.data, fileName), problems: [] };
  } catch (error) {
    if (error instanceof CampaignFileError) return { file: null, problems: [locate(error)] };
    throw error;
  }
}

/**
 * Parses and validates a campaign file (YAML, or JSON which YAML 1.2 reads too). Throws a
 * UserError naming file, campaign key, step key and field for the first problem found.
 */
export function parseCampaignFile(text: string, fileName: string): CampaignFile {
  const result = inspectCampaignFile(text, fileName);
  const problem = result.problems[0];
  if (problem) throw new CampaignFileError(problem.message, problem.path);
  return result.file!;
}

function toStringList(values: (string | number)[] | undefined): string[] | undefined {
  return values?.map((v) => String(v).trim());
}

/** Parses a decimal amount in major units ("1000", "99.50"); returns its canonical text or null. */
function canonicalAmount(value: string | number): string | null {
  const text = String(value).trim();
  if (!/^\d+(\.\d+)?$/.test(text)) return null;
  const [whole = '0', fraction = ''] = text.split('.');
  const w = whole.replace(/^0+(?=\d)/, '');
  const f = fraction.replace(/0+$/, '');
  return f === '' ? w : `${w}.${f}`;
}

function compareAmounts(a: string, b: string): number {
  const [aw = '0', af = ''] = a.split('.');
  const [bw = '0', bf = ''] = b.split('.');
  if (aw.length !== bw.length) return aw.length - bw.length;
  const width = Math.max(af.length, bf.length);
  const x = aw + af.padEnd(width, '0');
  const y = bw + bf.padEnd(width, '0');
  return x < y ? -1 : x > y ? 1 : 0;
}

function checkAudience(raw: RawCampaign['audience'], at: Location): Audience {
  const audience: Audience = {};
  if (!raw) return audience;
  if (raw.tags_any) audience.tagsAny = toStringList(raw.tags_any)!;
  if (raw.tags_all) audience.tagsAll = toStringList(raw.tags_all)!;
  if (raw.tags_none) audience.tagsNone = toStringList(raw.tags_none)!;
  if (raw.priority_in) audience.priorityIn = [...raw.priority_in];
  if (raw.currency_in) {
    audience.currencyIn = raw.currency_in.map((code, i) => {
      const currency = normaliseCurrency(code);
      if (!currency) at.fail(`audience.currency_in[${i}]`, `"${code}" is not an ISO 4217 currency code`);
      return currency;
    });
  }
  for (const [field, prop] of [
    ['min_open_balance', 'minOpenBalance'],
    ['max_open_balance', 'maxOpenBalance'],
  ] as const) {
    const value = raw[field];
    if (value === undefined) continue;
    const canonical = canonicalAmount(value);
    if (canonical === null) {
      at.fail(
        `audience.${field}`,
        `must be an amount ≥ 0 in major units, e.g. "1000" or "99.50" (got "${value}")`,
      );
    }
    audience[prop] = canonical;
  }
  if (
    audience.minOpenBalance !== undefined &&
    audience.maxOpenBalance !== undefined &&
    compareAmounts(audience.minOpenBalance, audience.maxOpenBalance) > 0
  ) {
    at.fail('audience.max_open_balance', 'must be ≥ min_open_balance');
  }
  if (raw.customer_ids) audience.customerIds = toStringList(raw.customer_ids)!;
  if (raw.language_in) audience.languageIn = raw.language_in.map((l) => l.trim().toLowerCase());
  return audience;
}

function checkHolidays(codes: string[], at: Location, field: string): string[] {
  return codes.map((code, i) => {
    const normalised = code.trim().toUpperCase();
    if (!isKnownHolidayCalendar(normalised)) {
      at.fail(
        `${field}[${i}]`,
        `"${code}" is not a known holiday calendar; use a country code ("US") or country-region ("DE-BY")`,
      );
    }
    return normalised;
  });
}

function checkStep(raw: RawStep, at: Location, trigger: Trigger | undefined): StepDefinition {
  const action = raw.action ?? 'email';
  if (raw.until_offset_days !== undefined && raw.repeat_every_days === undefined) {
    at.fail('until_offset_days', 'is only allowed together with repeat_every_days');
  }
  if (raw.repeat_every_days !== undefined) {
    if (trigger !== undefined) at.fail('repeat_every_days', 'is not allowed in event campaigns');
    if (raw.until_offset_days === undefined) {
      at.fail('repeat_every_days', 'needs until_offset_days (the last offset a repeat may fire at)');
    }
    if (raw.until_offset_days < raw.offset_days) at.fail('until_offset_days', 'must be ≥ offset_days');
  }
  if (action === 'email') {
    if (raw.template === undefined) at.fail('template', 'is required for an email step');
    if (raw.task !== undefined) at.fail('task', 'is only for steps with action: task');
  } else {
    if (raw.task === undefined) at.fail('task', 'is required for a task step (the task title)');
    if (raw.template !== undefined) at.fail('template', 'is only for email steps');
    if (raw.attach !== undefined && raw.attach.length > 0) at.fail('attach', 'is only for email steps');
    if (raw.cc !== undefined && raw.cc.length > 0) at.fail('cc', 'is only for email steps');
    const problem = taskTitleProblem(raw.task);
    if (problem) at.fail('task', `is not a valid task title: ${problem}`);
  }
  if (trigger !== undefined && raw.offset_days < 0) {
    at.fail('offset_days', 'must be ≥ 0 in an event campaign (days after the event)');
  }
  const step: StepDefinition = {
    key: raw.key,
    offsetDays: raw.offset_days,
    action,
    attach: [...new Set(raw.attach ?? [])],
    cc: [...new Set(raw.cc ?? [])],
  };
  if (raw.repeat_every_days !== undefined) {
    step.repeatEveryDays = raw.repeat_every_days;
    step.untilOffsetDays = raw.until_offset_days;
  }
  if (raw.template !== undefined) step.template = raw.template;
  if (raw.task !== undefined) step.task = raw.task;
  if (raw.variant !== undefined) step.variant = checkVariant(raw, action, at, trigger);
  return step;
}

/** A/B (docs/campaigns.md): what arm b does differently, checked against the step itself. */
function checkVariant(
  raw: RawStep,
  action: StepDefinition['action'],
  at: Location,
  trigger: Trigger | undefined,
): StepVariant {
  const v = raw.variant!;
  if (trigger !== undefined) at.fail('variant', 'is only for dunning campaigns (campaigns without trigger)');
  if (v.template === undefined && v.offset_days === undefined) {
    at.fail('variant', 'needs template or offset_days (what arm b does differently)');
  }
  if (v.template !== undefined) {
    if (action !== 'email') at.fail('variant.template', 'is only for email steps');
    if (v.template === raw.template)
      at.fail('variant.template', "is the step's own template; name another one");
  }
  if (v.offset_days !== undefined) {
    if (raw.repeat_every_days !== undefined) {
      at.fail('variant.offset_days', 'is not allowed on a repeating step (its repeats would differ per arm)');
    }
    if (v.offset_days === raw.offset_days) {
      at.fail('variant.offset_days', "is the step's own offset; give another one");
    }
  }
  const variant: StepVariant = { splitPercent: v.split_percent ?? DEFAULT_SPLIT_PERCENT };
  if (v.template !== undefined) variant.template = v.template;
  if (v.offset_days !== undefined) variant.offsetDays = v.offset_days;
  return variant;
}

/**
 * An offset variant must keep its step's place in the campaign's sequence, whichever arm
 * every other step's customer is in: no other step's slot (or variant offset) may lie between
 * the step's two offsets. Then both arms have the same slots in the same order, so R3 (the
 * latest slot), R4 (the most advanced step) and the recorded slot keys mean the same in each.
 */
function checkVariantOrder(steps: StepDefinition[], locations: Location[]): void {
  steps.forEach((step, i) => {
    const other = step.variant?.offsetDays;
    if (other === undefined) return;
    const low = Math.min(step.offsetDays, other);
    const high = Math.max(step.offsetDays, other);
    steps.forEach((neighbour, j) => {
      if (j === i) return;
      const offsets = stepSlotOffsets(neighbour);
      if (neighbour.variant?.offsetDays !== undefined) offsets.push(neighbour.variant.offsetDays);
      const between = offsets.find((o) => o >= low && o <= high);
      if (between !== undefined) {
        locations[i]!.fail(
          'variant.offset_days',
          `${other} would move the step past step "${neighbour.key}" (offset ${between}); a variant must keep the step's place in the sequence`,
        );
      }
    });
  });
}

function checkCampaigns(file: RawFile, fileName: string): CampaignFile {
  const s = file.settings ?? {};
  const top = new Location(fileName);
  const defaults = {
    sendOn: s.send_on ?? BUILT_IN_DEFAULTS.sendOn,
    sendAt: s.send_at ?? BUILT_IN_DEFAULTS.sendAt,
    minDaysBetween: s.min_days_between ?? BUILT_IN_DEFAULTS.minDaysBetween,
    catchUpDays: s.catch_up_days ?? BUILT_IN_DEFAULTS.catchUpDays,
    promiseGraceDays: s.promise_grace_days ?? BUILT_IN_DEFAULTS.promiseGraceDays,
    replyPauseDays: s.reply_pause_days ?? BUILT_IN_DEFAULTS.replyPauseDays,
    holidays: checkHolidays(s.holidays ?? [], top, 'settings.holidays'),
  };
  if (s.send_on && new Set(s.send_on).size !== s.send_on.length) {
    top.fail('settings.send_on', 'lists a weekday twice');
  }
  const seenCampaigns = new Set<string>();
  const campaigns = file.campaigns.map((raw, campaignIndex) => {
    const at = new Location(fileName, JSON.stringify(raw.key), undefined, ['campaigns', campaignIndex]);
    if (seenCampaigns.has(raw.key))
      at.fail('key', 'is used by another campaign in this file; keys must be distinct');
    seenCampaigns.add(raw.key);
    const trigger = raw.trigger;
    if (raw.send_on && new Set(raw.send_on).size !== raw.send_on.length)
      at.fail('send_on', 'lists a weekday twice');
    if (trigger === 'statement_monthly') {
      if (raw.day_of_month === undefined) {
        at.fail('day_of_month', 'is required for a statement_monthly campaign (1–31; 31 = last day)');
      }
      if (raw.steps.length !== 1 || raw.steps[0]!.offset_days !== 0) {
        at.fail('steps', 'must be exactly one step with offset_days 0 in a statement_monthly campaign');
      }
    } else if (raw.day_of_month !== undefined) {
      at.fail('day_of_month', 'is only for campaigns with trigger: statement_monthly');
    }
    const seenSteps = new Set<string>();
    const seenOffsets = new Map<number, string>();
    const stepLocations: Location[] = [];
    const steps = raw.steps.map((rawStep, stepIndex) => {
      const stepAt = new Location(fileName, JSON.stringify(raw.key), JSON.stringify(rawStep.key), [
        'campaigns',
        campaignIndex,
        'steps',
        stepIndex,
      ]);
      if (seenSteps.has(rawStep.key)) {
        stepAt.fail('key', 'is used by another step of this campaign; step keys must be distinct');
      }
      seenSteps.add(rawStep.key);
      const step = checkStep(rawStep, stepAt, trigger);
      stepLocations.push(stepAt);
      // R4 picks "the step with the largest offset" and R3 "the latest slot": both need every
      // slot of a campaign (a step's repeats included) to sit on its own offset.
      for (const offset of stepSlotOffsets(step)) {
        const other = seenOffsets.get(offset);
        if (other !== undefined) {
          stepAt.fail(
            offset === step.offsetDays ? 'offset_days' : 'repeat_every_days',
            `puts a slot on offset ${offset}, which step "${other}" already uses; offsets must be distinct within a campaign`,
          );
        }
        seenOffsets.set(offset, step.key);
      }
      return step;
    });
    checkVariantOrder(steps, stepLocations);
    const definition: CampaignDefinition = {
      key: raw.key,
      name: raw.name ?? raw.key,
      priority: raw.priority ?? BUILT_IN_DEFAULTS.priority,
      audience: checkAudience(raw.audience, at),
      sendOn: raw.send_on ? [...raw.send_on] : [...defaults.sendOn],
      sendAt: raw.send_at ?? defaults.sendAt,
      minDaysBetween: raw.min_days_between ?? defaults.minDaysBetween,
      catchUpDays: raw.catch_up_days ?? defaults.catchUpDays,
      promiseGraceDays: raw.promise_grace_days ?? defaults.promiseGraceDays,
      replyPauseDays: raw.reply_pause_days ?? defaults.replyPauseDays,
      holidays: raw.holidays ? checkHolidays(raw.holidays, at, 'holidays') : [...defaults.holidays],
      steps,
    };
    if (trigger !== undefined) definition.trigger = trigger;
    if (raw.day_of_month !== undefined) definition.dayOfMonth = raw.day_of_month;
    return definition;
  });
  return {
    settings: {
      maxEmailsPerCustomerPerWeek:
        s.max_emails_per_customer_per_week ?? BUILT_IN_DEFAULTS.maxEmailsPerCustomerPerWeek,
    },
    campaigns,
  };
}

// ---------------------------------------------------------------------------------------
// Export: every value written out explicitly, so the file reads the same without defaults

function exportAudience(a: Audience): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  if (a.tagsAny) out.tags_any = a.tagsAny;
  if (a.tagsAll) out.tags_all = a.tagsAll;
  if (a.tagsNone) out.tags_none = a.tagsNone;
  if (a.priorityIn) out.priority_in = a.priorityIn;
  if (a.currencyIn) out.currency_in = a.currencyIn;
  if (a.minOpenBalance !== undefined) out.min_open_balance = a.minOpenBalance;
  if (a.maxOpenBalance !== undefined) out.max_open_balance = a.maxOpenBalance;
  if (a.customerIds) out.customer_ids = a.customerIds;
  if (a.languageIn) out.language_in = a.languageIn;
  return Object.keys(out).length > 0 ? out : undefined;
}

function exportStep(step: StepDefinition): Record<string, unknown> {
  const out: Record<string, unknown> = { key: step.key, offset_days: step.offsetDays };
  if (step.repeatEveryDays !== undefined) {
    out.repeat_every_days = step.repeatEveryDays;
    out.until_offset_days = step.untilOffsetDays;
  }
  if (step.action === 'task') {
    out.action = 'task';
    out.task = step.task;
  } else {
    out.template = step.template;
    if (step.attach.length > 0) out.attach = step.attach;
    if (step.cc.length > 0) out.cc = step.cc;
  }
  if (step.variant) {
    const variant: Record<string, unknown> = {};
    if (step.variant.template !== undefined) variant.template = step.variant.template;
    if (step.variant.offsetDays !== undefined) variant.offset_days = step.variant.offsetDays;
    variant.split_percent = step.variant.splitPercent;
    out.variant = variant;
  }
  return out;
}

/** Writes campaign definitions back as a campaign file (YAML) that parses to the same values. */
export function exportCampaignFile(
  campaigns: CampaignDefinition[],
  settings: CampaignFileSettings = {
    maxEmailsPerCustomerPerWeek: BUILT_IN_DEFAULTS.maxEmailsPerCustomerPerWeek,
  },
): string {
  const doc = {
    settings: { max_emails_per_customer_per_week: settings.maxEmailsPerCustomerPerWeek },
    campaigns: campaigns.map((c) => {
      const out: Record<string, unknown> = { key: c.key, name: c.name, priority: c.priority };
      if (c.trigger) out.trigger = c.trigger;
      if (c.dayOfMonth !== undefined) out.day_of_month = c.dayOfMonth;
      const audience = exportAudience(c.audience);
      if (audience) out.audience = audience;
      Object.assign(out, {
        send_on: c.sendOn,
        send_at: c.sendAt,
        min_days_between: c.minDaysBetween,
        catch_up_days: c.catchUpDays,
        promise_grace_days: c.promiseGraceDays,
        reply_pause_days: c.replyPauseDays,
        holidays: c.holidays,
        steps: c.steps.map(exportStep),
      });
      return out;
    }),
  };
  const document = new Document(doc);
  // Short lists, audiences and steps read best on one line each, as in PRODUCT §4.
  visit(document, {
    Seq(_, node) {
      if (node.items.every((item) => isScalar(item))) node.flow = true;
    },
    Map(_, node) {
      const isStep = node.has('offset_days');
      const isAudience = node.items.every((pair) => isSeq(pair.value));
      if (isStep || (isAudience && node.items.length > 0)) node.flow = true;
      const at = node.get('send_at', true);
      if (isScalar(at)) at.type = Scalar.QUOTE_DOUBLE;
    },
  });
  if (!isMap(document.contents)) throw new Error('campaign export: unexpected document shape');
  return `# Dunwell campaign file (see \`dunwell campaigns schema\`)\n${document.toString({ lineWidth: 0 })}`;
}
