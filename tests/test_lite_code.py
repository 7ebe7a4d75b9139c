"""xlflows embedded in an xlwings Lite workbook's ``main.py`` (:mod:`xlflows.litecode`).

The block must carry exactly what Lite runs, load with nothing installed but xlwings, pandas and
numpy, never take the analyst's code down with it, and name what to do when it cannot load.
"""

from __future__ import annotations

import ast
import base64
import json
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest

from xlflows import litecode

ROOT = Path(__file__).resolve().parents[1]
LITE = ROOT / "workbook" / "xlflows-lite.xlsx"
WE = "{http://schemas.microsoft.com/office/webextensions/webextension/2010/11}"


def shipped_code() -> tuple[str, str]:
    """(main.py, requirements.txt) of the shipped Lite workbook, read with the standard library
    only (what the add-in stores: a JSON string per property)."""
    root = ET.fromstring(zipfile.ZipFile(LITE).read("xl/webextensions/webextension1.xml"))
    props = {p.get("name"): json.loads(p.get("value")) for p in root.iter(WE + "property")}
    return props["main.py"], props["requirements.txt"]


# --------------------------------------------------------------------------- what is carried
def test_the_zip_holds_what_lite_imports_and_nothing_else():
    names = litecode.modules()
    assert {"xlflows", "xlflows.lite", "xlflows.udfs", "xlflows.core.flows",
            "xlflows.excel.convert", "xlflows.report.live", "xlflows.report.compute",
            "xlflows.a1"} <= set(names)
    assert not [n for n in names if n.startswith(litecode.EXCLUDED)]
    with zipfile.ZipFile(__import__("io").BytesIO(litecode.archive())) as z:
        assert sorted(z.namelist()) == sorted(
            str(litecode._path_of(n).relative_to(litecode.PACKAGE.parent).as_posix())
            for n in names)
        for name in z.namelist():
            tree = ast.parse(z.read(name).decode())
            imported = {a.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                        for a in node.names}
            imported |= {node.module or "" for node in ast.walk(tree)
                         if isinstance(node, ast.ImportFrom)}
            assert not [m for m in imported if m.split(".")[0] == "openpyxl"], name


def _without_docstrings(tree: ast.AST) -> str:
    """The tree with the docstrings minify removes taken out, dumped without positions."""
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) \
                and body and not litecode._keeps_docstring(node) \
                and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                and isinstance(body[0].value.value, str):
            node.body = body[1:] or ([] if isinstance(node, ast.Module) else [ast.Pass()])
    return ast.dump(tree)


@pytest.mark.parametrize("module", litecode.modules())
def test_minified_code_is_the_same_program(module):
    """Every module carried parses to the same tree as its source with docstrings removed (so
    only comments, docstrings and trailing spaces went), and keeps the functions' docstrings."""
    source = litecode._path_of(module).read_text(encoding="utf-8")
    small = litecode.minify(source)
    assert _without_docstrings(ast.parse(small)) == _without_docstrings(ast.parse(source))
    assert len(small) <= len(source)


@pytest.mark.parametrize("source, expected", [
    ('"""Module."""\nx = 1  # one\n', "\nx = 1\n"),
    ('def f():\n    """Only a docstring."""\n', "def f():\n    pass\n"),
    ('def f():\n    """Doc."""\n    return "# not a comment"\n',
     'def f():\n\n    return "# not a comment"\n'),
    ('@xw.func\ndef f():\n    """Shown in Excel."""\n    return 1\n',
     '@xw.func\ndef f():\n    """Shown in Excel."""\n    return 1\n'),
    ('@xw.script(button="x")\ndef s(book):\n    """Shown too."""\n',
     '@xw.script(button="x")\ndef s(book):\n    """Shown too."""\n'),
    ('x = """\n\nkept # too\n"""\n', 'x = """\n\nkept # too\n"""\n'),
], ids=["module docstring and comment", "docstring alone", "a string with #",
        "a function's Excel text", "a script's text", "a multi-line string"])
def test_minify(source, expected):
    assert litecode.minify(source) == expected


def test_the_build_is_reproducible_and_the_block_names_its_zip():
    data = litecode.archive()
    assert data == litecode.archive()
    code = litecode.block(data)
    assert code.startswith(litecode.BEGIN.format(version=__import__("xlflows").__version__))
    assert code.rstrip().endswith(litecode.END)
    digest = __import__("hashlib").sha256(data).hexdigest()
    assert f'!= "{digest}"' in code
    assert len(code) < 100_000


# --------------------------------------------------------------------------- it runs
ISOLATED = textwrap.dedent("""
    import json, os, sys, time, types, xml.etree.ElementTree as ET, zipfile
    # no xlflows but the embedded one: drop the checkout and the editable install's finder
    sys.meta_path[:] = [f for f in sys.meta_path
                        if "editable" not in (getattr(f, "__module__", "") or "")]
    sys.path[:] = [p for p in sys.path if p and not os.path.isfile(os.path.join(p, "xlflows",
                                                                                 "__init__.py"))]
    sys.modules.pop("xlflows", None)
    try:
        import xlflows
        raise SystemExit(f"xlflows is importable from {xlflows.__file__} before main.py runs")
    except ImportError:
        pass
    os.environ["XLWINGS_ON_SERVER"] = "true"
    os.environ["XLWINGS_LICENSE_KEY"] = "noncommercial"
    code = open(sys.argv[1], encoding="utf-8").read()
    main = types.ModuleType("main")
    sys.modules["main"] = main
    start = time.perf_counter()
    exec(compile(code, "main.py", "exec"), main.__dict__)
    seconds = time.perf_counter() - start
    out = {"seconds": seconds, "names": sorted(n for n in vars(main) if not n.startswith("_"))}
    if "xlflows" in sys.modules:
        out["file"] = sys.modules["xlflows"].__file__
        from xlwings.server import custom_functions_meta, custom_scripts_meta
        out["functions"] = len(custom_functions_meta(main)["functions"])
        out["scripts"] = [s["name"] for s in custom_scripts_meta(main)]
        out["projection"] = str(main.peak_projection(45133, [9, 13, 15, 19]))
        out["verdict"] = main.abnormality(0.25, [0.30, 0.28, 0.41, 0.33])[0][1]
    print(json.dumps(out))
""")


def run_main(code: str, tmp_path: Path, *, before: str = "") -> tuple[dict, str]:
    path = tmp_path / "main.py"
    path.write_text(code, encoding="utf-8")
    script = before + ISOLATED
    done = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True,
                          text=True, cwd=tmp_path, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.strip().splitlines()
    return json.loads(lines[-1]), "\n".join(lines[:-1])


def test_the_shipped_main_py_loads_with_no_xlflows_installed(tmp_path):
    main, _ = shipped_code()
    out, printed = run_main(main, tmp_path)
    assert printed == ""
    assert "/xlflows-" in out["file"] and ".zip/xlflows/" in out["file"]
    assert out["functions"] == 19 and out["scripts"] == ["Refresh report"]
    assert out["projection"] == "2024-09-26 00:00:00"
    assert out["verdict"] == "not abnormally high"
    assert out["names"] == sorted(litecode.exported_names())


def test_a_damaged_block_leaves_the_analysts_code_running(tmp_path):
    main, _ = shipped_code()
    lines = main.splitlines(keepends=True)
    i = next(k for k, line in enumerate(lines) if line.startswith('    "') and k > 20)
    lines[i] = lines[i][:6] + ("A" if lines[i][6] != "A" else "B") + lines[i][7:]
    code = "def mine():\n    return 1\n\n" + "".join(lines) + "\nLATER = 2\n"
    out, printed = run_main(code, tmp_path)
    assert "mine" in out["names"] and "LATER" in out["names"]
    assert "flow_streak" not in out["names"] and "file" not in out
    assert printed == ("xlflows could not be loaded (ImportError: the embedded xlflows code is "
                       f"damaged (its checksum differs)); {litecode.ADVICE}")


def test_a_missing_package_is_named_with_what_to_do(tmp_path):
    main, _ = shipped_code()
    out, printed = run_main("def mine():\n    return 1\n\n" + main, tmp_path,
                            before="import sys\nsys.modules['pandas'] = None\n")
    assert "mine" in out["names"] and "flow_streak" not in out["names"]
    assert printed.startswith("xlflows could not be loaded (ModuleNotFoundError: ")
    assert "pandas" in printed and printed.endswith(litecode.ADVICE)


def test_the_zip_decodes_from_the_block(tmp_path):
    main, _ = shipped_code()
    tree = ast.parse(main)
    value = next(node.value for node in tree.body if isinstance(node, ast.Assign)
                 and node.targets[0].id == "_XLFLOWS_ZIP")
    data = base64.b85decode("".join(ast.literal_eval(value)))
    assert data == litecode.archive()
