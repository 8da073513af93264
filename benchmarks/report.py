"""Printing the results: machine header, the table of times and ratios, warnings, JSON."""
from __future__ import annotations

import json
import math
import os
import statistics
import time
from typing import Any

from workloads import Row, row_dict

SHORT = {"minitorch": "mt", "torch": "torch", "sklearn": "sk", "numpy": "np"}
# Times are disturbed when other processes took a share of the CPU (> DISTURBED) that we
# needed (together more than BUSY of all cores): a single-threaded workload on 2 cores
# does not mind one other busy process; 2-thread BLAS does, badly (OpenBLAS threads wait).
DISTURBED = 0.05
BUSY = 0.9
LOSS_TOLERANCE = 0.02  # relative difference of final losses that flags a wrong result


def _num(x: Any) -> str:
    if x is None:
        return "-"
    if isinstance(x, float):
        if not math.isfinite(x):
            return str(x)
        return f"{x:.3g}" if abs(x) >= 100 or abs(x) < 0.01 else f"{x:.3f}".rstrip("0").rstrip(".")
    return str(x)


def header(info: dict) -> str:
    blas = info.get("threadpools")
    if isinstance(blas, list):
        blas = "; ".join(
            f"{p['internal_api']} {p.get('version')} ({p.get('prefix')}, "
            f"{p.get('architecture') or '-'} kernel, {p.get('num_threads')} threads)"
            for p in blas)
    lines = [
        f"minitorch benchmark ({info['mode']} run), {time.strftime('%Y-%m-%d %H:%M')}, "
        f"minitorch commit {info.get('git')}",
        f"CPU: {info['cpu']} x{info['cpu_count']}; python {info['python']}, numpy "
        f"{info['numpy']}, torch {info.get('torch')}, scikit-learn {info.get('sklearn')}",
        f"threads: {info['threads']} (OMP/OPENBLAS/MKL_NUM_THREADS, torch.set_num_threads)",
        f"BLAS: {blas}",
        f"OPENBLAS_CORETYPE={info.get('OPENBLAS_CORETYPE')} "
        f"OPENBLAS_L2_SIZE={info.get('OPENBLAS_L2_SIZE')}; load average at start "
        f"{info.get('loadavg_start')}",
    ]
    if info.get("skipped_frameworks"):
        lines.append(f"skipped: {info['skipped_frameworks']}")
    return "\n".join(lines)


def progress(name: str, rows: list[Row], cpu: dict | None = None) -> str:
    parts = []
    for row in rows:
        vals = ", ".join(f"{SHORT.get(k, k)} {_num(v)}" for k, v in row.values.items())
        parts.append(f"  {row.metric}: {vals}")
    taken = "" if cpu is None else (
        f" in {cpu['wall_s']} s; other processes took {cpu['others_share']:.0%} of the CPU, "
        f"steal {cpu['steal_share']:.0%}; ours {cpu['ours_share']:.0%}")
    return f"{name} done{taken}\n" + "\n".join(parts)


def _ratio(row: Row, peer: str) -> float | None:
    """minitorch / peer: the median of the per-round ratios when both ran every round (the
    two ran seconds apart, so a machine that drifts between rounds cancels out), else the
    ratio of the medians."""
    a, b = row.values.get("minitorch"), row.values.get(peer)
    if not row.cross or a is None or not b:
        return None
    ra, rb = row.raw.get("minitorch") or [], row.raw.get(peer) or []
    if ra and len(ra) == len(rb) and all(rb):
        return statistics.median(x / y for x, y in zip(ra, rb))
    return a / b


def _checks(row: Row, fws: list[str]) -> str:
    """The first result each framework reported for this row (a loss, an agreement)."""
    shown = [(fw, row.checks[fw]) for fw in fws if row.checks.get(fw)]
    if not shown:
        return ""
    key = next(iter(shown[0][1]))
    values = [(fw, c.get(key)) for fw, c in shown]
    return f"{key}: " + " / ".join(
        f"{SHORT.get(fw, fw)} {v:.4f}" if isinstance(v, float) else f"{SHORT.get(fw, fw)} {v}"
        for fw, v in values)


def table(rows: list[Row], fws: list[str], markdown: bool = False) -> str:
    peers = [f for f in fws if f != "minitorch"]
    head = ["workload", "metric", *fws, *[f"mt/{SHORT[p]}" for p in peers], "target", "check"]
    body = []
    for row in rows:
        body.append([row.workload, row.metric, *[_num(row.values.get(f)) for f in fws],
                     *[_num(_ratio(row, p)) for p in peers], row.target, _checks(row, fws)])
    if markdown:
        out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        out += ["| " + " | ".join(cells) + " |" for cells in body]
        return "\n".join(out)
    widths = [max(len(str(r[i])) for r in [head, *body]) for i in range(len(head))]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return "\n".join(fmt.format(*r).rstrip() for r in [head, *body])


def warnings(rows: list[Row], info: dict) -> list[str]:
    out = []
    for name, cpu in (info.get("cpu_taken_by_others") or {}).items():
        if not cpu:
            continue
        foreign = cpu["others_share"] + cpu["steal_share"]
        if foreign > DISTURBED and foreign + cpu["ours_share"] > BUSY:
            out.append(f"WARNING {name}: other processes took {cpu['others_share']:.0%} of the "
                       f"CPU (steal {cpu['steal_share']:.0%}) while this workload needed "
                       f"{cpu['ours_share']:.0%}: its times are disturbed; rerun on a quiet "
                       "machine")
    for row in rows:
        for fw, err in row.errors.items():
            out.append(f"ERROR {row.workload} {row.metric} [{fw}]: {err}")
        losses = {fw: c["final_loss"] for fw, c in row.checks.items()
                  if c and "final_loss" in c}
        if len(losses) > 1:
            lo, hi = min(losses.values()), max(losses.values())
            if not all(map(math.isfinite, losses.values())) or hi - lo > LOSS_TOLERANCE * abs(lo):
                out.append(f"WARNING {row.workload}: final losses disagree {losses}")
        if "memory" in row.metric:
            for fw, peaks in row.raw.items():
                median = row.values.get(fw)
                if peaks and median and max(peaks) > 1.2 * median:
                    out.append(f"NOTE {row.workload} {row.metric} [{fw}]: one step peaked at "
                               f"{max(peaks):.3f} MB against a median of {median:.3f} MB "
                               "(a transient extra copy)")
        for fw, c in row.checks.items():
            if c and c.get("agree_with_numpy", 1.0) < 0.999:
                out.append(f"WARNING {row.workload} [{fw}]: predictions differ from numpy's "
                           f"on {1 - c['agree_with_numpy']:.2%} of rows")
    return out


def write_json(path: str, info: dict, rows: list[Row], fws: list[str]) -> None:
    peers = [f for f in fws if f != "minitorch"]
    data = {"machine": info, "frameworks": fws,
            "rows": [{**row_dict(r), "ratios": {f"minitorch/{p}": _ratio(r, p) for p in peers}}
                     for r in rows]}
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as f:
        json.dump(data, f, indent=1, default=float)
        f.write("\n")
