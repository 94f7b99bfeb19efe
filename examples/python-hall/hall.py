#!/usr/bin/env python3
"""A hall's batch of applications through evenhand: decide each, journal each, then report.

    python3 hall.py RULESET_DIR APPLICATIONS_DIR JOURNAL [--threads N]

Reads every *.json and *.yaml application in APPLICATIONS_DIR, evaluates them on N threads
(evaluation releases the GIL), appends every decision to JOURNAL, prints a table of outcomes,
the one-time notices (一次性告知) to hand to applicants, and verifies the journal's chain.
Exit 0 when every application was decided and the journal is sound.
"""

import argparse
import collections
import concurrent.futures
import json
import pathlib
import sys

import evenhand


def read(path):
    """A JSON application as a dict (what a hall's web form gives); YAML as its text."""
    text = path.read_text(encoding="utf-8")
    return json.loads(text) if path.suffix == ".json" else text


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ruleset")
    parser.add_argument("applications", type=pathlib.Path)
    parser.add_argument("journal")
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()

    try:
        rules = evenhand.load(args.ruleset)  # once: immutable, shared by every thread
    except evenhand.RulesetError as e:
        for d in e.diagnostics:
            print(f"{d['file']}:{d['line']}:{d['column']}: {d['severity']}[{d['code']}]: {d['message']}", file=sys.stderr)
        return 2

    files = sorted(p for p in args.applications.iterdir() if p.suffix in (".json", ".yaml"))
    results = {}
    with evenhand.Journal(args.journal, rules) as journal:

        def accept(path):
            try:
                # synced: on disk before the applicant hears the outcome (threads share the sync)
                _, decision = journal.append(read(path), synced=True, name=path.name)
                return path.name, decision
            except evenhand.ApplicationError as e:
                return path.name, e

        with concurrent.futures.ThreadPoolExecutor(max_workers=args.threads) as pool:
            results = dict(pool.map(accept, files))

    print(f"ruleset {rules.id}: {len(files)} applications\n")
    print(f"{'application':52} {'stage':10} {'outcome':17} notices")
    outcomes = collections.Counter()
    for name, r in results.items():
        if isinstance(r, evenhand.ApplicationError):
            outcomes["(invalid)"] += 1
            print(f"{name:52} {'-':10} {'(invalid)':17} -")
            continue
        outcomes[r.outcome] += 1
        print(f"{name:52} {r.stage:10} {r.outcome:17} {len(r.notice)}")

    print(f"\n{'outcome':17} count")
    for outcome, n in sorted(outcomes.items()):
        print(f"{outcome:17} {n:5}")

    print("\nnotices (一次性告知)")
    for name, r in results.items():
        if isinstance(r, evenhand.ApplicationError):
            print(f"{name}: not evaluated")
            for d in r.diagnostics:
                print(f"  {d['file']}:{d['line']}:{d['column']}: {d['code']}: {d['message']}")
        elif r.notice:
            print(f"{name}:")
            for i, entry in enumerate(r.notice, 1):
                due = f" (due {entry['due']})" if entry.get("due") else ""
                print(f"  {i}. [{entry['kind']}] {entry['text']}{due}")

    report = evenhand.verify_journal(args.journal)
    if report["ok"]:
        print(f"\njournal {args.journal}: {report['records']} records, chain sound")
    else:
        print(f"\njournal {args.journal}:{report['line']}: {report['problem']}: {report['detail']}")
    invalid = outcomes["(invalid)"]
    return 0 if report["ok"] and not invalid else 1


if __name__ == "__main__":
    sys.exit(main())
