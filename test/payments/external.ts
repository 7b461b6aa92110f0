/** Where the shared third-party test data lives (../shared/external beside the checkout). */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const EXTERNAL = resolve(import.meta.dirname, '../../../shared/external');

/** The folder, or a skip reason for node:test when it is absent. */
export function externalDir(name: string): { dir: string; skip: string | false } {
  const dir = join(EXTERNAL, name);
  return existsSync(dir)
    ? { dir, skip: false }
    : { dir, skip: `${dir} is absent: the shared bank-file corpus is not beside the checkout` };
}
