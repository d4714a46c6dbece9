#!/usr/bin/env python3
"""Demand traces for `restock simulate` (Python 3 standard library only).

    gen_trace.py --pattern NAME --skus N --days D [--seed S] [--rate R] --demand OUT.csv
                 [--products OUT.csv --reorder-point RP --reorder-qty RQ]

Writes a demand CSV (day,sku,qty: one checkout per row) for N SKUs over D days. Each SKU gets
its own base rate (checkouts per day, spread around --rate by a factor 0.5-2) and follows one
pattern; `mix` cycles SKUs through all of them. The patterns (bench/README.md):

  smooth        a checkout of 1-2 units on a Poisson number of times a day: low variability
  erratic       a checkout most days, of very variable size (geometric, mean ~6)
  intermittent  demand on a day in 10/rate (1 in 5 at the default rate 2), of 1-2 units
  lumpy         demand on a day in 16/rate (1 in 8 at rate 2), of very variable size (geometric, mean ~8)
  trending      smooth, with a rate rising linearly to 3x by the last day
  seasonal      smooth, with the rate following a yearly sine (x0.3 to x1.7) and a weekly cycle
  shift         smooth, with the rate doubling from the middle day on

With --products, also a products CSV in fixed mode with the given reorder point and quantity
for every SKU (the speed benchmark's; the evidence benchmark writes its own).
"""
import argparse
import math
import random
import sys

PATTERNS = ["smooth", "erratic", "intermittent", "lumpy", "trending", "seasonal", "shift"]


def poisson(rng, lam):
    if lam <= 0:
        return 0
    if lam > 30:
        return max(0, int(round(rng.gauss(lam, math.sqrt(lam)))))
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def geometric(rng, mean):
    """Whole numbers >= 1 with the given mean."""
    p = 1.0 / mean
    return 1 + int(math.log(1.0 - rng.random()) / math.log(1.0 - p)) if p < 1 else 1


def day_rows(rng, pattern, rate, day, days):
    """The checkouts (quantities) of one SKU on one day."""
    if pattern == "erratic":
        n = poisson(rng, rate * 0.4)
        return [geometric(rng, 6.0) for _ in range(n)]
    if pattern == "intermittent":
        if rng.random() >= min(0.5, 0.1 * rate):
            return []
        return [rng.choice((1, 1, 2)) for _ in range(max(1, poisson(rng, rate * 0.5)))]
    if pattern == "lumpy":
        if rng.random() >= min(0.5, 0.0625 * rate):
            return []
        return [geometric(rng, 8.0) for _ in range(max(1, poisson(rng, rate * 0.3)))]
    factor = 1.0
    if pattern == "trending":
        factor = 1.0 + 2.0 * day / max(1, days - 1)
    elif pattern == "seasonal":
        factor = (1.0 + 0.7 * math.sin(2 * math.pi * day / 365.0)) * (
            1.0 + 0.3 * math.sin(2 * math.pi * day / 7.0))
    elif pattern == "shift":
        factor = 2.0 if day >= days // 2 else 1.0
    return [rng.choice((1, 1, 1, 2)) for _ in range(poisson(rng, rate * factor))]


STATIONARY = ["smooth", "erratic", "intermittent", "lumpy"]


def poisson_pmf(lam, tail=1e-13):
    """P(k) for k = 0, 1, ... until the rest is below `tail` (lam <= 30, as poisson() draws)."""
    pmf, p, k = [], math.exp(-lam), 0
    while k <= lam or sum(pmf) < 1 - tail:
        pmf.append(p)
        k += 1
        p *= lam / k
    return pmf


def geometric_pmf(mean, tail=1e-13):
    """P(size) for size = 0, 1, ... (P(0) = 0) of geometric(rng, mean)."""
    p, pmf = 1.0 / mean, [0.0]
    while sum(pmf) < 1 - tail:
        pmf.append(p * (1 - p) ** (len(pmf) - 1))
    return pmf


def day_distribution(pattern, rate):
    """What day_rows draws for a stationary pattern, exactly: (P(n checkouts) for n = 0, 1, ...,
    P(a checkout's qty) for qty = 0, 1, ...), the checkouts' sizes independent of each other and
    of their number."""
    def at_least_one(day_probability, lam):  # "no demand" or max(1, Poisson(lam)) checkouts
        counts = poisson_pmf(lam)
        counts[1] += counts[0]
        counts[0] = 0.0
        return [1 - day_probability] + [day_probability * c for c in counts[1:]]

    if pattern == "smooth":
        return poisson_pmf(rate), [0.0, 0.75, 0.25]
    if pattern == "erratic":
        return poisson_pmf(rate * 0.4), geometric_pmf(6.0)
    if pattern == "intermittent":
        return at_least_one(min(0.5, 0.1 * rate), rate * 0.5), [0.0, 2 / 3, 1 / 3]
    if pattern == "lumpy":
        return at_least_one(min(0.5, 0.0625 * rate), rate * 0.3), geometric_pmf(8.0)
    raise ValueError("%s demand is not stationary" % pattern)


def sku_name(pattern, i):
    return "%s-%05d" % (pattern[:5].upper(), i)


def draw_plan(rng, pattern, skus, rate):
    """Every SKU's (name, pattern, base rate), the first draws of a trace."""
    plan = []
    for i in range(skus):
        p = PATTERNS[i % len(PATTERNS)] if pattern == "mix" else pattern
        plan.append((sku_name(p, i), p, rate * math.exp(rng.uniform(math.log(0.5), math.log(2.0)))))
    return plan


def plan_of(pattern, skus, seed, rate):
    """The SKUs of generate(pattern, skus, any days, seed, rate), with their base rates."""
    return draw_plan(random.Random(seed), pattern, skus, rate)


def generate(pattern, skus, days, seed, rate):
    """Returns (sku names, rows as (day, sku, qty)) in day order."""
    rng = random.Random(seed)
    plan = draw_plan(rng, pattern, skus, rate)
    rows = []
    for day in range(days):
        for name, p, r in plan:
            for qty in day_rows(rng, p, r, day, days):
                rows.append((day, name, qty))
    return [name for name, _, _ in plan], rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pattern", required=True, choices=PATTERNS + ["mix"])
    ap.add_argument("--skus", type=int, required=True)
    ap.add_argument("--days", type=int, required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--rate", type=float, default=2.0, help="mean checkouts per SKU-day")
    ap.add_argument("--demand", required=True)
    ap.add_argument("--products")
    ap.add_argument("--reorder-point", type=int, default=5)
    ap.add_argument("--reorder-qty", type=int, default=10)
    a = ap.parse_args()
    names, rows = generate(a.pattern, a.skus, a.days, a.seed, a.rate)
    with open(a.demand, "w") as out:
        out.write("day,sku,qty\n")
        out.writelines("%d,%s,%d\n" % row for row in rows)
    if a.products:
        with open(a.products, "w") as out:
            out.write("sku,mode,reorder_point,reorder_qty,fill_rate\n")
            out.writelines("%s,fixed,%d,%d,\n" % (n, a.reorder_point, a.reorder_qty) for n in names)
    print("%s: %d rows, %d SKUs, %d days" % (a.demand, len(rows), a.skus, a.days), file=sys.stderr)


if __name__ == "__main__":
    main()
