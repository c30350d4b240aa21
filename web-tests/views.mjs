// A reviewer's views in Debian's Chromium (crates/cli/tests/web_front.rs seeds, through the
// API, a round in which Germany amended OP1 and France PP2, consolidated into version 2, and
// France's reservation on OP1): the redline filtered to Germany's changes and its Word file,
// "mark this version as read" then "what changed since I last read", the synoptic table with a
// column heading of one's own, the numbering concordance, and a search whose result leads to
// the paragraph. Each page checked by axe-core (WCAG 2.2 AA) and photographed into
// PENHOLDER_SHOTS. Waits are on conditions, never on time.

import { check, launch, need, newPage, shootAround, signIn, visit } from "./support.mjs";

const base = need("PENHOLDER_URL");
const link = need("PENHOLDER_LINK");
const processSlug = need("PENHOLDER_PROCESS");
const doc = `/p/${processSlug}/d/declaration`;

const browser = await launch();
try {
  const page = await newPage(browser);
  await signIn(page, link, base);

  // The document's redline, then Germany's changes alone.
  await page.goto(`${base}${doc}`);
  await page.getByRole("button", { name: "Show the redline" }).click();
  await page.waitForURL(/\/redline\?from=1&to=2$/);
  await page.getByLabel("Changes proposed or supported by").selectOption("DE");
  await page.getByRole("button", { name: "Show", exact: true }).click();
  await page.waitForURL(/delegation=DE/);
  const legend = await page.locator("section.legend-box").innerText();
  check(legend.includes("Germany") && !legend.includes("France"), `the legend of Germany's changes: ${legend}`);
  const inserted = await page.locator(".redline ins").allTextContents();
  check(inserted.some((t) => t.includes("swiftly")), `Germany's insertion is not marked: ${inserted}`);
  check(!inserted.some((t) => t.includes("27 June")), "France's change is marked in Germany's redline");
  await visit(page, "views-01-redline-germany");
  const [word] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Word" }).click()]);
  check(word.suggestedFilename().endsWith("-DE.docx"), `the filtered Word file is named ${word.suggestedFilename()}`);

  // An unknown delegation: a clear message, not a failure.
  const refused = await page.goto(`${base}${doc}/redline?from=1&to=2&delegation=XX`);
  check(refused.status() === 400, `an unknown delegation answered ${refused.status()}`);
  const problem = await page.getByRole("alert").innerText();
  check(problem.includes("XX"), `the message does not name XX: ${problem}`);
  await visit(page, "views-02-unknown-delegation");

  // Version 1 marked as read, then what changed since.
  await page.goto(`${base}${doc}/v/1`);
  // The page comes back to the same address: wait for the mark's own answer, not the URL.
  const [marked] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith("/read-mark") && r.request().method() === "POST"),
    page.getByRole("button", { name: "Mark version 1 as read" }).click(),
  ]);
  check(marked.status() === 303, `marking version 1 as read answered ${marked.status()}`);
  await page.waitForURL(`${base}${doc}/v/1`);
  await page.getByRole("link", { name: "What changed since I last read" }).click();
  await page.waitForURL(/redline\?since=read/);
  await page.getByText("You last marked as read version").waitFor();
  const from = await page.locator("#from").inputValue();
  check(from === "read", `the redline does not start from the read mark: ${from}`);
  check((await page.locator(".redline ins").count()) > 0, "nothing changed since version 1?");
  await visit(page, "views-03-since-last-read");

  // The synoptic table: both versions, the first under a heading of one's own.
  await page.goto(`${base}${doc}`);
  await page.getByRole("link", { name: "Synoptic table" }).click();
  await page.getByLabel("Column heading, Version 1").fill("Commission proposal");
  await page.getByRole("button", { name: "Show side by side" }).click();
  await page.waitForURL(/label-1=Commission\+proposal/);
  const headings = await page.locator("table.synoptic thead th").allTextContents();
  check(headings.length === 2 && headings[0].startsWith("Commission proposal"), `synoptic headings: ${headings}`);
  await visit(page, "views-04-synoptic");
  const [excel] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Excel" }).click()]);
  check(excel.suggestedFilename().endsWith(".xlsx"), `the synoptic spreadsheet is named ${excel.suggestedFilename()}`);

  // The concordance, and a reference followed to its paragraph.
  await page.goto(`${base}${doc}`);
  await page.getByRole("link", { name: "Numbering concordance" }).click();
  await page.waitForURL(/\/concordance$/);
  const rows = await page.locator("table.concordance tbody tr").count();
  check(rows > 10, `the concordance has ${rows} rows`);
  await visit(page, "views-05-concordance");

  // Search from the process's page; the result leads to the paragraph in version 2.
  await page.goto(`${base}/p/${processSlug}`);
  await page.getByRole("searchbox", { name: "Search the texts of this process" }).fill("swiftly");
  await page.keyboard.press("Enter");
  await page.waitForURL(/\/search\?q=swiftly/);
  await page.getByRole("heading", { level: 2, name: /^Texts/ }).waitFor();
  await visit(page, "views-06-search");
  await page.getByRole("link", { name: "Version 2, OP1" }).first().click();
  await page.waitForURL(`${base}${doc}/v/2#ref-OP1`);
  const target = page.locator("#ref-OP1");
  check((await target.innerText()).includes("swiftly"), "the result's paragraph is not OP1 of version 2");
  await target.waitFor();
  await shootAround(page, target, "views-07-search-result-paragraph");
  console.log("web-tests: the reviewer's views passed");
} finally {
  await browser.close();
}
