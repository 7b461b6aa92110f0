/** A render worker thread (see render-pool.ts): renders jobs with its own message builder. */
import { parentPort, workerData } from 'node:worker_threads';
import type { DunwellConfig } from '../../platform/config.ts';
import { createMessageBuilder } from './compose.ts';
import { type RenderJob, renderJob } from './render.ts';

const builder = createMessageBuilder((workerData as { config: DunwellConfig }).config);
const port = parentPort;
if (!port) throw new Error('render-worker.ts runs as a worker thread');

port.on('message', async (m: { id: number; job: RenderJob }) => {
  try {
    port.postMessage({ id: m.id, out: await renderJob(m.job, builder) });
  } catch (err) {
    const e = err as Error;
    port.postMessage({ id: m.id, error: { name: e.constructor?.name ?? e.name, message: e.message } });
  }
});
