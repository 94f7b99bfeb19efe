#!/usr/bin/env python3
"""Validates decisions against the decision's JSON Schema (schema/decision.schema.json).

Usage: validate_decisions.py REPO_ROOT [DECISION.json ...]
Without files, validates the golden decisions (tests/golden/**/*.json), and checks that each is
in canonical form: one line, keys sorted, no insignificant whitespace.
"""
import json
import pathlib
import re
import sys

import jsonschema


STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


def canonical_problems(text: str) -> list:
    """Key order and whitespace, checked on the text itself (numbers keep their exact text)."""
    problems = []
    if "\n" in text:
        problems.append("more than one line")
    if re.search(r"\s", STRING.sub('""', text)):
        problems.append("whitespace outside strings")

    def pairs(items):
        keys = [k for k, _ in items]
        if keys != sorted(keys, key=lambda k: k.encode("utf-8")) or len(set(keys)) != len(keys):
            problems.append(f"keys not sorted or repeated: {keys}")
        return dict(items)

    json.loads(text, object_pairs_hook=pairs, parse_float=str, parse_int=str)
    return problems


def main() -> int:
    root = pathlib.Path(sys.argv[1])
    schema = json.loads((root / "schema" / "decision.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    files = [pathlib.Path(f) for f in sys.argv[2:]] or sorted((root / "tests" / "golden").rglob("*.json"))
    if not files:
        print("no decisions to validate", file=sys.stderr)
        return 1
    failures = 0
    for path in files:
        text = path.read_text(encoding="utf-8").rstrip("\n")
        decision = json.loads(text)
        for error in validator.iter_errors(decision):
            failures += 1
            where = "/".join(str(p) for p in error.absolute_path)
            print(f"{path}: {where}: {error.message}", file=sys.stderr)
        for problem in canonical_problems(text):
            failures += 1
            print(f"{path}: not canonical: {problem}", file=sys.stderr)
    print(f"{len(files)} decisions checked, {failures} problems")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
