"""Training texts that exist on every machine with Python, derived from the installation at run time.

Nothing is downloaded and nothing is copied into the repository: the Zen of Python comes from the
``this`` module's source, the code and prose corpora from the standard library's ``.py`` files,
which are read and parsed with :mod:`ast` (never imported, so no module runs any code).
Results are deterministic for a given Python installation and cached per process.
"""

from __future__ import annotations

import ast
import codecs
import functools
import importlib.util
import os
import re
import sysconfig
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from rnnlab.corpus import normalise_newlines, text_fingerprint
from rnnlab.errors import CorpusError

# Folders of the standard library that are not plain, readable library code (or are not stdlib).
_SKIPPED_DIRS = frozenset(
    {
        "__pycache__",
        "site-packages",
        "dist-packages",
        "lib-dynload",
        "test",
        "tests",
        "idle_test",
        "idlelib",
        "lib2to3",
        "tkinter",
        "turtledemo",
        "ensurepip",
        "encodings",  # mostly generated character tables
        "pydoc_data",  # one huge generated dict of strings
    }
)
_SKIPPED_FILES = frozenset({"this.py", "antigravity.py", "__hello__.py", "__phello__.py"})
_MAX_FILE_BYTES = 300_000

# Readable, well-known modules first (missing ones are skipped: the list spans Python versions),
# then every other module in sorted order until the corpus is full.
_CODE_FIRST = (
    "textwrap.py",
    "string.py",
    "bisect.py",
    "heapq.py",
    "colorsys.py",
    "fnmatch.py",
    "glob.py",
    "shlex.py",
    "random.py",
    "statistics.py",
    "fractions.py",
    "functools.py",
    "contextlib.py",
    "copy.py",
    "pprint.py",
    "calendar.py",
    "difflib.py",
    "csv.py",
    "configparser.py",
    "argparse.py",
    "dataclasses.py",
    "enum.py",
    "collections/__init__.py",
    "json/__init__.py",
    "json/decoder.py",
    "json/encoder.py",
    "html/parser.py",
    "queue.py",
    "threading.py",
    "shutil.py",
    "tempfile.py",
    "pathlib.py",
    "logging/__init__.py",
    "inspect.py",
    "typing.py",
    "tokenize.py",
    "ast.py",
    "zipfile.py",
    "tarfile.py",
    "subprocess.py",
    "os.py",
)

ZEN_MAX_CHARS = 10_000
PYTHON_MAX_CHARS = 1_000_000
DOCSTRINGS_MAX_CHARS = 500_000


@dataclass(frozen=True)
class BuiltinCorpus:
    """A corpus derived from the Python installation; ``loader()`` returns its (untruncated) text."""

    name: str
    title: str
    description: str
    max_chars: int
    loader: Callable[[], str]

    def load(self) -> str:
        """The text, cached and truncated to :attr:`max_chars` (same as :func:`load_builtin`)."""
        return load_builtin(self.name)


def _unavailable(name: str) -> CorpusError:
    return CorpusError(f"The built-in text '{name}' is not available on this Python installation.")


def _stdlib_dir() -> Path:
    return Path(sysconfig.get_paths()["stdlib"])


def _stdlib_files(first: tuple[str, ...]) -> list[tuple[str, Path]]:
    """(posix relative path, path) of the readable stdlib modules: ``first`` ones, then all others sorted."""
    root = _stdlib_dir()
    if not root.is_dir():
        return []
    found: dict[str, Path] = {}
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in _SKIPPED_DIRS and not d.startswith("config-"))
        for name in sorted(files):
            if name.endswith(".py") and name not in _SKIPPED_FILES:
                path = Path(folder, name)
                found[path.relative_to(root).as_posix()] = path
    ordered = [rel for rel in first if rel in found]
    ordered += sorted(rel for rel in found if rel not in set(first))
    return [(rel, found[rel]) for rel in ordered]


def _read_source(path: Path) -> str | None:
    try:
        if path.stat().st_size > _MAX_FILE_BYTES:
            return None
        return normalise_newlines(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return None


def truncate_at_line(text: str, max_chars: int) -> str:
    """``text`` cut to at most ``max_chars`` characters, at the end of a line when there is one."""
    if len(text) <= max_chars:
        return text
    cut = text[:max_chars]
    end = cut.rfind("\n")
    return cut[: end + 1] if end > 0 else cut


def _load_zen() -> str:
    """The Zen of Python, decoded from the rot13 string in ``this.py`` (importing it would print)."""
    spec = importlib.util.find_spec("this")
    origin = spec.origin if spec else None
    if not origin or not origin.endswith(".py"):
        raise _unavailable("zen")
    try:
        tree = ast.parse(Path(origin).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, SyntaxError):
        raise _unavailable("zen") from None
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "s" for t in node.targets)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            return codecs.decode(node.value.value, "rot13").strip() + "\n"
    raise _unavailable("zen")


def _load_python(budget: int = PYTHON_MAX_CHARS) -> str:
    """Standard-library source files, each under a ``# file: name.py`` header, until ``budget`` chars."""
    parts: list[str] = []
    total = 0
    for rel, path in _stdlib_files(_CODE_FIRST):
        source = _read_source(path)
        if not source or not source.strip():
            continue
        part = f"# file: {rel}\n{source.strip()}\n\n"
        parts.append(part)
        total += len(part)
        if total >= budget:
            break
    if not parts:
        raise _unavailable("python")
    return "".join(parts)


_DOC_NODES = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


def prose_paragraph(paragraph: str) -> str | None:
    """One line of English prose from a docstring paragraph, or None when it looks like code,
    a table, a parameter list or markup (indented lines, ``>>>``, few letters, no full stop)."""
    lines = paragraph.strip("\n").split("\n")
    if any(line[:1].isspace() or line.lstrip().startswith((">>>", "...")) for line in lines):
        return None
    text = " ".join(line.strip() for line in lines)
    if len(text) < 40 or len(text.split()) < 6 or not text[0].isupper() or not text.endswith("."):
        return None
    visible = len(text) - sum(map(str.isspace, text))
    if sum(map(str.isalpha, text)) < 0.85 * visible or "::" in text or "``" in text:
        return None
    return text


# Statement lists that can hold a class or function definition (and so a docstring).
_BODY_FIELDS = ("body", "handlers", "orelse", "finalbody", "cases")


def _docstrings(source: str) -> Iterator[str]:
    """Docstrings of the module, its classes and functions (nested ones too), in source order."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # invalid escape sequences in old modules
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError):
            return
    # Walking statement lists only is much faster than ast.walk, which visits every expression.
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, _DOC_NODES):
            doc = ast.get_docstring(node, clean=True)
            if doc:
                yield doc
        children = [child for field in _BODY_FIELDS for child in getattr(node, field, None) or ()]
        stack.extend(reversed(children))


def _docstring_density(source: str) -> float:
    """Triple quotes per character: a cheap guess of how much of a module is docstrings."""
    return (source.count('"""') + source.count("'''")) / max(1, len(source))


def _load_docstrings(budget: int = DOCSTRINGS_MAX_CHARS) -> str:
    """Prose paragraphs of standard-library docstrings (one paragraph per line, blank line between).

    Modules are parsed (never imported) densest-docstrings first, so the budget fills after parsing
    only part of the standard library.
    """
    ranked = []
    for rel, path in _stdlib_files(()):
        source = _read_source(path)
        density = _docstring_density(source) if source else 0.0
        if density > 0:
            ranked.append((-density, rel, source))
    ranked.sort(key=lambda item: item[:2])
    seen: set[str] = set()
    parts: list[str] = []
    total = 0
    for _density, _rel, source in ranked:
        for doc in _docstrings(source):
            for paragraph in _PARAGRAPH_BREAK.split(doc):
                text = prose_paragraph(paragraph)
                if text and text not in seen:
                    seen.add(text)
                    parts.append(text + "\n\n")
                    total += len(text) + 2
        if total >= budget:
            break
    if not parts:
        raise _unavailable("docstrings")
    return "".join(parts)


BUILTIN_CORPORA: dict[str, BuiltinCorpus] = {
    corpus.name: corpus
    for corpus in (
        BuiltinCorpus(
            name="zen",
            title="The Zen of Python",
            description="Nineteen short aphorisms (under 1,000 characters): a model soon learns them by "
            "heart, which shows what overfitting looks like.",
            max_chars=ZEN_MAX_CHARS,
            loader=_load_zen,
        ),
        BuiltinCorpus(
            name="python",
            title="Python source code",
            description="About a million characters of the Python standard library's own code, "
            "to watch a model learn indentation, brackets and keywords.",
            max_chars=PYTHON_MAX_CHARS,
            loader=functools.partial(_load_python, PYTHON_MAX_CHARS),
        ),
        BuiltinCorpus(
            name="docstrings",
            title="English from Python's documentation",
            description="About half a million characters of English sentences taken from the "
            "explanations (docstrings) written inside the Python standard library.",
            max_chars=DOCSTRINGS_MAX_CHARS,
            loader=functools.partial(_load_docstrings, DOCSTRINGS_MAX_CHARS),
        ),
    )
}


@functools.cache
def load_builtin(name: str) -> str:
    """The text of the built-in corpus ``name`` (cached; cut at a line end to its ``max_chars``)."""
    corpus = BUILTIN_CORPORA.get(name)
    if corpus is None:
        choices = ", ".join(repr(key) for key in BUILTIN_CORPORA)
        raise CorpusError(f"There is no built-in text called {name!r}; choose one of {choices}.")
    return truncate_at_line(normalise_newlines(corpus.loader()), corpus.max_chars)


@functools.cache
def recognised_builtin(corpus_name: str, corpus_hash: str) -> str | None:
    """The text of the built-in corpus a model was trained on, if this machine derives the same text.

    A checkpoint names its corpus and stores its fingerprint; the Python-derived corpora differ
    between Python versions, so the name alone is not enough.
    """
    if corpus_name not in BUILTIN_CORPORA or not corpus_hash:
        return None
    try:
        text = load_builtin(corpus_name)
    except CorpusError:
        return None
    return text if text_fingerprint(text) == corpus_hash else None
