#!/usr/bin/env python3
"""Compare Posko's min-cost-flow solver with Google OR-Tools SimpleMinCostFlow.

Generates seeded random transportation problems in the `posko solve` JSON format, solves
each with OR-Tools (timing the Solve() call alone and model building + Solve()) and with the
Swift solver through a command, checks that the objectives are equal and prints the ratio.

    pip install ortools
    swift build -c release
    python3 Benchmarks/solver/compare_ortools.py -- .build/release/posko solve {} --stats

The command gets the problem path in place of `{}` (appended if there is no `{}`), must print
the solution JSON on stdout and a line with `solve_ms=<float> iterations=<int>` on stderr.
Every figure is the median of --runs runs; OR-Tools and Swift runs alternate so that both
see the same machine load.

Instance kinds:
  uniform  arcs between random demand/supply pairs, costs 1..10000, ~10% of arcs capped,
           total capacity about equal to total demand
  geo      posts scattered over 100 km x 100 km, every demand linked to its nearest
           supplies, cost = distance in metres, capacity 90% of demand (some demand unmet)
"""
import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time

try:
    import numpy as np
    from ortools.graph.python import min_cost_flow
except ImportError as error:  # pragma: no cover - environment problem
    sys.exit(f"compare_ortools: {error}; run `pip install ortools`")


def uniform_problem(rng, n_demands, n_supplies, n_arcs):
    demands = [{"id": f"p{i:05d}", "amount": rng.randint(1, 100)} for i in range(n_demands)]
    supplies = [{"id": f"q{j:05d}", "capacity": rng.randint(1, 100)} for j in range(n_supplies)]
    pairs = set()
    arcs = []
    while len(arcs) < n_arcs:
        d = rng.randrange(n_demands)
        s = rng.randrange(n_supplies)
        if (d, s) in pairs:
            continue
        pairs.add((d, s))
        arc = {"from": demands[d]["id"], "to": supplies[s]["id"], "cost": rng.randint(1, 10000)}
        if rng.random() < 0.1:
            arc["capacity"] = rng.randint(1, 50)
        arcs.append(arc)
    return {"supplies": supplies, "demands": demands, "arcs": arcs, "unmet_cost": 100000}


def geo_problem(rng, n_demands, n_supplies, n_arcs):
    nprng = np.random.default_rng(rng.randrange(2**32))
    demand_xy = nprng.uniform(0, 100_000, size=(n_demands, 2))
    supply_xy = nprng.uniform(0, 100_000, size=(n_supplies, 2))
    amounts = nprng.integers(1, 201, size=n_demands)
    total = int(amounts.sum())
    capacities = nprng.integers(1, 201, size=n_supplies).astype(float)
    capacities = np.maximum(1, np.round(capacities * (0.9 * total / capacities.sum()))).astype(int)
    per_demand = max(1, n_arcs // n_demands)
    demands = [{"id": f"p{i:05d}", "amount": int(amounts[i])} for i in range(n_demands)]
    supplies = [{"id": f"q{j:05d}", "capacity": int(capacities[j])} for j in range(n_supplies)]
    arcs = []
    for i in range(n_demands):
        distance = np.hypot(*(supply_xy - demand_xy[i]).T)
        nearest = np.argpartition(distance, per_demand - 1)[:per_demand]
        for j in sorted(nearest.tolist()):
            arcs.append({"from": demands[i]["id"], "to": supplies[j]["id"], "cost": int(round(distance[j]))})
    return {"supplies": supplies, "demands": demands, "arcs": arcs[:n_arcs], "unmet_cost": 1_000_000}


def ortools_solve(problem):
    """Returns (objective, solve seconds, build + solve seconds)."""
    started = time.perf_counter()
    demands = problem["demands"]
    supplies = problem["supplies"]
    n_d = len(demands)
    sink = n_d + len(supplies)
    index = {d["id"]: i for i, d in enumerate(demands)}
    index.update({s["id"]: n_d + j for j, s in enumerate(supplies)})
    amount = [d["amount"] for d in demands]
    starts, ends, caps, costs = [], [], [], []
    for arc in problem["arcs"]:
        d = index[arc["from"]]
        starts.append(d)
        ends.append(index[arc["to"]])
        # An uncapped arc never carries more than its demand's amount.
        caps.append(arc["capacity"] if arc.get("capacity") is not None else amount[d])
        costs.append(arc["cost"])
    for j, s in enumerate(supplies):
        starts.append(n_d + j)
        ends.append(sink)
        caps.append(s["capacity"])
        costs.append(0)
    for i in range(n_d):
        starts.append(i)
        ends.append(sink)
        caps.append(amount[i])
        costs.append(problem["unmet_cost"])
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(
        np.array(starts, dtype=np.int32), np.array(ends, dtype=np.int32),
        np.array(caps, dtype=np.int64), np.array(costs, dtype=np.int64))
    nodes = np.arange(sink + 1, dtype=np.int32)
    node_supply = np.zeros(sink + 1, dtype=np.int64)
    node_supply[:n_d] = amount
    node_supply[sink] = -sum(amount)
    flow.set_nodes_supplies(nodes, node_supply)
    solve_started = time.perf_counter()
    status = flow.solve()
    finished = time.perf_counter()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"OR-Tools status {status}")
    return flow.optimal_cost(), finished - solve_started, finished - started


def swift_solve(command, path):
    """Returns (objective, solve_ms reported, wall seconds, iterations)."""
    argv = [path if part == "{}" else part for part in command]
    if "{}" not in command:
        argv.append(path)
    started = time.perf_counter()
    run = subprocess.run(argv, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if run.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} exited {run.returncode}: {run.stderr.strip()}")
    stats = dict(part.split("=", 1) for part in run.stderr.split() if "=" in part)
    if "solve_ms" not in stats:
        raise RuntimeError(f"no solve_ms=... on stderr of {' '.join(argv)}: {run.stderr.strip()!r}")
    return json.loads(run.stdout)["objective"], float(stats["solve_ms"]), wall, int(stats.get("iterations", -1))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--demands", type=int, default=2000)
    parser.add_argument("--supplies", type=int, default=2000)
    parser.add_argument("--arcs", type=int, default=50000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--kinds", nargs="+", choices=["uniform", "geo"], default=["uniform", "geo"])
    parser.add_argument("--runs", type=int, default=5, help="runs per solver and instance (median reported)")
    parser.add_argument("--keep", metavar="DIR", help="write the generated problems to DIR")
    parser.add_argument("command", nargs="+", help="Swift solver command; {} is the problem path")
    args = parser.parse_args()

    directory = args.keep or tempfile.mkdtemp(prefix="posko-flow-bench-")
    os.makedirs(directory, exist_ok=True)
    print(f"{args.demands} demands x {args.supplies} supplies, {args.arcs} arcs, median of {args.runs} runs")
    header = f"{'instance':<14} {'objective':>14} {'ortools solve':>14} {'ortools all':>12} {'swift solve':>12} {'swift wall':>11} {'pivots':>8} {'solve ratio':>12}"
    print(header)
    ratios = []
    mismatches = 0
    for kind in args.kinds:
        for seed in args.seeds:
            rng = random.Random(f"{kind}-{seed}")
            make = uniform_problem if kind == "uniform" else geo_problem
            problem = make(rng, args.demands, args.supplies, args.arcs)
            path = os.path.join(directory, f"{kind}-{seed}.json")
            with open(path, "w") as f:
                json.dump(problem, f, separators=(",", ":"))
            or_solve, or_all, sw_solve, sw_wall, pivots = [], [], [], [], 0
            or_objective = sw_objective = None
            for _ in range(args.runs):
                or_objective, solve_s, all_s = ortools_solve(problem)
                or_solve.append(solve_s * 1000)
                or_all.append(all_s * 1000)
                sw_objective, solve_ms, wall_s, pivots = swift_solve(args.command, path)
                sw_solve.append(solve_ms)
                sw_wall.append(wall_s * 1000)
            if or_objective != sw_objective:
                mismatches += 1
                print(f"MISMATCH {kind}-{seed}: OR-Tools {or_objective}, Swift {sw_objective}")
            ratio = statistics.median(sw_solve) / statistics.median(or_solve)
            ratios.append(ratio)
            print(f"{kind + '-' + str(seed):<14} {sw_objective:>14} {statistics.median(or_solve):>11.1f} ms "
                  f"{statistics.median(or_all):>9.1f} ms {statistics.median(sw_solve):>9.1f} ms "
                  f"{statistics.median(sw_wall):>8.1f} ms {pivots:>8} {ratio:>11.2f}x")
    print(f"swift solve / ortools solve: median ratio {statistics.median(ratios):.2f}x "
          f"(below 1 means Swift is faster); objectives {'all equal' if not mismatches else f'{mismatches} MISMATCHED'}")
    print("ortools all = Python model building + Solve(); swift wall = whole process incl. JSON parsing")
    if not args.keep:
        print(f"problems in {directory}")
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
