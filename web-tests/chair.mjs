// The chairmanship's round in Debian's Chromium, against a real penholder started by
// crates/cli/tests/web_front.rs, which prepared a closed round (Germany and France clashing on
// OP1, France late once) and passes a one-time sign-in link of the chair.
//
// The overview, the compilation, a decision taken with the keyboard alone, the consolidation
// into the next version, the dispositions, a revised text uploaded: each page checked by
// axe-core (WCAG 2.2 AA) and photographed into PENHOLDER_SHOTS.

import { accessible, check, launch, need, newPage, shootAround, signIn, tabTo, visit } from "./support.mjs";

const base = need("PENHOLDER_URL");
const link = need("PENHOLDER_LINK");
const processSlug = need("PENHOLDER_PROCESS");
const round = `${base}/p/${processSlug}/rounds/1`;

const browser = await launch();
try {
  const page = await newPage(browser);
  await signIn(page, link, base);

  // The overview: who submitted, who did not, who tried after the deadline.
  await page.goto(`${round}/overview`);
  await page.getByRole("heading", { level: 2, name: "Attempts after the deadline" }).waitFor();
  const late = await page.locator("section[aria-labelledby=late]").innerText();
  check(late.includes("France (FR)"), `the late attempt of France is not listed:\n${late}`);
  await visit(page, "chair-01-overview");

  // The compilation, reached from the overview's navigation.
  await page.getByRole("link", { name: "Compilation", exact: true }).click();
  await page.getByRole("heading", { level: 1, name: /^Compilation of round 1/ }).waitFor();
  await visit(page, "chair-02-compilation");

  // Part by part, with the keyboard, to the contested change (OP1's alternatives).
  const contested = page.locator("div.decision").filter({ has: page.locator("option", { hasText: "Accept alternative" }) });
  for (let part = 1; (await contested.count()) === 0; part++) {
    check(part < 20, "no contested change in any part of the compilation");
    const next = page.locator("nav.parts").first().getByRole("link", { name: "Next part" });
    await tabTo(page, next, "the next part's link");
    await page.keyboard.press("Enter");
    await page.waitForURL(new RegExp(`part=${part + 1}$`));
  }
  await accessible(page, "chair-02-compilation-part");
  const spoken = await page.locator(".compilation .visually-hidden").allTextContents();
  check(spoken.some((s) => /proposed by France/.test(s)), `no spoken attribution to France: ${spoken.slice(0, 3)}`);

  // Decide the contested change with the keyboard: the second alternative, with a note.
  const decision = contested.first();
  const select = decision.locator("select[name=decision]");
  await tabTo(page, select, "the decision's choice");
  await page.keyboard.press("ArrowDown");
  const chosen = await select.inputValue();
  check(chosen.startsWith("accept:"), `the keyboard chose ${chosen}, not an alternative`);
  await tabTo(page, decision.locator("input[name=note]"), "the decision's note");
  await page.keyboard.type("Agreed at the Reference Group");
  await tabTo(page, decision.getByRole("button", { name: /^Record the decision on/ }), "the decision's button");
  await page.keyboard.press("Enter");
  await page.waitForURL(/\/compilation\?change=[^#]+#decide-/);
  const inForce = page.locator("div.decision p.in-force", { hasText: "Agreed at the Reference Group" });
  await inForce.waitFor();
  await accessible(page, "chair-03-decided");
  await shootAround(page, inForce, "chair-03-decided");

  // Consolidate and publish the next version: its redline follows.
  const label = page.locator("#version-label");
  await tabTo(page, label, "the new version's label");
  await page.keyboard.press("Control+A");
  await page.keyboard.type("Rev. 1 after written feedback");
  await tabTo(page, page.getByRole("button", { name: "Consolidate and publish the next version" }), "the consolidate button");
  await page.keyboard.press("Enter");
  await page.waitForURL(/\/d\/declaration\/redline\?from=1&to=2$/);
  await page.getByRole("heading", { level: 2, name: "Who asked for each change" }).waitFor();
  await visit(page, "chair-04-redline-after-consolidation");

  // The dispositions.
  await page.goto(`${round}/dispositions`);
  await page.locator("table.dispositions tbody tr").first().waitFor();
  await visit(page, "chair-05-dispositions");

  // Upload a revised text (the Markdown of version 2, edited): version 3 and its redline.
  const markdown = await (await page.request.get(`${base}/p/${processSlug}/d/declaration/v/2/file/md`)).text();
  check(markdown.includes("with care"), "version 2 does not hold France's accepted wording");
  await page.goto(`${base}/p/${processSlug}/d/declaration/upload`);
  await page.getByRole("heading", { level: 1, name: "Upload a revised text" }).waitFor();
  await visit(page, "chair-06-upload");
  await page.locator("#upload-label").fill("Rev. 2 (the chair's text)");
  await page.locator("#upload-text").fill(markdown.replace("with care", "with great care"));
  await page.getByRole("button", { name: "Publish the revised text" }).click();
  await page.waitForURL(/\/d\/declaration\/redline\?from=2&to=3$/);
  await page.locator(".redline ins", { hasText: "great" }).first().waitFor();
  await visit(page, "chair-07-uploaded-redline");
  console.log("web-tests: the chair's round passed");
} finally {
  await browser.close();
}
