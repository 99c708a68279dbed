"""Top costs in a py-spy collapsed-stack file (``py-spy record --format raw``):
``uv run python -m bench.profile build/bench/profile-orders.txt [--top 25] [--match services/]``.

*Self* is where the samples were taken (the innermost frame), *inclusive* counts a frame once per
sample it appears in: a handler's inclusive share is everything it costs."""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path


def parse(lines: list[str]) -> list[tuple[list[str], int]]:
    stacks = []
    for line in lines:
        stack, _, count = line.rstrip().rpartition(" ")
        if stack and count.isdigit():
            stacks.append((stack.split(";"), int(count)))
    return stacks


def costs(stacks: list[tuple[list[str], int]], match: str = "") -> tuple[int, Counter[str], Counter[str]]:
    total = 0
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    for frames, count in stacks:
        total += count
        own[frames[-1]] += count
        for frame in set(frames):
            if match in frame:
                inclusive[frame] += count
    return total, own, inclusive


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.profile")
    parser.add_argument("file", type=Path)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--match", default="", help="inclusive list: only frames containing this text")
    args = parser.parse_args(argv)
    total, own, inclusive = costs(parse(args.file.read_text().splitlines()), args.match)
    print(f"{total} samples")
    for title, counter in (("self", own), ("inclusive", inclusive)):
        print(f"\n{title}:")
        for frame, count in counter.most_common(args.top):
            print(f"{100 * count / max(total, 1):5.1f}%  {frame}")


if __name__ == "__main__":
    main()
