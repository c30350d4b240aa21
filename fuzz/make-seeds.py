#!/usr/bin/env python3
"""Writes fuzz/seeds/<target>/ from the project's fixtures and the shared real texts.

The seeds are committed (they are small); the fuzzers' growing corpora live in fuzz/corpus/
(ignored). Run from anywhere: `python3 fuzz/make-seeds.py [--shared PATH]` (default: the
`shared` folder beside the repository). Deterministic: the same inputs give the same files.

Seeds per target:
- tokenize, import_markdown: slices (at most ~3 KB, cut at blank lines) of the Budapest fixtures,
  the Council note, the shared real texts in Markdown, plus short texts in several scripts;
- import_structured: the Budapest documents in the structured form, and slices of them;
- import_council_note: the Council note 8056/24, whole and cut short;
- import_json: the Budapest documents in the JSON form, and a small one of every node kind;
- import_akn: the shared real Akoma Ntoso texts, the small UN one whole and the first ~3 KB of
  every one (cut mid-element: the error paths), and a few hostile documents;
- merge: the merge cases and the Budapest rounds' proposals, encoded in the merge target's layout
  (see fuzz/src/merge.rs): proposal records, then the texts separated by U+001E;
- submission: the Budapest rounds' submission files, which are in the wire format.
"""

import argparse
import hashlib
import json
import pathlib
import re
import shutil

FUZZ = pathlib.Path(__file__).resolve().parent
REPO = FUZZ.parent
SLICE = 3000
DELEGATIONS = ["AT", "DE", "FR", "HU", "IT", "PL"]
MAX_PROPOSALS = 12
MAX_NODES = 4

SCRIPTS = [
    "Árvíztűrő tükörfúrógép — ¹ footnote² and ³⁴ markers, café\u0301.",
    "Die Würde des Menschen ist unantastbar. Art. 1 (1) GG; § 5 Abs.² Satz 3",
    "Les États membres s’engagent « à coopérer » ; l’Union européenne.",
    "Государства-участники; ст. 12, п. 3 — «в целях сотрудничества».",
    "الدول الأعضاء تتعاون في مجال الهجرة ١٢٣ والعودة.",
    "移民と帰還に関する協力を強化する。第3条第2項",
    "การย้ายถิ่นฐาน และ การกลับคืน",
    "Hidden \u202eevil\u202c text, zero\u200bwidth, \u2066isolate\u2069 and BOM\ufeff.",
    "Flags 🇭🇺🇪🇺 and family 👨\u200d👩\u200d👧 emoji; 3.14 and 1,000,000; can't.",
    "Tabs\tand\r\nCRLF\u00a0no-break\u2003em space  double  spaces",
]


def write(folder: pathlib.Path, name: str, data: bytes) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)


def slices(text: str, limit: int = SLICE, every: int = 1, most: int = 8) -> list[str]:
    """Consecutive blocks joined up to `limit` bytes; every `every`-th slice, at most `most`."""
    blocks = re.split(r"(\n\s*\n)", text)
    out, current = [], ""
    for block in blocks:
        if current and len((current + block).encode()) > limit:
            out.append(current)
            current = ""
        current += block
    if current.strip():
        out.append(current)
    out = [s for s in out if len(s.encode()) <= limit * 2]
    return out[::every][:most]


def short_name(label: str, data: bytes) -> str:
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", label)[:48]
    return f"{safe}-{hashlib.sha256(data).hexdigest()[:8]}"


def text_seeds(shared: pathlib.Path) -> list[tuple[str, str]]:
    budapest = REPO / "fixtures" / "budapest"
    out = []
    for path in sorted(budapest.glob("*.md")):
        for i, piece in enumerate(slices(path.read_text(), most=4)):
            out.append((f"{path.stem}-{i}", piece))
    note = shared / "seed" / "budapest-process-8056-24.txt"
    if note.exists():
        for i, piece in enumerate(slices(note.read_text(), every=2, most=4)):
            out.append((f"note-{i}", piece))
    for path in sorted((shared / "realtexts").rglob("*.md")):
        if path.name == "SOURCES.md":
            continue
        pieces = slices(path.read_text(), every=7, most=5)
        for i, piece in enumerate(pieces):
            out.append((f"{path.stem[:24]}-{i}", piece))
    for i, text in enumerate(SCRIPTS):
        out.append((f"script-{i}", text))
    markdown_format = REPO / "docs" / "markdown-format.md"
    if markdown_format.exists():
        for i, piece in enumerate(slices(markdown_format.read_text(), most=2)):
            out.append((f"markdown-format-{i}", piece))
    return out


AKN_HOSTILE = [
    ("billion-laughs", '<?xml version="1.0"?>\n<!DOCTYPE akomaNtoso [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]>\n'
     '<akomaNtoso xmlns="http://docs.oasis-open.org/legaldocml/ns/akn/3.0"><act><body><p>&b;</p></body></act></akomaNtoso>'),
    ("deep", '<akomaNtoso xmlns="http://docs.oasis-open.org/legaldocml/ns/akn/3.0"><act><body>'
     + "<point><num>(a)</num><content><p>x</p></content>" * 40 + "</point>" * 40 + "</body></act></akomaNtoso>"),
    ("not-akn", "<html><body><p>Hello</p></body></html>"),
    ("penholder", '<akomaNtoso xmlns="http://docs.oasis-open.org/legaldocml/ns/akn/3.0"><statement><meta>'
     '<identification source="#penholder"/></meta><preamble><recitals eId="recs_1"><recital eId="recs_1__rec_1" '
     'wId="018f557f-f400-72dd-a0ce-2d3890b49a49"><p>Recalling¹x<authorialNote eId="authorialNote_1" '
     'wId="018f557f-f400-7199-8d01-e5cd002ccc8b" marker="²"><p>Note.</p></authorialNote></p><blockList eId="l">'
     '<item eId="l__item_a"><p>a</p></item><item eId="l__item_a__item_i"><p>i</p></item></blockList></recital>'
     '</recitals></preamble><mainBody><paragraph eId="para_1" wId="018f557f-f400-72dd-a0ce-2d3890b49a49"><num>1.</num>'
     '<content><p>Decides.</p></content></paragraph></mainBody></statement></akomaNtoso>'),
]


def akn_seeds(shared: pathlib.Path) -> list[tuple[str, str]]:
    out = []
    for path in sorted((shared / "realtexts").rglob("*.xml")):
        text = path.read_text()
        if len(text.encode()) <= 3 * SLICE:
            out.append((f"{path.stem[:32]}.xml", text))
        out.append((f"{path.stem[:32]}-head.xml", text[:SLICE]))
    out.extend((f"{name}.xml", text) for name, text in AKN_HOSTILE)
    return out


def structured_seeds() -> list[tuple[str, str]]:
    out = []
    for path in sorted((REPO / "fixtures" / "budapest").glob("*.md")):
        text = path.read_text()
        if not text.startswith("<!-- penholder document"):
            continue
        out.append((path.stem, text))
        # The header and the first few nodes, so that short inputs reach the parser's depths.
        markers = [m.start() for m in re.finditer(r"\n<!-- penholder ", text)]
        for count in (1, 3, 8):
            if len(markers) > count:
                out.append((f"{path.stem}-{count}", text[: markers[count]] + "\n"))
    out.append(
        (
            "escaped",
            "<!-- penholder document format=1 title=\"Two\\nlines\" -->\n\n"
            "<!-- penholder part num=\"I.\" id=018f557f-f400-72dd-a0ce-2d3890b49a49 -->\n"
            "## I. Scope\n\n"
            "<!-- penholder operative ref=OP1 text=\"  leading spaces\\u202e\" -->\n\n"
            "<!-- penholder item level=1 ref=OP1.a -->\n- a point¹\n\n"
            "<!-- penholder footnote level=2 ref=FN1 -->\n¹ A footnote.\n",
        )
    )
    return out


def note_seeds(shared: pathlib.Path) -> list[tuple[str, str]]:
    note = shared / "seed" / "budapest-process-8056-24.txt"
    if not note.exists():
        return []
    text = note.read_text()
    out = [("note.txt", text)]
    goal = text.find("Priority Goal 1")
    if goal > 0:
        out.append(("note-to-goal-1.txt", text[: goal + 2000]))
    out.append(("note-half.txt", text[: len(text) // 2]))
    return out


def json_seeds() -> list[tuple[str, str]]:
    """The Budapest documents in the JSON form, and a small document of every node kind."""
    out = []
    for path in sorted((REPO / "fixtures" / "budapest").glob("*.json")):
        data = json.loads(path.read_text())
        if "nodes" in data and "title" in data:
            out.append((path.name, path.read_text()))
    small = {
        "title": "Every kind",
        "nodes": [
            {
                "id": "018f557f-f400-72dd-a0ce-2d3890b49a4%x" % i,
                "kind": kind,
                "text": text,
                "children": [],
                **({"num": "1."} if kind == "operative" else {}),
            }
            for i, (kind, text) in enumerate(
                [
                    ("part", "I. Scope"),
                    ("paragraph", "WE, the Ministers¹"),
                    ("preambular", "Recognising the \u202e risk;"),
                    ("operative", "Decide"),
                    ("item", "  leading spaces"),
                    ("goal", "Goal"),
                    ("action", "Act\nnow"),
                    ("footnote", "¹ A note."),
                ]
            )
        ],
    }
    out.append(("every-kind.json", json.dumps(small, ensure_ascii=False, indent=1)))
    return out


def encode_round(
    shape: int, proposals: list[tuple[int, int, int]], rulings: list[int], texts: list[str]
) -> bytes:
    """The merge target's layout: shape, (1, delegation, kind, node)*, 0, (1, ruling)*, 0, texts."""
    data = bytearray([shape])
    for delegation, kind, node in proposals:
        data += bytes([1, delegation, kind, node])
    data.append(0)
    for ruling in rulings:
        data += bytes([1, ruling])
    data.append(0)
    data += "\u001e".join(texts).encode()
    return bytes(data)


KINDS = {"amend": 0, "delete": 1, "insert_after": 2, "insert_before": 3, "comment": 4}


def round_seed(
    nodes: list[tuple[str, str]], submissions: list[dict], accept_all: bool = False
) -> bytes | None:
    """One seed: the base nodes (label, text) and the items on them, as the merge layout."""
    labels = [label for label, _ in nodes]
    proposals, texts = [], ["\u001d".join(text for _, text in nodes)]
    for submission in submissions:
        code = submission.get("delegation", "AT")
        delegation = DELEGATIONS.index(code) if code in DELEGATIONS else len(proposals) % 6
        for item in submission.get("items", []):
            kind = item.get("kind")
            if kind == "insert":
                kind = "insert_after" if item.get("after") else "insert_before"
                label = item.get("after") or item.get("before")
            else:
                label = item.get("node")
            if kind == "comment" and label is None:
                node = 255
            elif label in labels:
                node = labels.index(label)
            else:
                continue
            text = item.get("text") or item.get("justification") or ""
            proposals.append((delegation, KINDS[kind], node))
            texts.append(text)
    if not proposals:
        return None
    # Either no rulings, or: accept the uncontested (shape bit 3) and accept alternative `a`
    # of every change (ruling byte 0).
    shape, rulings = (8, [0] * MAX_PROPOSALS) if accept_all else (0, [])
    return encode_round(shape, proposals[:MAX_PROPOSALS], rulings, texts[: MAX_PROPOSALS + 1])


def merge_seeds() -> list[tuple[str, bytes]]:
    out = []
    for case in sorted((REPO / "fixtures" / "merge").glob("*/case.json")):
        data = json.loads(case.read_text())
        base = [(n["label"], n["text"]) for n in data["base"]]
        for start in range(0, len(base), MAX_NODES):
            for accept_all in (False, True):
                seed = round_seed(base[start : start + MAX_NODES], data["submissions"], accept_all)
                if seed:
                    out.append((f"{case.parent.name}-{start}-{int(accept_all)}", seed))
    rounds = REPO / "fixtures" / "budapest" / "rounds"
    for index, round_dir in enumerate(sorted(p for p in rounds.iterdir() if p.name[0].isdigit())):
        for document_dir in sorted(p for p in round_dir.iterdir() if p.is_dir()):
            expected = json.loads((rounds / "expected" / f"{document_dir.name}.json").read_text())
            version = expected["versions"][index]
            texts = {}

            def flatten(nodes: list[dict]) -> None:
                for node in nodes:
                    texts[node["ref"]] = node["text"]
                    flatten(node.get("children", []))

            flatten(version["nodes"])
            submissions = []
            for path in sorted(document_dir.glob("*.json")):
                if path.name in ("round.json", "decisions.json") or ".rev" in path.name:
                    continue
                body = json.loads(path.read_text())
                submissions.append({"delegation": path.stem, "items": body.get("items", [])})
            # One seed per node that anybody amended: that node and its next sibling.
            amended = sorted(
                {i.get("node") for s in submissions for i in s["items"] if i.get("kind") == "amend"}
                - {None}
            )
            refs = list(texts)
            for ref in amended[:6]:
                if ref not in texts:
                    continue
                at = refs.index(ref)
                nodes = [(r, texts[r]) for r in refs[at : at + 2]]
                for accept_all in (False, True):
                    seed = round_seed(nodes, submissions, accept_all)
                    if seed:
                        name = f"{round_dir.name[:1]}-{document_dir.name}-{ref}-{int(accept_all)}"
                        out.append((name, seed))
    return out


def submission_seeds() -> list[tuple[str, bytes]]:
    out = []
    rounds = REPO / "fixtures" / "budapest" / "rounds"
    for path in sorted(rounds.glob("*/*/**/*.json")):
        if path.name in ("round.json", "decisions.json"):
            continue
        data = path.read_bytes()
        if len(data) <= 8000:
            out.append((f"{path.parent.name}-{path.stem}", data))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", default=str(REPO.parent / "shared"))
    shared = pathlib.Path(parser.parse_args().shared)
    seeds = FUZZ / "seeds"
    if seeds.exists():
        shutil.rmtree(seeds)
    texts = text_seeds(shared)
    for name, text in texts:
        data = text.encode()
        write(seeds / "tokenize", short_name(name, data), data)
        write(seeds / "import_markdown", short_name(name, data), data)
    for name, text in structured_seeds():
        write(seeds / "import_structured", name if name.endswith(".md") else f"{name}.md", text.encode())
    for name, text in note_seeds(shared):
        write(seeds / "import_council_note", name, text.encode())
    for name, text in json_seeds():
        write(seeds / "import_json", name, text.encode())
    for name, text in akn_seeds(shared):
        write(seeds / "import_akn", name, text.encode())
    for name, data in merge_seeds():
        write(seeds / "merge", short_name(name, data), data)
    for name, data in submission_seeds():
        write(seeds / "submission", short_name(name, data), data)
    for folder in sorted(seeds.iterdir()):
        files = list(folder.iterdir())
        size = sum(f.stat().st_size for f in files)
        print(f"{folder.name}: {len(files)} seeds, {size} bytes")


if __name__ == "__main__":
    main()
