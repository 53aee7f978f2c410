// The pure parts of xl_crm.excel under Pyodide (the Python xlwings Lite runs), offline:
//
//   node tests/node/pyodide_smoke.mjs PROJECT_ROOT XLWINGS_PACKAGE
//
// XLWINGS_PACKAGE is the installed xlwings package folder (its Python is pure; only it
// is mounted, not the rest of CPython's site-packages).  Pyodide itself comes from node_modules (`npm ci`, pinned by package-lock.json);
// nothing is fetched.  pandas, numpy and pyarrow are not in the npm package and cannot be
// loaded offline, so xl_crm's package __init__ (which imports pandas) is not run: a bare
// `xl_crm` package is registered over the source folder, and tests/node/probe.py imports
// what needs no pandas.  Prints one line of JSON (tests/test_excel_pyodide.py compares it
// with the same probe run by CPython).
import { loadPyodide } from "pyodide";

const [root, xlwings] = process.argv.slice(2);
const pyodide = await loadPyodide({ stdout: (t) => console.error(t), stderr: (t) => console.error(t) });
for (const [path, mount] of [[root, "/mnt/src"], [xlwings, "/mnt/xlw/xlwings"]]) {
  pyodide.FS.mkdirTree(mount);
  pyodide.FS.mount(pyodide.FS.filesystems.NODEFS, { root: path }, mount);
}
const result = pyodide.runPython(`
import json, sys, types
sys.path[:0] = ["/mnt/src/tests/node", "/mnt/xlw"]
package = types.ModuleType("xl_crm")
package.__path__ = ["/mnt/src/xl_crm"]
sys.modules["xl_crm"] = package
import probe
data = probe.run()
data["platform"] = sys.platform
data["pandas"] = "pandas" in sys.modules
json.dumps(data, ensure_ascii=False)
`);
console.log(result);
