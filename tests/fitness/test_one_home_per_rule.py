"""Fitness: a rule that SQL statements need is written once, in its home (README, Layout: "Where rules
live"); every other statement composes the home's fragment. The test reads the string literals of the
code (SQL lives in them; docstrings and comments are prose and not read) of every app and of bench/,
and finds each rule's tell-tale text only in its home module."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from accounts import sql as accounts_sql
from common import identifiers
from contributions import sql as contributions_sql
from statements import snapshot
from transfers import amounts

ROOT = Path(__file__).resolve().parents[2]
NOT_CODE = {"tests", "docs", "var", "node_modules", "mutants", "locale", "templates", "scripts"}

# rule -> (its home, the text that writes it, the rule as its home renders it). Adding a rule: its
# fragment in the owning app's module, a line here, and a property test for its Python twin if it has one.
RULES = {
    "a day of the period's month (declaration day, due day)": (
        "contributions/sql.py", r"interval '1 month - 1 day'", lambda: contributions_sql.day_in_month("p", "d")),
    "the Art. 62 provisional charge (110%)": (
        "contributions/sql.py", r"\*\s*1\.10?\b|\b1\.10?\s*\*", lambda: contributions_sql.provisional_amount("t")),
    "late fee days": (
        "contributions/sql.py", r"-\s*[\w.]*fee_from\b", lambda: contributions_sql.late_days("c.fee_from", "x.paid_on")),
    "a settled charge (a paid month)": (
        "contributions/sql.py", r"amount <= \(SELECT coalesce\(sum\(",
        lambda: contributions_sql.charge_settled("c.id")),
    "a counted Art. 58 month": (
        "contributions/sql.py", r"charge_id IS NOT NULL", lambda: contributions_sql.determined_month_counts()),
    "a month on the roll (figures that do not net to zero)": (
        "contributions/sql.py", r"sum\([\w.]*base\) <> 0", lambda: contributions_sql.month_on_the_roll("l")),
    "a flexible worker's month that counts (not reversed as an employer's)": (
        "contributions/sql.py", r"kind = 'self_paid_reversal'", lambda: contributions_sql.self_paid_month_counts("f")),
    "a used-up credit": (
        "contributions/sql.py", r"-[\w.]*amount (<=|>) (COALESCE\()?\(SELECT", lambda: contributions_sql.credit_used_up("c")),
    "a month of contribution (credits net above zero)": (
        "accounts/sql.py", r"HAVING sum\([\w.]*amount\) > 0",
        lambda: accounts_sql.credited_months(source="e", person="p", month="m", amount="e.amount")),
    "the year's bookkeeping interest": (
        "accounts/sql.py", r"/ 1200\b", lambda: accounts_sql.interest_amount(opening="o", weighted="w", percent="r")),
    "the pooled fund's 12%": ("transfers/amounts.py", r"/ 100, 2\)", lambda: amounts.pooled_amount_sql("b")),
    "the masked document number": ("common/identifiers.py", r"repeat\('\*'", lambda: identifiers.mask_document_sql("n")),
    "the statement channel": ("statements/snapshot.py", r"statement_delivery = 'email'", lambda: snapshot.channel_sql("p")),
    # Six digits standing alone in an address (a division code, a whole 6-digit value, is another rule).
    "the postal code": ("statements/snapshot.py", r"\(\?<!\[0-9\]\)\(\[0-9\]\{6\}\)",
                        lambda: snapshot.postal_code_sql("a")),
}


def _code_files() -> list[Path]:
    files = []
    for top in sorted(ROOT.iterdir()):
        if top.is_dir() and not top.name.startswith(".") and top.name not in NOT_CODE:
            files += [p for p in top.rglob("*.py") if "migrations" not in p.parts]
    return files


def _literals(path: Path) -> list[str]:
    """The string literals of a module (the constant parts of f-strings too), docstrings left out."""
    tree = ast.parse(path.read_text(), str(path))
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docstrings.add(id(first.value))
    return [node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings]


def _writers() -> dict[str, set[str]]:
    """rule -> the modules whose literals write it."""
    found: dict[str, set[str]] = {rule: set() for rule in RULES}
    for path in _code_files():
        text = "\n".join(_literals(path))
        for rule, (_home, tell, _rendered) in RULES.items():
            if re.search(tell, text):
                found[rule].add(path.relative_to(ROOT).as_posix())
    return found


WRITERS = _writers()


@pytest.mark.parametrize("rule", RULES)
def test_each_rule_is_written_in_its_home_only(rule):
    home, tell, rendered = RULES[rule]
    assert re.search(tell, rendered()), f"{rule}: the tell does not recognise the rule as {home} writes it"
    assert WRITERS[rule] <= {home}, f"{rule}: written in {sorted(WRITERS[rule] - {home})}, compose {home} instead"


def test_a_rule_written_again_is_found(tmp_path):
    """The scan reads f-strings' text and leaves docstrings alone (so the test above can fail)."""
    probe = tmp_path / "copy.py"
    probe.write_text('"""A docstring may say interval \'1 month - 1 day\'."""\n'
                     'X = f"""SELECT round({t} * 1.10, 2), d + interval \'1 month - 1 day\'"""\n')
    text = "\n".join(_literals(probe))
    assert re.search(RULES["the Art. 62 provisional charge (110%)"][1], text)
    assert text.count("interval '1 month - 1 day'") == 1
