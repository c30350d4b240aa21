#!/usr/bin/python3
"""Edit a .docx as a delegate does, in LibreOffice through its UNO API, and save it as .docx.

    /usr/bin/python3 scripts/docx-edit.py IN.docx OUT.docx EDITS.json   (Debian's Python: python3-uno)

EDITS.json is a list of edits applied in order, each naming its paragraph by a piece of its
text (the first paragraph that contains it):

    {"op": "replace", "find": "old words", "with": "new words"}      words replaced
    {"op": "insert_after", "paragraph": "text in it", "text": "..."}  a new paragraph after it
    {"op": "delete", "paragraph": "text in it"}                       the whole paragraph
    {"op": "author", "name": "Austria"}                               who the next edits are by

Change recording is on for every edit unless the edit says "tracked": false (an edit made
without tracking, as a careless delegate makes one). Comments are not added here: LibreOffice
7.4's headless DOCX export crashes on a document with a comment added through UNO; add them to
the saved file's XML instead (scripts/docx-comment.py).

LibreOffice runs headless in a private profile that is removed afterwards; the script waits at
most a minute for it to answer.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import uno
from com.sun.star.beans import PropertyValue
from com.sun.star.text.ControlCharacter import PARAGRAPH_BREAK


def prop(name, value):
    p = PropertyValue()
    p.Name = name
    p.Value = value
    return p


def connect(pipe, proc):
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext(
        "com.sun.star.bridge.UnoUrlResolver", local
    )
    deadline = time.time() + 60
    while True:
        try:
            return resolver.resolve(
                "uno:pipe,name=%s;urp;StarOffice.ComponentContext" % pipe
            )
        except Exception:
            if proc.poll() is not None or time.time() > deadline:
                raise SystemExit("LibreOffice did not start")
            time.sleep(0.2)


def set_author(ctx, name):
    """Tracked changes take their author from the user profile's name."""
    provider = ctx.ServiceManager.createInstanceWithContext(
        "com.sun.star.configuration.ConfigurationProvider", ctx
    )
    access = provider.createInstanceWithArguments(
        "com.sun.star.configuration.ConfigurationUpdateAccess",
        (prop("nodepath", "/org.openoffice.UserProfile/Data"),),
    )
    access.setPropertyValue("givenname", name)
    access.setPropertyValue("sn", "")
    access.commitChanges()


def paragraphs(doc):
    enum = doc.Text.createEnumeration()
    while enum.hasMoreElements():
        element = enum.nextElement()
        if element.supportsService("com.sun.star.text.Paragraph"):
            yield element


def find_paragraph(doc, needle):
    for paragraph in paragraphs(doc):
        if needle in paragraph.getString():
            return paragraph
    raise SystemExit("no paragraph contains %r" % needle)


def apply(ctx, doc, edit):
    op = edit["op"]
    if op == "author":
        set_author(ctx, edit["name"])
        return
    doc.RecordChanges = edit.get("tracked", True)
    text = doc.Text
    if op == "replace":
        search = doc.createSearchDescriptor()
        search.SearchString = edit["find"]
        search.SearchCaseSensitive = True
        found = doc.findFirst(search)
        if found is None:
            raise SystemExit("not found: %r" % edit["find"])
        found.setString(edit["with"])
    elif op == "insert_after":
        paragraph = find_paragraph(doc, edit["paragraph"])
        cursor = text.createTextCursorByRange(paragraph.getEnd())
        text.insertControlCharacter(cursor, PARAGRAPH_BREAK, False)
        text.insertString(cursor, edit["text"], False)
    elif op == "delete":
        paragraph = find_paragraph(doc, edit["paragraph"])
        cursor = text.createTextCursorByRange(paragraph.getStart())
        cursor.gotoEndOfParagraph(True)
        # The paragraph mark too, so that the paragraph goes, not only its words.
        cursor.goRight(1, True)
        cursor.setString("")
    else:
        raise SystemExit("unknown edit %r" % op)


def main():
    if len(sys.argv) != 4:
        raise SystemExit(__doc__)
    source, target, edits_path = (os.path.abspath(a) for a in sys.argv[1:])
    with open(edits_path, encoding="utf-8") as f:
        edits = json.load(f)
    work = tempfile.mkdtemp(prefix="docx-edit-")
    pipe = "docxedit%d" % os.getpid()
    proc = subprocess.Popen(
        [
            "soffice",
            "-env:UserInstallation=file://%s/profile" % work,
            "--headless",
            "--invisible",
            "--norestore",
            "--nolockcheck",
            "--accept=pipe,name=%s;urp;" % pipe,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        ctx = connect(pipe, proc)
        set_author(ctx, "Delegate")
        desktop = ctx.ServiceManager.createInstanceWithContext(
            "com.sun.star.frame.Desktop", ctx
        )
        doc = desktop.loadComponentFromURL(
            uno.systemPathToFileUrl(source), "_blank", 0, (prop("Hidden", True),)
        )
        if doc is None:
            raise SystemExit("LibreOffice could not open %s" % source)
        for edit in edits:
            apply(ctx, doc, edit)
        doc.storeToURL(
            uno.systemPathToFileUrl(target), (prop("FilterName", "MS Word 2007 XML"),)
        )
        doc.close(True)
        try:
            desktop.terminate()
        except Exception:
            pass  # the bridge goes down with LibreOffice
    finally:
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
