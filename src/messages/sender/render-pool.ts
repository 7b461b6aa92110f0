/**
 * Render worker threads for the sender. Rendering a message (Liquid, the statement PDF, MIME and
 * the DKIM signature) is pure CPU work on loaded data; in worker threads it runs beside the
 * thread that talks to the database and the SMTP server, so a sender uses more than one core.
 * Each worker builds messages with the same settings (it reads the DKIM key itself).
 *
 * If a worker dies, its jobs fail like any render error would (the sender retries them) and
 * the pool renders in the calling thread from then on.
 */
import { Worker } from 'node:worker_threads';
import type { DunwellConfig } from '../../platform/config.ts';
import { UserError } from '../../platform/errors.ts';
import type { RenderJob, RenderOutput } from './render.ts';

export interface RenderPool {
  render(job: RenderJob): Promise<RenderOutput>;
  close(): Promise<void>;
}

interface Pending {
  resolve(output: RenderOutput): void;
  reject(error: Error): void;
}

interface Slot {
  worker: Worker;
  pending: Map<number, Pending>;
}

/** Errors that say the message cannot be rendered as it stands (the sender fails it, not retries). */
const PERMANENT = new Set(['TemplateError', 'UserError', 'NotFoundError', 'TemplateValidationError']);

export function createRenderPool(
  config: DunwellConfig,
  threads: number,
  fallback: (job: RenderJob) => Promise<RenderOutput>,
  log: (line: string) => void,
): RenderPool {
  // URLs do not cross a thread boundary, and the workers need neither SMTP nor IMAP settings
  const workerConfig: DunwellConfig = { ...config, smtp: null, imapUrl: null };
  const slots: Slot[] = [];
  let nextId = 0;
  const fail = (slot: Slot, error: Error) => {
    const at = slots.indexOf(slot);
    if (at >= 0) slots.splice(at, 1);
    for (const p of slot.pending.values()) p.reject(error);
    slot.pending.clear();
  };
  for (let i = 0; i < threads; i++) {
    const worker = new Worker(new URL('./render-worker.mjs', import.meta.url), {
      workerData: { config: workerConfig },
    });
    const slot: Slot = { worker, pending: new Map() };
    worker.on(
      'message',
      (m: { id: number; out?: RenderOutput; error?: { name: string; message: string } }) => {
        const p = slot.pending.get(m.id);
        if (!p) return;
        slot.pending.delete(m.id);
        if (m.out) p.resolve(m.out);
        else {
          const e = m.error ?? { name: 'Error', message: 'render worker gave no result' };
          p.reject(PERMANENT.has(e.name) ? new UserError(e.message) : new Error(e.message));
        }
      },
    );
    worker.on('error', (err) => {
      log(`sender: a render worker failed (${err.message}); rendering in the sender's thread from now on`);
      fail(slot, err);
    });
    worker.on('exit', (code) => {
      if (slot.pending.size > 0 || slots.includes(slot))
        fail(slot, new Error(`render worker exited (${code})`));
    });
    slots.push(slot);
  }
  return {
    render(job) {
      const slot = slots.reduce<Slot | null>(
        (best, s) => (best === null || s.pending.size < best.pending.size ? s : best),
        null,
      );
      if (!slot) return fallback(job);
      const id = nextId++;
      return new Promise<RenderOutput>((resolve, reject) => {
        slot.pending.set(id, { resolve, reject });
        slot.worker.postMessage({ id, job });
      });
    },
    async close() {
      const all = slots.splice(0);
      await Promise.all(all.map((s) => s.worker.terminate()));
    },
  };
}
