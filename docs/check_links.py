#!/usr/bin/env python3
"""Check the relative links of README.md and of the book (docs/src/**/*.md).

For every Markdown link or image whose target is relative (no scheme such as https:):
- the target file must exist, relative to the file that contains the link;
- a `#anchor` on a link into a .md file (or on a bare `#anchor`, into the same file) must
  match a heading of the target, by mdBook's rule for heading ids: the heading's text
  without its Markdown/HTML markup, lowercased (ASCII letters only), each whitespace
  character turned into `-`, every character other than letters, digits, `-` and `_`
  dropped; a repeated id on one page gets `-1`, `-2`, ... appended.
Also, every .md file under docs/src must be listed in docs/src/SUMMARY.md, since mdBook
renders only those.

Links inside fenced code blocks and inline code are ignored. Python 3 standard library
only. Usage: python3 docs/check_links.py [--self-test]. Exits 1 and lists the broken links
when there are any.
"""

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BOOK_SRC = ROOT / "docs" / "src"

FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
CODE_SPAN = re.compile(r"(`+)(.+?)\1", re.S)
# [text](target) and ![alt](target), with an optional "title"; the text may hold one level
# of brackets (an image inside a link).
INLINE_LINK = re.compile(
    r"!?\[(?:[^\[\]]|\[[^\[\]]*\])*\]\(\s*(<[^>]*>|[^)\s]+)(?:\s+(?:\"[^\"]*\"|'[^']*'))?\s*\)"
)
REFERENCE_DEF = re.compile(r"^ {0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)", re.M)
ATX_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")
SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def blank(match):
    """The matched text with every character but newlines replaced by a space."""
    return re.sub(r"[^\n]", " ", match.group(0))


def strip_code(text):
    """The text with fenced code blocks and inline code blanked out (lines kept)."""
    out, fence = [], None
    for line in text.split("\n"):
        m = FENCE.match(line)
        if fence is None and m:
            fence = m.group(1)[0] * len(m.group(1))
            out.append("")
        elif fence is not None:
            if m and m.group(1).startswith(fence) and line.strip() == m.group(1):
                fence = None
            out.append("")
        else:
            out.append(line)
    return CODE_SPAN.sub(blank, "\n".join(out))


def heading_lines(text):
    """The ATX headings of a Markdown text, outside code blocks."""
    heads, fence = [], None
    for line in text.split("\n"):
        m = FENCE.match(line)
        if fence is None and m:
            fence = m.group(1)[0] * len(m.group(1))
            continue
        if fence is not None:
            if m and m.group(1).startswith(fence) and line.strip() == m.group(1):
                fence = None
            continue
        h = ATX_HEADING.match(line)
        if h:
            heads.append(h.group(2))
    return heads


def slug(heading):
    """mdBook's id for a heading's Markdown text."""
    text = re.sub(r"!\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # images: their alt text
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)  # links: their text
    text = re.sub(r"<[^>]+>", "", text)  # inline HTML tags
    text = text.replace("`", "").replace("*", "")  # code and emphasis markers
    text = re.sub(r"\\(.)", r"\1", text)  # backslash escapes
    out = []
    for ch in text.strip():
        if ch.isalnum() or ch in "-_":
            out.append(ch.lower() if ch.isascii() else ch)
        elif ch.isspace():
            out.append("-")
    return "".join(out)


def anchors(path, cache={}):
    """The heading ids of a Markdown file, as mdBook numbers repeats."""
    if path not in cache:
        ids, seen = set(), {}
        for head in heading_lines(path.read_text(encoding="utf-8")):
            base = slug(head)
            n = seen.get(base, 0)
            seen[base] = n + 1
            ids.add(base if n == 0 else f"{base}-{n}")
        cache[path] = ids
    return cache[path]


def links(text):
    """(line number, target) for every link and image target of a Markdown text."""
    body = strip_code(text)
    found = []
    for pattern in (INLINE_LINK, REFERENCE_DEF):
        for m in pattern.finditer(body):
            target = m.group(1)
            if target.startswith("<") and target.endswith(">"):
                target = target[1:-1]
            found.append((body.count("\n", 0, m.start(1)) + 1, target))
    return sorted(found)


def check_file(path):
    """The broken links of one file, as printable lines."""
    broken = []
    rel = path.relative_to(ROOT)
    for line, target in links(path.read_text(encoding="utf-8")):
        if SCHEME.match(target) or target.startswith("//"):
            continue  # an absolute URL: not checked here
        file_part, _, anchor = target.partition("#")
        dest = path if file_part == "" else (path.parent / file_part).resolve()
        if file_part and not dest.is_file():
            broken.append(f"{rel}:{line}: {target}: no file {file_part}")
            continue
        if anchor and dest.suffix == ".md" and anchor not in anchors(dest):
            where = "this file" if file_part == "" else dest.relative_to(ROOT)
            broken.append(f"{rel}:{line}: {target}: no heading #{anchor} in {where}")
    return broken


def summary_gaps():
    """Book pages that SUMMARY.md does not list."""
    summary = BOOK_SRC / "SUMMARY.md"
    listed = {(summary.parent / t.partition("#")[0]).resolve()
              for _, t in links(summary.read_text(encoding="utf-8")) if not SCHEME.match(t)}
    return [f"{p.relative_to(ROOT)}: not listed in docs/src/SUMMARY.md"
            for p in sorted(BOOK_SRC.rglob("*.md"))
            if p.name != "SUMMARY.md" and p.resolve() not in listed]


def self_test():
    cases = {
        "4.2 EBM maximum likelihood with W2 (JKO) particle steps":
            "42-ebm-maximum-likelihood-with-w2-jko-particle-steps",
        "`gradflow sample` to a file, and `gradflow eval`":
            "gradflow-sample-to-a-file-and-gradflow-eval",
        "Conditional sampling z | x": "conditional-sampling-z--x",
        "Against PGD (Kuntz, Lim & Johansen 2023)": "against-pgd-kuntz-lim--johansen-2023",
        "The paper's 2D protocol (Table 1)": "the-papers-2d-protocol-table-1",
        "KL(data ‖ model) on the grid, nats": "kldata--model-on-the-grid-nats",
        "**Bold** and [a link](x.md) with snake_case": "bold-and-a-link-with-snake_case",
    }
    bad = [(h, slug(h), want) for h, want in cases.items() if slug(h) != want]
    for h, got, want in bad:
        print(f"slug({h!r}) = {got!r}, expected {want!r}")
    sample = "see [a](b.md#c) and `[not](a-link)`\n```\n[nor](this)\n```\n![img](i.png)\n"
    got = links(sample)
    if got != [(1, "b.md#c"), (5, "i.png")]:
        print(f"links() found {got}")
        bad.append(got)
    print("self-test:", "FAILED" if bad else "ok")
    return 1 if bad else 0


def main():
    if sys.argv[1:] == ["--self-test"]:
        return self_test()
    files = [ROOT / "README.md"] + sorted(BOOK_SRC.rglob("*.md"))
    broken = [b for f in files for b in check_file(f)] + summary_gaps()
    for b in broken:
        print(b)
    if broken:
        print(f"check_links: {len(broken)} broken link(s) in {len(files)} files")
        return 1
    print(f"check_links: {len(files)} files, all relative links and anchors resolve")
    return 0


if __name__ == "__main__":
    sys.exit(main())
