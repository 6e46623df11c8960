#!/usr/bin/env python3
"""Independent optimum for Posko flow problems (the `posko solve` JSON format), via networkx.

Usage: flow_crosscheck.py PROBLEM.json [PROBLEM.json ...]

Prints one JSON line per problem: {"file": ..., "objective": N}. Unmet demand is modelled
as an arc from each demand to the sink with capacity = amount and cost = unmet_cost, so the
network is always feasible. Exits 2 when networkx is missing, 1 on a malformed problem.
"""
import json
import sys

try:
    import networkx as nx
except ImportError:
    print("flow_crosscheck: networkx is not installed (pip install networkx)", file=sys.stderr)
    sys.exit(2)


def optimum(problem):
    demands = problem["demands"]
    supplies = problem["supplies"]
    unmet_cost = problem["unmet_cost"]
    index = {}
    graph = nx.MultiDiGraph()
    sink = len(demands) + len(supplies)
    total = 0
    for i, d in enumerate(demands):
        index[d["id"]] = i
        graph.add_node(i, demand=-d["amount"])
        graph.add_edge(i, sink, capacity=d["amount"], weight=unmet_cost)
        total += d["amount"]
    for j, s in enumerate(supplies):
        node = len(demands) + j
        index[s["id"]] = node
        graph.add_node(node)
        graph.add_edge(node, sink, capacity=s["capacity"], weight=0)
    graph.add_node(sink, demand=total)
    for arc in problem["arcs"]:
        attributes = {"weight": arc["cost"]}
        if arc.get("capacity") is not None:
            attributes["capacity"] = arc["capacity"]
        graph.add_edge(index[arc["from"]], index[arc["to"]], **attributes)
    if total == 0:
        return 0
    cost, _ = nx.network_simplex(graph)
    return cost


def main(paths):
    if not paths:
        print(__doc__.strip(), file=sys.stderr)
        return 1
    for path in paths:
        try:
            with open(path) as f:
                problem = json.load(f)
            result = {"file": path, "objective": optimum(problem)}
        except (OSError, ValueError, KeyError, TypeError) as error:
            print(f"flow_crosscheck: {path}: {error!r}", file=sys.stderr)
            return 1
        print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
