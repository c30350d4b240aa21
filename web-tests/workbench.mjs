// A delegation's workbench in Debian's Chromium, against a real penholder started by
// crates/cli/tests/web_front.rs, which prepared an open round on the Declaration's zero draft
// (the version fixtures/docx/ was edited from) and passes two one-time sign-in links of an
// Austrian delegate, a chair's API token and the tracked-changes Word fixture.
//
// Two proposals kept as a draft, one removed, signed out and in again, the draft submitted
// with the keyboard alone; the Word file uploaded, its items seen and submitted with the
// keyboard; the chair's decisions and consolidation seeded through the API; then what
// happened to the delegation's proposals. axe-core (WCAG 2.2 AA) on each page, screenshots
// into PENHOLDER_SHOTS.

import { accessible, check, launch, need, newPage, shootAround, signIn, tabTo, visit } from "./support.mjs";

const base = need("PENHOLDER_URL");
const link = need("PENHOLDER_LINK");
const linkAgain = need("PENHOLDER_LINK_AGAIN");
const chairToken = need("PENHOLDER_CHAIR_TOKEN");
const docx = need("PENHOLDER_DOCX");
const processSlug = need("PENHOLDER_PROCESS");
const round = `${base}/p/${processSlug}/rounds/1`;
const api = `${base}/v1/processes/${processSlug}/rounds/1`;

/** A paragraph's proposal forms, opened with the keyboard. */
async function openProposal(page, reference) {
  const proposal = page.locator("details.propose").filter({ has: page.locator("summary", { hasText: new RegExp(`${reference}$`) }) });
  await tabTo(page, proposal.locator("summary"), `${reference}'s proposal toggle`);
  await page.keyboard.press("Enter");
  return proposal;
}

const draftItems = (page) => page.locator("section.draft ol.items > li");

const browser = await launch();
try {
  const page = await newPage(browser);
  await signIn(page, link, base);

  // Keep an amendment of OP1 as a draft, with the keyboard: nothing is submitted.
  await page.goto(round);
  await page.getByRole("heading", { level: 2, name: "Your delegation's draft" }).waitFor();
  const op1 = await openProposal(page, "OP1");
  await tabTo(page, op1.locator("form.amend textarea[name=text]"), "OP1's text");
  await page.keyboard.press("Control+End");
  await page.keyboard.type(" in a draft");
  await tabTo(page, op1.locator("form.amend textarea[name=justification]"), "OP1's justification");
  await page.keyboard.type("Kept for the delegation's review.");
  await tabTo(page, op1.locator("form.amend").getByRole("button", { name: "Keep as draft" }), "the keep-as-draft button");
  await shootAround(page, op1.locator("form.amend"), "workbench-00-keep-as-draft");
  await page.keyboard.press("Enter");
  await page.waitForURL(/\/rounds\/1#draft$/);
  await draftItems(page).first().waitFor();
  check((await draftItems(page).count()) === 1, "the draft does not hold the amendment");
  check((await page.locator("section[aria-labelledby=mine]").innerText()).includes("submitted nothing"), "a kept proposal was submitted");

  // A second one, a comment on OP2.
  const op2 = page.locator("details.propose").filter({ has: page.locator("summary", { hasText: /OP2$/ }) });
  await op2.locator("summary").click();
  await op2.locator("textarea[name=text]").last().fill("A comment we may not send.");
  await op2.locator("form").last().getByRole("button", { name: "Keep as draft" }).click();
  await page.waitForURL(/#draft$/);
  await page.locator("section.draft", { hasText: "A comment we may not send." }).waitFor();
  check((await draftItems(page).count()) === 2, "the draft does not hold two items");
  await accessible(page, "workbench-01-draft");
  await shootAround(page, page.locator("section.draft"), "workbench-01-draft");

  // Remove the comment.
  await draftItems(page).nth(1).getByRole("button", { name: /^Remove/ }).click();
  await page.waitForURL(/#draft$/);
  await page.locator("section.draft", { hasText: "A comment we may not send." }).waitFor({ state: "detached" });
  check((await draftItems(page).count()) === 1, "the removed item is still in the draft");

  // Sign out and in again: the draft is still there.
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.waitForURL(`${base}/sign-in`);
  await signIn(page, linkAgain, base);
  await page.goto(round);
  await draftItems(page).first().waitFor();
  check((await page.locator("section.draft").innerText()).includes("in a draft"), "the draft did not survive a new session");
  await visit(page, "workbench-02-draft-after-sign-in");

  // Submit the draft with the keyboard: revision 1 holds the amendment.
  await tabTo(page, page.getByRole("button", { name: "Submit the draft" }), "the submit-the-draft button");
  await page.keyboard.press("Enter");
  await page.waitForURL(/\/receipt$/);
  check((await page.locator("dl.facts").innerText()).includes("Revision\n1"), "the draft was not revision 1");
  await page.getByRole("link", { name: "Back to the round" }).click();
  await page.getByRole("heading", { level: 2, name: "Your delegation's draft" }).waitFor();
  check((await page.locator("section[aria-labelledby=mine]").innerText()).includes("in a draft"), "the submission lacks the draft's amendment");
  check((await page.locator("section.draft").innerText()).includes("keeps no draft"), "the submitted draft was kept");

  // A Word file with tracked changes: the base's DOCX offered, the file read, its items shown.
  const wordLink = page.getByRole("link", { name: "Send a Word file" });
  await tabTo(page, wordLink, "the Word page's link");
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { level: 1, name: "Send a Word file" }).waitFor();
  const download = page.getByRole("link", { name: /Download the base version as a Word file/ });
  const answer = await page.request.get(`${base}${await download.getAttribute("href")}`);
  check(answer.ok() && (await answer.body()).subarray(0, 2).toString() === "PK", "the base version's DOCX is not offered");
  await visit(page, "workbench-03-word");
  // A file that is no Word file: its problem said on the same page.
  await page.locator("#word-file").setInputFiles({ name: "notes.docx", mimeType: "application/octet-stream", buffer: Buffer.from("These are notes, not a Word file.") });
  await page.getByRole("button", { name: "Read the file" }).click();
  const problem = page.getByRole("alert");
  await problem.waitFor();
  check((await problem.innerText()).includes("The file cannot be used"), "a text file was not refused in words");
  await visit(page, "workbench-03-word-refused");
  await page.locator("#word-file").setInputFiles(docx);
  await tabTo(page, page.getByRole("button", { name: "Read the file" }), "the read-the-file button");
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { level: 2, name: "What penholder understood" }).waitFor();
  const understood = await page.locator("section.understood").innerText();
  check(understood.includes("valuable initiative") && understood.includes("tracked change"), `the file's items are not shown:\n${understood}`);
  await visit(page, "workbench-04-word-understood");
  await tabTo(page, page.getByRole("button", { name: "Submit these proposals" }), "the submit-these button");
  await page.keyboard.press("Enter");
  await page.waitForURL(/\/receipt$/);
  check((await page.locator("dl.facts").innerText()).includes("Revision\n2"), "the Word file's items were not revision 2");

  // The chair closes, decides every change and consolidates, through the API.
  const chair = { Authorization: `Bearer ${chairToken}` };
  check((await page.request.post(`${api}/close`, { headers: chair, data: {} })).ok(), "the round did not close");
  const compilation = await (await page.request.get(`${api}/compilation`, { headers: chair })).json();
  const changes = compilation.compilation.nodes.flatMap((n) => n.changes || []);
  check(changes.length > 0, "the compilation holds no change");
  for (const change of changes) {
    const decided = await page.request.put(`${api}/decisions/${change.id}`, { headers: chair, data: { decision: "accept", note: "Agreed at the Reference Group." } });
    check(decided.ok(), `the decision on ${change.id} failed: ${await decided.text()}`);
  }
  const consolidated = await page.request.post(`${api}/consolidate`, { headers: chair, data: { label: "Rev. 1" } });
  check(consolidated.ok(), `the consolidation failed: ${await consolidated.text()}`);

  // What happened to the proposals, reached from the process page.
  await page.goto(`${base}/p/${processSlug}`);
  await page.getByRole("link", { name: "What happened to our proposals" }).click();
  await page.locator("table.outcomes tbody tr").first().waitFor();
  const outcomes = await page.locator("table.outcomes").innerText();
  check(outcomes.includes("AT-1") && outcomes.includes("retained verbatim"), `the outcomes are not shown:\n${outcomes}`);
  check(outcomes.includes("Agreed at the Reference Group."), "the chair's note is not shown");
  await visit(page, "workbench-05-outcomes");
  console.log("web-tests: the delegation's workbench passed");
} finally {
  await browser.close();
}
