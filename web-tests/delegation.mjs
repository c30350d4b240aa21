// A delegate's whole round in Debian's Chromium, against a real penholder started by
// crates/cli/tests/web_browser.rs (which prepares the database and passes, in the environment,
// the server's URL, a one-time sign-in link and the round's path).
//
// Keyboard only from the sign-in to the receipt; waits on conditions (never on time); axe-core
// checks every page against WCAG 2.2 AA; a screenshot of each page goes to PENHOLDER_SHOTS.
// Exits non-zero with a message on the first failure.

import { chromium } from "playwright-core";
import { createRequire } from "node:module";
import { mkdirSync } from "node:fs";
import path from "node:path";

const require = createRequire(import.meta.url);
const AXE = require.resolve("axe-core/axe.min.js");

const base = need("PENHOLDER_URL");
const link = need("PENHOLDER_LINK");
const roundPath = need("PENHOLDER_ROUND_PATH");
const shots = need("PENHOLDER_SHOTS");
const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";
const TIMEOUT = 20_000;

function need(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (crates/cli/tests/web_browser.rs sets it)`);
  return value;
}

function check(condition, message) {
  if (!condition) throw new Error(message);
}

mkdirSync(shots, { recursive: true });

async function shoot(page, name) {
  await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
}

/** axe-core's WCAG 2.x A/AA rules on the page as it is now: no violation allowed. */
/** What the person sees around `locator` (a full page of a long draft is unreadable). */
async function shootAround(page, locator, name) {
  await locator.scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(shots, `${name}.png`) });
}

async function accessible(page, name) {
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

async function visit(page, name) {
  await page.waitForLoadState("load");
  await accessible(page, name);
  await shoot(page, name);
}

/** Presses Tab until `locator` has the focus (keyboard-only navigation). */
async function tabTo(page, locator, what) {
  for (let i = 0; i < 400; i++) {
    if (await locator.evaluate((el) => el === document.activeElement)) return;
    await page.keyboard.press("Tab");
  }
  throw new Error(`${what} cannot be reached with the Tab key`);
}

const browser = await chromium.launch({ executablePath, headless: true, args: ["--no-sandbox"] });
try {
  const context = await browser.newContext({ locale: "en-GB", viewport: { width: 1100, height: 900 } });
  context.setDefaultTimeout(TIMEOUT);
  const page = await context.newPage();

  // The sign-in link: one button, reached and pressed with the keyboard.
  await page.goto(link);
  await visit(page, "01-sign-in-link");
  const go = page.getByRole("button", { name: "Continue and sign in" });
  await tabTo(page, go, "the sign-in button");
  await page.keyboard.press("Enter");
  await page.waitForURL(`${base}/`);
  await page.getByRole("heading", { level: 1, name: "Negotiations" }).waitFor();
  await visit(page, "02-negotiations");

  // The process: its documents and rounds with their deadlines.
  const processLink = page.locator("main ul.list a").first();
  await tabTo(page, processLink, "the process link");
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { level: 2, name: "Rounds of written feedback" }).waitFor();
  await visit(page, "03-process");

  const started = Date.now();
  const roundResponse = await page.goto(`${base}${roundPath}`);
  await page.getByRole("heading", { level: 2, name: "The draft" }).waitFor();
  const bytes = (await roundResponse.body()).length;
  console.log(`web-tests: the round page: ${bytes} bytes of HTML, loaded in ${Date.now() - started} ms`);
  await visit(page, "04-round");
  await page.screenshot({ path: path.join(shots, "04-round-top.png") });

  // Amend the first operative paragraph in place, with the keyboard; the preview shows the
  // word diff while typing.
  const proposal = page.locator("details.propose").filter({ has: page.locator("summary", { hasText: /OP1$/ }) });
  const summary = proposal.locator("summary");
  await tabTo(page, summary, "OP1's proposal toggle");
  await page.keyboard.press("Enter");
  const textarea = proposal.locator("form.amend textarea[name=text]");
  await tabTo(page, textarea, "OP1's text");
  await page.keyboard.press("Control+End");
  await page.keyboard.type(" and effectively");
  const inserted = proposal.locator(".preview-text ins", { hasText: "effectively" });
  await inserted.waitFor();
  await accessible(page, "05-amending-with-preview");
  await shootAround(page, proposal, "05-amending-with-preview");
  const justification = proposal.locator("form.amend textarea[name=justification]");
  await tabTo(page, justification, "OP1's justification");
  await page.keyboard.type("Implementation must be effective.");
  // The ISO comment template's type of comment and line, both labelled, with the keyboard.
  const isoType = proposal.getByLabel("Type").first();
  await tabTo(page, isoType, "OP1's type of comment");
  await isoType.selectOption("te");
  const locator = proposal.getByLabel("Line or paragraph").first();
  await tabTo(page, locator, "OP1's line or paragraph");
  await page.keyboard.type("l. 2");
  await tabTo(page, proposal.getByRole("button", { name: "Submit the amendment" }), "the submit button");
  await page.keyboard.press("Enter");
  await page.waitForURL(/\/receipt$/);
  await page.getByRole("heading", { level: 1, name: "Receipt" }).waitFor();
  const receipt = await page.locator("code.receipt").innerText();
  check(/^[0-9a-f]{64}$/.test(receipt), `the receipt is not a SHA-256: ${receipt}`);
  check((await page.locator("dl.facts").innerText()).includes("Revision\n1"), "the first submission is not revision 1");
  await visit(page, "06-receipt");

  // Resubmit before the deadline: a comment on another paragraph makes revision 2, which
  // keeps the amendment.
  await page.getByRole("link", { name: "Back to the round" }).click();
  await page.getByRole("heading", { level: 2, name: "Your delegation's submission" }).waitFor();
  const mine = page.locator("ol.items");
  check((await mine.innerText()).includes("effectively"), "the round page does not list the amendment");
  check((await mine.innerText()).includes("Type: technical (te) — Line or paragraph: l. 2"),
    "the round page does not show the amendment's type of comment and line");
  const other = page.locator("details.propose").filter({ has: page.locator("summary", { hasText: /OP2$/ }) });
  await other.locator("summary").click();
  await other.locator("textarea[name=text]").last().fill("We support this paragraph as it stands.");
  await other.getByRole("button", { name: "Submit the comment" }).click();
  await page.waitForURL(/\/receipt$/);
  check((await page.locator("dl.facts").innerText()).includes("Revision\n2"), "the resubmission is not revision 2");
  await page.getByRole("link", { name: "Back to the round" }).click();
  await page.waitForURL(/\/rounds\/\d+$/);
  const items = await page.locator("ol.items > li").count();
  check(items === 2, `revision 2 should hold the amendment and the comment, not ${items} items`);
  await visit(page, "07-round-after-resubmission");

  // Sign out: the session ends, the pages ask to sign in again.
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.waitForURL(`${base}/sign-in`);
  await page.goto(`${base}${roundPath}`);
  await page.waitForURL(`${base}/sign-in`);
  await visit(page, "08-signed-out");

  // The same link again: used once already, refused.
  await page.goto(link);
  await page.getByRole("button", { name: "Continue and sign in" }).click();
  await page.getByRole("alert").waitFor();
  check((await page.getByRole("alert").innerText()).includes("already used"), "a used link was not refused");
  await shoot(page, "09-link-used-twice");

  // The interface in French, chosen by the browser's language.
  const french = await browser.newContext({ locale: "fr-FR" });
  french.setDefaultTimeout(TIMEOUT);
  const pageFr = await french.newPage();
  await pageFr.goto(`${base}/sign-in`);
  await pageFr.getByRole("heading", { level: 1, name: "Se connecter" }).waitFor();
  check((await pageFr.locator("html").getAttribute("lang")) === "fr", "the French page is not lang=fr");
  await visit(pageFr, "10-sign-in-fr");
  console.log(`web-tests: the delegate's round passed; screenshots in ${shots}`);
} finally {
  await browser.close();
}
