#!/usr/bin/python3
"""Prints the Markdown tables of docs/training.md from the metrics.csv files that `train` wrote.

    /usr/bin/python3 tools/fashion-mnist/summarise.py runs/seed1/metrics.csv runs/seed2/metrics.csv

Per model and seed: the last epoch's numbers; then per model the mean over the seeds. Standard library only.
"""
import csv
import sys
from collections import defaultdict


def main(paths):
    per_run = []  # (seed file, model, rows)
    for path in paths:
        rows = defaultdict(list)
        with open(path, newline="") as f:
            for r in csv.DictReader(f):
                rows[r["model"]].append(r)
        for model, rs in rows.items():
            per_run.append((path, model, rs))
    print("| run | model | epochs | train loss | test loss | test acc % | s/epoch (training) | s (test) |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    means = defaultdict(list)
    for path, model, rs in per_run:
        last = rs[-1]
        sec = sum(float(r["train_seconds"]) for r in rs) / len(rs)
        ev = sum(float(r["eval_seconds"]) for r in rs) / len(rs)
        print(f"| {path} | {model} | {last['epoch']} | {float(last['train_loss']):.4f} | {float(last['test_loss']):.4f} | "
              f"{100 * float(last['test_accuracy']):.2f} | {sec:.0f} | {ev:.0f} |")
        means[(model, last["epoch"])].append((100 * float(last["test_accuracy"]), sec))
    print()
    print("| model | epochs | runs | mean test acc % | mean s/epoch |")
    print("|---|---:|---:|---:|---:|")
    for (model, epoch), v in means.items():
        print(f"| {model} | {epoch} | {len(v)} | {sum(a for a, _ in v) / len(v):.2f} | {sum(s for _, s in v) / len(v):.0f} |")
    print()
    print("Per epoch:")
    for path, model, rs in per_run:
        for r in rs:
            print(f"  {path} {model} epoch {r['epoch']}: train loss {float(r['train_loss']):.4f}, train acc {100 * float(r['train_accuracy']):.2f}, "
                  f"test loss {float(r['test_loss']):.4f}, test acc {100 * float(r['test_accuracy']):.2f}, {float(r['train_seconds']):.0f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
