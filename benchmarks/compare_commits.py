"""Compare a benchmark on two commits with interleaved runs: this checkout against a base.

The base is checked out once into a git worktree (re-used by later calls); then the
benchmark command runs in the base and in this checkout alternately (base, new, new,
base, base, new, ...: an ABBA order, so that a machine getting busier or quieter during
the comparison weighs on both sides alike), each run a fresh process with its own
checkout first on ``PYTHONPATH`` (so ``geocrm``, its SQL and its embedded database are that
checkout's). Every figure of the benchmark's output is read per line: a line is known by
its position and its text with the numbers taken out, and each number on it is compared.
Prints the figures of each run and, per figure, the medians of both sides and their ratio.

    python -m benchmarks.compare_commits BASE_REV [--runs 5] [--grep REGEX] -- COMMAND...

e.g. ``python -m benchmarks.compare_commits 5360cd3 --runs 5 --grep "p50" --
python -m benchmarks.bench_zones --customers 100000``. ``--harness new`` runs this
checkout's ``benchmarks/`` on both sides (the code measured stays each side's own), for a
benchmark option the base's copy does not have yet. ``--warmup 1`` runs each side once,
unmeasured, first (e.g. to prepare a benchmark database that later runs re-use).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_NUMBER = re.compile(r"(?<![\w.])-?\d[\d,]*(?:\.\d+)?(?!\w)")

#: A figure: (line position, line text with numbers as '#', index of the number on it).
Key = tuple[int, str, int]


def base_worktree(rev: str, path: Path | None) -> Path:
    """A worktree of ``rev`` (created with ``git worktree add --detach`` when missing)."""
    commit = _git("rev-parse", f"{rev}^{{commit}}")
    path = path or ROOT.with_name(f"{ROOT.name}-base")
    if not path.exists():
        _git("worktree", "add", "--detach", str(path), commit)
    head = _git("-C", str(path), "rev-parse", "HEAD")
    if head != commit:
        raise SystemExit(
            f"{path} is at {head[:10]}, not {rev} ({commit[:10]}): remove it or pass --worktree"
        )
    return path


def figures(output: str, grep: re.Pattern[str] | None) -> dict[Key, float]:
    """Every number of the output's lines (those matching ``grep``), keyed by where it is."""
    found: dict[Key, float] = {}
    for position, line in enumerate(output.splitlines()):
        if grep is not None and not grep.search(line):
            continue
        template = _NUMBER.sub("#", line.strip())
        for index, number in enumerate(_NUMBER.findall(line)):
            found[position, template, index] = float(number.replace(",", ""))
    return found


def run(command: list[str], checkout: Path, harness: Path | None) -> tuple[str, float]:
    """One run of the command in a checkout; its output and its seconds."""
    paths = [str(harness)] if harness else []
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([*paths, str(checkout)])}
    started = time.perf_counter()
    # `python -m` puts the working directory first on sys.path: the harness's, when given
    cwd = harness or checkout
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"the benchmark failed in {checkout} (exit {done.returncode})")
    return done.stdout, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base", help="the base revision (a commit, tag or branch)")
    parser.add_argument("--runs", type=int, default=5, help="measured runs per side")
    parser.add_argument("--warmup", type=int, default=0, help="unmeasured runs per side first")
    parser.add_argument("--grep", help="only figures of the output lines matching this regex")
    parser.add_argument("--worktree", type=Path, help="where the base is checked out")
    parser.add_argument(
        "--harness",
        choices=("each", "new"),
        default="each",
        help="whose benchmarks/ run: each side's own (default) or this checkout's on both",
    )
    argv = sys.argv[1:]
    split = argv.index("--") if "--" in argv else len(argv)
    args = parser.parse_args(argv[:split])
    command = argv[split + 1 :]
    if not command:
        parser.error("give the benchmark command after --")
    if command[0] == "python":
        command[0] = sys.executable
    grep = re.compile(args.grep) if args.grep else None

    sides = {"base": base_worktree(args.base, args.worktree), "new": ROOT}
    with tempfile.TemporaryDirectory() as tmp:
        harness = None
        if args.harness == "new":
            harness = Path(tmp)
            shutil.copytree(ROOT / "benchmarks", harness / "benchmarks")
        print(f"base {args.base} in {sides['base']}; new {_git('rev-parse', '--short', 'HEAD')}")
        print(f"command: {' '.join(command)}\n", flush=True)
        for _ in range(args.warmup):
            for name in ("base", "new"):
                _, seconds = run(command, sides[name], harness)
                print(f"warm-up {name}: {seconds:.0f} s", flush=True)
        runs: dict[str, list[dict[Key, float]]] = defaultdict(list)
        for i in range(args.runs):
            for name in ("base", "new") if i % 2 == 0 else ("new", "base"):
                output, seconds = run(command, sides[name], harness)
                found = figures(output, grep)
                runs[name].append(found)
                print(f"run {i + 1} {name} ({seconds:.0f} s):", flush=True)
                for line in _lines(found):
                    print(f"    {line}", flush=True)
    print("\nmedians (base -> new, ratio new / base):")
    for line in _summary(runs["base"], runs["new"]):
        print(f"    {line}")


def _lines(found: dict[Key, float]) -> list[str]:
    """A run's figures, one output line each, numbers put back."""
    by_line: dict[tuple[int, str], list[float]] = defaultdict(list)
    for (position, template, _), value in sorted(found.items()):
        by_line[position, template].append(value)
    return [_fill(template, values) for (_, template), values in by_line.items()]


def _summary(base: list[dict[Key, float]], new: list[dict[Key, float]]) -> list[str]:
    """Per output line: each number as 'base median -> new median (ratio)'."""
    keys = sorted(set().union(*base, *new)) if base or new else []
    by_line: dict[tuple[int, str], list[str]] = defaultdict(list)
    for key in keys:
        old = [r[key] for r in base if key in r]
        now = [r[key] for r in new if key in r]
        if not old or not now:
            by_line[key[:2]].append("?")
            continue
        a, b = statistics.median(old), statistics.median(now)
        ratio = f"{b / a:.2f}" if a else "-"
        by_line[key[:2]].append(f"{_short(a)} -> {_short(b)} ({ratio})")
    return [_fill(template, values) for (_, template), values in by_line.items()]


def _fill(template: str, values: list) -> str:
    parts = template.split("#")
    shown = [v if isinstance(v, str) else _short(v) for v in values]
    shown += ["#"] * (len(parts) - 1 - len(shown))
    return "".join(p + s for p, s in zip(parts, [*shown, ""], strict=False))


def _short(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.4g}"


def _git(*args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.strip()


if __name__ == "__main__":
    main()
