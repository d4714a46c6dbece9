#!/usr/bin/env python3
"""The least stock any policy can hold for a fill rate, on policy_bench's stationary traces and shift.

    python3 bench/simulate/bound_bench.py [--results bench/simulate/results] [--skus 40]
                                          [--days 730] [--rate 2] [--seed 11]
                                          [--lead-time-days 7] [--lead-time-sd 2.5]
                                          [--patterns smooth,erratic,intermittent,lumpy,shift]

Issue 15's item 6 asks auto to hold at most 0.8x the stock that tuned min/max needs for the same
fill rate. oracle_bench.py shows that min/max knowing each SKU's demand distribution does not get
there on stationary demand. This bench asks the question for every policy at all.

For each SKU of a stationary trace (and of the shift trace) it knows the exact distribution the trace was drawn from
(gen_trace.day_distribution: how many checkouts a day, of what sizes; gen_trace.plan_of: the
SKU's rate; on the shift trace, whose demand doubles on the judged half's first day, the judged
half is smooth demand at twice the rate, and a policy that knows it also knows when) and the exact lead-time distribution of `restock simulate` (lead_time_pmf, the rules
of src/main/lead_time_sampler.cpp). It then solves, exactly, a Markov decision process that gives
a policy more than `restock simulate` allows one:

  - the simulation's rules: a day's checkouts run in order, each sold whole if on hand covers it
    and otherwise lost whole; at most one open order per product; an order placed on day d
    arrives at the start of day d + L, L drawn independently per order; stock is counted at the
    end of each day;
  - but the policy decides at the end of the day, having seen all of it, and its order still
    arrives L days after that day's start; it may order any quantity, as a function of anything
    it knows. The engine decides at a checkout that crosses the reorder point, on less.

So no policy that `restock simulate` can run (min/max, auto, or any rule that knows the demand)
does better in expectation. The decision points are the ends of days with no order open; the
state there is on hand alone, because demand and lead times are independent of the past. The
process between two decision points (one day, when not ordering; a whole lead time, when
ordering) makes it a semi-Markov decision process. For a price `lam` per lost unit, policy
iteration finds the policy of least (stock + lam * lost units) per day, exactly; the prices from
LAMBDAS trace each SKU's lower convex curve of average stock against fill rate. No policy, even
one mixing or switching policies, lies below that curve.

Reported, per trace and at fill rates 0.90, 0.95 and 0.98, against tuned min/max's curve as
policy_bench.py measured it (RESULTS/policies.json, the second half of the trace):
  - per SKU: every SKU at that fill rate (what a per-product fill_rate target asks), the sum of
    their least stocks;
  - pooled: the least total stock for that fill rate of the trace's total demand, however it is
    shared out among the SKUs (one price for all), a lower bound for any policy at all;
  - and each of these ÷ tuned min/max's stock at the same fill rate: if it is above 0.8, no
    policy meets item 6's stock goal on that trace.
Also, per trace, how far the optimal policies are from (s, S) form, and how near the trace's own
demand is to its distribution's mean (the judged half is one draw).

Writes RESULTS/bound.txt and RESULTS/bound.json. Needs numpy (Debian python3-numpy).
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_trace  # noqa: E402
import policy_bench as pb  # noqa: E402

READ_AT = [0.90, 0.95, 0.98]
# Item 6 asks auto for its target within 2 points: the least ratio anywhere in that window.
WINDOW, WINDOW_STEPS = 0.02, 40
FAMILY_FILL = 0.95
LAMBDAS = [round(0.25 * 1.35 ** i, 4) for i in range(32)]  # 0.25 to ~2,700 unit-days a lost unit
TOLERANCE = 1e-9


def lead_time_pmf(mean, sd, tail=1e-13):
    """P(L = l) for l = 0, 1, ... (P(0) = 0): LeadTimeSampler's draw, exactly. Whole days, at
    least one: 1 + a two-point spread around the mean when sd allows no more, 1 + a negative
    binomial (gamma-Poisson) beyond that, a mixture of both in between."""
    excess = mean - 1
    whole = math.floor(excess + TOLERANCE)
    fraction = max(0.0, excess - whole)
    variance, narrowest = sd * sd, fraction * (1 - fraction)
    if variance <= narrowest + TOLERANCE:
        narrow_weight, nb_variance = 1.0, 0.0
    elif variance > excess:
        narrow_weight, nb_variance = 0.0, variance
    else:
        nb_variance = 2 * excess
        narrow_weight = (nb_variance - variance) / (nb_variance - narrowest)
    pmf = [0.0] * (whole + 3)
    pmf[1 + whole] += narrow_weight * (1 - fraction)
    pmf[2 + whole] += narrow_weight * fraction
    if narrow_weight < 1:
        scale = (nb_variance - excess) / excess
        shape = excess / scale
        q = scale / (1 + scale)
        k, log_p, total = 0, shape * math.log(1 - q), 0.0
        while k <= excess or total < 1 - tail:
            p = math.exp(log_p)
            total += p
            if 1 + k >= len(pmf):
                pmf.append(0.0)
            pmf[1 + k] += (1 - narrow_weight) * p
            k += 1
            log_p += math.log(q) + math.log(shape + k - 1) - math.log(k)
    return np.array(pmf) / sum(pmf)


class Sku:
    """One SKU's day and lead time as matrices over on hand 0..cap."""

    def __init__(self, counts, sizes, lead_pmf):
        counts, sizes = np.array(counts), np.array(sizes)
        self.demand = float(counts @ np.arange(len(counts))) * float(sizes @ np.arange(len(sizes)))
        self.lead_pmf = lead_pmf
        mean_lead = float(lead_pmf @ np.arange(len(lead_pmf)))
        lead_sd = math.sqrt(float(lead_pmf @ (np.arange(len(lead_pmf)) - mean_lead) ** 2))
        size_sd = math.sqrt(float(sizes @ (np.arange(len(sizes)) - sizes @ np.arange(len(sizes)))
                                  ** 2))
        # On hand above the cap is never worth holding: many lead times' demand, and big lumps.
        # (run_pattern checks that no optimal policy reaches it)
        self.cap = int(math.ceil(2 * self.demand * (mean_lead + 4 * lead_sd) + 8 * size_sd)) + 10
        n = self.cap + 1
        # One checkout: sold whole when on hand covers it, else lost whole.
        checkout, lost_one = np.zeros((n, n)), np.zeros(n)
        for q in range(1, len(sizes)):
            for s in range(n):
                if q <= s:
                    checkout[s, s - q] += sizes[q]
                else:
                    checkout[s, s] += sizes[q]
                    lost_one[s] += sizes[q] * q
        # A day: a random number of checkouts, in order.
        self.day = np.zeros((n, n))
        self.day_lost = np.zeros(n)
        power, lost_so_far = np.eye(n), np.zeros(n)
        for p in counts:
            self.day += p * power
            self.day_lost += p * lost_so_far
            lost_so_far = lost_so_far + power @ lost_one
            power = power @ checkout
        self.day_stock = self.day @ np.arange(n, dtype=float)  # on hand at the day's end
        # The days while an order is on its way (L - 1 of them before the one it arrives on).
        self.pre = np.zeros((n, n))
        self.pre_stock, self.pre_lost = np.zeros(n), np.zeros(n)
        power = np.eye(n)
        stock_so_far, lost_so_far = np.zeros(n), np.zeros(n)
        for lead, p in enumerate(lead_pmf):
            if lead >= 1:
                self.pre += p * power
                self.pre_stock += p * stock_so_far
                self.pre_lost += p * lost_so_far
                stock_so_far = stock_so_far + power @ self.day_stock
                lost_so_far = lost_so_far + power @ self.day_lost
                power = power @ self.day
        self.mean_lead = mean_lead

    def values(self, h, g, lam):
        """Every state's value of waiting a day and of ordering each quantity q = 1..cap."""
        n = self.cap + 1
        wait = self.day_stock + lam * self.day_lost - g + self.day @ h
        arrival_day = self.day_stock + lam * self.day_lost + self.day @ h  # by on hand after it
        padded = np.concatenate([arrival_day, np.full(n, 1e18)])
        by_quantity = np.lib.stride_tricks.sliding_window_view(padded, n)[:n]  # [y, q]
        order = (self.pre_stock + lam * self.pre_lost - g * self.mean_lead)[:, None] + \
            self.pre @ by_quantity
        order[:, 0] = np.inf
        order[np.arange(n)[:, None] + np.arange(n)[None, :] > self.cap] = np.inf
        return wait, order

    def chain(self, policy):
        """The policy's embedded chain: next-state rows, and per decision its stock (summed over
        its days), lost units and days."""
        n = self.cap + 1
        q = np.array(policy)
        orders = q > 0
        # Where the day starts: on hand x when waiting; after the lead time's first days and the
        # arrival of q when ordering (pre[x, y] is 0 for y > x, and x + q <= cap).
        start = np.where(orders[:, None], 0.0, np.eye(n))
        rows, cols = np.nonzero(np.tril(np.ones((n, n), dtype=bool)) & orders[:, None])
        start[rows, cols + q[rows]] = self.pre[rows, cols]
        moves = start @ self.day
        stock = np.where(orders, self.pre_stock, 0.0) + start @ self.day_stock
        lost = np.where(orders, self.pre_lost, 0.0) + start @ self.day_lost
        days = np.where(orders, self.mean_lead, 1.0)
        return moves, stock, lost, days

    def solve(self, lam, policy=None):
        """Policy iteration for the least (stock + lam * lost) per day. Returns (policy: the
        quantity ordered at each on hand, 0 = wait; average stock; average lost units a day)."""
        n = self.cap + 1
        if policy is None:
            policy = [max(0, int(round(self.demand * self.mean_lead * 2)) - x) for x in range(n)]
        for _ in range(200):
            moves, stock, lost, days = self.chain(policy)
            # h(x) = c(x) - g days(x) + moves h, with h(0) = 0: unknowns g, h(1..cap).
            a = np.eye(n) - moves
            a[:, 0] = days
            solution = np.linalg.solve(a, stock + lam * lost)
            g, h = solution[0], np.concatenate([[0.0], solution[1:]])
            wait, order = self.values(h, g, lam)
            best_q = order.argmin(axis=1)
            best = np.minimum(wait, order[np.arange(n), best_q])
            current = np.where(np.array(policy) == 0, wait, order[np.arange(n), policy])
            improved = [int(0 if wait[x] <= best[x] + 1e-9 * (1 + abs(best[x])) else best_q[x])
                        if current[x] > best[x] + 1e-9 * (1 + abs(best[x])) else policy[x]
                        for x in range(n)]
            if improved == policy:
                break
            policy = improved
        else:
            raise RuntimeError("policy iteration did not settle")
        share = stationary(moves)
        per_day = share @ days
        return policy, float(share @ stock / per_day), float(share @ lost / per_day), share


def stationary(moves):
    n = len(moves)
    a = np.vstack([moves.T - np.eye(n), np.ones(n)])
    b = np.zeros(n + 1)
    b[-1] = 1
    share = np.linalg.lstsq(a, b, rcond=None)[0]
    return np.clip(share, 0, None) / np.clip(share, 0, None).sum()


def s_S_form(policy, share):
    """Whether the policy, where it is reached, orders up to one level below one point."""
    reached = [x for x in range(len(policy)) if share[x] > 1e-9]
    ordering = [x for x in reached if policy[x] > 0]
    if not ordering:
        return True
    s = max(ordering)
    levels = {x + policy[x] for x in ordering}
    return all(policy[x] > 0 for x in reached if x <= s) and len(levels) == 1


def curve_at(points, fill):
    """Least stock at `fill` on a lower convex curve of (fill, stock) points."""
    pts = sorted(points)
    for (f0, s0), (f1, s1) in zip(pts, pts[1:]):
        if f0 <= fill <= f1 and f1 > f0:
            return s0 + (s1 - s0) * (fill - f0) / (f1 - f0)
    return None


def lower_hull(points):
    """The lower convex hull of (fill, stock) points, by fill."""
    hull = []
    for p in sorted(points):
        while len(hull) >= 2 and (hull[-1][0] - hull[-2][0]) * (p[1] - hull[-2][1]) <= \
                (hull[-1][1] - hull[-2][1]) * (p[0] - hull[-2][0]):
            hull.pop()
        hull.append(p)
    return hull


def evaluate(sku, policy):
    """A policy's long-run (fill rate, average stock), exactly."""
    moves, stock, lost, days = sku.chain(policy)
    share = stationary(moves)
    per_day = share @ days
    return 1 - float(share @ lost / per_day) / sku.demand, float(share @ stock / per_day)


def families(sku, least, fill):
    """The least stock at `fill` of the policies the engine runs, each on its own curve: (s, Q)
    (order Q when on hand is at most s), (s, Q) with Q > s (what auto's rule allows: an order
    lifts the stock above s), and min/max (order up to S = s + span). Each ÷ `least`. The grid:
    s and Q by about a tenth of the lead-time demand."""
    n = sku.cap + 1
    lead_demand = sku.demand * sku.mean_lead
    step = max(1, int(lead_demand / 10))
    s_q, s_q_above, s_s = [], [], []
    for s in range(0, int(3 * lead_demand) + 20, step):
        for q in range(step, int(4 * lead_demand) + 20, step):
            if s + q >= n:
                continue
            point = evaluate(sku, [q if x <= s else 0 for x in range(n)])
            s_q.append(point)
            if q > s:
                s_q_above.append(point)
            s_s.append(evaluate(sku, [s + q - x if x <= s else 0 for x in range(n)]))
    out = {}
    for name, points in (("s_Q", s_q), ("s_Q_above", s_q_above), ("min_max", s_s)):
        stock = curve_at(lower_hull(points), fill)
        out[name] = stock / least if stock is not None else None
        # A check of the solver: no policy of a family beats the least of all policies.
        if stock is not None and stock < least * (1 - 1e-6):
            raise RuntimeError("%s holds %.4f < the least %.4f" % (name, stock, least))
    return out


def judged_distribution(pattern, rate):
    """A day's demand on the judged half (from days // 2 on) of a trace of this pattern."""
    if pattern == "shift":  # gen_trace.day_rows: smooth, at twice the rate from days // 2 on
        return gen_trace.day_distribution("smooth", 2 * rate)
    return gen_trace.day_distribution(pattern, rate)


def replay(policy, checkouts, days, half, lead_pmf, rng):
    """The policy on the trace's own days, by the rules above: (units demanded, sold, sum of
    on hand at the end of the counted days). checkouts: {day: [qty, ...]} of one SKU."""
    on_hand, due, quantity = 0, None, 0
    demanded = sold = stock = 0
    for day in range(days):
        if due == day:
            on_hand, due = on_hand + quantity, None
        for qty in checkouts.get(day, ()):
            served = qty <= on_hand
            on_hand -= qty if served else 0
            if day >= half:
                demanded += qty
                sold += qty if served else 0
        if day >= half:
            stock += on_hand
        if due is None and policy[min(on_hand, len(policy) - 1)] > 0:
            quantity = policy[min(on_hand, len(policy) - 1)]
            due = day + int(rng.choice(len(lead_pmf), p=lead_pmf))
    return demanded, sold, stock


def run_pattern(a, pattern, tuned):
    plan = gen_trace.plan_of(pattern, a.skus, a.seed, a.rate)
    names, rows = gen_trace.generate(pattern, a.skus, a.days, a.seed, a.rate)
    half = a.days // 2
    judged = {n: 0 for n in names}
    checkouts = {n: {} for n in names}
    for day, sku, qty in rows:
        checkouts[sku].setdefault(day, []).append(qty)
        if day >= half:
            judged[sku] += qty
    rng = np.random.default_rng(a.seed)
    replayed = {lam: [0, 0, 0] for lam in LAMBDAS}
    lead = lead_time_pmf(a.lead_time_days, a.lead_time_sd)
    per_sku, pooled, s_s, decisions = [], {lam: [0.0, 0.0, 0.0] for lam in LAMBDAS}, 0, 0
    expected_demand = 0.0
    for name, p, rate in plan:
        sku = Sku(*judged_distribution(p, rate), lead)
        expected_demand += sku.demand
        points, policy = [], None
        for lam in LAMBDAS:
            policy, stock, lost, share = sku.solve(lam, policy)
            reached = [x for x in range(sku.cap + 1) if share[x] > 1e-9]
            top = max(x + policy[x] for x in reached)
            if top >= sku.cap:
                raise RuntimeError("%s: the optimal policy reaches the cap %d" % (name, sku.cap))
            s_s += s_S_form(policy, share)
            decisions += 1
            points.append((1 - lost / sku.demand, stock))
            for i, x in enumerate(replay(policy, checkouts[name], a.days, half, lead, rng)):
                replayed[lam][i] += x
            pooled[lam][0] += sku.demand
            pooled[lam][1] += lost
            pooled[lam][2] += stock
        per_sku.append(lower_hull(points))
        if name == plan[0][0]:  # the policy families, on the trace's first SKU
            out_families = families(sku, curve_at(per_sku[-1], FAMILY_FILL), FAMILY_FILL)
            out_families["sku"], out_families["demand"] = name, sku.demand
    pooled_curve = lower_hull([(1 - lost / demand, stock) for demand, lost, stock
                               in pooled.values()])
    counted = a.days - half
    replayed_curve = sorted((sold / demand, stock / counted)
                            for demand, sold, stock in replayed.values())
    out = {"pattern": pattern, "read_at": [], "s_S_share": s_s / decisions,
           "families": out_families,
           "judged_demand_per_day": sum(judged.values()) / (a.days - half),
           "expected_demand_per_day": expected_demand}
    for fill in READ_AT:
        each = [curve_at(c, fill) for c in per_sku]
        per = sum(each) if all(e is not None for e in each) else None
        pool = curve_at(pooled_curve, fill)
        ref = pb.interpolate_stock(tuned["minmax"], fill)
        out["read_at"].append({"fill": fill, "per_sku": per, "pooled": pool, "tuned": ref,
                               "replayed": pb.interpolate_stock(replayed_curve, fill)})
    out["auto"] = []
    for target, fill, stock in tuned["auto"]:
        each = [curve_at(c, fill) for c in per_sku]
        out["auto"].append({"target": target, "fill": fill, "stock": stock,
                            "tuned": pb.interpolate_stock(tuned["minmax"], fill),
                            "per_sku": sum(each) if None not in each else None})
    out["window"] = []
    for target in [t for t, _, _ in tuned["auto"]]:
        lowest, lowest_pooled = None, None
        for step in range(-WINDOW_STEPS, WINDOW_STEPS + 1):
            fill = target + WINDOW * step / WINDOW_STEPS
            each = [curve_at(c, fill) for c in per_sku]
            pool = curve_at(pooled_curve, fill)
            ref = pb.interpolate_stock(tuned["minmax"], fill)
            if None in each or pool is None or not ref:
                continue
            if lowest is None or sum(each) / ref < lowest[0]:
                lowest = (sum(each) / ref, fill)
            if lowest_pooled is None or pool / ref < lowest_pooled[0]:
                lowest_pooled = (pool / ref, fill)
        out["window"].append({"target": target, "least_ratio": lowest and lowest[0],
                              "at_fill": lowest and lowest[1],
                              "pooled_ratio": lowest_pooled and lowest_pooled[0],
                              "pooled_at_fill": lowest_pooled and lowest_pooled[1]})
    out["pooled_curve"], out["replayed_curve"] = pooled_curve, replayed_curve
    return out


def ratio(x, ref):
    return "%.3fx" % (x / ref) if x is not None and ref else "n/a"


def number(x):
    return "%.1f" % x if x is not None else "n/a"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--results", default="bench/simulate/results")
    pb.add_trace_shape_arguments(ap, gen_trace.STATIONARY + ["shift"])
    a = ap.parse_args()
    with open(os.path.join(a.results, "policies.json")) as f:
        measured = {r["pattern"]: r for r in json.load(f)}
    lines = ["%d SKUs x %d days per trace, rate %g, seed %d; lead time %g d, sd %g d. Tuned "
             "min/max and auto: policy_bench's figures on days %d-%d (%s/policies.json)."
             % (a.skus, a.days, a.rate, a.seed, a.lead_time_days, a.lead_time_sd, a.days // 2,
                a.days - 1, a.results), "",
             "Least average stock (units, all SKUs) of any policy at each fill rate: every SKU "
             "at it (per SKU), or the total (pooled: expected, and its policies replayed on the "
             "judged days); each ÷ tuned min/max's stock at the same fill rate",
             "%-13s %5s %8s %8s %8s %8s %10s %11s %11s" % (
                 "trace", "fill", "tuned", "per SKU", "pooled", "replayed", "per/tuned",
                 "pool/tuned", "repl/tuned")]
    results, started = [], time.time()
    for pattern in a.patterns.split(","):
        r = run_pattern(a, pattern, measured[pattern])
        results.append(r)
        print("%s done (%.0f s)" % (pattern, time.time() - started), file=sys.stderr)
        for x in r["read_at"]:
            lines.append("%-13s %5.2f %8s %8s %8s %8s %10s %11s %11s" % (
                pattern, x["fill"], number(x["tuned"]), number(x["per_sku"]),
                number(x["pooled"]), number(x["replayed"]), ratio(x["per_sku"], x["tuned"]),
                ratio(x["pooled"], x["tuned"]), ratio(x["replayed"], x["tuned"])))
    lines += ["", "Auto (policy_bench) at its achieved fill rate: its stock, tuned min/max's and "
              "the least per SKU there, and the ratios",
              "%-13s %6s %7s %8s %8s %8s %11s %11s %10s" % (
                  "trace", "target", "fill", "auto", "tuned", "least", "auto/tuned",
                  "least/tuned", "auto/least")]
    for r in results:
        for x in r["auto"]:
            lines.append("%-13s %6.2f %7.4f %8s %8s %8s %11s %11s %10s" % (
                r["pattern"], x["target"], x["fill"], number(x["stock"]), number(x["tuned"]),
                number(x["per_sku"]), ratio(x["stock"], x["tuned"]),
                ratio(x["per_sku"], x["tuned"]), ratio(x["stock"], x["per_sku"])))
    lines += ["", "Item 6's goal (stock <= 0.8x tuned min/max's, at a fill rate within 2 points "
              "of the target): the least per-SKU stock ÷ tuned min/max's anywhere in that window",
              "(per SKU: every SKU at that fill rate, as per-product targets ask; pooled: shared "
              "out in any way)",
              "%-13s %6s %8s %8s  %-9s %8s %8s  %s" % (
                  "trace", "target", "per SKU", "at fill", "reachable", "pooled", "at fill",
                  "reachable")]

    def reachable(least):
        return "n/a" if least is None else ("yes" if least <= 0.8 else "no")

    for r in results:
        for x in r["window"]:
            lines.append("%-13s %6.2f %8s %8s  %-9s %8s %8s  %s" % (
                r["pattern"], x["target"], ratio(x["least_ratio"], 1),
                "%.3f" % x["at_fill"] if x["at_fill"] else "n/a", reachable(x["least_ratio"]),
                ratio(x["pooled_ratio"], 1),
                "%.3f" % x["pooled_at_fill"] if x["pooled_at_fill"] else "n/a",
                reachable(x["pooled_ratio"])))
    lines += ["", "The engine's policy families on each trace's first SKU, at fill rate %.2f: "
              "each one's least stock ÷ the least of any policy" % FAMILY_FILL,
              "%-13s %-12s %8s %8s %10s %8s" % ("trace", "sku", "demand", "(s, Q)",
                                               "(s, Q>s)", "min/max")]
    for r in results:
        f = r["families"]
        lines.append("%-13s %-12s %8.2f %8s %10s %8s" % (
            r["pattern"], f["sku"], f["demand"], ratio(f["s_Q"], 1), ratio(f["s_Q_above"], 1),
            ratio(f["min_max"], 1)))
    lines += ["", "Per trace: share of the optimal policies (SKU x price) of (s, S) form where "
              "reached; the judged half's demand per day ÷ its distribution's mean"]
    for r in results:
        lines.append("%-13s %5.1f %%   %.3f" % (r["pattern"], 100 * r["s_S_share"],
                                               r["judged_demand_per_day"]
                                               / r["expected_demand_per_day"]))
    lines.append("total %.0f s" % (time.time() - started))
    text = "\n".join(lines) + "\n"
    print(text, end="")
    with open(os.path.join(a.results, "bound.txt"), "w") as f:
        f.write(text)
    with open(os.path.join(a.results, "bound.json"), "w") as f:
        json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
