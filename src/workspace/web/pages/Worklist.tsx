import { useEffect, useState } from 'preact/hooks';
import { api, type Page, query } from '../api.ts';
import { ErrorBox, Loading } from '../components.tsx';
import { date } from '../format.ts';
import { t } from '../i18n.ts';
import { canCollect, type User } from '../session.ts';

interface Task {
  id: number;
  customer_external_id: string;
  kind: string;
  title: string;
  due: string;
  status: 'open' | 'done';
  invoices: string[];
}

export function Worklist({ user }: { user: User }) {
  const [tasks, setTasks] = useState<Task[] | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [selected, setSelected] = useState(0);

  const load = () =>
    api<Page<Task>>(`/api/v1/tasks${query({ status: 'open', limit: 200 })}`).then(
      (page) => setTasks(page.items),
      (err: Error) => setError(err),
    );
  useEffect(() => {
    void load();
  }, []);

  const complete = async (task: Task) => {
    try {
      await api(`/api/v1/tasks/${task.id}/done`, { method: 'POST', body: {} });
      setTasks((list) => (list ?? []).filter((x) => x.id !== task.id));
    } catch (err) {
      setError(err as Error);
    }
  };

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement | null;
      if (!tasks || tasks.length === 0 || target?.closest('input, textarea, select')) return;
      if (event.key === 'j') setSelected((i) => Math.min(tasks.length - 1, i + 1));
      else if (event.key === 'k') setSelected((i) => Math.max(0, i - 1));
      else if (event.key === 'x' && canCollect(user)) {
        const task = tasks[Math.min(selected, tasks.length - 1)];
        if (task) void complete(task);
      } else return;
      event.preventDefault();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  });

  return (
    <div class="page">
      <h1>{t('worklist')}</h1>
      <p class="muted">{canCollect(user) ? t('worklistHint') : t('readOnly')}</p>
      {error && <ErrorBox error={error} retry={() => void load()} />}
      {!tasks && !error && <Loading />}
      {tasks && tasks.length === 0 && <p class="empty">{t('noTasks')}</p>}
      {tasks && tasks.length > 0 && (
        <ul class="tasks" aria-label={t('tasks')}>
          {tasks.map((task, i) => (
            <li
              key={task.id}
              class={i === Math.min(selected, tasks.length - 1) ? 'selected' : ''}
              aria-current={i === selected ? 'true' : undefined}
              data-task-id={task.id}
            >
              <span class="badge">{task.kind}</span>
              <span class="grow">
                <strong>{task.title}</strong>{' '}
                <a href={`#/customers/${encodeURIComponent(task.customer_external_id)}`}>
                  {task.customer_external_id}
                </a>
                {task.invoices.length > 0 && <span class="muted small"> {task.invoices.join(', ')}</span>}
              </span>
              <span class="muted">
                {t('due')} {date(task.due)}
              </span>
              {canCollect(user) && (
                <button type="button" class="secondary" onClick={() => void complete(task)}>
                  {t('markDone')}
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
