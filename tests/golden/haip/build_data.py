# build_data.py STUDY.yaml OUTDIR - the seed study's analysis table rebuilt
# independently of Cohort from the study file (Python's sqlite3 and
# PyYAML): each source's query, stacked with `source`, the derived columns
# in order, the exclusion steps in order (a NULL condition keeps the row).
# Writes OUTDIR/cohort.csv and OUTDIR/flow.json for verify.R.
import sqlite3, csv, json, os, yaml, sys
study, outdir = sys.argv[1], sys.argv[2]
ydir = os.path.dirname(os.path.abspath(study))
st = yaml.safe_load(open(study))
mem = sqlite3.connect(":memory:")
cols = None; flow = []
for s in st["sources"]:
    con = sqlite3.connect("file:" + os.path.normpath(os.path.join(ydir, s["file"])) + "?mode=ro", uri=True)
    cur = con.execute(s["query"])
    names = [d[0] for d in cur.description]
    rows = cur.fetchall()
    if cols is None:
        cols = names
        mem.execute("CREATE TABLE t (" + ", ".join('"%s"' % c for c in cols + ["source"]) + ")")
    assert names == cols, (names, cols)
    mem.executemany("INSERT INTO t VALUES (" + ",".join("?" * (len(cols) + 1)) + ")",
                    [tuple(r) + (s["name"],) for r in rows])
    flow.append(("start", s["name"], len(rows)))
for d in st["derive"]:
    mem.execute('ALTER TABLE t ADD COLUMN "%s"' % d["name"])
    mem.execute('UPDATE t SET "%s" = (%s)' % (d["name"], d["expr"]))
for stp in st["cohort"]["steps"]:
    n0 = mem.execute("SELECT COUNT(*) FROM t").fetchone()[0]
    mem.execute("DELETE FROM t WHERE (%s) IS TRUE" % stp["when"])  # NULL -> kept
    n1 = mem.execute("SELECT COUNT(*) FROM t").fetchone()[0]
    flow.append(("exclude", stp["exclude"], n0 - n1, n1))
cur = mem.execute("SELECT * FROM t")
names = [d[0] for d in cur.description]
with open(os.path.join(outdir, "cohort.csv"), "w", newline="") as fh:
    w = csv.writer(fh); w.writerow(names)
    for r in cur: w.writerow(["" if v is None else (repr(v) if isinstance(v, float) else v) for v in r])
json.dump(flow, open(os.path.join(outdir, "flow.json"), "w"))
