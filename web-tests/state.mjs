// The state of the text in Debian's Chromium, against a real penholder started by
// crates/cli/tests/web_front.rs (`prepare_state_world`): version 2 of the declaration carries a
// bracket on the "Reduce irregular arrivals" paragraph (DE and FR for 30, PK for 40), every
// other paragraph is agreed, round 2 is open with the EU's submission (members DE, FR, HU).
// PENHOLDER_LINK signs in the chair (TR), PENHOLDER_DELEGATE_LINK a delegate of Hungary.
//
// The chair's adoption is refused (a paragraph still open); the chair marks that paragraph
// agreed ad ref. with the keyboard; Hungary's amendment to it is refused saying why; Hungary
// supports an alternative of the bracket, dissociates from the EU's item, enters a scrutiny
// reservation and withdraws it; the chair agrees the paragraph and adopts the whole text, which
// the reviewer's version page then shows. Every page checked by axe-core (WCAG 2.2 AA) and
// photographed into PENHOLDER_SHOTS.

import { accessible, check, launch, need, newPage, shootAround, signIn, tabTo, visit } from "./support.mjs";

const base = need("PENHOLDER_URL");
const chairLink = need("PENHOLDER_LINK");
const delegateLink = need("PENHOLDER_DELEGATE_LINK");
const processSlug = need("PENHOLDER_PROCESS");
const statePage = `${base}/p/${processSlug}/d/declaration/state`;
const round2 = `${base}/p/${processSlug}/rounds/2`;
const BRACKETED = "Reduce irregular arrivals";

/** The refusal a page shows, with its status. */
async function refusal(page) {
  const problem = page.locator("p.problem[role=alert]");
  await problem.waitFor();
  return problem.innerText();
}

/** The chair records a status of the bracketed paragraph on the state page, with the keyboard. */
async function setStatus(page, status, note, shot) {
  await page.goto(statePage);
  const paragraph = page.locator("div.state-paragraph", { hasText: BRACKETED });
  const summary = paragraph.locator("details.status-form summary");
  await tabTo(page, summary, "the status form's summary");
  await page.keyboard.press("Enter");
  const select = paragraph.locator("select[name=status]");
  await tabTo(page, select, "the status choice");
  await select.selectOption(status);
  await tabTo(page, paragraph.locator("input[name=note]"), "the status note");
  await page.keyboard.type(note);
  await tabTo(page, paragraph.getByRole("button", { name: /^Record the status of/ }), "the record button");
  await page.keyboard.press("Enter");
  await page.waitForURL(/\/state#n-/);
  await accessible(page, shot);
  await shootAround(page, page.locator("div.state-paragraph", { hasText: BRACKETED }), shot);
}

const browser = await launch();
try {
  const chair = await newPage(browser);
  await signIn(chair, chairLink, base);

  // The state page: the legend, every other paragraph agreed, the bracket with its proposers.
  await chair.goto(statePage);
  await chair.getByRole("heading", { level: 1, name: /^State of the text/ }).waitFor();
  const legend = await chair.locator("section[aria-labelledby=state-legend]").innerText();
  check(/Agreed ad referendum/.test(legend) && /SR scrutiny/.test(legend), `no legend:\n${legend}`);
  const bracketed = await chair.locator("div.state-paragraph", { hasText: BRACKETED }).innerText();
  check(bracketed.includes("[20] / [30 (DE, FR)] / [40 (PK)]"), `no bracket in the text:\n${bracketed}`);
  check(/proposed by Germany \(DE\), France \(FR\)/.test(bracketed), `no proposers:\n${bracketed}`);
  await visit(chair, "state-01-chair-state");

  // Adoption refused: a paragraph is still open, and the page says what to do.
  await chair.getByRole("button", { name: "Adopt the whole text" }).click();
  const refused = await refusal(chair);
  check(/^409/.test(refused) && /nothing is agreed until everything is agreed/.test(refused), `adoption not refused:\n${refused}`);
  check(/is open/.test(refused) && /set each paragraph named to .Agreed./.test(refused), `the refusal does not say what to do:\n${refused}`);
  await visit(chair, "state-02-adoption-refused");

  // The chair marks the paragraph agreed ad ref.
  await setStatus(chair, "agreed_ad_ref", "Reference Group, 7 May 2024", "state-03-agreed-ad-ref");
  const adRef = chair.locator("div.state-paragraph", { hasText: BRACKETED }).locator(".status-line");
  check(/Agreed ad referendum/.test(await adRef.innerText()), "the paragraph is not shown agreed ad ref.");

  // Hungary reads its round: the status, the bracket, its group's items.
  const delegate = await newPage(browser);
  await signIn(delegate, delegateLink, base);
  await delegate.goto(round2);
  await delegate.getByRole("heading", { level: 1, name: /^Round 2/ }).waitFor();
  const draft = await delegate.locator("section[aria-labelledby=negotiated-text]").innerText();
  check(draft.includes("Agreed ad referendum") && draft.includes("Reference Group, 7 May 2024"), `no status on the draft:\n${draft}`);
  check(draft.includes("[20] / [30 (DE, FR)] / [40 (PK)]"), `no bracket on the draft:\n${draft}`);
  await visit(delegate, "state-04-delegate-round");

  // An amendment to the agreed ad ref. paragraph is refused, saying why and what to do.
  const propose = delegate.locator("details.propose").filter({ has: delegate.locator(`textarea[name=text][data-base^="${BRACKETED}"]`) });
  await propose.locator("summary").click();
  await propose.locator(`textarea[name=text][data-base^="${BRACKETED}"]`).fill("Reduce irregular arrivals by at least 25 per cent.");
  await propose.getByRole("button", { name: "Submit the amendment" }).click();
  const settled = await refusal(delegate);
  check(/^422/.test(settled) && /agreed ad ref\. \(Reference Group, 7 May 2024\)/.test(settled), `amendment not refused:\n${settled}`);
  check(/takes no amendment until the chair reopens it/.test(settled), `the refusal does not say why:\n${settled}`);
  await visit(delegate, "state-05-amendment-refused");

  // Hungary supports Pakistan's alternative of the bracket: an item of its submission.
  await delegate.goto(round2);
  const acts = delegate.locator("details.bracket-acts");
  await acts.locator("summary").click();
  const pakistan = await acts.locator("select[name=alternative] option", { hasText: "(PK)" }).getAttribute("value");
  await acts.locator("select[name=alternative]").selectOption(pakistan);
  await acts.locator("select[name=act]").selectOption("support");
  await acts.getByRole("button", { name: /^Send/ }).click();
  await delegate.waitForURL(/\/rounds\/2\/receipt$/);
  await visit(delegate, "state-06-bracket-supported");

  // Hungary dissociates from the EU's first item.
  await delegate.goto(round2);
  const coalitions = delegate.locator("section#coalitions");
  const group = await coalitions.innerText();
  check(group.includes("Cooperate closely on return."), `the EU's items are not shown:\n${group}`);
  await accessible(delegate, "state-07-group-items");
  await shootAround(delegate, coalitions, "state-07-group-items");
  const firstItem = coalitions.locator("ol.items > li").first();
  await firstItem.locator("input[name=note]").fill("Hungary cannot support the change to OP2.");
  await firstItem.getByRole("button", { name: /^Dissociate from item 1/ }).click();
  await delegate.getByRole("heading", { level: 1, name: "Recorded" }).waitFor();
  await visit(delegate, "state-08-dissociated");
  await delegate.goto(round2);
  check(/\(dissociated\)/.test(await coalitions.locator("ol.items > li").first().innerText()), "the dissociation is not shown");

  // Hungary enters a scrutiny reservation, then withdraws it.
  await delegate.goto(statePage);
  const pathways = delegate.locator("div.state-paragraph", { hasText: "Strengthen legal pathways" });
  await pathways.locator("details.reservation-form summary").click();
  await pathways.locator("select[name=kind]").selectOption("scrutiny");
  await pathways.locator("textarea[name=text]").fill("Pending parliamentary scrutiny in Budapest.");
  await pathways.getByRole("button", { name: /^Enter the reservation on/ }).click();
  await delegate.waitForURL(/\/state#n-/);
  const entered = delegate.locator("div.state-paragraph", { hasText: "Strengthen legal pathways" });
  await entered.locator(".reservation-list", { hasText: "SR (HU)" }).waitFor();
  check(/scrutiny/.test(await entered.locator(".reservation-list").innerText()), "the reservation's kind is not in words");
  await accessible(delegate, "state-09-reservation");
  await shootAround(delegate, entered, "state-09-reservation");
  await entered.getByRole("button", { name: /^Withdraw reservation SR \(HU\)/ }).click();
  await delegate.waitForURL(/\/state#n-/);
  // The page comes back to the same address: wait for the reservation to go, then check it went
  // everywhere.
  await delegate.locator("div.state-paragraph", { hasText: "Strengthen legal pathways" }).locator(".reservation-list", { hasText: "SR (HU)" }).waitFor({ state: "detached" });
  check((await delegate.locator(".reservation-list").count()) === 0, "the withdrawn reservation still shows");

  // The chair agrees the paragraph and adopts the whole text.
  await setStatus(chair, "agreed", "Senior Officials Meeting, Stockholm", "state-10-agreed");
  await chair.getByRole("button", { name: "Adopt the whole text" }).click();
  await chair.waitForURL(statePage);
  await chair.locator("p.adopted", { hasText: "Adopted at version 2" }).waitFor();
  await visit(chair, "state-11-adopted");

  // The version page shows every paragraph adopted, in words.
  await chair.goto(`${base}/p/${processSlug}/d/declaration/v/2`);
  const version = await chair.locator("div.text").innerText();
  check(/Adopted/.test(version) && !/\bOpen\b/.test(version), `the version page does not show the adoption:\n${version}`);
  // Agreeing the paragraph settled its bracket with the version's wording: the adopted text has none.
  check(!/\(DE, FR\)\]/.test(version), `the adopted text still shows the bracket:\n${version}`);
  await visit(chair, "state-12-version-adopted");
  console.log("state.mjs: adoption refused then done, ad ref. refusal, bracket support, dissociation, reservation entered and withdrawn");
} finally {
  await browser.close();
}
