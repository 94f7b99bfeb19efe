#!/usr/bin/env python3
"""Validates every bundled ruleset file against the JSON Schema of the format (rulesets/schema/).

Usage: validate_rulesets.py REPO_ROOT
YAML dates are kept as strings (the schema describes them as "format": "date" strings), as an
editor's language server sees them.
"""
import pathlib
import sys

import jsonschema
import yaml


class StringDates(yaml.SafeLoader):
    """SafeLoader that leaves timestamps as the text written."""


StringDates.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def main() -> int:
    root = pathlib.Path(sys.argv[1])
    schemas = root / "rulesets" / "schema"
    item_schema = yaml.safe_load((schemas / "item.schema.json").read_text(encoding="utf-8"))
    ruleset_schema = yaml.safe_load((schemas / "ruleset.schema.json").read_text(encoding="utf-8"))
    for schema in (item_schema, ruleset_schema):
        jsonschema.Draft202012Validator.check_schema(schema)
    failures = 0
    checked = 0
    for ruleset in sorted(p.parent for p in (root / "rulesets").glob("*/ruleset.yaml")):
        targets = [(ruleset / "ruleset.yaml", ruleset_schema)]
        targets += [(p, item_schema) for p in sorted((ruleset / "items").glob("*.yaml"))]
        for path, schema in targets:
            doc = yaml.load(path.read_text(encoding="utf-8"), Loader=StringDates)
            errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(doc), key=lambda e: list(e.path))
            checked += 1
            for e in errors:
                failures += 1
                where = "/".join(str(x) for x in e.path)
                print(f"{path.relative_to(root)}: {where}: {e.message}")
    # The schema must also reject what the loader rejects for shape: a sample of the bad corpus.
    for name in ("03-unknown-top-key.yaml", "04-unknown-item-key.yaml", "14-bad-stage.yaml"):
        doc = yaml.load((root / "tests" / "standards" / "bad" / name).read_text(encoding="utf-8"), Loader=StringDates)
        if not list(jsonschema.Draft202012Validator(item_schema).iter_errors(doc)):
            failures += 1
            print(f"schema accepts tests/standards/bad/{name}, which the loader rejects")
    print(f"schema: {checked} files checked, {failures} problems")
    return 1 if failures or checked == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
