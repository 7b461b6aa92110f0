/**
 * The workspace's browser code (src/workspace/web, Preact + TypeScript) bundled in memory with
 * esbuild the first time a process serves it — no separate build step for `npm start`. The
 * file name carries a content hash, so browsers cache it for a year and never run a stale one.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const WEB_DIR = join(dirname(fileURLToPath(import.meta.url)), 'web');

export interface WorkspaceBundle {
  script: { name: string; body: string };
  style: { name: string; body: string };
}

let pending: Promise<WorkspaceBundle> | null = null;

const named = (body: string, ext: string) => ({
  name: `workspace-${createHash('sha256').update(body).digest('hex').slice(0, 12)}.${ext}`,
  body,
});

async function bundle(): Promise<WorkspaceBundle> {
  const result = await build({
    entryPoints: [join(WEB_DIR, 'main.tsx')],
    bundle: true,
    write: false,
    format: 'esm',
    target: 'es2020',
    minify: true,
    jsx: 'automatic',
    jsxImportSource: 'preact',
    legalComments: 'none',
    logLevel: 'silent',
  });
  const script = result.outputFiles[0]?.text;
  if (!script) throw new Error('esbuild produced no output for the workspace');
  return {
    script: named(script, 'js'),
    style: named(readFileSync(join(WEB_DIR, 'styles.css'), 'utf8'), 'css'),
  };
}

export function workspaceBundle(): Promise<WorkspaceBundle> {
  pending ??= bundle().catch((err: unknown) => {
    pending = null;
    throw err;
  });
  return pending;
}

export function workspaceHtml(b: WorkspaceBundle): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Dunwell</title>
<link rel="stylesheet" href="/assets/${b.style.name}">
<script type="module" src="/assets/${b.script.name}"></script>
</head>
<body>
<div id="app"><p style="padding:24px">Loading Dunwell…</p></div>
<noscript>The Dunwell workspace needs JavaScript. The REST API reference is at <a href="/api/docs">/api/docs</a>.</noscript>
</body>
</html>
`;
}
