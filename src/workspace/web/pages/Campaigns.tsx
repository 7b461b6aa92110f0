/**
 * The campaign editor (docs/campaigns.md): the active campaign file as a form, checked by the
 * server as you type (POST /api/v1/campaigns/validate), a sample invoice's calendar under the
 * draft, the forecast diff of the draft against the active campaigns ("Preview changes") and,
 * for admins, "Save" (PUT /api/v1/campaigns). Other roles explore and preview read-only.
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import { ApiError, api, query } from '../api.ts';
import { Card, Empty, ErrorBox, Loading, Show, useLoad } from '../components.tsx';
import { date, money, number, today } from '../format.ts';
import { t } from '../i18n.ts';
import type { User } from '../session.ts';

interface RawVariant {
  template?: string;
  offset_days?: number | string;
  split_percent?: number | string;
}
interface RawStep {
  key: string;
  offset_days: number | string;
  action?: 'email' | 'task';
  template?: string;
  task?: string;
  variant?: RawVariant;
  [field: string]: unknown;
}
interface RawCampaign {
  key: string;
  name?: string;
  trigger?: string;
  steps: RawStep[];
  [field: string]: unknown;
}
interface CampaignFile {
  campaigns: RawCampaign[];
  [field: string]: unknown;
}
interface Problem {
  message: string;
  path: (string | number)[];
  line: number | null;
  column: number | null;
}
interface Change {
  change: 'added' | 'removed' | 'moved' | 'template_changed';
  customer: string;
  invoice: string | null;
  campaign: string;
  step: string;
  action: 'email' | 'task';
  date_before: string | null;
  date_after: string | null;
  template_before: string | null;
  template_after: string | null;
}
interface Preview {
  from: string;
  days: number;
  counts: Record<Change['change'] | 'unchanged' | 'customers', number>;
  changes: Change[];
  truncated: boolean;
}
interface CalendarStep {
  step: string;
  occurrence: number;
  offset_days: number;
  due_on: string;
  date: string | null;
  outcome: 'fired' | 'skipped' | 'not_reached';
  reason: 'superseded' | 'too_late' | null;
  action: 'email' | 'task';
  template: string | null;
  task: string | null;
}
interface CalendarResult {
  sample: { amount: string; currency: string };
  arms: { arm: 'a' | 'b'; steps: CalendarStep[] }[];
}

const PREVIEW_DAYS = 30;

function addDays(day: string, n: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** A number input's text: a number when it is one (the schema checks the rest). */
function numeric(text: string): number | string {
  return text.trim() !== '' && Number.isFinite(Number(text)) ? Number(text) : text;
}

/** The problem path's place in the form: "<campaign>.<step>.<field>" (field may be "variant.template"). */
function fieldId(path: Problem['path']): string | null {
  if (path[0] !== 'campaigns' || typeof path[1] !== 'number' || path[2] !== 'steps') return null;
  if (typeof path[3] !== 'number') return null;
  return `${path[1]}.${path[3]}.${path.slice(4).join('.')}`;
}

async function loadEditor(): Promise<{ file: CampaignFile | null; templates: string[] }> {
  const templates = await api<{ items: { key: string }[] }>('/api/v1/templates');
  const keys = [...new Set(templates.items.map((i) => i.key))].sort();
  try {
    return { file: await api<CampaignFile>('/api/v1/campaigns/file'), templates: keys };
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return { file: null, templates: keys };
    throw err;
  }
}

export function Campaigns({ user }: { user?: User | null }) {
  const loaded = useLoad(loadEditor, []);
  // Kept here: saving reloads the file, which mounts a fresh editor on it.
  const [saved, setSaved] = useState(false);
  if (loaded.error && !loaded.data) return <ErrorBox error={loaded.error} retry={loaded.reload} />;
  return (
    <div class="page campaigns">
      <h1>{t('campaigns')}</h1>
      <p class="muted">{t('campaignsHint')}</p>
      {!loaded.data ? (
        <Loading />
      ) : loaded.data.file === null ? (
        <Empty>{t('campaignsNone')}</Empty>
      ) : (
        <Editor
          key={JSON.stringify(loaded.data.file)}
          active={loaded.data.file}
          templates={loaded.data.templates}
          admin={user?.role === 'admin'}
          saved={saved}
          setSaved={setSaved}
          onSaved={loaded.reload}
        />
      )}
    </div>
  );
}

function Editor({
  active,
  templates,
  admin,
  saved,
  setSaved,
  onSaved,
}: {
  active: CampaignFile;
  templates: string[];
  admin: boolean;
  saved: boolean;
  setSaved: (saved: boolean) => void;
  onSaved: () => void;
}) {
  const [draft, setDraft] = useState<CampaignFile>(active);
  const [selected, setSelected] = useState(0);
  const [problems, setProblems] = useState<Problem[]>([]);
  const [checking, setChecking] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const [preview, setPreview] = useState<Preview | null>(null);
  const [previewing, setPreviewing] = useState(false);
  const dirty = useMemo(() => JSON.stringify(draft) !== JSON.stringify(active), [draft, active]);
  const campaign = draft.campaigns[selected] ?? draft.campaigns[0];

  // Validate as the user types, a moment after the last change.
  useEffect(() => {
    setChecking(true);
    const timer = setTimeout(async () => {
      try {
        const result = await api<{ valid: boolean; problems: Problem[] }>('/api/v1/campaigns/validate', {
          method: 'POST',
          body: { file: draft },
        });
        setProblems(result.problems);
        setError(null);
      } catch (err) {
        setError(err as Error);
      } finally {
        setChecking(false);
      }
    }, 400);
    return () => clearTimeout(timer);
  }, [draft]);

  const invalid = new Set(problems.map((p) => fieldId(p.path)).filter((id): id is string => id !== null));

  const editStep = (index: number, patch: (step: RawStep) => RawStep) => {
    setSaved(false);
    setPreview(null);
    setDraft((d) => ({
      ...d,
      campaigns: d.campaigns.map((c, ci) =>
        ci === selected ? { ...c, steps: c.steps.map((s, si) => (si === index ? patch(s) : s)) } : c,
      ),
    }));
  };
  const editSteps = (patch: (steps: RawStep[]) => RawStep[]) => {
    setSaved(false);
    setPreview(null);
    setDraft((d) => ({
      ...d,
      campaigns: d.campaigns.map((c, ci) => (ci === selected ? { ...c, steps: patch(c.steps) } : c)),
    }));
  };

  const runPreview = async () => {
    setPreviewing(true);
    try {
      setPreview(
        await api<Preview>('/api/v1/campaigns/preview', {
          method: 'POST',
          body: { file: draft, days: PREVIEW_DAYS },
        }),
      );
      setError(null);
    } catch (err) {
      setError(err as Error);
    } finally {
      setPreviewing(false);
    }
  };
  const save = async () => {
    try {
      await api('/api/v1/campaigns', { method: 'PUT', body: draft });
      setSaved(true);
      setPreview(null);
      onSaved();
    } catch (err) {
      setError(err as Error);
    }
  };

  if (!campaign) return <Empty>{t('campaignsNone')}</Empty>;
  return (
    <>
      {!admin && (
        <p class="muted" role="note">
          {t('campaignsReadOnly')}
        </p>
      )}
      <nav aria-label={t('campaignList')}>
        <ul class="plain chips-row">
          {draft.campaigns.map((c, i) => (
            <li key={c.key}>
              <button
                type="button"
                class={i === selected ? 'chip active' : 'chip'}
                aria-pressed={i === selected}
                onClick={() => setSelected(i)}
              >
                {c.name ?? c.key}
                {c.trigger && <span class="small"> ({t('campaignEvent', { trigger: c.trigger })})</span>}
              </button>
            </li>
          ))}
        </ul>
      </nav>
      <div class="columns">
        <div class="page">
          <Card title={t('campaignSteps', { name: campaign.name ?? campaign.key })}>
            <StepsTable
              campaignIndex={draft.campaigns.indexOf(campaign)}
              campaign={campaign}
              templates={templates}
              readOnly={!admin}
              invalid={invalid}
              editStep={editStep}
              removeStep={(index) => editSteps((steps) => steps.filter((_, j) => j !== index))}
            />
            {admin && (
              <div class="buttons">
                <button
                  type="button"
                  class="secondary"
                  onClick={() =>
                    editSteps((steps) => [
                      ...steps,
                      {
                        key: `step-${steps.length + 1}`,
                        offset_days: Math.max(0, ...steps.map((s) => Number(s.offset_days) || 0)) + 7,
                        template: templates[0] ?? 'past-due',
                      },
                    ])
                  }
                >
                  {t('campaignAddStep')}
                </button>
              </div>
            )}
            <div aria-live="polite" class="editor-status">
              {checking ? (
                <p class="muted small">{t('campaignChecking')}</p>
              ) : problems.length === 0 ? (
                <p class="muted small" data-testid="campaign-valid">
                  {t('campaignValid')}
                </p>
              ) : null}
            </div>
            {problems.length > 0 && (
              <div role="alert">
                <ul class="error" id="campaign-problems" aria-label={t('problems')}>
                  {problems.map((p) => (
                    <li key={`${p.path.join('.')}-${p.message}`} data-testid="campaign-problem">
                      {p.message}
                      {p.line !== null && (
                        <span class="small">
                          {' '}
                          ({t('campaignProblemAt', { line: p.line, column: p.column ?? 1 })})
                        </span>
                      )}
                    </li>
                  ))}
                </ul>
              </div>
            )}
            {error && <ErrorBox error={error} />}
            <div class="buttons">
              {saved && (
                <span class="muted" role="status">
                  {t('campaignSaved')}
                </span>
              )}
              {dirty && (
                <button
                  type="button"
                  class="secondary"
                  onClick={() => {
                    setDraft(active);
                    setPreview(null);
                  }}
                >
                  {t('campaignReset')}
                </button>
              )}
              <button
                type="button"
                class="secondary"
                onClick={() => void runPreview()}
                disabled={problems.length > 0 || previewing}
              >
                {t('campaignPreviewChanges')}
              </button>
              {admin && (
                <button type="button" onClick={() => void save()} disabled={problems.length > 0 || !dirty}>
                  {t('campaignSave')}
                </button>
              )}
            </div>
          </Card>
          {previewing && <Loading />}
          {preview && <DiffCard preview={preview} />}
        </div>
        <div class="page">
          <SampleCalendar draft={draft} campaign={campaign} valid={problems.length === 0 && !checking} />
          {campaign.trigger === undefined && <AbResults campaign={campaign.key} />}
        </div>
      </div>
    </>
  );
}

function StepsTable({
  campaignIndex,
  campaign,
  templates,
  readOnly,
  invalid,
  editStep,
  removeStep,
}: {
  campaignIndex: number;
  campaign: RawCampaign;
  templates: string[];
  readOnly: boolean;
  invalid: Set<string>;
  editStep: (index: number, patch: (step: RawStep) => RawStep) => void;
  removeStep: (index: number) => void;
}) {
  const dunning = campaign.trigger === undefined;
  const attrs = (index: number, field: string, label: string, step: RawStep) => {
    const bad = invalid.has(`${campaignIndex}.${index}.${field}`);
    return {
      'aria-label': t('campaignRowLabel', { field: label, step: step.key }),
      'aria-invalid': bad ? ('true' as const) : undefined,
      'aria-describedby': bad ? 'campaign-problems' : undefined,
      disabled: readOnly,
    };
  };
  const templateOptions = (current: string | undefined) =>
    [...new Set([...(current ? [current] : []), ...templates])].sort().map((key) => (
      <option key={key} value={key}>
        {key}
      </option>
    ));
  return (
    <div class="table-scroll">
      <table class="list steps-editor">
        <thead>
          <tr>
            <th scope="col">{t('campaignKey')}</th>
            <th scope="col">{t('campaignOffset')}</th>
            <th scope="col">{t('campaignAction')}</th>
            <th scope="col">{t('campaignTemplateOrTask')}</th>
            {dunning && <th scope="col">{t('campaignAb')}</th>}
            {!readOnly && (
              <th scope="col">
                <span class="sr-only">{t('campaignAction')}</span>
              </th>
            )}
          </tr>
        </thead>
        <tbody>
          {campaign.steps.map((step, i) => {
            const action = step.action ?? 'email';
            const variantKind =
              step.variant === undefined
                ? 'none'
                : step.variant.offset_days !== undefined
                  ? 'offset'
                  : 'template';
            return (
              <tr key={i} data-testid={`step-row-${step.key}`}>
                <td>
                  <input
                    value={step.key}
                    size={10}
                    {...attrs(i, 'key', t('campaignKey'), step)}
                    onInput={(e) => {
                      const key = e.currentTarget.value;
                      editStep(i, (s) => ({ ...s, key }));
                    }}
                  />
                </td>
                <td>
                  <input
                    type="number"
                    step={1}
                    value={String(step.offset_days)}
                    class="narrow"
                    {...attrs(i, 'offset_days', t('campaignOffset'), step)}
                    onInput={(e) => {
                      const value = numeric(e.currentTarget.value);
                      editStep(i, (s) => ({ ...s, offset_days: value }));
                    }}
                  />
                </td>
                <td>
                  <select
                    value={action}
                    {...attrs(i, 'action', t('campaignAction'), step)}
                    onChange={(e) => {
                      const next = e.currentTarget.value as 'email' | 'task';
                      editStep(i, (s) => {
                        const { template: _t, task: _k, attach: _a, cc: _c, variant, ...rest } = s;
                        return next === 'task'
                          ? {
                              ...rest,
                              action: 'task',
                              task: `Call {{ customer.name }}`,
                              ...(variant?.offset_days !== undefined
                                ? { variant: { offset_days: variant.offset_days } }
                                : {}),
                            }
                          : { ...rest, action: 'email', template: templates[0] ?? 'past-due' };
                      });
                    }}
                  >
                    <option value="email">{t('campaignActionEmail')}</option>
                    <option value="task">{t('campaignActionTask')}</option>
                  </select>
                </td>
                <td>
                  {action === 'email' ? (
                    <select
                      value={step.template ?? ''}
                      {...attrs(i, 'template', t('template'), step)}
                      onChange={(e) => {
                        const template = e.currentTarget.value;
                        editStep(i, (s) => ({ ...s, template }));
                      }}
                    >
                      {templateOptions(step.template)}
                    </select>
                  ) : (
                    <input
                      value={step.task ?? ''}
                      {...attrs(i, 'task', t('task'), step)}
                      onInput={(e) => {
                        const task = e.currentTarget.value;
                        editStep(i, (s) => ({ ...s, task }));
                      }}
                    />
                  )}
                </td>
                {dunning && (
                  <td>
                    <div class="ab-cell">
                      <select
                        value={variantKind}
                        {...attrs(i, 'variant', t('campaignAb'), step)}
                        onChange={(e) => {
                          const kind = e.currentTarget.value;
                          editStep(i, (s) => {
                            const { variant: _v, ...rest } = s;
                            if (kind === 'none') return rest;
                            const split = s.variant?.split_percent ?? 50;
                            return kind === 'offset'
                              ? {
                                  ...rest,
                                  variant: {
                                    offset_days: (Number(s.offset_days) || 0) + 2,
                                    split_percent: split,
                                  },
                                }
                              : {
                                  ...rest,
                                  variant: {
                                    template: templates.find((k) => k !== s.template) ?? 'reminder',
                                    split_percent: split,
                                  },
                                };
                          });
                        }}
                      >
                        <option value="none">{t('campaignAbNone')}</option>
                        {action === 'email' && <option value="template">{t('campaignAbTemplate')}</option>}
                        {step.repeat_every_days === undefined && (
                          <option value="offset">{t('campaignAbOffset')}</option>
                        )}
                      </select>
                      {variantKind === 'template' && (
                        <select
                          value={step.variant?.template ?? ''}
                          {...attrs(i, 'variant.template', t('campaignAbValue'), step)}
                          onChange={(e) => {
                            const template = e.currentTarget.value;
                            editStep(i, (s) => ({ ...s, variant: { ...s.variant, template } }));
                          }}
                        >
                          {templateOptions(step.variant?.template)}
                        </select>
                      )}
                      {variantKind === 'offset' && (
                        <input
                          type="number"
                          step={1}
                          class="narrow"
                          value={String(step.variant?.offset_days ?? '')}
                          {...attrs(i, 'variant.offset_days', t('campaignAbValue'), step)}
                          onInput={(e) => {
                            const offset = numeric(e.currentTarget.value);
                            editStep(i, (s) => ({ ...s, variant: { ...s.variant, offset_days: offset } }));
                          }}
                        />
                      )}
                      {variantKind !== 'none' && (
                        <input
                          type="number"
                          min={1}
                          max={99}
                          class="narrow"
                          value={String(step.variant?.split_percent ?? 50)}
                          {...attrs(i, 'variant.split_percent', t('campaignAbSplit'), step)}
                          onInput={(e) => {
                            const split = numeric(e.currentTarget.value);
                            editStep(i, (s) => ({ ...s, variant: { ...s.variant, split_percent: split } }));
                          }}
                        />
                      )}
                    </div>
                  </td>
                )}
                {!readOnly && (
                  <td>
                    <button
                      type="button"
                      class="link"
                      aria-label={t('campaignRemoveStep', { step: step.key })}
                      disabled={campaign.steps.length <= 1}
                      onClick={() => removeStep(i)}
                    >
                      ✕
                    </button>
                  </td>
                )}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

const CHANGE_LABEL: Record<Change['change'], Parameters<typeof t>[0]> = {
  added: 'campaignChangeAdded',
  removed: 'campaignChangeRemoved',
  moved: 'campaignChangeMoved',
  template_changed: 'campaignChangeTemplate',
};

function DiffCard({ preview }: { preview: Preview }) {
  const c = preview.counts;
  return (
    <Card title={t('campaignDiff', { days: preview.days })}>
      {preview.changes.length === 0 ? (
        <p data-testid="campaign-diff-none">{t('campaignDiffNone', { days: preview.days })}</p>
      ) : (
        <>
          <p data-testid="campaign-diff-counts">
            {t('campaignDiffCounts', {
              added: c.added,
              removed: c.removed,
              moved: c.moved,
              template: c.template_changed,
              customers: c.customers,
            })}
          </p>
          <div class="table-scroll">
            <table class="list">
              <thead>
                <tr>
                  <th scope="col">{t('campaignChange')}</th>
                  <th scope="col">{t('customer')}</th>
                  <th scope="col">{t('invoices')}</th>
                  <th scope="col">{t('step')}</th>
                  <th scope="col">{t('campaignBefore')}</th>
                  <th scope="col">{t('campaignAfter')}</th>
                </tr>
              </thead>
              <tbody>
                {preview.changes.map((ch) => (
                  <tr
                    key={`${ch.customer}-${ch.invoice}-${ch.campaign}-${ch.step}-${ch.date_before}-${ch.date_after}`}
                    data-testid="campaign-diff-row"
                  >
                    <td>
                      <span class={ch.change === 'removed' ? 'badge warn' : 'badge'}>
                        {t(CHANGE_LABEL[ch.change])}
                      </span>
                    </td>
                    <td>
                      <a href={`#/customers/${encodeURIComponent(ch.customer)}`}>{ch.customer}</a>
                    </td>
                    <td>{ch.invoice ?? '–'}</td>
                    <td>
                      {ch.campaign} · {ch.step}
                    </td>
                    <td>
                      {date(ch.date_before)}
                      {ch.template_before && <span class="muted small"> ({ch.template_before})</span>}
                    </td>
                    <td>
                      {date(ch.date_after)}
                      {ch.template_after && <span class="muted small"> ({ch.template_after})</span>}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {preview.truncated && (
            <p class="muted small">{t('campaignDiffTruncated', { n: preview.changes.length })}</p>
          )}
        </>
      )}
    </Card>
  );
}

function SampleCalendar({
  draft,
  campaign,
  valid,
}: {
  draft: CampaignFile;
  campaign: RawCampaign;
  valid: boolean;
}) {
  const [issue, setIssue] = useState(today());
  const [due, setDue] = useState(addDays(today(), 30));
  const [amount, setAmount] = useState('1000.00');
  const [result, setResult] = useState<CalendarResult | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const event = campaign.trigger !== undefined;

  useEffect(() => {
    if (!valid || event) return;
    const timer = setTimeout(async () => {
      try {
        setResult(
          await api<CalendarResult>('/api/v1/campaigns/calendar', {
            method: 'POST',
            body: { file: draft, campaign: campaign.key, issue_date: issue, due_date: due, amount },
          }),
        );
        setError(null);
      } catch (err) {
        setError(err as Error);
      }
    }, 400);
    return () => clearTimeout(timer);
  }, [draft, campaign.key, issue, due, amount, valid, event]);

  return (
    <Card title={t('campaignCalendar')}>
      <p class="muted small">{t('campaignCalendarHint')}</p>
      {event ? (
        <Empty>{t('campaignCalendarEvent')}</Empty>
      ) : (
        <>
          <div class="form sample-form">
            <label>
              {t('campaignIssueDate')}
              <input type="date" value={issue} onInput={(e) => setIssue(e.currentTarget.value)} />
            </label>
            <label>
              {t('campaignDueDate')}
              <input type="date" value={due} onInput={(e) => setDue(e.currentTarget.value)} />
            </label>
            <label>
              {t('campaignAmount')}
              <input inputMode="decimal" value={amount} onInput={(e) => setAmount(e.currentTarget.value)} />
            </label>
          </div>
          {error && <ErrorBox error={error} />}
          {result?.arms.map((arm) => (
            <section
              key={arm.arm}
              aria-label={result.arms.length > 1 ? t('campaignArm', { arm: arm.arm }) : t('campaignArmPlain')}
            >
              <h3>
                {result.arms.length > 1 ? t('campaignArm', { arm: arm.arm }) : t('campaignArmPlain')}{' '}
                <span class="muted small">{money(result.sample.amount, result.sample.currency)}</span>
              </h3>
              <table class="list" data-testid={`calendar-arm-${arm.arm}`}>
                <thead>
                  <tr>
                    <th scope="col">{t('step')}</th>
                    <th scope="col">{t('campaignFallsDue')}</th>
                    <th scope="col">{t('campaignSends')}</th>
                  </tr>
                </thead>
                <tbody>
                  {arm.steps.map((s) => (
                    <tr key={`${s.step}-${s.occurrence}`}>
                      <td>
                        {s.step}
                        {s.occurrence > 0 && ` #${s.occurrence + 1}`}{' '}
                        <span class="muted small">({s.action === 'email' ? s.template : t('task')})</span>
                      </td>
                      <td>{date(s.due_on)}</td>
                      <td>
                        {s.outcome === 'fired'
                          ? date(s.date)
                          : s.outcome === 'not_reached'
                            ? t('campaignOutcomeNotReached')
                            : s.reason === 'too_late'
                              ? t('campaignOutcomeTooLate')
                              : t('campaignOutcomeSkipped')}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </section>
          ))}
        </>
      )}
    </Card>
  );
}

interface AbArmResult {
  arm: 'a' | 'b';
  customers: number;
  invoices: number;
  matured_7d: number;
  paid_7d: number;
  paid_7d_percent: number | null;
  matured_30d: number;
  paid_30d: number;
  paid_30d_percent: number | null;
}

/** Per A/B step of the campaign and arm: invoices messaged and paid within 7/30 days (90 days). */
function AbResults({ campaign }: { campaign: string }) {
  const report = useLoad(
    () =>
      api<{ ab_tests: { campaign: string; step: string; arms: AbArmResult[] }[] }>(
        `/api/v1/reports/campaigns${query({ period_days: 90 })}`,
      ),
    [],
  );
  const share = (percent: number | null, paid: number, sample: number) =>
    t('campaignAbOf', { percent: percent === null ? '–' : `${number(percent)} %`, paid, sample });
  return (
    <Card title={t('campaignAbResults')}>
      <Show loaded={report}>
        {(r) => {
          const steps = r.ab_tests.filter((s) => s.campaign === campaign);
          if (steps.length === 0) return <Empty>{t('campaignAbResultsNone')}</Empty>;
          return (
            <>
              <p class="muted small">{t('campaignAbSampleHint')}</p>
              {steps.map((s) => (
                <table class="list" key={s.step} data-testid={`ab-results-${s.step}`}>
                  <caption>{s.step}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{t('campaignAbArm')}</th>
                      <th scope="col" class="num">
                        {t('campaignAbCustomers')}
                      </th>
                      <th scope="col" class="num">
                        {t('campaignAbInvoices')}
                      </th>
                      <th scope="col" class="num">
                        {t('campaignAbPaid7')}
                      </th>
                      <th scope="col" class="num">
                        {t('campaignAbPaid30')}
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {s.arms.map((a) => (
                      <tr key={a.arm}>
                        <th scope="row">{a.arm}</th>
                        <td class="num">{a.customers}</td>
                        <td class="num">{a.invoices}</td>
                        <td class="num">{share(a.paid_7d_percent, a.paid_7d, a.matured_7d)}</td>
                        <td class="num">{share(a.paid_30d_percent, a.paid_30d, a.matured_30d)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              ))}
            </>
          );
        }}
      </Show>
    </Card>
  );
}
