/**
 * The campaign editor's shell (docs/campaigns.md): check a draft file without applying it,
 * forecast the next days under the draft and under the active campaigns and diff them, and
 * lay out a sample invoice's calendar. Nothing here writes: a preview reads the ledger exactly
 * as `forecast` does and hands the planner other definitions.
 */
import { parse as parseYaml } from 'yaml';
import type { CalendarDate } from '../ledger/dates.ts';
import type { Clock } from '../platform/clock.ts';
import type { Db, Queryable } from '../platform/db/index.ts';
import { NotFoundError, UserError } from '../platform/errors.ts';
import { type CalendarStep, type SampleInvoice, sampleCalendar } from './calendar.ts';
import { type CampaignFile, parseCampaignFile } from './definition.ts';
import { diffForecasts, type ForecastDiff, type ForecastEntry, forecastEntries } from './diff.ts';
import { forecastPlans } from './forecast.ts';
import { holidayChecker } from './holidays.ts';
import { loadOrganisation } from './load.ts';
import { hasVariants } from './planner/ab.ts';
import type { AbArm } from './planner/types.ts';
import { exportActiveCampaigns, loadActiveCampaigns } from './store.ts';

/** The longest preview: the diff plans every customer twice per day. */
export const MAX_PREVIEW_DAYS = 90;

/** The active campaign file in its JSON form (what the editor starts from), or null. */
export async function activeCampaignFileJson(q: Queryable): Promise<Record<string, unknown> | null> {
  const active = await loadActiveCampaigns(q);
  if (!active) return null;
  return parseYaml(await exportActiveCampaigns(q)) as Record<string, unknown>;
}

export interface CampaignPreview extends ForecastDiff {
  from: CalendarDate;
  days: number;
}

/**
 * What changes in the next `days` days if `text` replaced the active campaigns: the two
 * forecasts slot by slot (./diff.ts). A draft with a problem throws its UserError.
 */
export async function previewCampaignDraft(
  db: Db,
  options: { text: string; fileName: string; from?: CalendarDate | undefined; days: number; clock: Clock },
): Promise<CampaignPreview> {
  if (!Number.isInteger(options.days) || options.days < 1 || options.days > MAX_PREVIEW_DAYS) {
    throw new UserError(`days ${options.days} must be a whole number from 1 to ${MAX_PREVIEW_DAYS}`);
  }
  const draft = parseCampaignFile(options.text, options.fileName);
  const entries = async (campaigns?: CampaignFile) => {
    const out: ForecastEntry[] = [];
    const from = await forecastPlans(
      db,
      {
        from: options.from,
        days: options.days,
        clock: options.clock,
        ...(campaigns ? { campaigns } : {}),
      },
      (input, plans) => {
        const numbers = new Map(input.invoices.map((i) => [i.id, i.number]));
        out.push(...forecastEntries(plans, numbers));
      },
    );
    return { from, out };
  };
  const before = await entries();
  const after = await entries(draft);
  return { from: before.from, days: options.days, ...diffForecasts(before.out, after.out) };
}

export interface CampaignCalendar {
  campaign: string;
  sample: { issue_date: CalendarDate; due_date: CalendarDate; amount: number; currency: string };
  /** Arm a (the steps as written); arm b too when the campaign has A/B steps. */
  arms: { arm: AbArm; steps: CalendarStep[] }[];
}

/**
 * The calendar of a sample invoice under one dunning campaign of the draft `text` (or of the
 * active campaigns when no text is given), per A/B arm.
 */
export async function campaignCalendar(
  db: Db,
  options: { text?: string | undefined; fileName: string; campaignKey: string; sample: SampleInvoice },
): Promise<CampaignCalendar> {
  const { sample } = options;
  if (sample.dueDate < sample.issueDate) {
    throw new UserError(`due_date ${sample.dueDate} is before issue_date ${sample.issueDate}`);
  }
  let file: CampaignFile;
  if (options.text !== undefined) {
    file = parseCampaignFile(options.text, options.fileName);
  } else {
    const active = await loadActiveCampaigns(db);
    if (!active) throw new NotFoundError('no campaigns have been applied yet; send a draft file');
    file = { settings: active.settings, campaigns: active.campaigns };
  }
  const campaign = file.campaigns.find((c) => c.key === options.campaignKey);
  if (!campaign) {
    throw new NotFoundError(
      `campaign "${options.campaignKey}" is not in the file (it has ${file.campaigns.map((c) => c.key).join(', ') || 'none'})`,
    );
  }
  if (campaign.trigger !== undefined) {
    throw new UserError(
      `campaign "${campaign.key}" is an event campaign (${campaign.trigger}); the calendar shows dunning campaigns`,
    );
  }
  const org = await loadOrganisation(db);
  const settings = {
    maxEmailsPerCustomerPerWeek: file.settings.maxEmailsPerCustomerPerWeek,
    defaultLanguage: org.language,
    defaultCurrency: org.defaultCurrency,
    defaultTimeZone: org.timeZone,
  };
  const isHoliday = holidayChecker();
  const arms: AbArm[] = hasVariants(campaign) ? ['a', 'b'] : ['a'];
  return {
    campaign: campaign.key,
    sample: {
      issue_date: sample.issueDate,
      due_date: sample.dueDate,
      amount: sample.amount,
      currency: sample.currency,
    },
    arms: arms.map((arm) => ({ arm, steps: sampleCalendar(campaign, sample, { settings, arm, isHoliday }) })),
  };
}
