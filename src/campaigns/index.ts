/** The campaigns part: campaign files and their versions, the daily run, forecast, scheduler. */
export { type CalendarStep, type SampleInvoice, sampleCalendar } from './calendar.ts';
export {
  type CampaignFileProblem,
  campaignJsonSchema,
  DEFAULT_CAMPAIGNS_PATH,
  inspectCampaignFile,
  parseCampaignFile,
} from './definition.ts';
export {
  type ChangeKind,
  diffForecasts,
  type ForecastDiff,
  type ForecastEntry,
  forecastEntries,
} from './diff.ts';
export { type ForecastDay, forecastEngine, forecastPlans, MAX_FORECAST_DAYS } from './forecast.ts';
export {
  type CustomerBatch,
  customerBatches,
  type EngineContext,
  loadEngineContext,
  loadPlannerInput,
  organisationToday,
} from './load.ts';
export {
  activeCampaignFileJson,
  type CampaignCalendar,
  type CampaignPreview,
  campaignCalendar,
  MAX_PREVIEW_DAYS,
  previewCampaignDraft,
} from './preview.ts';
export {
  listRuns,
  type PlannedTaskView,
  plannedMessageView,
  plannedTaskView,
  type RunOptions,
  type RunResult,
  runEngine,
} from './run.ts';
export { type SchedulerDeps, schedulerTick, startScheduler } from './scheduler.ts';
export {
  type ActiveCampaigns,
  type ApplyResult,
  activePromiseGraceDays,
  applyCampaignFile,
  type CampaignSetView,
  exportActiveCampaigns,
  listCampaignSets,
  loadActiveCampaigns,
} from './store.ts';
