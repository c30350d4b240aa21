// The word diff of an amendment while it is typed: the server computes the hunks (the same
// engine as the compilation) and this module lays them out as <del>/<ins>, built with DOM
// methods (never innerHTML), so no text from anyone is ever parsed as HTML. Without this
// module the form works the same; the preview is an addition.

const DELAY_MS = 250;

function render(target, base, hunks, labels) {
  target.replaceChildren();
  let at = 0;
  for (const hunk of hunks) {
    if (hunk.start_byte > at) target.append(slice(base, at, hunk.start_byte));
    if (hunk.end_byte > hunk.start_byte) {
      const del = document.createElement("del");
      del.textContent = slice(base, hunk.start_byte, hunk.end_byte);
      del.setAttribute("aria-label", labels.deleted + " " + del.textContent);
      target.append(del);
    }
    if (hunk.text) {
      const ins = document.createElement("ins");
      ins.textContent = hunk.text;
      ins.setAttribute("aria-label", labels.inserted + " " + hunk.text);
      target.append(ins);
    }
    at = hunk.end_byte;
  }
  target.append(slice(base, at, undefined));
}

// Hunks count UTF-8 bytes; JavaScript strings count UTF-16 units.
const encoder = new TextEncoder();
const decoder = new TextDecoder();
function slice(text, start, end) {
  return decoder.decode(encoder.encode(text).slice(start, end));
}

function watch(form) {
  const textarea = form.querySelector("textarea[name=text]");
  const box = form.querySelector(".preview");
  const target = form.querySelector(".preview-text");
  if (!textarea || !box || !target) return;
  const labels = { inserted: "+", deleted: "\u2212" };
  let timer = null;
  let sent = 0;
  textarea.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const ticket = ++sent;
      const body = new URLSearchParams(new FormData(form));
      const response = await fetch(form.dataset.preview, { method: "POST", body, credentials: "same-origin" });
      if (!response.ok || ticket !== sent) return;
      const preview = await response.json();
      render(target, preview.base, preview.hunks, labels);
      box.hidden = false;
      form.dataset.previewed = String(ticket);
    }, DELAY_MS);
  });
}

for (const form of document.querySelectorAll("form.amend[data-preview]")) watch(form);
