// What the browser scenarios share (chair.mjs, reviewer.mjs, compilation-speed.mjs): the
// environment, Chromium, axe-core's WCAG 2.2 AA check, screenshots, keyboard navigation.
// Waits are on conditions, never on time.

import { chromium } from "playwright-core";
import { createRequire } from "node:module";
import { mkdirSync } from "node:fs";
import path from "node:path";

const require = createRequire(import.meta.url);
const AXE = require.resolve("axe-core/axe.min.js");
export const TIMEOUT = 20_000;

export function need(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (crates/cli/tests/web_front.rs sets it)`);
  return value;
}

export function check(condition, message) {
  if (!condition) throw new Error(message);
}

export async function launch() {
  const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";
  return chromium.launch({ executablePath, headless: true, args: ["--no-sandbox"] });
}

export async function newPage(browser, locale = "en-GB") {
  const context = await browser.newContext({ locale, viewport: { width: 1100, height: 900 }, acceptDownloads: true });
  context.setDefaultTimeout(TIMEOUT);
  return context.newPage();
}

export function shots() {
  const dir = need("PENHOLDER_SHOTS");
  mkdirSync(dir, { recursive: true });
  return dir;
}

export async function shoot(page, name, fullPage = true) {
  await page.screenshot({ path: path.join(shots(), `${name}.png`), fullPage });
}

/** What the person sees around `locator`. */
export async function shootAround(page, locator, name) {
  await locator.scrollIntoViewIfNeeded();
  await shoot(page, name, false);
}

/** axe-core's WCAG 2.x A/AA rules on the page as it is now: no violation allowed. */
export async function accessible(page, name) {
  await page.addScriptTag({ path: AXE });
  const result = await page.evaluate(() =>
    // eslint-disable-next-line no-undef
    axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"] } }),
  );
  const problems = result.violations.map(
    (v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join("; ")}`,
  );
  check(problems.length === 0, `${name}: axe-core found WCAG problems:\n  ${problems.join("\n  ")}`);
}

/** The page loaded, checked by axe-core and photographed. */
export async function visit(page, name) {
  await page.waitForLoadState("load");
  await accessible(page, name);
  await shoot(page, name);
}

/** Presses Tab until `locator` has the focus (keyboard-only navigation). */
export async function tabTo(page, locator, what) {
  for (let i = 0; i < 600; i++) {
    if (await locator.evaluate((el) => el === document.activeElement)) return;
    await page.keyboard.press("Tab");
  }
  throw new Error(`${what} cannot be reached with the Tab key`);
}

/** Signs in with a one-time link, with the keyboard. */
export async function signIn(page, link, base) {
  await page.goto(link);
  const go = page.getByRole("button", { name: "Continue and sign in" });
  await tabTo(page, go, "the sign-in button");
  await page.keyboard.press("Enter");
  await page.waitForURL(`${base}/`);
}
