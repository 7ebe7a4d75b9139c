// Run xlflows tests and scripts inside the real Pyodide runtime (0.27.7) under Node, offline.
//
//   node tests/pyodide/run.mjs [--cache DIR] [--wheel FILE | --no-app] [--env NAME=VALUE]...
//                              [--script FILE]... [--result FILE] [-- PYTEST-ARGUMENTS...]
//
// Run it as `unshare -n node ...` to take the network away altogether; in any case every fetch
// of a URL is refused here, so nothing can come from a CDN or a package index.
// Set up first with `python tests/pyodide/setup_runtime.py` (fills the git-ignored .pyodide/).
//
// Before use, every wheel is checked: the Pyodide-built ones against the sha256 values in the npm
// package's pyodide-lock.json, the PyPI ones against tests/pyodide/wheels.lock. Then:
//   - pytest runs with the arguments after `--` (paths relative to the checkout), with
//     --capture=sys (Pyodide has no file-descriptor capture) and no cache provider;
//   - each --script FILE (inside the checkout) is run as a module; its `main()` (a function or a
//     coroutine function) is called and what it returns (JSON-able) is recorded.
// The checkout is mounted at /mnt/xlflows/checkout (its data/ folder holds the tests' data).
// --no-app installs no xlflows at all (and checks it cannot be imported): a Lite workbook's own
// code must bring it. --env sets environment variables before Python starts (xlwings reads XLWINGS_ON_SERVER and
// XLWINGS_LICENSE_KEY when it is imported). --result writes the outcome as JSON: pytest counts by
// outcome, failed test ids, each script's result or error, versions and timings.
// Exit status: 0 all passed, 1 a test or a script failed, 2 the runtime could not be set up.

import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { basename, dirname, isAbsolute, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
const CHECKOUT = resolve(HERE, "..", "..");
const GUEST = "/mnt/xlflows";
const GUEST_CHECKOUT = `${GUEST}/checkout`;
const PYODIDE_PACKAGES = ["packaging", "micropip", "six", "python-dateutil", "pytz", "numpy", "pandas"];

class RunError extends Error {}

function parseArguments(argv) {
  const options = { cache: join(CHECKOUT, ".pyodide"), wheel: null, env: {}, scripts: [],
                    result: null, pytest: null, app: true };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === "--") { options.pytest = argv.slice(i + 1); break; }
    if (flag === "--no-app") { options.app = false; continue; }
    const value = argv[i + 1];
    if (value === undefined) throw new RunError(`${flag} needs a value`);
    i++;
    if (flag === "--cache") options.cache = resolve(value);
    else if (flag === "--wheel") options.wheel = resolve(value);
    else if (flag === "--result") options.result = resolve(value);
    else if (flag === "--script") options.scripts.push(value);
    else if (flag === "--env") {
      const at = value.indexOf("=");
      if (at < 1) throw new RunError(`--env ${value}: expected NAME=VALUE`);
      options.env[value.slice(0, at)] = value.slice(at + 1);
    } else throw new RunError(`unknown option ${flag}`);
  }
  if (options.pytest === null && options.scripts.length === 0) {
    throw new RunError("nothing to run: give --script FILE and/or -- PYTEST-ARGUMENTS");
  }
  return options;
}

function sha256(path) {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

function checkFile(path, expected, authority) {
  if (!existsSync(path)) {
    throw new RunError(`${basename(path)} is missing from ${dirname(path)}: run python tests/pyodide/setup_runtime.py`);
  }
  const found = sha256(path);
  if (found !== expected) {
    throw new RunError(`${basename(path)}: sha256 ${found} does not match ${expected} in ${authority}; refusing to use it`);
  }
  return path;
}

// The Pyodide-built wheels, checked against the npm package's own lock file, in loading order.
function pyodideWheels(runtime, cache) {
  const lock = JSON.parse(readFileSync(join(runtime, "pyodide-lock.json"), "utf8"));
  return PYODIDE_PACKAGES.map((name) => {
    const record = lock.packages[name];
    return checkFile(join(cache, "pyodide-wheels", record.file_name), record.sha256,
                     `pyodide-lock.json of pyodide@${lock.info.version}`);
  });
}

// The PyPI wheels of wheels.lock that are installed in Pyodide (groups runtime and test).
function lockedWheels(cache) {
  const wheels = [];
  for (const raw of readFileSync(join(HERE, "wheels.lock"), "utf8").split("\n")) {
    const line = raw.split("#")[0].trim();
    if (!line) continue;
    const [file, digest, group] = line.split(/\s+/);
    if (group === "runtime" || group === "test") {
      wheels.push(checkFile(join(cache, "downloads", file), digest, "tests/pyodide/wheels.lock"));
    }
  }
  return wheels;
}

function appWheel(options) {
  if (options.wheel) {
    if (!existsSync(options.wheel)) throw new RunError(`--wheel ${options.wheel}: no such file`);
    return options.wheel;
  }
  const folder = join(options.cache, "app");
  const found = existsSync(folder) ? readdirSync(folder).filter((f) => /^xlflows-.*\.whl$/.test(f)) : [];
  if (found.length !== 1) {
    throw new RunError(`expected one xlflows wheel in ${folder}, found ${found.length}: run python tests/pyodide/setup_runtime.py`);
  }
  return join(folder, found[0]);
}

// Any URL fetch is refused: the proof must not depend on a CDN or an index being reachable.
function refuseNetwork() {
  const original = globalThis.fetch;
  globalThis.fetch = async (resource, init) => {
    const url = String(resource?.url ?? resource);
    if (/^(https?|wss?):/i.test(url)) throw new Error(`network access refused in the Pyodide proof: ${url}`);
    return original(resource, init);
  };
}

function guestScript(path) {
  const host = resolve(CHECKOUT, path);
  const inside = relative(CHECKOUT, host);
  if (inside.startsWith("..") || isAbsolute(inside)) {
    throw new RunError(`--script ${path}: only files inside the checkout can be run`);
  }
  if (!existsSync(host)) throw new RunError(`--script ${path}: no such file`);
  return `${GUEST_CHECKOUT}/${inside.split("\\").join("/")}`;
}

const PYTHON_PREPARE = `
import os, sys, json, micropip
sys.dont_write_bytecode = True          # nothing compiled by Pyodide lands in the checkout
micropip.set_index_urls(["http://127.0.0.1:9/{package_name}/"])   # no index: offline only
for wheel in WHEELS:
    await micropip.install("emfs:" + wheel, deps=False)
if APP_WHEEL:
    await micropip.install("emfs:" + APP_WHEEL)   # its declared dependencies must all be met already
import numpy, pandas, xlwings, pyodide
from pyodide.http import pyfetch
try:                                   # the guard must refuse what a CDN load would fetch
    await pyfetch("https://cdn.jsdelivr.net/pyodide/v0.27.7/full/pyodide-lock.json")
    network = "reachable"
except Exception as problem:
    network = f"refused: {problem}"
try:
    import xlflows
    installed = xlflows.__file__
except ImportError:
    installed = None
if APP_WHEEL and not installed.startswith(tuple(p for p in sys.path if p.endswith("site-packages"))):
    raise RuntimeError(f"xlflows was imported from {installed}, not from the installed wheel")
if not APP_WHEEL and installed is not None:
    raise RuntimeError(f"--no-app, but xlflows is importable from {installed}")
json.dumps({"pyodide": pyodide.__version__, "python": sys.version.split()[0],
            "platform": sys.platform, "numpy": numpy.__version__, "pandas": pandas.__version__,
            "xlwings": xlwings.__version__, "xlflows": installed,
            "xlwings_on_server": bool(getattr(xlwings, "on_server", False)), "network": network})
`;

const PYTHON_PYTEST = `
import json, os, sys
import pytest

class Outcomes:
    """Reads the counts pytest's own summary line is made of."""
    def __init__(self):
        self.stats = {}
    @pytest.hookimpl(trylast=True)
    def pytest_terminal_summary(self, terminalreporter):
        self.stats = terminalreporter.stats

os.chdir(CHECKOUT)
os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", "/tmp/hypothesis")
outcomes = Outcomes()
code = int(pytest.main(list(PYTEST_ARGS) + ["-p", "no:cacheprovider", "--capture=sys",
                                             "--rootdir", CHECKOUT], plugins=[outcomes]))
counts = {key: len(value) for key, value in outcomes.stats.items() if key}
failed = [report.nodeid for key in ("failed", "error") for report in outcomes.stats.get(key, [])
          if hasattr(report, "nodeid")]
json.dumps({"exit_code": code, "counts": counts, "failed": failed})
`;

const PYTHON_SCRIPT = `
import inspect, json, runpy, traceback
try:
    namespace = runpy.run_path(SCRIPT, run_name="xlflows_pyodide_script")
    if not callable(namespace.get("main")):
        raise LookupError(f"{SCRIPT} defines no main() to call")
    value = namespace["main"]()
    if inspect.isawaitable(value):
        value = await value
    outcome = {"ok": True, "result": value}
except BaseException as problem:
    traceback.print_exc()
    outcome = {"ok": False, "error": f"{type(problem).__name__}: {problem}"}
json.dumps(outcome, default=str)
`;

async function main() {
  const options = parseArguments(process.argv.slice(2));
  const runtime = join(options.cache, "npm", "node_modules", "pyodide");
  if (!existsSync(join(runtime, "pyodide.mjs"))) {
    throw new RunError(`no Pyodide runtime in ${runtime}: run python tests/pyodide/setup_runtime.py`);
  }
  const builtWheels = pyodideWheels(runtime, options.cache);
  const pureWheels = lockedWheels(options.cache);
  const wheel = appWheel(options);
  const scripts = options.scripts.map(guestScript);
  refuseNetwork();

  const timings = {};
  let mark = performance.now();
  const lap = (name) => { const now = performance.now(); timings[name] = +((now - mark) / 1000).toFixed(2); mark = now; };
  const { loadPyodide } = await import(join(runtime, "pyodide.mjs"));
  const py = await loadPyodide({ indexURL: runtime + "/",
                                 env: { HOME: "/home/pyodide", ...options.env } });
  lap("start_s");
  await py.loadPackage(builtWheels, { messageCallback: () => {} });
  lap("load_packages_s");

  py.FS.mkdirTree(GUEST_CHECKOUT);
  py.mountNodeFS(GUEST_CHECKOUT, CHECKOUT);
  py.FS.mkdirTree("/mnt/wheels");
  py.mountNodeFS("/mnt/wheels", dirname(wheel));
  py.FS.mkdirTree("/mnt/downloads");
  py.mountNodeFS("/mnt/downloads", join(options.cache, "downloads"));
  py.globals.set("WHEELS", py.toPy(pureWheels.map((w) => `/mnt/downloads/${basename(w)}`)));
  py.globals.set("APP_WHEEL", options.app ? `/mnt/wheels/${basename(wheel)}` : null);
  py.globals.set("CHECKOUT", GUEST_CHECKOUT);
  const versions = JSON.parse(await py.runPythonAsync(PYTHON_PREPARE));
  lap("install_s");
  console.log("pyodide runtime: " + JSON.stringify(versions));

  const outcome = { versions, env: Object.keys(options.env), pytest: null, scripts: {}, timings };
  let ok = true;
  if (options.pytest !== null) {
    py.globals.set("PYTEST_ARGS", py.toPy(options.pytest));
    outcome.pytest = JSON.parse(await py.runPythonAsync(PYTHON_PYTEST));
    ok &&= outcome.pytest.exit_code === 0;
    lap("pytest_s");
  }
  for (const [i, script] of scripts.entries()) {
    py.globals.set("SCRIPT", script);
    const result = JSON.parse(await py.runPythonAsync(PYTHON_SCRIPT));
    outcome.scripts[options.scripts[i]] = result;
    ok &&= result.ok;
    lap(`script_${i + 1}_s`);
  }
  if (options.result) writeFileSync(options.result, JSON.stringify(outcome, null, 1));
  console.log(`pyodide run: ${ok ? "passed" : "FAILED"} ${JSON.stringify({ pytest: outcome.pytest?.counts, timings })}`);
  return ok ? 0 : 1;
}

main().then((code) => process.exit(code), (problem) => {
  const message = problem instanceof RunError ? problem.message : (problem?.stack ?? String(problem));
  console.error(`pyodide run: ${message}`);
  process.exit(2);
});
