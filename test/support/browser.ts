/**
 * Browser suites: Debian's chromium driven by playwright-core, launched with the flags this
 * machine needs (no sandbox as root, no background networking on a closed network) and a
 * fresh profile; axe-core for accessibility. `describeInBrowser` skips with a clear message
 * when chromium is missing — unless DUNWELL_REQUIRE_BROWSER=1 (CI), where it fails instead.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import axe from 'axe-core';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

export const CHROMIUM = process.env.DUNWELL_CHROMIUM ?? '/usr/bin/chromium';
export const ARTIFACTS = 'test-artifacts';

/** Runs `body` when chromium exists; otherwise one skipped (or, in CI, failing) test. */
export function describeInBrowser(title: string, body: () => void): void {
  if (existsSync(CHROMIUM)) {
    body();
    return;
  }
  describe(title, () => {
    if (process.env.DUNWELL_REQUIRE_BROWSER === '1') {
      it('needs chromium', () => {
        assert.fail(`DUNWELL_REQUIRE_BROWSER=1 but ${CHROMIUM} does not exist (apt-get install chromium)`);
      });
    } else {
      it(`SKIPPED: ${CHROMIUM} is missing (install Debian's chromium, or set DUNWELL_CHROMIUM)`, {
        skip: true,
      }, () => {});
    }
  });
}

export interface LaunchedBrowser {
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

export async function launchBrowser(viewport: { width: number; height: number }): Promise<LaunchedBrowser> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const profile = mkdtempSync(join(tmpdir(), 'dunwell-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
    viewport,
    locale: 'en-US',
    acceptDownloads: true,
    // axe-core is injected as a script; the pages' CSP (rightly) forbids that
    bypassCSP: true,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export type AxeViolation = { id: string; impact: string | null; help: string; nodes: { target: unknown }[] };

export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  await page.addScriptTag({ content: axe.source });
  const options = {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
  };
  // evaluated in the page (this file is compiled for Node, without the DOM library)
  const result = (await page.evaluate(`axe.run(document, ${JSON.stringify(options)})`)) as {
    violations: AxeViolation[];
    passes: unknown[];
  };
  // axe really looked at the page (labels, contrast, landmarks…), not at an empty document
  assert.ok(result.passes.length >= 10, `axe checked only ${result.passes.length} rules`);
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

export function describeViolations(violations: AxeViolation[]): string {
  return violations
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${JSON.stringify(v.nodes.map((n) => n.target))}`)
    .join('\n');
}
