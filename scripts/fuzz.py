"""Run the differential fuzzers against PyTorch for longer than CI does, with a seed.

    python scripts/fuzz.py ops --programs 5000 --seed 1
    python scripts/fuzz.py modules --programs 500 --seed 1
    python scripts/fuzz.py ops --programs 2000 --seed 7 --collect   # keep going, list kinds

Without ``--collect`` hypothesis stops at the first failure and shrinks it to a minimal
program, which it prints (turn it into a test in tests/test_fuzz_regressions.py). With
``--collect`` every program runs without shrinking and the distinct failures (by their
first line) are listed with one example program each, to find several bugs in one run.
The CI budget is the ``PROGRAMS`` constant of tests/test_fuzz_ops_vs_torch.py and
tests/test_fuzz_modules_vs_torch.py, run derandomized.
"""
from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1] / "tests"
sys.path.insert(0, str(TESTS))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("which", choices=["ops", "modules"])
    parser.add_argument("--programs", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--collect", action="store_true",
                        help="run every program (no shrinking) and list distinct failures")
    args = parser.parse_args(argv)

    from hypothesis import HealthCheck, Phase, given, seed, settings
    from hypothesis import strategies as st

    if args.which == "ops":
        import fuzz_ops as fuzz
    else:
        import fuzz_modules as fuzz
    failures: dict[str, str] = {}
    counts: dict[str, int] = {}
    ran = [0]

    def body(data):
        ran[0] += 1
        if not args.collect:
            fuzz.run_program(data)
            return
        try:
            fuzz.run_program(data)
        except fuzz.Mismatch as exc:
            key = str(exc).splitlines()[0]
            key = key.split(": ", 1)[-1][:120]
            counts[key] = counts.get(key, 0) + 1
            failures.setdefault(key, str(exc))

    phases = [Phase.generate] if args.collect else [Phase.generate, Phase.shrink]
    test = seed(args.seed)(settings(
        max_examples=args.programs, deadline=None, database=None, phases=phases,
        suppress_health_check=list(HealthCheck), derandomize=False,
    )(given(st.data())(body)))
    began = time.perf_counter()
    status = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            test()
        except Exception as exc:  # noqa: BLE001 - the shrunk failure, printed
            print(f"FAILED: {exc}")
            status = 1
    print(f"{ran[0]} programs ({args.which}, seed {args.seed}) in "
          f"{time.perf_counter() - began:.0f} s")
    for key, text in failures.items():
        print(f"\n=== {counts[key]}x {key}\n{text}")
    return 1 if failures else status


if __name__ == "__main__":
    raise SystemExit(main())
