/** The campaigns part: campaign files and their versions, the daily run, forecast, scheduler. */
export { campaignJsonSchema, DEFAULT_CAMPAIGNS_PATH, parseCampaignFile } from './definition.ts';
export { type ForecastDay, forecastEngine, MAX_FORECAST_DAYS } from './forecast.ts';
export {
  type CustomerBatch,
  customerBatches,
  type EngineContext,
  loadEngineContext,
  loadPlannerInput,
  organisationToday,
} from './load.ts';
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
