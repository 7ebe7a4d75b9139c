"""The code of an xlwings Lite workbook: xlflows embedded in ``main.py``, nothing to install.

An xlwings Lite workbook keeps its Python code in the workbook (``main.py``) and installs the
packages its ``requirements.txt`` names. xlflows is not published under its name on any index —
and a requirement naming an unclaimed package would run whatever someone publishes under that
name first — so ``main.py`` carries xlflows itself: a block, marked by :data:`BEGIN` and
:data:`END`, that holds a zip of what Lite needs (the core, the Excel layer, the functions and the
report script; not the file engine, ``update``, the command line or build code), checked against
its SHA-256 before it is imported, and then imports the functions and the script into ``main``
(the add-in registers what the module holds). ``requirements.txt`` needs only xlwings, pandas and
numpy, which come from Pyodide's distribution or from their owners on PyPI.

The zip is made from this package's own source (:func:`archive`): the modules ``xlflows.lite``
reaches by its imports, with comments and docstrings removed (the functions' docstrings stay:
they are the descriptions Excel shows), entries sorted with fixed times, so the same source
gives the same bytes. If anything goes wrong when the block runs (a damaged block, a missing
package), it says what happened and what to do, and the rest of ``main.py`` still runs.
"""

from __future__ import annotations

import ast
import base64
import hashlib
import io
import tokenize
import zipfile
from pathlib import Path

from xlflows import __version__

PACKAGE = Path(__file__).resolve().parent
#: Modules Lite never runs (the file engine, the command line, the updater, build helpers).
EXCLUDED = ("xlflows.ooxml", "xlflows.update", "xlflows.cli", "xlflows.webextension",
            "xlflows.litecode", "xlflows.report.xlsx", "xlflows.report.graft",
            "xlflows.report.layout", "xlflows.__main__")
BEGIN = "# ----- xlflows {version}: the functions and the Refresh report script -----"
END = "# ----- end of xlflows -----"
#: The block's first line without its version (how an earlier block is recognised).
BEGIN_MARK = "# ----- xlflows "
#: How wide the lines of the embedded zip are (base85 text).
LINE = 96
#: What the block prints when xlflows cannot be loaded (after the reason).
ADVICE = ("requirements.txt must list xlwings, pandas and numpy (run `xlflows lite` on the "
          "workbook to set it up), then use Restart in the add-in's menu; if the code is said "
          "to be damaged, run `xlflows lite` on the workbook again")
#: The line a workbook that installs xlflows from a hosted wheel holds instead of the zip.
IMPORT_LINE = "from xlflows.lite import *"


# --------------------------------------------------------------------------- what Lite needs
def _path_of(module: str) -> Path:
    relative = Path(*module.split(".")[1:])
    folder = PACKAGE / relative
    return folder / "__init__.py" if folder.is_dir() else PACKAGE / relative.with_suffix(".py")


def _imports(module: str) -> set[str]:
    """The ``xlflows`` modules a module imports (at any depth of its code)."""
    tree = ast.parse(_path_of(module).read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return {name for name in found if name.split(".")[0] == "xlflows"
            and not name.startswith(EXCLUDED) and _path_of(name).is_file()}


def modules() -> list[str]:
    """Every module ``xlflows.lite`` reaches by its imports, with the packages holding them."""
    seen: set[str] = set()
    todo = ["xlflows.lite"]
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        parts = module.split(".")
        todo += [".".join(parts[:i]) for i in range(1, len(parts))]
        todo += sorted(_imports(module))
    return sorted(seen)


def _keeps_docstring(node: ast.AST) -> bool:
    """Functions declared with ``xw.func``/``xw.script``: their docstring is what Excel shows."""
    def declares(decorator: ast.expr) -> bool:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        return isinstance(target, ast.Attribute) and target.attr in ("func", "script")
    return isinstance(node, ast.FunctionDef) and any(map(declares, node.decorator_list))


def minify(source: str) -> str:
    """``source`` without comments and docstrings (but those Excel shows), trailing spaces
    trimmed; everything else — layout, names, strings — as written."""
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def at_byte(row: int, col: int) -> int:         # ast: UTF-8 byte columns
        return starts[row - 1] + len(lines[row - 1].encode("utf-8")[:col].decode("utf-8"))

    cuts: list[tuple[int, int, str]] = []
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if not isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef,
                                 ast.ClassDef)) or not body or _keeps_docstring(node):
            continue
        first = body[0]
        if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) \
                and isinstance(first.value.value, str):
            alone = len(body) == 1 and not isinstance(node, ast.Module)
            assert first.end_lineno is not None and first.end_col_offset is not None  # parsed
            cuts.append((at_byte(first.lineno, first.col_offset),
                         at_byte(first.end_lineno, first.end_col_offset), "pass" if alone else ""))
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:           # tokenize: character columns
            cuts.append((starts[token.start[0] - 1] + token.start[1],
                         starts[token.end[0] - 1] + token.end[1], ""))
    out, position = [], 0
    for start, end, replacement in sorted(cuts):
        out.append(source[position:start])
        out.append(replacement)
        position = end
    out.append(source[position:])
    text = "\n".join(line.rstrip() for line in "".join(out).splitlines())
    return text + "\n" if text.strip() else ""


def archive() -> bytes:
    """The zip of the Lite modules (minified), deterministic: sorted, fixed times, deflated."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out:
        for module in modules():
            path = _path_of(module)
            name = path.relative_to(PACKAGE.parent).as_posix()
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            out.writestr(info, minify(path.read_text(encoding="utf-8")))
    return buffer.getvalue()


def exported_names() -> list[str]:
    """The names ``from xlflows.lite import *`` puts into ``main`` (its ``__all__``), read
    from the source (xlwings need not be importable here)."""
    tree = ast.parse(_path_of("xlflows.lite").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__"
                                                for t in node.targets):
            return list(ast.literal_eval(node.value))
    raise LookupError("xlflows/lite.py has no __all__")


# --------------------------------------------------------------------------- main.py's block
def block(data: bytes | None = None) -> str:
    """The lines of ``main.py`` that load xlflows from the embedded zip ``data``."""
    data = archive() if data is None else data
    text = base64.b85encode(data).decode("ascii")
    digest = hashlib.sha256(data).hexdigest()
    lines = [text[i:i + LINE] for i in range(0, len(text), LINE)]
    zip_lines = "\n".join(f'    "{line}"' for line in lines)
    return f'''{BEGIN.format(version=__version__)}
# Added by `xlflows lite`; keep it as it is (run `xlflows lite` again to update it). It holds
# xlflows' code as a zip (base85), checked by its SHA-256 before use: nothing is installed.
def _xlflows_load():
    import base64, hashlib, os, sys, tempfile
    import numpy, pandas, xlwings  # noqa: F401  (what requirements.txt must provide)
    data = base64.b85decode("".join(_XLFLOWS_ZIP))
    if hashlib.sha256(data).hexdigest() != "{digest}":
        raise ImportError("the embedded xlflows code is damaged (its checksum differs)")
    path = os.path.join(tempfile.gettempdir(), "xlflows-{digest[:16]}.zip")
    if not os.path.isfile(path) or os.path.getsize(path) != len(data):
        with open(path, "wb") as out:
            out.write(data)
    for name in [n for n in sys.modules if n == "xlflows" or n.startswith("xlflows.")]:
        del sys.modules[name]
    if path not in sys.path:
        sys.path.insert(0, path)


_XLFLOWS_ZIP = (
{zip_lines}
)
try:
    _xlflows_load()
    from xlflows.lite import *  # noqa: F401,F403  (the functions and the script)
except Exception as _xlflows_problem:
    print(f"xlflows could not be loaded ({{type(_xlflows_problem).__name__}}: "
          f"{{_xlflows_problem}}); {ADVICE}")
{END}
'''


def wheel_block() -> str:
    """The lines of ``main.py`` for a workbook that installs xlflows from a hosted wheel."""
    return f'''{BEGIN.format(version=__version__)}
# Added by `xlflows lite --requirement URL`: xlflows comes from the wheel requirements.txt names.
try:
    {IMPORT_LINE}  # noqa: F401,F403  (the functions and the script)
except Exception as _xlflows_problem:
    print(f"xlflows could not be loaded ({{type(_xlflows_problem).__name__}}: "
          f"{{_xlflows_problem}}); check the xlflows wheel's address in requirements.txt, then "
          "use Restart in the add-in's menu")
{END}
'''


def split_main(text: str) -> tuple[str, str | None, str]:
    """``main.py`` as (the code before xlflows' block, the block or None, the code after).

    A ``from xlflows.lite import *`` line that an earlier ``xlflows lite`` wrote stands for the
    block too.
    """
    lines = text.splitlines(keepends=True)
    for i, line in enumerate(lines):
        if line.startswith(BEGIN_MARK):
            for j in range(i, len(lines)):
                if lines[j].rstrip() == END:
                    return "".join(lines[:i]), "".join(lines[i:j + 1]), "".join(lines[j + 1:])
            return "".join(lines[:i]), "".join(lines[i:]), ""
        if line.strip() == IMPORT_LINE:
            return "".join(lines[:i]), line, "".join(lines[i + 1:])
    return text, None, ""


def clashes(user_code: str) -> list[str]:
    """Names the analyst's ``main.py`` gives to something of its own that xlflows also puts
    into ``main`` (a function, a class, an assignment, an import), or registers in Excel under
    the same name (``@func(name="FLOW_STREAK")``), each as ``name (line N)``."""
    ours = set(exported_names())
    excel = {name.upper() for name in ours}
    try:
        tree = ast.parse(user_code)
    except SyntaxError:
        return []
    found = []
    for node in tree.body:
        names: list[str] = []
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names = [node.name]
            for decorator in getattr(node, "decorator_list", []):
                for keyword in getattr(decorator, "keywords", []):
                    value = keyword.value
                    if keyword.arg == "name" and isinstance(value, ast.Constant) \
                            and isinstance(value.value, str) and value.value.upper() in excel:
                        found.append(f"{value.value} (line {decorator.lineno}, the Excel name "
                                     f"of {node.name})")
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = [t.id for t in targets if isinstance(t, ast.Name)]
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [(a.asname or a.name).split(".")[0] for a in node.names if a.name != "*"]
        found += [f"{name} (line {node.lineno})" for name in names if name in ours]
    return found


def syntax_problem(user_code: str) -> str | None:
    """Where the analyst's code does not parse (``line 3: invalid syntax``), or None."""
    try:
        ast.parse(user_code)
    except SyntaxError as exc:
        return f"line {exc.lineno}: {exc.msg}"
    return None
