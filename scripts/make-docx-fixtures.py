#!/usr/bin/python3
"""Make the Word fixtures of `make run`'s replay (fixtures/docx/) once, with LibreOffice.

    cargo build -p penholder-cli && /usr/bin/python3 scripts/make-docx-fixtures.py

Starts target/debug/penholder on a temporary database, uploads the Declaration's zero draft
(fixtures/budapest/declaration.md, ids kept, the title of declaration.json: the very version 1
the replay makes, with the same hash), downloads it as DOCX and edits it in LibreOffice through
UNO (scripts/docx-edit.py) as each EDITS file in fixtures/docx/ says:

- declaration-at-tracked.docx: Austria's feedback, with change tracking on;
- declaration-rev1-chair.docx: the chairmanship's revised text, edited without tracking.

Then it checks the delegation's file the way the replay sends it (a dry run of the
submission). The files are committed; run this again only when penholder's DOCX of a version
changes in a way the reader must see (the replay then says the file names another version).
Needs Debian's python3-uno and libreoffice-writer-nogui (as .ci/run installs them).
"""
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
PENHOLDER = os.environ.get("PENHOLDER", os.path.join(ROOT, "target/debug/penholder"))
OUT = os.path.join(ROOT, "fixtures/docx")
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
FILES = ["declaration-at-tracked", "declaration-rev1-chair"]


def call(url, token, method="GET", body=None, content_type="application/json"):
    request = urllib.request.Request(url, data=body, method=method)
    request.add_header("Authorization", "Bearer " + token)
    if body is not None:
        request.add_header("Content-Type", content_type)
    with urllib.request.urlopen(request, timeout=60) as answer:
        return answer.read()


def token(env, *args):
    return subprocess.run(
        [PENHOLDER, "token", *args], env=env, check=True, capture_output=True, text=True
    ).stdout.strip()


def main():
    work = tempfile.mkdtemp(prefix="docx-fixtures-")
    env = dict(os.environ, PENHOLDER_JWT_SECRET=secrets.token_hex(32))
    env.pop("PENHOLDER_JWT_SECRET_FILE", None)
    server = subprocess.Popen(
        [PENHOLDER, "serve", "--db", os.path.join(work, "db"), "--addr", "127.0.0.1:0", "--log", "warn"],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = server.stdout.readline().strip()
        prefix = "penholder listening on "
        if not line.startswith(prefix):
            raise SystemExit("the server said %r" % line)
        url = line[len(prefix):]
        admin = token(env, "--role", "admin", "--sub", "fixtures")
        chair = token(env, "--role", "chair", "--delegation", "TR", "--sub", "fixtures-chair")
        at = token(env, "--role", "delegate", "--delegation", "AT", "--sub", "fixtures-at")
        process = {
            "slug": "docx-fixtures",
            "title": "Word fixtures",
            "delegations": [
                {"code": "TR", "name": "Türkiye", "kind": "state", "function": "chair"},
                {"code": "AT", "name": "Austria", "kind": "state"},
            ],
        }
        call(url + "/v1/processes", admin, "POST", json.dumps(process).encode())
        with open(os.path.join(ROOT, "fixtures/budapest/declaration.json"), encoding="utf-8") as f:
            title = json.load(f)["title"]
        with open(os.path.join(ROOT, "fixtures/budapest/declaration.md"), encoding="utf-8") as f:
            markdown = f.read()
        document = {
            "slug": "declaration-word",
            "title": title,
            "label": "Zero draft",
            "source": {"format": "markdown", "text": markdown},
        }
        p = url + "/v1/processes/docx-fixtures"
        call(p + "/documents", chair, "POST", json.dumps(document).encode())
        v1 = os.path.join(work, "v1.docx")
        with open(v1, "wb") as f:
            f.write(call(p + "/documents/declaration-word/versions/1?format=docx", chair))
        for name in FILES:
            result = subprocess.run(
                ["/usr/bin/python3", os.path.join(ROOT, "scripts/docx-edit.py"), v1,
                 os.path.join(OUT, name + ".docx"), os.path.join(OUT, name + ".edits.json")],
                timeout=300,
            )
            if result.returncode != 0:
                raise SystemExit("docx-edit.py failed on " + name)
            print("wrote fixtures/docx/%s.docx" % name)
        # The delegation's file as the replay sends it: what penholder understands of it.
        round_ = {"document": "declaration-word", "label": "Check", "opens_at": "2020-01-01T00:00:00Z",
                  "closes_at": "2100-01-01T00:00:00Z"}
        number = json.loads(call(p + "/rounds", chair, "POST", json.dumps(round_).encode()))["number"]
        with open(os.path.join(OUT, "declaration-at-tracked.docx"), "rb") as f:
            understood = call(p + "/rounds/%d/submissions/AT?dry_run=true" % number, at, "PUT", f.read(), DOCX)
        print(json.dumps(json.loads(understood), indent=2, ensure_ascii=False))
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
