// The web front's speed in Debian's Chromium (issue 15, item 10), run by `make bench`
// (bench/bench.sh) against its server once the 4,000-amendment round of `loadgen exact` is
// closed. Prints `BENCH {json}` lines for target/bench/results.jsonl:
//
// - kind "web_first_page": the bytes transferred (HTML, style sheet, scripts: every response,
//   headers excluded) for the first page a person opens, the sign-in link's page, and for the
//   page a delegate works on, a round's draft with its forms (PENHOLDER_DRAFT_PATH);
// - kind "web_compilation": the chairmanship's compilation page of the closed round
//   (PENHOLDER_COMPILATION_PATH), from navigation start to usable: the HTML parsed (DOM
//   interactive), DOMContentLoaded, load, and the first decision form focusable with its
//   select answering the keyboard, with Playwright's and the Navigation Timing's clocks; the
//   first load apart (on a server started afresh it compiles the round) from the next ones
//   (they find the server's kept compilation).
//
// Environment: PENHOLDER_URL, PENHOLDER_LINK (a chair's one-time sign-in link),
// PENHOLDER_COMPILATION_PATH and PENHOLDER_DRAFT_PATH (each optional), PENHOLDER_AMENDMENTS,
// PENHOLDER_MAX_FIRST_PAGE_BYTES (optional: fail when the draft's page transfers more), CHROMIUM.

import { check, launch, need, newPage } from "./support.mjs";

const base = need("PENHOLDER_URL");
const link = need("PENHOLDER_LINK");
const compilationPath = process.env.PENHOLDER_COMPILATION_PATH;
const maxFirstPage = Number(process.env.PENHOLDER_MAX_FIRST_PAGE_BYTES || 0);
const draftPath = process.env.PENHOLDER_DRAFT_PATH;
const amendments = Number(process.env.PENHOLDER_AMENDMENTS || 0);
const runs = Number(process.env.PENHOLDER_RUNS || 3);

/** Bytes of every response of the page's load, bodies as received (compressed if so). */
function counter(page) {
  const sizes = [];
  page.on("requestfinished", (request) => sizes.push(request.sizes().then((s) => s.responseBodySize)));
  return async () => (await Promise.all(sizes)).reduce((a, b) => a + b, 0);
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

/** The compilation page, `runs` times in a fresh tab each, signed in as `page` is. */
async function compilationPage(page) {
  const usable = [];
  const timings = [];
  let htmlBytes = 0;
  let forms = 0;
  for (let run = 0; run < runs; run++) {
    const tab = await newPage(browser);
    await tab.context().addCookies(await page.context().cookies());
    const started = Date.now();
    const response = await tab.goto(`${base}${compilationPath}`, { waitUntil: "domcontentloaded", timeout: 120_000 });
    check(response.ok(), `the compilation page answered ${response.status()}`);
    // Usable: the first decision form reached and its choice changed with the keyboard.
    const select = tab.locator("form.decide select").first();
    await select.focus({ timeout: 120_000 });
    const before = await select.inputValue();
    await tab.keyboard.press("ArrowDown");
    check((await select.inputValue()) !== before, "the first decision's choice does not answer the keyboard");
    usable.push(Date.now() - started);
    const navigation = await tab.evaluate(() => {
      const n = performance.getEntriesByType("navigation")[0];
      return {
        response_end_ms: n.responseEnd,
        dom_interactive_ms: n.domInteractive,
        dom_content_loaded_ms: n.domContentLoadedEventEnd,
        load_ms: n.loadEventEnd,
        transfer_bytes: n.transferSize,
        decoded_bytes: n.decodedBodySize,
      };
    });
    await tab.waitForLoadState("load");
    navigation.load_ms = await tab.evaluate(() => performance.getEntriesByType("navigation")[0].loadEventEnd);
    timings.push(navigation);
    htmlBytes = navigation.decoded_bytes;
    forms = await tab.locator("form.decide").count();
    await tab.close();
  }
  const pick = (key) => median(timings.map((t) => t[key]));
  console.log(
    `BENCH ${JSON.stringify({
      kind: "web_compilation",
      amendments,
      decision_forms: forms,
      runs,
      html_bytes: htmlBytes,
      transfer_bytes: pick("transfer_bytes"),
      usable_ms: usable,
      usable_median_ms: median(usable),
      // The first load finds nothing kept on a server started afresh: it waits for the round's
      // compilation; the next ones get the server's kept compilation.
      usable_first_ms: usable[0],
      usable_again_median_ms: usable.length > 1 ? median(usable.slice(1)) : null,
      response_end_median_ms: pick("response_end_ms"),
      dom_interactive_median_ms: pick("dom_interactive_ms"),
      dom_content_loaded_median_ms: pick("dom_content_loaded_ms"),
      load_median_ms: pick("load_ms"),
    })}`,
  );
}

const browser = await launch();
try {
  const page = await newPage(browser);

  // The first page: the sign-in link's.
  let total = counter(page);
  await page.goto(link);
  await page.waitForLoadState("networkidle");
  const signInBytes = await total();
  await page.getByRole("button", { name: "Continue and sign in" }).click();
  await page.waitForURL(`${base}/`);

  let draftBytes = null;
  if (draftPath) {
    const fresh = await newPage(browser);
    await fresh.context().addCookies(await page.context().cookies());
    total = counter(fresh);
    await fresh.goto(`${base}${draftPath}`);
    await fresh.waitForLoadState("networkidle");
    draftBytes = await total();
    await fresh.close();
  }
  console.log(`BENCH ${JSON.stringify({ kind: "web_first_page", sign_in_bytes: signInBytes, draft_bytes: draftBytes, draft_path: draftPath || null })}`);
  if (maxFirstPage && draftBytes !== null) {
    check(draftBytes <= maxFirstPage, `the draft's page transferred ${draftBytes} bytes, more than ${maxFirstPage}`);
  }
  if (compilationPath) await compilationPage(page);
} finally {
  await browser.close();
}
