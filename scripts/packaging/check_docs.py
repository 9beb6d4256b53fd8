"""Checks the built documentation site in a real browser (Debian's headless
Chromium): every page is served over HTTP on 127.0.0.1, opened, and must
render (a title, a heading, its text, the theme's style sheets applied) with
every image loaded (naturalWidth > 0). The benchmark charts must all be
there. Screenshots of the home and benchmark pages are written next to the
site (…/docs-shots/) for a person to look at.

    python scripts/packaging/check_docs.py build-packaging/docs-html
"""
from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

HARNESS = """<!doctype html><html><head><meta charset="utf-8"><title>check</title></head>
<body><pre id="result">pending</pre><script>
const page = new URLSearchParams(location.search).get("page");
const f = document.createElement("iframe");
f.style.width = "1280px"; f.style.height = "2000px";
f.onload = async () => {
  const d = f.contentDocument;
  const imgs = Array.from(d.images);
  for (const i of imgs) { i.loading = "eager"; }
  await Promise.all(imgs.map(i => (i.complete && i.naturalWidth > 0) ? null :
    new Promise(r => { i.onload = i.onerror = r; const s = i.src; i.src = ""; i.src = s; })));
  const cs = d.defaultView.getComputedStyle(d.body);
  const res = {
    title: d.title,
    h1: (d.querySelector("h1") || {textContent: ""}).textContent.trim(),
    text: (d.body.innerText || "").length,
    sheets: d.styleSheets.length,
    font: cs.fontFamily,
    images: imgs.map(i => ({src: i.getAttribute("src"), ok: i.complete && i.naturalWidth > 0,
                            w: i.naturalWidth, h: i.naturalHeight})),
  };
  document.getElementById("result").textContent = "RESULT " + JSON.stringify(res);
};
f.src = page;
document.body.appendChild(f);
</script></body></html>
"""

CHARTS = {"seed_table.png", "polars_bench.png", "day.png", "accuracy.png"}


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        p = shutil.which(name)
        if p:
            return p
    sys.exit("FAIL: no Chromium found (apt-get install chromium)")


def run_browser(args: list[str], timeout: int = 120) -> subprocess.CompletedProcess[str]:
    base = [chromium(), "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--no-first-run", "--disable-extensions", "--hide-scrollbars"]
    return subprocess.run(base + args, capture_output=True, text=True, timeout=timeout)


def main() -> int:
    site = Path(sys.argv[1]).resolve()
    pages = sorted(p.relative_to(site).as_posix() for p in site.glob("*.html")
                   if p.name not in ("search.html",))
    if not pages:
        print(f"FAIL: no pages in {site}")
        return 1
    harness = site / "_mwk_check.html"
    harness.write_text(HARNESS)
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    port = httpd.server_address[1]
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{port}"
    bad = 0
    charts_seen: set[str] = set()
    version = run_browser(["--version"]).stdout.strip() or "chromium"
    print(f"    {version}; serving {site} on {base}")
    try:
        for page in pages:
            r = run_browser(["--virtual-time-budget=15000", "--dump-dom",
                             f"{base}/_mwk_check.html?page={page}"])
            line = next((ln for ln in r.stdout.splitlines() if "RESULT {" in ln), None)
            if line is None:
                print(f"    FAIL {page}: the page did not finish loading\n{r.stderr[-800:]}")
                bad += 1
                continue
            res = json.loads(line[line.index("RESULT ") + 7:].split("</pre>")[0]
                             .replace("&quot;", '"').replace("&amp;", "&").replace("&lt;", "<")
                             .replace("&gt;", ">"))
            problems = []
            if not res["title"]:
                problems.append("no title")
            if not res["h1"] and page not in ("genindex.html", "py-modindex.html"):
                problems.append("no heading")
            if res["text"] < 100:
                problems.append(f"only {res['text']} characters of text")
            if res["sheets"] < 1:
                problems.append("no style sheet")
            broken = [i["src"] for i in res["images"] if not i["ok"]]
            if broken:
                problems.append(f"images not loaded: {broken}")
            for i in res["images"]:
                if i["ok"]:
                    charts_seen.add(os.path.basename(i["src"].split("?")[0]))
            status = "ok  " if not problems else "FAIL"
            imgs = f", {len(res['images'])} images loaded" if res["images"] and not broken else ""
            print(f"    {status} {page}: \"{res['h1'][:40]}\", {res['text']} chars{imgs}"
                  + ("" if not problems else " -- " + "; ".join(problems)))
            bad += bool(problems)
        # the benchmark charts are copied by Sphinx under _images/ with their names
        missing = {c for c in CHARTS if not any(s.startswith(c.rsplit(".", 1)[0]) for s in charts_seen)}
        if missing:
            print(f"    FAIL: benchmark charts never loaded: {sorted(missing)}")
            bad += 1
        else:
            print(f"    all {len(CHARTS)} benchmark charts loaded: {sorted(CHARTS)}")
        shots = site.parent / "docs-shots"
        shots.mkdir(exist_ok=True)
        for page in ("index.html", "benchmarks.html", "polars.html"):
            out = shots / page.replace(".html", ".png")
            run_browser(["--virtual-time-budget=10000", "--window-size=1280,2200",
                         f"--screenshot={out}", f"{base}/{page}"])
            if not out.exists() or out.stat().st_size < 10_000:
                print(f"    FAIL: no screenshot of {page}")
                bad += 1
        print(f"    screenshots: {shots}")
    finally:
        httpd.shutdown()
        harness.unlink(missing_ok=True)
    if bad:
        print(f"FAIL: {bad} problem(s) in the rendered site")
        return 1
    print(f"    {len(pages)} pages rendered in Chromium")
    return 0


if __name__ == "__main__":
    sys.exit(main())
