/**
 * The sandboxed Liquid engine for user-editable message templates (PRODUCT §5, §10).
 *
 * What a template can do: read the variables it is given (own properties only, never the
 * prototype chain: `customer.constructor` and `__proto__` are undefined variables), use the
 * standard Liquid tags and filters, and our `money` / `date` filters. What it cannot do:
 * read files (`include`, `render` and `layout` are replaced by tags that refuse at parse
 * time, and the file-system adapter refuses every lookup as a second wall), read the
 * environment or run code (Liquid has no expression evaluation), or run for ever (parse,
 * render-time, render-count and memory limits).
 *
 * Pure: no I/O, no clock. Money and dates are formatted here with Intl, in code, because
 * liquidjs's own `date` filter is slow and formats in the process time zone.
 */
import {
  type Context,
  ForTag,
  type FS,
  Liquid,
  LiquidError,
  type Parser,
  TablerowTag,
  type TagToken,
  type Template,
  type TopLevelToken,
} from 'liquidjs';
import { type DateStyle, formatDate, formatMoney } from './format.ts';

export { type DateStyle, formatDate, formatMoney } from './format.ts';

/** Where a template's text lives: the subject line, the HTML (or MJML) body, the plain-text body. */
export type TemplatePart = 'subject' | 'html' | 'text';

/** DoS limits. A real template renders in well under a millisecond per invoice. */
export const TEMPLATE_LIMITS = {
  /** characters of template source per parse */
  parseLimit: 200_000,
  /** milliseconds of rendering per part */
  renderLimit: 1_000,
  /** loop iterations per part, all loops together (a 10 000-invoice table in 3 currencies is 30 000) */
  loopIterations: 200_000,
  /** liquidjs's allocation counter (ranges, joins, splits…) */
  memoryLimit: 20_000_000,
} as const;

/**
 * A template problem with its place: `part` plus line and column counted inside that part
 * (1-based). Callers that know where the part starts in a file shift the line.
 */
export class TemplateError extends Error {
  override readonly name = 'TemplateError';
  constructor(
    readonly part: TemplatePart,
    readonly line: number,
    readonly column: number,
    readonly reason: string,
  ) {
    super(`${part} line ${line}, column ${column}: ${reason}`);
  }
}

/** Render-time locale, passed through liquidjs's render-scoped globals under a key no template can name. */
const LOCALE = Symbol('dunwell.locale');

const DATE_STYLES: readonly DateStyle[] = ['long', 'medium', 'short', 'full'];

function localeOf(context: Context): string {
  const globals = context.globals as Record<PropertyKey, unknown>;
  const locale = globals[LOCALE];
  return typeof locale === 'string' ? locale : 'en';
}

/** A file system that has no files: every lookup fails, so nothing is ever read from disk. */
const NO_FILES: FS = {
  exists: async () => false,
  existsSync: () => false,
  readFile: async (file: string) => {
    throw new Error(`templates cannot read files ("${file}")`);
  },
  readFileSync: (file: string) => {
    throw new Error(`templates cannot read files ("${file}")`);
  },
  resolve: (_dir: string, file: string) => file,
  contains: async () => false,
  sep: '/',
};

/** `include`, `render` and `layout` would load other files; in a message template they are refused. */
function refusingTag(name: string) {
  return {
    parse(token: TagToken) {
      throw new Error(`the "${name}" tag is not allowed in message templates (${token.name})`);
    },
    render() {
      throw new Error(`the "${name}" tag is not allowed in message templates`);
    },
  };
}

const ITERATIONS = 'dunwell:loop-iterations';

/**
 * A template node placed first in every loop body: it counts the iterations of all loops of
 * one render (liquidjs keeps registers per render) and stops the render past the limit, so
 * `{% for i in (1..5000) %}{% for j in (1..5000) %}` fails fast instead of running 25 million
 * times. It has no variables, so static analysis passes over it.
 */
function iterationCounter(token: TagToken, limit: () => number): Template {
  return {
    token,
    // a plain function is fine here: liquidjs yields whatever render returns
    render(ctx: Context): undefined {
      const state = ctx.getRegister(ITERATIONS, { count: 0 }) as { count: number };
      state.count += 1;
      if (state.count > limit()) throw new Error(`loops ran more than ${limit()} iterations`);
      return undefined;
    },
  } as unknown as Template;
}

let loopLimit: number = TEMPLATE_LIMITS.loopIterations;

/** Test hook: lowers the loop limit for the duration of `work`. */
export async function withLoopLimit<T>(limit: number, work: () => Promise<T>): Promise<T> {
  const before = loopLimit;
  loopLimit = limit;
  try {
    return await work();
  } finally {
    loopLimit = before;
  }
}

class LimitedFor extends ForTag {
  constructor(token: TagToken, remainTokens: TopLevelToken[], liquid: Liquid, parser: Parser) {
    super(token, remainTokens, liquid, parser);
    this.templates.unshift(iterationCounter(token, () => loopLimit));
  }
}

class LimitedTablerow extends TablerowTag {
  constructor(token: TagToken, remainTokens: TopLevelToken[], liquid: Liquid, parser: Parser) {
    super(token, remainTokens, liquid, parser);
    this.templates.unshift(iterationCounter(token, () => loopLimit));
  }
}

function createLiquid(escapeHtml: boolean): Liquid {
  const liquid = new Liquid({
    ownPropertyOnly: true,
    strictFilters: true,
    strictVariables: true,
    // Liquid's defaults read the working directory; these point nowhere.
    fs: NO_FILES,
    root: [],
    partials: [],
    layouts: [],
    relativeReference: false,
    dynamicPartials: false,
    cache: false,
    jsTruthy: false,
    greedy: false,
    outputEscape: escapeHtml ? 'escape' : undefined,
    parseLimit: TEMPLATE_LIMITS.parseLimit,
    renderLimit: TEMPLATE_LIMITS.renderLimit,
    memoryLimit: TEMPLATE_LIMITS.memoryLimit,
  });
  for (const name of ['include', 'render', 'layout', 'block']) liquid.registerTag(name, refusingTag(name));
  liquid.registerTag('for', LimitedFor);
  liquid.registerTag('tablerow', LimitedTablerow);
  liquid.registerFilter('money', function (this: { context: Context }, value: unknown, currency: unknown) {
    if (typeof currency !== 'string') throw new Error('money needs a currency: {{ amount | money: "EUR" }}');
    return formatMoney(value as string, currency, localeOf(this.context));
  });
  liquid.registerFilter('date', function (this: { context: Context }, value: unknown, style: unknown) {
    if (value === null || value === undefined || value === '') return '';
    const chosen = style === undefined ? 'long' : style;
    if (typeof chosen !== 'string' || !(DATE_STYLES as readonly string[]).includes(chosen)) {
      throw new Error(`date style must be one of ${DATE_STYLES.join(', ')}`);
    }
    return formatDate(String(value), localeOf(this.context), chosen as DateStyle);
  });
  return liquid;
}

let htmlLiquid: Liquid | undefined;
let plainLiquid: Liquid | undefined;

/**
 * The HTML part escapes every output (a customer named `<b>ACME & Co</b>` stays text);
 * the subject and the plain-text part are not HTML and are not escaped.
 */
export function liquidFor(part: TemplatePart): Liquid {
  if (part === 'html') {
    htmlLiquid ??= createLiquid(true);
    return htmlLiquid;
  }
  plainLiquid ??= createLiquid(false);
  return plainLiquid;
}

/** liquidjs errors carry a token; its position is the place in the part's text. */
export function toTemplateError(err: unknown, part: TemplatePart): TemplateError {
  if (err instanceof TemplateError) return err;
  if (LiquidError.is(err)) {
    const [line = 1, column = 1] = err.token?.getPosition?.() ?? [];
    const original = err.originalError?.message ?? err.message;
    return new TemplateError(part, line, column, cleanReason(original));
  }
  return new TemplateError(part, 1, 1, cleanReason((err as Error)?.message ?? String(err)));
}

function cleanReason(message: string): string {
  const reason = message
    .replace(/, line:\d+, col:\d+$/, '')
    .replace(/^undefined variable: (.*)$/, 'unknown variable "$1"');
  if (/template render limit exceeded/.test(reason)) {
    return 'rendering took longer than the render time limit (a loop too large?)';
  }
  if (/^loops ran more than/.test(reason)) return `${reason} (a loop too large?)`;
  if (/memory alloc limit exceeded/.test(reason)) {
    return 'rendering exceeded the memory limit (a loop or range too large?)';
  }
  return reason;
}

/** Parses one part; a syntax error, an unknown filter or a refused tag is a TemplateError with its place. */
export function parsePart(source: string, part: TemplatePart): Template[] {
  try {
    return liquidFor(part).parse(source);
  } catch (err) {
    throw toTemplateError(err, part);
  }
}

/**
 * Renders a parsed part with the variables; `locale` drives `money` and `date`. Errors
 * (unknown variable, limit reached) become TemplateErrors with their place.
 */
export async function renderPart(
  parsed: Template[],
  part: TemplatePart,
  variables: object,
  locale: string,
  limits: { renderLimit?: number } = {},
): Promise<string> {
  try {
    const out: unknown = liquidFor(part).renderSync(parsed, variables, {
      globals: { [LOCALE]: locale },
      renderLimit: limits.renderLimit ?? TEMPLATE_LIMITS.renderLimit,
      memoryLimit: TEMPLATE_LIMITS.memoryLimit,
    });
    return String(out);
  } catch (err) {
    throw toTemplateError(err, part);
  }
}

export type { Template };
