"""Mutation testing of the rules that matter, with mutmut, in a copy of the repository.

Not part of CI (it runs the relevant tests once per mutant: minutes to hours). Usage::

    python scripts/mutation.py                      # a seeded sample of 200 mutants
    python scripts/mutation.py --sample 0           # every mutant (hours on 2 cores)
    python scripts/mutation.py --sample 400 --seed 3 --workdir /tmp/mut

What it does:

1. copies the working tree (tracked and untracked, not ignored files) to ``--workdir``, so
   the mutated files never touch the checkout other people test in;
2. adds a ``[tool.mutmut]`` section to the copy's pyproject.toml: the mutated code is
   ``minitorch/`` restricted (``only_mutate``) to core/, ops/, optim/, nn/freezing.py,
   nn/normalization.py and serialization.py, and the tests are the fast files that exercise
   them (``TESTS`` below; doctests off);
3. generates the mutants, draws ``--sample`` of them with ``--seed`` (the same seed on the
   same code draws the same mutants), runs them, and prints the score and every survivor
   with its diff (``mutmut show``).

The score is killed / (killed + survived); mutants that no selected test reaches ("no
tests") are listed separately, since they say which code the fast tests never run.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

MUTATE = [
    "minitorch/core/*",
    "minitorch/ops/*",
    "minitorch/optim/*",
    "minitorch/nn/freezing.py",
    "minitorch/nn/normalization.py",
    "minitorch/serialization.py",
]
TESTS = [
    "tests/test_tensor_ops.py", "tests/test_autograd_semantics.py",
    "tests/test_engine_internals.py", "tests/test_freezing.py", "tests/test_freezing_optim.py",
    "tests/test_nn_batchnorm_freezing.py", "tests/test_optim.py", "tests/test_optim_rules.py",
    "tests/test_optim_param_groups.py", "tests/test_optim_lr_scheduler.py",
    "tests/test_serialization.py", "tests/test_gradcheck.py", "tests/test_memory.py",
    "tests/test_nn_state_dict.py", "tests/test_torch_parity_core.py",
    "tests/test_torch_parity_optim.py", "tests/test_ops_rounding_norm_gather.py",
    "tests/test_ops_sort_split_select.py", "tests/test_nn_losses.py",
    "tests/test_errors.py", "tests/test_nn_layers.py", "tests/test_mutation_survivors.py",
    "tests/test_fuzz_regressions.py",
]


def copy_tree(dest: Path) -> None:
    """The working tree as git sees it (tracked + untracked, minus ignored) into ``dest``."""
    if dest.exists():
        shutil.rmtree(dest)
    files = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT, check=True,
        capture_output=True,
    ).stdout.decode().split("\0")
    for name in filter(None, files):
        src = ROOT / name
        if src.is_file():
            target = dest / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, target)


def configure(dest: Path) -> list[str]:
    tests = [t for t in TESTS if (dest / t).exists()]
    section = "\n[tool.mutmut]\n" + "\n".join([
        'source_paths = ["minitorch"]',
        f"only_mutate = {json.dumps(MUTATE)}",
        f"pytest_add_cli_args_test_selection = {json.dumps(tests)}",
        'pytest_add_cli_args = ["-o", "addopts=", "-p", "no:cacheprovider", "-x"]',
        "use_git_change_detection = false",
        "track_dependencies = false",
    ]) + "\n"
    pyproject = dest / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + section)
    return tests


def mutmut(dest: Path, *args: str, check: bool = False) -> subprocess.CompletedProcess:
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "PYTHONHASHSEED": "0"}
    exe = Path(sys.executable).with_name("mutmut")
    return subprocess.run([str(exe), *args], cwd=dest, env=env, text=True,
                          capture_output=True, check=check)


def all_mutant_names(dest: Path) -> list[str]:
    names = []
    for meta in sorted((dest / "mutants").rglob("*.meta")):
        names += list(json.loads(meta.read_text())["exit_code_by_key"])
    return sorted(names)


def results(dest: Path) -> dict[str, str]:
    out = mutmut(dest, "results", "--all", "true").stdout
    status = {}
    for line in out.splitlines():
        m = re.match(r"\s*(\S+): (.+)$", line)
        if m:
            status[m[1]] = m[2].strip()
    return status


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/minitorch-mutation"))
    parser.add_argument("--sample", type=int, default=200, help="0: every mutant")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-children", type=int, default=2)
    parser.add_argument("--no-copy", action="store_true", help="reuse --workdir as it is")
    args = parser.parse_args(argv)

    dest = args.workdir.resolve()
    if dest == ROOT or ROOT in dest.parents:
        parser.error("--workdir must be outside the repository: mutants rewrite its files")
    if not args.no_copy:
        copy_tree(dest)
        configure(dest)
    # Generate the mutants and the test statistics once; the filter matches nothing on purpose.
    mutmut(dest, "run", "--max-children", str(args.max_children), "zz-generate-only")
    names = all_mutant_names(dest)
    if not names:
        print(mutmut(dest, "run", "zz").stdout[-3000:])
        return 1
    chosen = names if args.sample <= 0 else sorted(
        random.Random(args.seed).sample(names, min(args.sample, len(names))))
    print(f"{len(names)} mutants generated; running {len(chosen)} (seed {args.seed})", flush=True)
    done = mutmut(dest, "run", "--max-children", str(args.max_children), *chosen)
    if done.returncode not in (0, 1):
        print(done.stdout[-3000:], done.stderr[-3000:])
    status = results(dest)
    chosen_status = {n: status.get(n, "not checked") for n in chosen}
    killed = [n for n, s in chosen_status.items() if s == "killed"]
    survived = [n for n, s in chosen_status.items() if s == "survived"]
    others = {n: s for n, s in chosen_status.items() if s not in ("killed", "survived")}
    score = len(killed) / max(1, len(killed) + len(survived))
    print(f"killed {len(killed)}, survived {len(survived)}, other {len(others)}: "
          f"score {score:.1%} (killed / (killed + survived))")
    for name, state in sorted(others.items()):
        print(f"  {state}: {name}")
    for name in survived:
        print(f"\n=== survived: {name}")
        print(mutmut(dest, "show", name).stdout.strip())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
