"""Mutation scores from a `mutants/` directory, per module and per function (docs/mutation.md).

    python scripts/mutation_scores.py [MUTANTS_DIR...] [MODULE_SUBSTRING...] [--functions]

Reads mutmut's result files (`mutants/**/*.meta`) without starting mutmut, so it can watch a run in progress.
Several directories (runs of one module split between worktrees) are read as one: a mutant's result is the
first directory's that has one, in the order given.
Per function it says whether every mutant was run: a run stopped at a deadline resumes by naming the
functions not complete (`mutmut run "pkg.module.x_fn__mutmut_*"`).
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

# mutmut 3.8.1's exit codes counted as killed (stats.status_by_exit_code): a failing test, pytest's internal
# error, a timeout, a type-check failure. 0 is a survivor; None not run yet.
KILLED = {1, 3, -24, 24, 36, 152, 255, 37}


def main(argv: list[str]) -> None:
    functions = "--functions" in argv
    args = [a for a in argv if a != "--functions"]
    roots = [Path(a) for a in args if Path(a).is_dir()] or [Path("mutants")]
    wanted = [a for a in args if not Path(a).is_dir()]
    for meta in sorted(roots[0].glob("**/*.meta")):
        module = meta.relative_to(roots[0])
        if wanted and not any(w in str(module) for w in wanted):
            continue
        by_function: dict[str, dict[int, int | None]] = defaultdict(dict)
        for root in reversed(roots):  # the first directory's results written last: they win
            other = root / module
            if not other.exists():
                continue
            for name, code in json.loads(other.read_text())["exit_code_by_key"].items():
                function, _, number = name.rpartition("__mutmut_")
                results = by_function[function.rpartition(".x_")[2]]
                if code is not None or int(number) not in results:
                    results[int(number)] = code
        codes = [c for mutants in by_function.values() for c in mutants.values()]
        run = [c for c in codes if c is not None]
        if not run:
            continue
        killed = sum(c in KILLED for c in run)
        print(f"{module.with_suffix('')}: {len(codes)} mutants, {len(run)} run, {killed} killed "
              f"({100 * killed / len(run):.1f}%), {sum(c == 0 for c in run)} survived")
        if functions:
            for function, mutants in sorted(by_function.items()):
                ran = {n: c for n, c in mutants.items() if c is not None}
                survivors = " ".join(str(n) for n in sorted(n for n, c in ran.items() if c == 0))
                state = "complete" if len(ran) == len(mutants) else f"{len(ran)} of {len(mutants)} run"
                print(f"    {function}: {state}, {sum(c in KILLED for c in ran.values())} killed; "
                      f"survivors: {survivors or '-'}")


if __name__ == "__main__":
    main(sys.argv[1:])
