/**
 * The new text of a reply: what the person wrote, without the quoted history (and, for intent
 * detection, without the signature). Pure.
 *
 * email-reply-parser (crisp-oss) is good at signatures and the common "On … wrote:" lines, but
 * as a whole-body extractor it drops lines such as "Sent from my iPhone" that talon keeps,
 * keeps Outlook's "From:/Sent:" header blocks and misses bottom-posted replies. Measured on
 * ../shared/external/talon-replies (test/inbound/reply-text.test.ts prints both): the rules
 * below match 21 of 21 labels, email-reply-parser 15 of 21. So the quotation cut is ours and
 * language-aware (en/de/fr/es); email-reply-parser is then used for sign-offs only.
 */
import EmailReplyParser from 'email-reply-parser';
import { dropNonTextElements, HTML_TAG } from './html.ts';
import type { ParsedMessage } from './parse.ts';

/** A line that introduces quoted history ("On Mon, … wrote:", "Am … schrieb …:", …). */
const QUOTE_HEADER_LINES: readonly RegExp[] = [
  /^\s*(on|am|le|el|il|op|em)\s.{0,250}(wrote|schrieb|a écrit|a ecrit|escribió|escribio|ha scritto|schreef|escreveu)\s*:?\s*$/i,
  /^\s*.{0,120}\d{1,4}.{0,120}(wrote|schrieb|a écrit|escribió|от|пишет)\b.{0,60}:\s*$/i,
  /^\s*-{2,}\s*(original message|ursprüngliche nachricht|message d'origine|mensaje original|forwarded message|weitergeleitete nachricht|message transféré|mensaje reenviado)\s*-{2,}\s*$/i,
  /^\s*-{5,}\s*(original|ursprüngliche|message|mensaje).{0,30}$/i,
  /^\s*(begin forwarded message|anfang der weitergeleiteten nachricht|début du message réexpédié)\s*:?\s*$/i,
];

/** Header lines of an inline-quoted message (Outlook, Hotmail, Lotus), per language. */
const QUOTED_HEADER_FIELD =
  /^\s*\*?(from|sent|date|to|cc|subject|von|gesendet|datum|an|betreff|de|envoyé|date|à|objet|enviado|fecha|para|asunto)\s*\*?\s*:\s*\S/i;

/** Separator lines mail clients put above the quoted message. */
const SEPARATOR = /^\s*(_{10,}|-{10,}|={10,})\s*$/;

/**
 * Cuts the quoted history from a plain-text reply. Keeps what the person wrote, including a
 * signature such as "Sent from my iPhone" (talon's convention).
 */
export function stripQuotedText(text: string): string {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  let cut = lines.length;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const joined = `${line} ${lines[i + 1] ?? ''}`;
    if (QUOTE_HEADER_LINES.some((re) => re.test(line))) {
      cut = i;
      break;
    }
    // "On Tue, … <a@b.c>" wrapped onto the next line before "wrote:".
    if (/^\s*(on|am|le|el)\s/i.test(line) && QUOTE_HEADER_LINES[0]!.test(joined) && i + 1 < lines.length) {
      cut = i;
      break;
    }
    if (SEPARATOR.test(line) && headerBlockAt(lines, i + 1, 1)) {
      cut = i;
      break;
    }
    if (QUOTED_HEADER_FIELD.test(line) && headerBlockAt(lines, i, 2)) {
      cut = i;
      break;
    }
    if (/^\s*>/.test(line)) {
      cut = i;
      // A "… <a@b.c>:" attribution line just above the quote belongs to it.
      let j = i - 1;
      while (j >= 0 && lines[j]!.trim() === '') j--;
      if (j >= 0 && /:\s*$/.test(lines[j]!) && /\d|@/.test(lines[j]!)) {
        cut = j;
        // …also when the client wrapped it over two lines ("02.04.2012 … <\nbob@x> wrote:").
        if (j > 0 && lines[j - 1]!.trim() !== '' && /\d.*[<@"]|[<@"].*\d/.test(lines[j - 1]!)) cut = j - 1;
      }
      break;
    }
  }
  const kept = lines.slice(0, cut);
  while (kept.length > 0 && (kept.at(-1)!.trim() === '' || SEPARATOR.test(kept.at(-1)!))) kept.pop();
  if (kept.some((l) => l.trim() !== '')) return kept.join('\n').trim();
  // Nothing above the quote: a bottom-posted reply. Keep the unquoted lines below it.
  const below = lines
    .slice(cut + 1)
    .filter((l) => !/^\s*>/.test(l) && !QUOTE_HEADER_LINES.some((re) => re.test(l)));
  return below.join('\n').trim();
}

/** True when `need` or more quoted-header fields start within a few lines from `start`. */
function headerBlockAt(lines: readonly string[], start: number, need: number): boolean {
  let found = 0;
  let seen = 0;
  for (let k = start; k < lines.length && seen < 6; k++) {
    const l = lines[k]!;
    if (l.trim() === '') continue;
    seen++;
    if (QUOTED_HEADER_FIELD.test(l)) found++;
    if (found >= need) return true;
  }
  return false;
}

/** HTML → text with quotations marked: blockquote lines get "> ", `<hr>` becomes a separator. */
export function htmlToText(html: string): string {
  let s = html.slice(0, 2 * 1024 * 1024);
  s = dropNonTextElements(s);
  // Containers mail clients put the quoted message in (Outlook's top-bordered header block,
  // Gmail's gmail_quote…) become an explicit quote marker.
  const marker = '\n-----Original Message-----\n';
  s = s.replace(/<div\b[^<>]*border-top(-style)?:\s*solid[^<>]*>/gi, marker);
  s = s.replace(
    /<div\b[^<>]*(id="?divRplyFwdMsg|class="?gmail_quote|class="?yahoo_quoted|id="?appendonsend)[^<>]*>/gi,
    marker,
  );
  s = s.replace(/<hr\b[^<>]*>/gi, '\n__________\n');
  s = s.replace(/<blockquote\b[^<>]*>/gi, '\n\u0001').replace(/<\/blockquote\s*>/gi, '\u0002\n');
  s = s.replace(/<br\s*\/?>/gi, '\n');
  s = s.replace(/<\/?(p|div|tr|li|ul|ol|table|h[1-6]|pre|body|html)\b[^<>]*>/gi, '\n');
  s = s.replace(HTML_TAG, '');
  s = decodeEntities(s);
  // Lines inside blockquotes become "> " quoted lines.
  let depth = 0;
  let out = '';
  for (const ch of s) {
    if (ch === '\u0001') {
      depth++;
      out += '\n> ';
    } else if (ch === '\u0002') depth = Math.max(0, depth - 1);
    else if (ch === '\n') out += depth > 0 ? '\n> ' : '\n';
    else out += ch;
  }
  return out
    .split('\n')
    .map((l) => l.replace(/[ \t\u00a0]+/g, ' ').trimEnd())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

function decodeEntities(s: string): string {
  const named: Record<string, string> = {
    nbsp: ' ',
    lt: '<',
    gt: '>',
    amp: '&',
    quot: '"',
    apos: "'",
    rsquo: '’',
    lsquo: '‘',
    hellip: '…',
    ndash: '–',
    mdash: '—',
    euro: '€',
  };
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, code: string) => {
    if (code[0] === '#') {
      const n =
        code[1] === 'x' || code[1] === 'X'
          ? Number.parseInt(code.slice(2), 16)
          : Number.parseInt(code.slice(1), 10);
      return Number.isFinite(n) && n > 0 && n < 0x110000 ? String.fromCodePoint(n) : whole;
    }
    return named[code.toLowerCase()] ?? whole;
  });
}

/** Bounds of the text handed to email-reply-parser (see stripSignature). */
const SIGN_OFF_MAX_CHARS = 4000;
const SIGN_OFF_MAX_LINE = 1000;

/** Signature and sign-off cut for intent detection ("-- ", "Sent from my…", "Best regards"…). */
export function stripSignature(text: string): string {
  const lines = text.split('\n');
  let cut = lines.length;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (/^-- ?$/.test(l) || /^\s*(sent from my|von meinem|envoyé de mon|enviado desde mi)\b/i.test(l)) {
      cut = i;
      break;
    }
  }
  const body = lines.slice(0, cut).join('\n');
  // email-reply-parser's patterns backtrack badly on long input (8 KB of "abc. x skrev x"
  // lines takes about a second): it only reads texts of a person's length.
  if (body.length > SIGN_OFF_MAX_CHARS || lines.some((l) => l.length > SIGN_OFF_MAX_LINE)) return body.trim();
  // email-reply-parser removes the common sign-offs; keep our text if it would empty it.
  const visible = new EmailReplyParser().read(body).getVisibleText().trim();
  return visible.length > 0 ? visible : body.trim();
}

/** The reply's body as talon defines it: the first text/plain part, else the HTML as text. */
export function replyBody(parsed: ParsedMessage): string {
  const plain = parsed.plainParts.join('\n');
  if (plain.trim()) return plain;
  // mailparser derives `text` from HTML without the quote structure: read the HTML ourselves.
  if (parsed.html) return htmlToText(parsed.html);
  return parsed.text;
}

/** The new text of a reply, quotes and signature removed: what intent rules read. */
export function extractReplyText(parsed: ParsedMessage): string {
  return stripSignature(stripQuotedText(replyBody(parsed)));
}
