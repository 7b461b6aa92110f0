/**
 * Linear-time pieces of HTML-to-text for inbound mail. The obvious regular expressions
 * (`<[^>]*>`, `<style[\s\S]*?</style>`, `<!--[\s\S]*?-->`) rescan to the end of the text from
 * every unclosed `<`, which makes a hostile message of 60 000 `<` take seconds; these do not.
 */

/** One tag: stops at the next `<`, so a run of unclosed `<` costs linear time. */
export const HTML_TAG = /<[^<>]*>/g;

const NON_TEXT_ELEMENTS = /<(style|script|head|title|xml)\b/gi;

/**
 * Removes comments and the elements whose content is not text (style, script, head, title,
 * xml), each replaced by a space. An unterminated comment runs to the end (as browsers read
 * it); an unclosed element is left as it is (its tag is an ordinary tag for HTML_TAG).
 */
export function dropNonTextElements(html: string): string {
  const lower = html.toLowerCase();
  let out = '';
  let pos = 0;
  // Where each element's next closing tag is, found once and reused (-1: none after `from`).
  const closing = new Map<string, { from: number; at: number }>();
  const closeOf = (name: string, from: number): number => {
    const known = closing.get(name);
    if (known && from >= known.from && (known.at === -1 || known.at >= from)) return known.at;
    const at = lower.indexOf(`</${name}`, from);
    closing.set(name, { from, at });
    return at;
  };
  let nextComment = lower.indexOf('<!--');
  NON_TEXT_ELEMENTS.lastIndex = 0;
  let element = NON_TEXT_ELEMENTS.exec(html);
  while (pos < html.length) {
    while (element && element.index < pos) {
      NON_TEXT_ELEMENTS.lastIndex = pos;
      element = NON_TEXT_ELEMENTS.exec(html);
    }
    if (nextComment >= 0 && nextComment < pos) nextComment = lower.indexOf('<!--', pos);
    const elementAt = element ? element.index : -1;
    if (nextComment < 0 && elementAt < 0) break;
    if (nextComment >= 0 && (elementAt < 0 || nextComment <= elementAt)) {
      out += `${html.slice(pos, nextComment)} `;
      const end = lower.indexOf('-->', nextComment + 4);
      pos = end < 0 ? html.length : end + 3;
      continue;
    }
    const name = element![1]!.toLowerCase();
    const afterName = elementAt + name.length + 1;
    const close = closeOf(name, afterName);
    if (close < 0) {
      // Unclosed: keep it as an ordinary tag (the tag pass removes it), and its text.
      out += html.slice(pos, afterName);
      pos = afterName;
      continue;
    }
    out += `${html.slice(pos, elementAt)} `;
    const gt = lower.indexOf('>', close);
    pos = gt < 0 ? html.length : gt + 1;
  }
  return out + html.slice(pos);
}
