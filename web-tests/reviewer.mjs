// A reviewer in Debian's Chromium, after chair.mjs has consolidated the round and uploaded a
// revised text (crates/cli/tests/web_front.rs runs both, passing a reviewer's sign-in link):
// the versions, the redline between the first and the latest with its legend and spoken
// attributions, the downloads (Word, Akoma Ntoso), the interface in French. Each page is
// checked by axe-core (WCAG 2.2 AA) and photographed into PENHOLDER_SHOTS.

import { check, launch, need, newPage, signIn, tabTo, visit } from "./support.mjs";

const base = need("PENHOLDER_URL");
const link = need("PENHOLDER_LINK");
const processSlug = need("PENHOLDER_PROCESS");

const browser = await launch();
try {
  const page = await newPage(browser);
  await signIn(page, link, base);

  // From the process to the document: its versions.
  await page.goto(`${base}/p/${processSlug}`);
  await page.getByRole("link", { name: "Ministerial Declaration" }).click();
  await page.getByRole("heading", { level: 2, name: "Versions", exact: true }).waitFor();
  const rows = await page.locator("table tbody tr").count();
  check(rows === 3, `the document should have 3 versions, not ${rows}`);
  await visit(page, "reviewer-01-versions");

  // The redline from the first to the latest version, chosen with the keyboard.
  await tabTo(page, page.getByRole("button", { name: "Show the redline" }), "the redline button");
  await page.keyboard.press("Enter");
  await page.waitForURL(/\/redline\?from=1&to=3$/);
  const legend = page.locator("section.legend-box");
  await legend.waitFor();
  check((await legend.innerText()).includes("France"), "the legend does not name France");
  const spoken = await page.locator(".redline .visually-hidden").allTextContents();
  check(spoken.some((s) => s.startsWith("inserted, proposed by")), `no spoken insertion: ${spoken.slice(0, 3)}`);
  await visit(page, "reviewer-02-redline");

  // The redline in Word, with tracked changes.
  const [word] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Word" }).click()]);
  check(word.suggestedFilename().endsWith(".docx"), `the Word file is named ${word.suggestedFilename()}`);

  // A version, and its Akoma Ntoso file.
  await page.goto(`${base}/p/${processSlug}/d/declaration/v/2`);
  await page.locator("div.text .paragraph").first().waitFor();
  await visit(page, "reviewer-03-version");
  const [akn] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Akoma Ntoso" }).click()]);
  check(akn.suggestedFilename().endsWith(".akn.xml"), `the Akoma Ntoso file is named ${akn.suggestedFilename()}`);

  // The interface in French, switched with the keyboard on the redline.
  await page.goto(`${base}/p/${processSlug}/d/declaration/redline?from=1&to=3`);
  const switcher = page.locator("#lang-switch");
  await tabTo(page, switcher, "the language switch");
  await switcher.selectOption("fr");
  await tabTo(page, page.getByRole("button", { name: "OK" }), "the language button");
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { level: 2, name: "Qui a demandé chaque modification" }).waitFor();
  const parle = await page.locator(".redline .visually-hidden").allTextContents();
  check(parle.some((s) => s.startsWith("inséré, proposé par")), `no French spoken insertion: ${parle.slice(0, 3)}`);
  check((await page.locator("html").getAttribute("lang")) === "fr", "the French page is not lang=fr");
  // The captions around the text follow the interface (the text itself never does).
  const key = await page.locator(".legend .key").first().innerText();
  check(/inséré/.test(key) && /supprimé/.test(key), `the redline's legend is not in French: ${key}`);
  await visit(page, "reviewer-04-redline-fr");
  console.log("web-tests: the reviewer's reading passed");
} finally {
  await browser.close();
}
