export {
  completeTask,
  getTask,
  listTasks,
  TASK_KINDS,
  type TaskFilter,
  type TaskKind,
  type TaskStatus,
  type TaskView,
} from './tasks.ts';
