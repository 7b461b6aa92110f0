// Regression (found by the engine crash suite, issue 8): a template's render time limit must
// count that template's own rendering only. The sender renders up to four messages at once
// (PDFs, MIME, DKIM beside the templates); when liquidjs rendered asynchronously, every await
// let the other messages' work run inside this render's clock, so on a busy machine ordinary
// reminders failed for good with "rendering took longer than the render time limit (a loop
// too large?)" — 74 of 113 messages in one crash-suite run. Rendering a part is now one
// synchronous step: the other work cannot interleave with it, and a runaway loop is still
// stopped (test/messages/templates-sandbox.test.ts).
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { parsePart, renderPart } from '../../src/messages/templates/engine.ts';

it('a small template renders while other async work keeps the event loop busy', async () => {
  const source =
    '{% for i in items %}<p>{{ i.name }}: {{ i.amount | money: "EUR" }}, due {{ i.due | date }}</p>{% endfor %}';
  const parsed = parsePart(source, 'html');
  const variables = {
    items: Array.from({ length: 20 }, (_, k) => ({ name: `INV-${k}`, amount: '120.50', due: '2026-11-25' })),
  };
  let stop = false;
  let blocks = 0;
  // another message's work: 100 ms of CPU between awaits (20 of them outlast the 1 s limit)
  const neighbour = (async () => {
    while (!stop) {
      const start = Date.now();
      while (Date.now() - start < 100) {}
      blocks++;
      await null;
    }
  })();
  try {
    const html = await renderPart(parsed, 'html', variables, 'en');
    assert.equal((html.match(/<p>/g) ?? []).length, 20);
  } finally {
    stop = true;
    await neighbour;
  }
  assert.ok(blocks >= 1, 'the neighbour ran');
});
