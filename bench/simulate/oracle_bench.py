#!/usr/bin/env python3
"""An honest bound for min/max on stationary demand: the oracle min/max, through `restock simulate`.

    python3 bench/simulate/oracle_bench.py [--binary build/restock] [--out DIR] [--skus 40]
                                           [--days 730] [--lead-time-days 7] [--lead-time-sd 2.5]
                                           [--patterns smooth,erratic,intermittent,lumpy]
                                           [--tuning-seed N] [--no-hindsight]

policy_bench.py's "min/max with hindsight" picks, per SKU, the cheapest of its fine grid's points
(HINDSIGHT_RP_FACTORS x HINDSIGHT_SPAN_DAYS) that reached the target on the judged half itself:
choosing the best of hundreds of settings on the very days judged exploits their luck, so the
bound is optimistic. The oracle min/max knows each SKU's true demand distribution, but not the
judged noise:

  - gen_trace.generate draws every SKU's base rate first, then the days in order, and the
    stationary patterns (smooth, erratic, intermittent, lumpy) do not depend on the trace's
    length. So generate(pattern, skus, days + T, seed, rate) is the original trace (checked: its
    rows before `days` equal generate(pattern, skus, days, seed, rate)'s) followed by T more days
    of the same distribution with fresh noise. Those T days, shifted to start at day 0, are the
    tuning trace (T = --tuning-days, by default `days`; its first FIT_WARMUP days are warm-up).
    Its lead times are drawn with --tuning-seed (by default --seed + 1), so they are fresh too.
  - The fine grid is run on the tuning trace. Its points are policy_bench's hindsight points,
    the same settings per SKU: minimum = k x lead-time demand, maximum = minimum + span days of
    demand, with the demand per day measured on days FIT_WARMUP to days/2 - 1 of the original
    trace. Per SKU and target, the cheapest point that reached the target on the tuning trace is
    picked (policy_bench.cheapest_reaching, ties by grid order, as hindsight's).
  - Those picks are judged on the original trace exactly as tuned min/max is (the first half as
    warm-up, the second half counted, the same lead times and seed): the oracle's curve of fill
    rate against average stock, out of sample (targets CURVE_TARGETS, and ORACLE_TARGETS beyond
    them, as the picks fall short of their targets out of sample).

Tuned min/max's curve is computed by policy_bench's own code (RP_FACTORS x SPAN_DAYS fitted on
the first half, CURVE_TARGETS judged on the second, extended by the 0.99 settings x CURVE_SCALES),
and, unless --no-hindsight, the hindsight curve too (its grid judged on the second half; as many
runs as the oracle's tuning). Reported per pattern: at each target 0.90 / 0.95 / 0.98, the
oracle's (and hindsight's) achieved fill rate, average stock, tuned min/max's stock at that fill
rate (interpolated on its curve, policy_bench.interpolate_stock) and the ratio; and each curve's
stock ÷ tuned's with both read at exactly 0.90 / 0.95 / 0.98.

Prints the table and writes OUT/oracle.txt and OUT/oracle.json. Stdlib only; one simulation at a
time (run it under `nice` on a shared machine: the simulations inherit it).
"""
import argparse
import hashlib
import json
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_trace  # noqa: E402
import policy_bench as pb  # noqa: E402

STATIONARY = ["smooth", "erratic", "intermittent", "lumpy"]
READ_AT = [0.90, 0.95, 0.98]
# Out of sample the oracle's picks fall about a point short of their target (each SKU's cheapest
# point is still a little lucky on the tuning trace), so its curve goes on past CURVE_TARGETS for
# its reading at 0.98.
ORACLE_TARGETS = pb.CURVE_TARGETS + [0.993, 0.996, 0.999]


def write_settings(path, settings):
    pb.write_products(path, pb.fixed_rows(settings))


class Runner:
    """policy_bench.simulate with fixed lead-time arguments, counting runs and their time."""

    def __init__(self, a):
        self.a, self.runs, self.seconds = a, 0, 0.0

    def __call__(self, demand, products, days, warmup, seed):
        t = time.monotonic()
        out = pb.simulate(self.a.binary, demand, products, days, warmup, self.a.lead_time_days,
                          self.a.lead_time_sd, seed)
        self.seconds += time.monotonic() - t
        self.runs += 1
        return out


def run_grid(sim, demand, products, points, days, warmup, seed):
    """Every point of `points` (settings per SKU) simulated: a list of {sku: row}."""
    runs = []
    for settings in points:
        write_settings(products, settings)
        runs.append({s["sku"]: s for s in sim(demand, products, days, warmup, seed)["skus"]})
    return runs


def run_pattern(a, pattern, work):
    sim = Runner(a)
    started = time.monotonic()
    half = a.days // 2
    names, rows = gen_trace.generate(pattern, a.skus, a.days, a.seed, a.rate)
    long_names, long_rows = gen_trace.generate(pattern, a.skus, a.days + a.tuning_days, a.seed,
                                               a.rate)
    assert long_names == names, pattern
    assert [r for r in long_rows if r[0] < a.days] == rows, \
        "%s: the longer trace does not begin with the original one" % pattern
    tuning_rows = [(d - a.days, n, q) for d, n, q in long_rows if d >= a.days]
    demand = os.path.join(work, pattern + "_demand.csv")
    tuning = os.path.join(work, pattern + "_tuning.csv")
    products = os.path.join(work, pattern + "_products.csv")
    pb.write_demand(demand, rows)
    pb.write_demand(tuning, tuning_rows)
    mean = pb.first_half_mean(names, rows, half)
    lead = a.lead_time_days

    def judge(settings):
        write_settings(products, settings)
        return pb.totals(sim(demand, products, a.days, half, a.seed))

    # Tuned min/max, as policy_bench.run_trace: fitted on the first half, judged on the second.
    coarse = [pb.point_settings(names, mean, lead, k, span)
              for k in pb.RP_FACTORS for span in pb.SPAN_DAYS]
    fits = run_grid(sim, demand, products, coarse, half, pb.FIT_WARMUP, a.seed)
    tuned, tuned_labels = pb.tuned_curve(names, coarse, fits, pb.CURVE_TARGETS, judge)
    tuned_done = time.monotonic()

    # The oracle: the fine grid tuned on the independent trace, judged on the second half.
    fine = [pb.point_settings(names, mean, lead, k, span)
            for k in pb.HINDSIGHT_RP_FACTORS for span in pb.HINDSIGHT_SPAN_DAYS]
    tuning_runs = run_grid(sim, tuning, products, fine, a.tuning_days, pb.FIT_WARMUP,
                           a.tuning_seed)
    oracle, oracle_picks = [], []
    for target in ORACLE_TARGETS:
        picks = {n: pb.cheapest_reaching(tuning_runs, n, target, lambda i: i) for n in names}
        oracle.append(judge({n: fine[i][n] for n, i in picks.items()}))
        oracle_picks.append({n: [pb.HINDSIGHT_RP_FACTORS[i // len(pb.HINDSIGHT_SPAN_DAYS)],
                                 pb.HINDSIGHT_SPAN_DAYS[i % len(pb.HINDSIGHT_SPAN_DAYS)]]
                             for n, i in picks.items()})
    oracle_done = time.monotonic()

    # Hindsight, as policy_bench.run_trace: the fine grid judged on the second half itself.
    hindsight = None
    if a.hindsight:
        judged = run_grid(sim, demand, products, fine, a.days, half, a.seed)
        hindsight = pb.hindsight_curve(names, judged, pb.CURVE_TARGETS)
    done = time.monotonic()
    return {"pattern": pattern, "rows": len(rows), "tuning_rows": len(tuning_rows),
            "minmax": tuned, "minmax_labels": tuned_labels, "oracle": oracle,
            "oracle_targets": ORACLE_TARGETS, "oracle_picks": oracle_picks, "hindsight": hindsight,
            "runs": sim.runs, "simulate_seconds": round(sim.seconds, 1),
            "seconds": {"tuned": round(tuned_done - started, 1),
                        "oracle": round(oracle_done - tuned_done, 1),
                        "hindsight": round(done - oracle_done, 1)}}


def ratio_text(x):
    return "off curve" if x is None else "%.2fx" % x


def ratio(stock, ref):
    return None if not ref else stock / ref


def report(a, results):
    """The table's lines, and the ratios for the JSON."""
    lines = ["%d SKUs x %d days per trace, rate %g, seed %d; lead time %g d, sd %g d; judged on "
             "days %d-%d. tuned: %d x %d grid fitted on days %d-%d. oracle: %d x %d grid tuned "
             "on %d fresh days of the same distribution (days %d-%d counted, lead-time seed %d)."
             " hindsight: that grid tuned on the judged days themselves."
             % (a.skus, a.days, a.rate, a.seed, a.lead_time_days, a.lead_time_sd, a.days // 2,
                a.days - 1, len(pb.RP_FACTORS), len(pb.SPAN_DAYS), pb.FIT_WARMUP,
                a.days // 2 - 1, len(pb.HINDSIGHT_RP_FACTORS), len(pb.HINDSIGHT_SPAN_DAYS),
                a.tuning_days, pb.FIT_WARMUP, a.tuning_days - 1, a.tuning_seed),
             "",
             "At each policy's own points (targets): achieved fill, average stock (units, all "
             "SKUs), tuned min/max's stock at that fill (interpolated), stock / tuned's",
             "%-13s %-10s %6s %8s %9s %11s %10s" % ("trace", "policy", "target", "fill", "stock",
                                                   "tuned@fill", "/ tuned")]
    curves = [("oracle", "oracle")] + ([("hindsight", "hindsight")] if a.hindsight else [])
    out = {}
    for r in results:
        p = r["pattern"]
        out[p] = {"at_targets": {}, "at_fill": {}}
        for key, label in curves:
            cells = []
            for t in READ_AT:
                f, s = r[key][pb.CURVE_TARGETS.index(t)]
                ref = pb.interpolate_stock(r["minmax"], f)
                cells.append({"target": t, "fill": f, "stock": s, "tuned_stock": ref,
                              "ratio": ratio(s, ref)})
                lines.append("%-13s %-10s %6.2f %8.4f %9.1f %11s %10s" % (
                    p, label, t, f, s, "off curve" if ref is None else "%.1f" % ref,
                    ratio_text(ratio(s, ref))))
            out[p]["at_targets"][key] = cells
    lines += ["", "Both curves read at the same fill rate (interpolated): stock / tuned min/max's "
              "(and the oracle's / hindsight's)",
              "%-13s %-12s %10s %10s %10s" % (("trace", "ratio") + tuple("%.2f" % f
                                                                      for f in READ_AT))]
    for r in results:
        p = r["pattern"]
        tuned_at = [pb.interpolate_stock(r["minmax"], f) for f in READ_AT]
        pairs = [("oracle", "oracle", tuned_at)]
        if a.hindsight:
            hind_at = [pb.interpolate_stock(r["hindsight"], f) for f in READ_AT]
            pairs += [("hindsight", "hindsight", tuned_at), ("oracle/hind", "oracle", hind_at)]
        for label, key, refs in pairs:
            mine = [pb.interpolate_stock(r[key], f) for f in READ_AT]
            rs = [None if m is None else ratio(m, ref) for m, ref in zip(mine, refs)]
            out[p]["at_fill"][label] = dict(zip(["%.2f" % f for f in READ_AT], rs))
            lines.append("%-13s %-12s %10s %10s %10s" % ((p, label) + tuple(ratio_text(x)
                                                                             for x in rs)))
    lines += ["", "Runs and time per trace (s): tuned, oracle, hindsight; simulations"]
    for r in results:
        lines.append("%-13s %7.1f %7.1f %7.1f   %d runs, %.1f s in simulate" % (
            r["pattern"], r["seconds"]["tuned"], r["seconds"]["oracle"],
            r["seconds"]["hindsight"], r["runs"], r["simulate_seconds"]))
    return lines, out


def git_blob(path):
    with open(path, "rb") as f:
        data = f.read()
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    pb.add_trace_arguments(ap, STATIONARY)
    ap.add_argument("--tuning-days", type=int, help="the tuning trace's length (default --days)")
    ap.add_argument("--tuning-seed", type=int, help="its lead-time seed (default --seed + 1)")
    ap.add_argument("--no-hindsight", dest="hindsight", action="store_false",
                    help="skip the hindsight curve (as many runs again as the oracle's tuning)")
    ap.add_argument("--work", help="where the temporary CSVs go (default: the system's)")
    a = ap.parse_args()
    a.tuning_days = a.tuning_days or a.days
    a.tuning_seed = a.seed + 1 if a.tuning_seed is None else a.tuning_seed
    for p in a.patterns.split(","):
        if p not in STATIONARY:
            ap.error("%s: only the stationary patterns (%s)" % (p, ", ".join(STATIONARY)))
    os.makedirs(a.out, exist_ok=True)
    started = time.monotonic()
    settings = {k: v for k, v in vars(a).items() if k != "out"}
    settings["policy_bench_blob"] = git_blob(pb.__file__)
    results = []
    with tempfile.TemporaryDirectory(prefix="restock-oracle-bench-", dir=a.work) as work:
        for pattern in a.patterns.split(","):
            results.append(run_pattern(a, pattern, work))
            print("%s done (%.0f s)" % (pattern, time.monotonic() - started), file=sys.stderr,
                  flush=True)
            # Written after every trace, so that a long run's finished traces are kept.
            lines, ratios = report(a, results)
            lines.append("total %.0f s" % (time.monotonic() - started))
            text = "\n".join(lines) + "\n"
            with open(os.path.join(a.out, "oracle.txt"), "w") as f:
                f.write(text)
            with open(os.path.join(a.out, "oracle.json"), "w") as f:
                json.dump({"settings": settings, "ratios": ratios, "results": results,
                           "seconds": round(time.monotonic() - started, 1)}, f, indent=1)
    sys.stdout.write(text)
    print("wrote %s/oracle.txt and oracle.json" % a.out, file=sys.stderr)


if __name__ == "__main__":
    main()
