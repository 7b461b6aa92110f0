/**
 * The API reference page, rendered from the OpenAPI document: operations grouped by tag,
 * each with its parameters, request and response schemas as field tables, and an example
 * curl line; then the shared schemas. Pure: the document in, HTML out.
 */
import { html, layout, type RawHtml, raw } from './html.ts';

type Json = Record<string, unknown>;

interface Operation {
  method: string;
  path: string;
  op: Json;
}

function obj(value: unknown): Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : {};
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function refName(schema: Json): string | null {
  const ref = str(schema.$ref);
  return ref.startsWith('#/components/schemas/') ? ref.slice('#/components/schemas/'.length) : null;
}

function anchor(kind: string, name: string): string {
  return `${kind}-${name.replace(/[^A-Za-z0-9_-]/g, '-')}`;
}

/** A short, readable type: `string (date)`, `array of Invoice`, `"open" | "paid"`, `Money | null`. */
function typeLabel(schema: Json): RawHtml {
  const ref = refName(schema);
  if (ref) return html`<a href="#${anchor('schema', ref)}">${ref}</a>`;
  const variants = (schema.anyOf ?? schema.oneOf) as unknown;
  if (Array.isArray(variants)) {
    return raw(variants.map((v) => typeLabel(obj(v)).html).join(' | '));
  }
  if (Array.isArray(schema.enum)) {
    return html`${schema.enum.map((v) => JSON.stringify(v)).join(' | ')}`;
  }
  if ('const' in schema) return html`${JSON.stringify(schema.const)}`;
  const types = Array.isArray(schema.type)
    ? (schema.type as string[])
    : schema.type
      ? [str(schema.type)]
      : [];
  const labels = types.map((t) => {
    if (t === 'array') return html`array of ${typeLabel(obj(schema.items))}`.html;
    if (t === 'object' && schema.additionalProperties && typeof schema.additionalProperties === 'object') {
      return html`map of ${typeLabel(obj(schema.additionalProperties))}`.html;
    }
    const format = str(schema.format);
    return html`${t}${format ? ` (${format})` : ''}`.html;
  });
  return raw(labels.join(' | ') || 'any');
}

function constraints(schema: Json): string {
  const parts: string[] = [];
  if (typeof schema.minimum === 'number') parts.push(`≥ ${schema.minimum}`);
  if (typeof schema.maximum === 'number') parts.push(`≤ ${schema.maximum}`);
  if (typeof schema.maxItems === 'number') parts.push(`at most ${schema.maxItems} items`);
  if ('default' in schema) parts.push(`default ${JSON.stringify(schema.default)}`);
  if (typeof schema.pattern === 'string' && !schema.format) parts.push(`pattern ${schema.pattern}`);
  return parts.join(', ');
}

interface FieldRow {
  name: string;
  schema: Json;
  required: boolean;
}

/** Flattens an object schema into rows; nested objects and arrays of objects get dotted names. */
function fieldRows(schema: Json, prefix = '', depth = 0): FieldRow[] {
  const props = obj(schema.properties);
  const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
  const rows: FieldRow[] = [];
  for (const [name, value] of Object.entries(props)) {
    const s = obj(value);
    const full = `${prefix}${name}`;
    rows.push({ name: full, schema: s, required: required.has(name) });
    if (depth >= 3 || refName(s)) continue;
    if (s.type === 'object' && s.properties) rows.push(...fieldRows(s, `${full}.`, depth + 1));
    const items = obj(s.items);
    if (s.type === 'array' && items.type === 'object' && items.properties) {
      rows.push(...fieldRows(items, `${full}[].`, depth + 1));
    }
  }
  return rows;
}

function schemaBlock(schema: Json): RawHtml {
  const ref = refName(schema);
  if (ref) return html`<p>${typeLabel(schema)}</p>`;
  const rows = fieldRows(schema);
  if (rows.length === 0) {
    return html`<p>${typeLabel(schema)}</p>`;
  }
  return html`<table><thead><tr><th>field</th><th>type</th><th>description</th></tr></thead><tbody>${rows.map(
    (r) =>
      html`<tr><td><code>${r.name}</code>${r.required ? raw(' <span class="req">required</span>') : ''}</td><td>${typeLabel(
        r.schema,
      )}</td><td>${str(r.schema.description)}${constraints(r.schema) ? html` <span class="muted">(${constraints(r.schema)})</span>` : ''}</td></tr>`,
  )}</tbody></table>`;
}

function exampleOf(schema: Json, components: Json, depth = 0): unknown {
  const ref = refName(schema);
  if (ref) return depth > 4 ? {} : exampleOf(obj(components[ref]), components, depth + 1);
  if (Array.isArray(schema.examples) && schema.examples.length > 0) return schema.examples[0];
  if ('default' in schema) return schema.default;
  const variants = (schema.anyOf ?? schema.oneOf) as unknown;
  if (Array.isArray(variants)) {
    const first = variants.map(obj).find((v) => v.type !== 'null');
    return first ? exampleOf(first, components, depth + 1) : null;
  }
  if (Array.isArray(schema.enum)) return schema.enum[0];
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'object': {
      const out: Json = {};
      const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
      for (const [name, value] of Object.entries(obj(schema.properties))) {
        if (required.has(name) && depth < 5) out[name] = exampleOf(obj(value), components, depth + 1);
      }
      return out;
    }
    case 'array':
      return depth < 5 ? [exampleOf(obj(schema.items), components, depth + 1)] : [];
    case 'integer':
    case 'number':
      return typeof schema.minimum === 'number' ? schema.minimum : 1;
    case 'boolean':
      return true;
    case 'string':
      if (schema.format === 'date') return '2026-01-31';
      if (schema.format === 'date-time') return '2026-01-31T09:00:00.000Z';
      if (schema.format === 'email') return 'ap@example.com';
      return 'text';
    default:
      return null;
  }
}

function jsonBodySchema(container: Json): Json | null {
  const content = obj(container.content);
  const json = obj(content['application/json']);
  return json.schema ? obj(json.schema) : null;
}

function curlLine(baseUrl: string, o: Operation, components: Json): string {
  const path = o.path.replace(/\{([^}]+)\}/g, (_, name: string) =>
    name === 'external_id' ? 'C-1001' : name,
  );
  const parts = [`curl`];
  if (o.method !== 'get') parts.push(`-X ${o.method.toUpperCase()}`);
  parts.push(`-H "Authorization: Bearer $DUNWELL_API_KEY"`);
  const body = jsonBodySchema(obj(o.op.requestBody));
  if (body) {
    parts.push(`-H 'Content-Type: application/json'`);
    const example = JSON.stringify(exampleOf(body, components)).replace(/'/g, "'\\''");
    parts.push(`-d '${example}'`);
  }
  parts.push(`'${baseUrl}${path}'`);
  return parts.join(' ');
}

function operationHtml(baseUrl: string, o: Operation, components: Json): RawHtml {
  const id = str(o.op.operationId) || `${o.method}-${o.path}`;
  const params = Array.isArray(o.op.parameters) ? (o.op.parameters as unknown[]).map(obj) : [];
  const body = jsonBodySchema(obj(o.op.requestBody));
  const responses = Object.entries(obj(o.op.responses));
  return html`<section class="op" id="${anchor('op', id)}">
<div class="op-head"><span class="method ${o.method}">${o.method}</span><span class="path">${o.path}</span><h3>${str(o.op.summary)}</h3></div>
${o.op.description ? html`<p>${str(o.op.description)}</p>` : ''}
${
  params.length
    ? html`<h4>Parameters</h4><table><thead><tr><th>name</th><th>in</th><th>type</th><th>description</th></tr></thead><tbody>${params.map(
        (p) =>
          html`<tr><td><code>${str(p.name)}</code>${p.required ? raw(' <span class="req">required</span>') : ''}</td><td>${str(p.in)}</td><td>${typeLabel(
            obj(p.schema),
          )}</td><td>${str(p.description) || str(obj(p.schema).description)}${constraints(obj(p.schema)) ? html` <span class="muted">(${constraints(obj(p.schema))})</span>` : ''}</td></tr>`,
      )}</tbody></table>`
    : ''
}
${body ? html`<h4>Request body (application/json)</h4>${schemaBlock(body)}` : ''}
<h4>Responses</h4>
${responses.map(([status, value]) => {
  const r = obj(value);
  const schema = jsonBodySchema(r);
  return html`<p><strong>${status}</strong> <span class="muted">${str(r.description)}</span></p>${schema ? schemaBlock(schema) : ''}`;
})}
<h4>Example</h4>
<pre>${curlLine(baseUrl, o, components)}</pre>
</section>`;
}

/** Renders the reference page for an OpenAPI 3.x document; `baseUrl` goes into the curl lines. */
export function renderApiReference(document: unknown, baseUrl: string): string {
  const doc = obj(document);
  const info = obj(doc.info);
  const components = obj(obj(doc.components).schemas);
  const tagOrder = (Array.isArray(doc.tags) ? (doc.tags as unknown[]) : []).map((t) => obj(t));
  const byTag = new Map<string, Operation[]>();
  for (const t of tagOrder) byTag.set(str(t.name), []);
  for (const [path, item] of Object.entries(obj(doc.paths))) {
    for (const [method, value] of Object.entries(obj(item))) {
      if (!['get', 'put', 'post', 'delete', 'patch'].includes(method)) continue;
      const op = obj(value);
      const tags = Array.isArray(op.tags) && op.tags.length > 0 ? (op.tags as string[]) : ['other'];
      for (const tag of tags) {
        if (!byTag.has(tag)) byTag.set(tag, []);
        byTag.get(tag)?.push({ method, path, op });
      }
    }
  }
  const sections = [...byTag.entries()].filter(([, ops]) => ops.length > 0);
  const tagDescription = (name: string) => str(tagOrder.find((t) => t.name === name)?.description);
  const description = str(info.description)
    .split(/\n{2,}/)
    .map((para) => html`<p>${para}</p>`);
  const body = html`<h1>${str(info.title) || 'API reference'}</h1>
<p class="muted">Version ${str(info.version)} · OpenAPI ${str(doc.openapi)} · <a href="/api/openapi.json">openapi.json</a></p>
${description}
<h2>Contents</h2>
<ul class="toc">${sections.map(
    ([tag, ops]) =>
      html`<li><a href="#${anchor('tag', tag)}">${tag}</a><ul>${ops.map(
        (o) =>
          html`<li><a href="#${anchor('op', str(o.op.operationId) || `${o.method}-${o.path}`)}">${o.method.toUpperCase()} ${o.path}</a></li>`,
      )}</ul></li>`,
  )}${Object.keys(components).length ? html`<li><a href="#schemas">Schemas</a></li>` : ''}</ul>
${sections.map(
  ([tag, ops]) =>
    html`<h2 id="${anchor('tag', tag)}">${tag}</h2>${tagDescription(tag) ? html`<p>${tagDescription(tag)}</p>` : ''}${ops.map(
      (o) => operationHtml(baseUrl, o, components),
    )}`,
)}
${
  Object.keys(components).length
    ? html`<h2 id="schemas">Schemas</h2>${Object.entries(components).map(
        ([name, schema]) =>
          html`<section class="op" id="${anchor('schema', name)}"><h3>${name}</h3>${str(obj(schema).description) ? html`<p>${str(obj(schema).description)}</p>` : ''}${schemaBlock(obj(schema))}</section>`,
      )}`
    : ''
}`;
  return layout(`${str(info.title) || 'API'} reference`, body);
}
