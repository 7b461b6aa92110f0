// Entry of a render worker thread: worker threads start without the parent's TypeScript
// loader, so register tsx here, then load the worker itself.
import { register } from 'tsx/esm/api';

register();
await import(new URL('./render-worker.ts', import.meta.url).href);
