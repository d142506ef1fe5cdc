#!/usr/bin/env python3
"""KL(p || model) of trained toy-density models, with standard errors, on one shared test sample.

A run's test NLL (what `flowkit train` prints) is the entropy plus the KL divergence plus the
noise of its test sample: with 100,000 points that noise (about 0.005 nats for banana) is larger
than the differences between good models. This script removes it. It draws N points from the
toy density (its own generator, Python's standard library only, independent of flowkit's
training and test streams), writes them as CSV, asks `flowkit logprob` for every model's
log-density of every point, and prints for each model

    KL = mean(log p(x) - log q(x))           with its standard error over the N points,

using the density's exact log p (banana, eight Gaussians, checkerboard; the same formulas as
`ToyDensity.logDensity`). For every pair of models it prints the paired difference
mean(log q_a(x) - log q_b(x)) with its standard error: both models see the same points, so the
sample's own spread cancels and differences of 1e-4 nats can be resolved.

Usage:
    scripts/toy-kl.py --density banana --points 1000000 --seed 7 \\
        --flowkit .build/release/flowkit RUN_DIR [RUN_DIR ...]

Every run directory must hold a model trained on that density (its data are 2-D CSV rows).
"""
import argparse
import math
import os
import random
import subprocess
import sys
import tempfile


def log_normal(v, mean, std):
    z = (v - mean) / std
    return -0.5 * z * z - math.log(std) - 0.5 * math.log(2 * math.pi)


def banana(rng):
    x2 = 4 * rng.gauss(0, 1)
    return x2 * x2 / 4 + rng.gauss(0, 1), x2


def banana_log(x, y):
    return log_normal(y, 0, 4) + log_normal(x, y * y / 4, 1)


def eight_gaussians(rng):
    angle = 2 * math.pi * rng.randrange(8) / 8
    return 4 * math.cos(angle) + 0.5 * rng.gauss(0, 1), 4 * math.sin(angle) + 0.5 * rng.gauss(0, 1)


def eight_gaussians_log(x, y):
    terms = [
        log_normal(x, 4 * math.cos(2 * math.pi * k / 8), 0.5) + log_normal(y, 4 * math.sin(2 * math.pi * k / 8), 0.5)
        for k in range(8)
    ]
    top = max(terms)
    return top + math.log(sum(math.exp(t - top) for t in terms)) - math.log(8)


def checkerboard(rng):
    cell = rng.randrange(8)
    row, column = cell // 2, 2 * (cell % 2) + (cell // 2) % 2
    return -4 + 2 * column + 2 * rng.random(), -4 + 2 * row + 2 * rng.random()


def checkerboard_log(x, y):
    return -math.log(32)


DENSITIES = {
    "banana": (banana, banana_log),
    "eight-gaussians": (eight_gaussians, eight_gaussians_log),
    "checkerboard": (checkerboard, checkerboard_log),
}


def mean_and_error(values):
    n = len(values)
    mean = math.fsum(values) / n
    variance = math.fsum((v - mean) ** 2 for v in values) / (n - 1)
    return mean, math.sqrt(variance / n)


def log_densities(flowkit, run, data, out):
    result = subprocess.run(
        [flowkit, "logprob", "--run-dir", run, "--data", data, "--out", out], capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"flowkit logprob failed for {run} (exit {result.returncode}): {result.stderr.strip()}")
    with open(out) as handle:
        lines = handle.read().split()
    if not lines or lines[0] != "logprob":
        sys.exit(f"{out}: expected a header line 'logprob'")
    return [float(v) for v in lines[1:]]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--density", choices=sorted(DENSITIES), default="banana")
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--flowkit", default=".build/release/flowkit")
    parser.add_argument("runs", nargs="+", help="run directories of models trained on the density")
    args = parser.parse_args()
    if args.points < 2:
        sys.exit("--points must be at least 2")
    draw, exact = DENSITIES[args.density]
    rng = random.Random(args.seed)
    points = [draw(rng) for _ in range(args.points)]
    truth = [exact(x, y) for x, y in points]
    entropy, entropy_error = mean_and_error([-t for t in truth])
    print(f"{args.density}: {args.points} points (seed {args.seed}); their mean -log p = {entropy:.5f} ± {entropy_error:.5f}")
    with tempfile.TemporaryDirectory() as work:
        data = os.path.join(work, "points.csv")
        with open(data, "w") as handle:
            handle.write("x1,x2\n")
            handle.writelines(f"{x!r},{y!r}\n" for x, y in points)
        models = {}
        for index, run in enumerate(args.runs):
            models[run] = log_densities(args.flowkit, run, data, os.path.join(work, f"logprob{index}.csv"))
            if len(models[run]) != args.points:
                sys.exit(f"{run}: {len(models[run])} log-densities for {args.points} points")
    print("run\tKL nats\tstd error\tnon-finite")
    for run, values in models.items():
        bad = sum(1 for v in values if not math.isfinite(v))
        kl, error = mean_and_error([t - v for t, v in zip(truth, values)]) if bad == 0 else (math.inf, math.inf)
        print(f"{run}\t{kl:.5f}\t{error:.5f}\t{bad}")
    runs = list(models)
    if len(runs) > 1:
        print("paired: KL(a) - KL(b) = mean(log q_b - log q_a)\tstd error")
        for i, a in enumerate(runs):
            for b in runs[i + 1:]:
                difference, error = mean_and_error([vb - va for va, vb in zip(models[a], models[b])])
                print(f"{a} - {b}\t{difference:+.5f}\t{error:.5f}")


if __name__ == "__main__":
    main()
