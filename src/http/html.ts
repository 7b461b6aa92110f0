/**
 * Small server-rendered pages (the home page and the API reference): escaping, one layout
 * with inline CSS and no external assets. Pure: values in, HTML out.
 */

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

/** A tagged template whose interpolations are escaped unless wrapped in `raw()`. */
export class RawHtml {
  constructor(readonly html: string) {}
  toString(): string {
    return this.html;
  }
}

export function raw(html: string): RawHtml {
  return new RawHtml(html);
}

export function html(strings: TemplateStringsArray, ...values: unknown[]): RawHtml {
  let out = strings[0] ?? '';
  values.forEach((v, i) => {
    const piece = Array.isArray(v)
      ? v.map((x) => (x instanceof RawHtml ? x.html : escapeHtml(x))).join('')
      : v instanceof RawHtml
        ? v.html
        : escapeHtml(v);
    out += piece + (strings[i + 1] ?? '');
  });
  return new RawHtml(out);
}

const CSS = `
:root { color-scheme: light dark; --fg: #1d2430; --muted: #5b6676; --bg: #ffffff; --panel: #f5f7fa; --line: #dde2ea;
  --accent: #1f5fbf; --get: #1d7a46; --put: #8a5a00; --post: #1f5fbf; --delete: #b3261e; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6e9ef; --muted: #a0a8b5; --bg: #14171c; --panel: #1c2027;
  --line: #2d333d; --accent: #7fb0ff; --get: #6fcf97; --put: #f2c94c; --post: #7fb0ff; --delete: #ff8a80; } }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
header.top { border-bottom: 1px solid var(--line); padding: 14px 28px; display: flex; gap: 24px; align-items: baseline; }
header.top .brand { font-weight: 700; letter-spacing: .02em; }
header.top nav a { margin-right: 16px; }
main { max-width: 1100px; margin: 0 auto; padding: 24px 28px 64px; }
a { color: var(--accent); text-decoration: none; } a:hover { text-decoration: underline; }
h1 { font-size: 26px; margin: 8px 0 4px; } h2 { font-size: 20px; margin: 36px 0 12px; border-bottom: 1px solid var(--line); padding-bottom: 6px; }
h3 { font-size: 16px; margin: 0; } h4 { font-size: 13px; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); margin: 18px 0 6px; }
.muted { color: var(--muted); }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(180px, 1fr)); gap: 12px; margin: 20px 0; }
.card { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 14px 16px; }
.card .label { color: var(--muted); font-size: 13px; } .card .value { font-size: 24px; font-weight: 600; font-variant-numeric: tabular-nums; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 10px; font-size: 14px; }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { color: var(--muted); font-weight: 600; font-size: 13px; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
code, pre { font: 13px/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
pre { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; overflow-x: auto; white-space: pre-wrap; word-break: break-all; }
.op { border: 1px solid var(--line); border-radius: 8px; margin: 14px 0; padding: 14px 16px; }
.op-head { display: flex; gap: 12px; align-items: baseline; flex-wrap: wrap; }
.method { font: 700 12px ui-monospace, monospace; padding: 2px 8px; border-radius: 4px; border: 1px solid currentColor; text-transform: uppercase; }
.method.get { color: var(--get); } .method.put { color: var(--put); } .method.post { color: var(--post); } .method.delete { color: var(--delete); } .method.patch { color: var(--put); }
.path { font: 600 14px ui-monospace, monospace; }
.req { color: var(--delete); font-size: 12px; }
.toc { columns: 2 260px; padding-left: 18px; } .toc li { break-inside: avoid; }
`;

export function layout(title: string, body: RawHtml): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${CSS}</style>
</head>
<body>
<header class="top"><span class="brand">Dunwell</span>
<nav><a href="/">Home</a><a href="/api/docs">API reference</a><a href="/api/openapi.json">OpenAPI</a></nav></header>
<main>
${body.html}
</main>
</body>
</html>
`;
}
