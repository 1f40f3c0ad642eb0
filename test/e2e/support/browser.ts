// A real browser for the dashboard's tests: Debian's Chromium (package `chromium`, which
// .ci/run installs) driven by playwright-core, headless, with a fresh profile per launch.
// Pages record script errors and CSP violations (they show as console errors), and can be
// scanned with axe-core and photographed into test-results/.
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { REPO_ROOT } from './cli.js';

const CHROMIUM = process.env.DEPLOYLITE_CHROMIUM ?? '/usr/bin/chromium';
const SCREENSHOTS = join(REPO_ROOT, 'test-results');
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** Playwright gives each launch a new temporary --user-data-dir: nothing carries over between runs. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export interface DashboardPage {
  readonly page: Page;
  readonly context: BrowserContext;
  /** Console errors, uncaught exceptions and CSP violations seen so far. */
  readonly problems: string[];
}

export const DESKTOP = { width: 1280, height: 860 };
export const PHONE = { width: 390, height: 844 };

/** A new browser context (its own storage, as a separate person) with one page. */
export async function openDashboard(browser: Browser, viewport = DESKTOP): Promise<DashboardPage> {
  const context = await browser.newContext({ viewport });
  // Injected through the DevTools protocol, which the page's CSP does not govern: the
  // dashboard's own policy stays exactly as served.
  await context.addInitScript({ content: AXE_SOURCE });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  return { page, context, problems };
}

export interface Violation {
  readonly id: string;
  readonly impact: string;
  readonly help: string;
  readonly targets: string[];
}

/** axe-core's WCAG 2.1 A/AA rules on the page as it is now; only serious and critical findings. */
export async function seriousAccessibilityViolations(page: Page): Promise<Violation[]> {
  const violations = (await page.evaluate(`
    axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] }, resultTypes: ['violations'] })
      .then((result) => result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(' ') + ': ' + n.failureSummary) })))
  `)) as Violation[];
  return violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical');
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** Whether the page is wider than its window (a phone would have to scroll sideways). */
export async function overflowsSideways(page: Page): Promise<boolean> {
  return (await page.evaluate('document.documentElement.scrollWidth > window.innerWidth + 1')) as boolean;
}

export async function signIn(page: Page, baseUrl: string, username: string, password: string): Promise<void> {
  await page.goto(`${baseUrl}/login`);
  await page.getByLabel('User name').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Projects' }).waitFor();
}
