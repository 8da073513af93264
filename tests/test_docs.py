"""Every ```python block in README.md and docs/*.md runs, so the docs cannot rot.

The blocks of one file run in order in one namespace (a later block may use an earlier
one's names), with the working directory in a temporary folder. A block is either a
script that checks something with ``assert``, or a doctest (its first line starts with
``>>>``) whose outputs are compared. Blocks in other languages (```bash, ```text) are
not run. A block whose info string says ``requires=name[,name...]`` (```` ```python
requires=torch ````) runs only where those modules are installed (as in CI), so pages can
show optional bridges. Failures point at the Markdown file and line.
"""
from __future__ import annotations

import ast
import doctest
import importlib.util
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

import minitorch as mt

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
MARKDOWN = [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]
REQUIRED = ["README.md", "requires_grad.md", "freezing.md", "autograd.md", "api.md",
            "from_pytorch.md"]
RUNNABLE = {"python", "py", "pycon"}
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE

FENCE = re.compile(r"^(?P<indent> *)(?P<fence>```+|~~~+)(?P<info>.*)$")


@dataclass
class Block:
    lang: str
    code: str
    line: int  # 1-based line of the first code line in the Markdown file
    info: str = ""  # the rest of the info string, e.g. "requires=torch"


def extract_blocks(text: str) -> list[Block]:
    """All fenced code blocks, with the language of their info string and their line."""
    blocks = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        match = FENCE.match(lines[i])
        if not match:
            i += 1
            continue
        indent, fence = len(match["indent"]), match["fence"]
        lang = (match["info"].strip().split() or [""])[0].lower()
        body = []
        i += 1
        while i < len(lines) and lines[i].strip() != fence:
            line = lines[i]
            body.append(line[indent:] if line[:indent].strip() == "" else line)
            i += 1
        if i == len(lines):
            raise ValueError(f"code block opened at line {i - len(body)} is never closed")
        rest = " ".join(match["info"].strip().split()[1:])
        blocks.append(Block(lang, "\n".join(body) + "\n", i - len(body) + 1, rest))
        i += 1
    return blocks


def is_doctest(block: Block) -> bool:
    first = next((ln for ln in block.code.splitlines() if ln.strip()), "")
    return first.lstrip().startswith(">>>")


def check_block_checks_something(block: Block, where: str) -> None:
    """A block that checks nothing would pass whatever the library does."""
    if is_doctest(block):
        examples = doctest.DocTestParser().get_examples(block.code)
        if not any(ex.want or ex.exc_msg for ex in examples):
            raise AssertionError(f"{where}: doctest block shows no expected output")
        return
    if ">>>" in block.code:
        raise AssertionError(f"{where}: block mixes '>>>' lines with plain code")
    tree = ast.parse(block.code)
    if not any(isinstance(node, ast.Assert) for node in ast.walk(tree)):
        raise AssertionError(f"{where}: block has no assert and no '>>>' output to check")


def missing_requirements(block: Block) -> list[str]:
    """The modules a ``requires=...`` block needs that are not installed."""
    needed = [name for word in block.info.split() if word.startswith("requires=")
              for name in word.removeprefix("requires=").split(",") if name]
    return [name for name in needed if importlib.util.find_spec(name) is None]


def run_block(block: Block, namespace: dict, filename: str) -> None:
    where = f"{filename}:{block.line}"
    check_block_checks_something(block, where)
    if is_doctest(block):
        test = doctest.DocTestParser().get_doctest(
            block.code, namespace, where, filename, block.line - 1
        )
        report: list[str] = []
        runner = doctest.DocTestRunner(optionflags=FLAGS)
        runner.run(test, out=report.append, clear_globs=False)
        namespace.update(test.globs)  # DocTest ran on a copy: keep its names for later blocks
        if runner.failures:
            raise AssertionError(f"doctest failed in {where}\n" + "".join(report))
        return
    # Pad with blank lines so tracebacks give the line numbers of the Markdown file.
    code = compile("\n" * (block.line - 1) + block.code, filename, "exec")
    exec(code, namespace)


def run_markdown(path: Path) -> int:
    """Run the Python blocks of one file in order; return how many ran."""
    blocks = [b for b in extract_blocks(path.read_text()) if b.lang in RUNNABLE]
    namespace: dict = {"__name__": f"docs_{path.stem}"}
    filename = str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)
    mt.manual_seed(0)
    enabled = mt.is_grad_enabled()
    try:
        for block in blocks:
            if not missing_requirements(block):
                run_block(block, namespace, filename)
    finally:
        mt.set_grad_enabled(enabled)  # a block may switch grad mode off as a statement
    return len(blocks)


@pytest.mark.parametrize("path", MARKDOWN, ids=lambda p: str(p.relative_to(ROOT)))
def test_markdown_code_blocks_run(path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # blocks that save files write them here
    run_markdown(path)


def test_required_docs_exist_and_have_examples():
    for name in REQUIRED:
        path = DOCS / name
        assert path.is_file(), f"docs/{name} is missing"
    for name in ["requires_grad.md", "freezing.md", "autograd.md", "from_pytorch.md"]:
        blocks = [b for b in extract_blocks((DOCS / name).read_text()) if b.lang in RUNNABLE]
        assert len(blocks) >= 3, f"docs/{name} has {len(blocks)} runnable examples"


# ---------------------------------------------------------------- links and the index
LINK = re.compile(r"\[[^\]]*\]\((?P<target>[^)\s]+)\)")


def github_anchor(heading: str) -> str:
    """The id GitHub gives a heading: lower case, punctuation dropped, spaces to '-'."""
    text = re.sub(r"`|\*\*|\[|\]\([^)]*\)", "", heading.strip().lower())
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    seen: dict[str, int] = {}
    result = set()
    in_code = False
    for line in path.read_text().splitlines():
        if FENCE.match(line):
            in_code = not in_code
        if in_code or not line.startswith("#"):
            continue
        base = github_anchor(line.lstrip("#"))
        n = seen.get(base, 0)
        seen[base] = n + 1
        result.add(base if n == 0 else f"{base}-{n}")
    return result


def strip_code(text: str) -> str:
    """The text without fenced blocks and inline code (links there are not links)."""
    text = re.sub(r"^ *```.*?^ *```", "", text, flags=re.S | re.M)
    return re.sub(r"`[^`\n]*`", "", text)


@pytest.mark.parametrize("path", MARKDOWN, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(path):
    for match in LINK.finditer(strip_code(path.read_text())):
        target = match["target"]
        if re.match(r"[a-z]+:", target):
            continue  # http(s):, mailto:
        file_part, _, anchor = target.partition("#")
        dest = (path.parent / file_part).resolve() if file_part else path
        assert dest.exists(), f"{path.name}: link to missing {target}"
        if anchor and dest.suffix == ".md":
            assert anchor in anchors(dest), f"{path.name}: no heading #{anchor} in {dest.name}"


def test_index_lists_every_doc():
    index = strip_code((DOCS / "README.md").read_text())
    linked = {m["target"].partition("#")[0] for m in LINK.finditer(index)}
    for path in DOCS.glob("*.md"):
        if path.name != "README.md":
            assert path.name in linked, f"docs/README.md does not link to {path.name}"


# ---------------------------------------------------------------- the runner itself
def test_runner_reports_a_wrong_doctest_output(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("text\n\n```python\n>>> 1 + 1\n3\n```\n")
    with pytest.raises(AssertionError, match=r"page.md:4"):
        run_markdown(page)


def test_runner_shares_names_across_blocks_and_skips_other_languages(tmp_path):
    page = tmp_path / "page.md"
    page.write_text(
        "```python\nx = 2\nassert x == 2\n```\n\n```bash\nexit 1\n```\n\n"
        "```python\n>>> x * 3\n6\n```\n"
    )
    assert run_markdown(page) == 2


def test_runner_rejects_blocks_that_check_nothing(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("```python\nx = 1\n```\n")
    with pytest.raises(AssertionError, match="no assert"):
        run_markdown(page)


def test_runner_failing_assert_points_at_the_markdown_line(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("# t\n\n```python\nx = 1\nassert x == 2\n```\n")
    with pytest.raises(AssertionError) as info:
        run_markdown(page)
    assert any(entry.lineno + 1 == 5 for entry in info.traceback if "page.md" in str(entry.path))


def test_runner_skips_blocks_whose_requirements_are_missing(tmp_path):
    page = tmp_path / "page.md"
    page.write_text(
        "```python requires=no_such_module_here\nassert False\n```\n\n"
        "```python requires=json,os\nimport json\nassert json\n```\n"
    )
    blocks = extract_blocks(page.read_text())
    assert missing_requirements(blocks[0]) == ["no_such_module_here"]
    assert missing_requirements(blocks[1]) == []
    run_markdown(page)  # the first block is skipped, the second runs


def test_github_anchor_rule():
    assert github_anchor(" `no_grad()`, enable_grad and set_grad_enabled") == (
        "no_grad-enable_grad-and-set_grad_enabled"
    )
    assert github_anchor(" 3. What freezing saves?") == "3-what-freezing-saves"


# ---------------------------------------------------------------- quoted measurements
def load_script(name: str):
    path = DOCS / "scripts" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def quoted_rows(page: str, first_cells: list[str]) -> dict[str, list[str]]:
    """Table rows quoted in a ```text block of docs/<page>, by their first cell."""
    rows = {}
    for block in extract_blocks((DOCS / page).read_text()):
        if block.lang != "text":
            continue
        for line in block.code.splitlines():
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if cells[0] in first_cells:
                rows[cells[0]] = cells
    return rows


@pytest.mark.parametrize(
    ("page", "script", "make_rows", "columns"),
    [
        # Only the columns that do not depend on the machine: counts and bytes.
        ("requires_grad.md", "measure_tracking", lambda m: m.mlp_rows(repeat=1)[0], [1, 2]),
        ("requires_grad.md", "measure_tracking", lambda m: m.chain_rows(repeat=1), [1]),
        ("freezing.md", "measure_freezing", lambda m: m.rows(repeat=1), [1, 2, 3]),
    ],
    ids=["tracking-mlp", "tracking-chain", "freezing"],
)
def test_quoted_measurements_match_the_scripts(page, script, make_rows, columns):
    """The numbers in the docs are the scripts' output (rerun the script and paste it)."""
    rows = make_rows(load_script(script))
    quoted = quoted_rows(page, [row[0] for row in rows])
    for row in rows:
        assert row[0] in quoted, f"docs/{page} does not quote the row {row[0]!r} of {script}"
        for c in columns:
            assert quoted[row[0]][c] == row[c], (
                f"docs/{page} quotes {quoted[row[0]][c]} for {row[0]!r}, but "
                f"docs/scripts/{script}.py now gives {row[c]}: rerun it and update the page"
            )
