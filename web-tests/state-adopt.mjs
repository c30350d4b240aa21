// The end of the state scenario (`state.mjs`), after crates/cli/tests/web_front.rs has closed
// round 2 and consolidated it into version 3, which resolves the bracket: every paragraph is
// agreed, no reservation stands and no bracket is open, so the chair adopts the whole text in
// the browser, and the reviewer's version page shows every paragraph adopted, in words.
// PENHOLDER_LINK signs in the chair (TR).

import { accessible, check, launch, need, newPage, signIn, visit } from "./support.mjs";

const base = need("PENHOLDER_URL");
const chairLink = need("PENHOLDER_LINK");
const processSlug = need("PENHOLDER_PROCESS");
const statePage = `${base}/p/${processSlug}/d/declaration/state`;

const browser = await launch();
try {
  const chair = await newPage(browser);
  await signIn(chair, chairLink, base);
  await chair.goto(statePage);
  await chair.getByRole("heading", { level: 1, name: /^State of the text/ }).waitFor();
  await accessible(chair, "state-13-ready-to-adopt");
  await chair.getByRole("button", { name: "Adopt the whole text" }).click();
  await chair.waitForURL(statePage);
  await chair.locator("p.adopted", { hasText: "Adopted at version 3" }).waitFor();
  await visit(chair, "state-14-adopted");

  await chair.goto(`${base}/p/${processSlug}/d/declaration/v/3`);
  const version = await chair.locator("div.text").innerText();
  check(/Adopted/.test(version) && !/\bOpen\b/.test(version), `the version page does not show the adoption:\n${version}`);
  check(!/\[20\]/.test(version), `the bracket is still in the adopted text:\n${version}`);
  await visit(chair, "state-15-version-adopted");
  console.log("state-adopt.mjs: the whole text adopted once the bracket was resolved");
} finally {
  await browser.close();
}
