/**
 * What a customer's reply asks for: a promise to pay (with the date), a dispute, "already
 * paid", "wrong contact", a question, or other. Pure and deterministic. The rules are data,
 * one file per language (intent-rules/{en,de,fr,es}.json): editable regular expressions per
 * intent, plus the date words relative-date.ts reads. In those patterns `\b` means a Unicode
 * word boundary (so "\bréglé\b" and "\büberwiesen\b" work).
 *
 * Precedence when several intents match (an AR team's reading): wrong contact (nothing else
 * in the mail is actionable from this person) > dispute (a "we'll pay when the price is fixed"
 * is a dispute) > already paid > promise to pay > question > other.
 */
import type { CalendarDate } from '../ledger/dates.ts';
import de from './intent-rules/de.json' with { type: 'json' };
import en from './intent-rules/en.json' with { type: 'json' };
import es from './intent-rules/es.json' with { type: 'json' };
import fr from './intent-rules/fr.json' with { type: 'json' };
import { type DateVocabulary, findDate } from './relative-date.ts';

export type ReplyIntent = 'promise_to_pay' | 'dispute' | 'paid' | 'wrong_contact' | 'question' | 'other';

export const INTENT_PRECEDENCE: readonly Exclude<ReplyIntent, 'other'>[] = [
  'wrong_contact',
  'dispute',
  'paid',
  'promise_to_pay',
  'question',
];

export interface IntentRules {
  readonly language: string;
  readonly intents: Readonly<Partial<Record<Exclude<ReplyIntent, 'other'>, readonly string[]>>>;
  readonly dates: DateVocabulary;
}

interface CompiledRules {
  readonly language: string;
  readonly intents: ReadonlyMap<string, readonly RegExp[]>;
  readonly dates: DateVocabulary;
}

export const DEFAULT_RULES: readonly IntentRules[] = [en, de, fr, es] as unknown as IntentRules[];

const WORD = '[\\p{L}\\p{N}_]';
const UNICODE_BOUNDARY = `(?:(?<=${WORD})(?!${WORD})|(?<!${WORD})(?=${WORD}))`;

/** Compiles one rule pattern; `\b` becomes a Unicode-aware word boundary. */
export function compilePattern(source: string): RegExp {
  return new RegExp(source.replace(/\\b/g, UNICODE_BOUNDARY), 'iu');
}

const compiledCache = new WeakMap<readonly IntentRules[], CompiledRules[]>();

function compile(rules: readonly IntentRules[]): CompiledRules[] {
  const cached = compiledCache.get(rules);
  if (cached) return cached;
  const out = rules.map((r) => ({
    language: r.language,
    intents: new Map(Object.entries(r.intents).map(([k, list]) => [k, (list ?? []).map(compilePattern)])),
    dates: r.dates,
  }));
  compiledCache.set(rules, out);
  return out;
}

export interface IntentResult {
  readonly intent: ReplyIntent;
  readonly promisedDate: CalendarDate | null;
  /** `language:intent: "matched words"` — why the rule fired, for the timeline. */
  readonly evidence: string | null;
}

/** The calendar date of the message in its own offset ("Tue, 3 Apr 2012 23:59 +0400" → 2012-04-03). */
export function messageCalendarDate(isoInstant: string | null, dateHeader?: string): CalendarDate | null {
  if (!isoInstant) return null;
  const offset = dateHeader ? /([+-])(\d{2})(\d{2})\s*(\(.*\))?\s*$/.exec(dateHeader.trim()) : null;
  const ms = Date.parse(isoInstant);
  if (Number.isNaN(ms)) return null;
  const shift = offset ? (offset[1] === '-' ? -1 : 1) * (Number(offset[2]) * 60 + Number(offset[3])) : 0;
  return new Date(ms + shift * 60_000).toISOString().slice(0, 10);
}

/**
 * The intent of a reply's new text. `messageDate` is the message's calendar date (relative
 * dates are resolved from it); without one, a promise keeps `promisedDate: null`.
 */
export function detectIntent(
  text: string,
  messageDate: CalendarDate | null,
  rules: readonly IntentRules[] = DEFAULT_RULES,
): IntentResult {
  const sample = text.slice(0, 20_000);
  const compiled = compile(rules);
  for (const intent of INTENT_PRECEDENCE) {
    for (const lang of compiled) {
      for (const re of lang.intents.get(intent) ?? []) {
        const m = re.exec(sample);
        if (!m) continue;
        const evidence = `${lang.language}:${intent}: "${m[0].trim().slice(0, 80)}"`;
        if (intent !== 'promise_to_pay') return { intent, promisedDate: null, evidence };
        return {
          intent,
          promisedDate: messageDate ? promisedDateNear(sample, m.index, messageDate, compiled) : null,
          evidence,
        };
      }
    }
  }
  return { intent: 'other', promisedDate: null, evidence: null };
}

/** The date that belongs to the promise: first in its sentence onwards, else anywhere. */
function promisedDateNear(
  text: string,
  index: number,
  reference: CalendarDate,
  compiled: readonly CompiledRules[],
): CalendarDate | null {
  const vocabularies = compiled.map((c) => c.dates);
  const before = text.slice(0, index);
  const sentenceStart = Math.max(
    before.lastIndexOf('.\n'),
    before.lastIndexOf('\n\n'),
    before.search(/[.!?]\s[^.!?]*$/) + 1,
    0,
  );
  const onwards = findDate(text.slice(sentenceStart), reference, vocabularies);
  if (onwards) return onwards.date;
  return findDate(text, reference, vocabularies)?.date ?? null;
}
