"""The Python module: loading, lint, evaluation of dicts and text, byte-identical decisions,
errors with their diagnostics, the journal, and threads."""

import concurrent.futures
import copy
import datetime
import decimal
import json
import os
import pathlib
import subprocess

import pytest

import evenhand

SOURCE = pathlib.Path(os.environ.get("EVENHAND_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[2]))
RULESET = SOURCE / "rulesets" / "cn-demo"
APPLICATIONS = SOURCE / "examples" / "applications"
RESTAURANT = APPLICATIONS / "food-business-restaurant.json"
GOLDEN = SOURCE / "tests" / "golden" / "food-business-licence" / "grant-restaurant.json"


@pytest.fixture(scope="module")
def rules():
    return evenhand.load(RULESET)


@pytest.fixture(scope="module")
def restaurant():
    return json.loads(RESTAURANT.read_text(encoding="utf-8"))


def test_load(rules):
    assert rules.id == "cn-demo"
    assert rules.digest.startswith("sha256:") and len(rules.digest) == 7 + 64
    codes = {i["code"] for i in rules.items}
    assert "SCJG-XK-001" in codes
    item = next(i for i in rules.items if i["code"] == "SCJG-XK-001")
    assert set(item) == {"code", "name", "version", "effective_from", "effective_to", "digest", "file"}
    assert evenhand.__version__


def test_lint(rules):
    problems = rules.lint()
    assert isinstance(problems, list)
    for p in problems:
        assert p["severity"] == "warning"
        assert {"code", "message", "file", "line", "column"} <= set(p)


def test_to_json_is_what_the_cli_prints(rules):
    text = RESTAURANT.read_text(encoding="utf-8")
    decision = rules.evaluate(text)
    golden = GOLDEN.read_text(encoding="utf-8").rstrip("\n")
    assert decision.to_json() == golden
    cli = os.environ.get("EVENHAND_CLI")
    if cli:
        printed = subprocess.run([cli, "eval", str(RULESET), str(RESTAURANT)], check=True, capture_output=True).stdout
        assert decision.to_json().encode("utf-8") + b"\n" == printed


def test_evaluate_dict_and_text_agree(rules, restaurant):
    from_dict = rules.evaluate(restaurant)
    from_text = rules.evaluate(RESTAURANT.read_text(encoding="utf-8"))
    assert from_dict == from_text
    assert from_dict.to_json() == from_text.to_json()
    assert from_dict.outcome == "grant"
    assert from_dict.stage == "decision"
    assert from_dict.stages == {"acceptance": "accept", "decision": "grant"}
    assert from_dict.notice == []
    assert from_dict.schedule["accepted_on"] == "2026-02-10"
    d = from_dict.to_dict()
    assert d["outcome"] == "grant"
    assert d == json.loads(from_dict.to_json(), parse_float=decimal.Decimal)


def test_yaml_text(rules):
    text = (
        "item: SCJG-XK-001\n"
        "submitted_at: 2026-03-02T09:30:00+08:00\n"
        "fields:\n"
        "  applicant: { kind: enterprise, uscc: 91110000600037341L }\n"
    )
    decision = rules.evaluate(text)
    assert decision.outcome == "correct"
    assert decision.stages == {"acceptance": "correct", "decision": None}
    assert any(n["kind"] == "field" for n in decision.notice)


def test_exact_numbers(rules, restaurant):
    """35.5 given as a float, a str or a Decimal is the same decimal: the same decision."""
    decisions = set()
    for area in (35.5, "35.5", decimal.Decimal("35.5")):
        app = copy.deepcopy(restaurant)
        app["fields"]["premises"]["area_m2"] = area
        decisions.add(rules.evaluate(app).to_json())
    assert len(decisions) == 1


def test_dates_and_as_of(rules, restaurant):
    app = copy.deepcopy(restaurant)
    tz = datetime.timezone(datetime.timedelta(hours=8))
    app["submitted_at"] = datetime.datetime(2026, 2, 10, 9, 30, tzinfo=tz)
    app["fields"]["application"]["date"] = datetime.date(2026, 2, 10)
    assert rules.evaluate(app) == rules.evaluate(restaurant)
    later = rules.evaluate(restaurant, as_of="2026-02-12T10:00:00+08:00")
    assert later.to_dict()["as_of"] == "2026-02-12T02:00:00Z"
    assert rules.evaluate(restaurant, as_of=datetime.datetime(2026, 2, 12, 10, tzinfo=tz)) == later


def test_application_errors(rules, restaurant):
    with pytest.raises(evenhand.ApplicationError) as e:
        rules.evaluate('{\n  "item": "SCJG-XK-001",\n  "fields": {,\n}\n', name="torn.json")
    first = e.value.diagnostics[0]
    assert first["file"] == "torn.json" and first["line"] == 3 and first["column"] > 0
    assert "torn.json:3:" in str(e.value)

    app = copy.deepcopy(restaurant)
    app["fields"]["colour"] = "blue"
    with pytest.raises(evenhand.ApplicationError) as e:
        rules.evaluate(app)
    assert e.value.diagnostics[0]["code"].startswith("E40")
    assert isinstance(e.value, ValueError) and isinstance(e.value, evenhand.Error)

    with pytest.raises(ValueError, match="as_of"):
        rules.evaluate(restaurant, as_of="yesterday")
    with pytest.raises(ValueError, match="before the application was submitted"):
        rules.evaluate(restaurant, as_of="2026-02-09T09:30:00+08:00")
    with pytest.raises(TypeError):
        rules.evaluate(42)
    with pytest.raises(TypeError):
        rules.evaluate({"item": object()})
    with pytest.raises(ValueError):
        rules.evaluate({"item": float("nan")})
    deep = []
    for _ in range(100):
        deep = [deep]
    with pytest.raises(ValueError, match="deeper"):
        rules.evaluate({"fields": deep})


def test_calendar_not_covered(rules, restaurant, tmp_path):
    # The demo calendar ends 2026-12-31: a decision whose deadlines reach 2027 has none, and
    # is never handed out as if it had (nor journalled).
    app = copy.deepcopy(restaurant)
    app["submitted_at"] = "2027-01-05T09:30:00+08:00"
    app["fields"]["application"]["date"] = "2027-01-05"
    with pytest.raises(evenhand.CalendarNotCoveredError) as e:
        rules.evaluate(app)
    assert e.value.years == [2027]
    assert "2027" in str(e.value)
    assert isinstance(e.value, evenhand.Error)
    assert e.value.decision.to_dict()["schedule"]["calendar_not_covered"] == [2027]
    path = tmp_path / "j.jsonl"
    with evenhand.Journal(path, rules) as journal:
        with pytest.raises(evenhand.CalendarNotCoveredError):
            journal.append(app)
    assert not path.exists() or path.read_text(encoding="utf-8") == ""


def test_ruleset_errors(tmp_path):
    with pytest.raises(evenhand.RulesetError) as e:
        evenhand.load(tmp_path / "missing")
    assert e.value.diagnostics
    (tmp_path / "ruleset.yaml").write_text(
        "ruleset:\n  id: broken\n  name: broken\n  timezone: Asia/Shanghai\n  colour: blue\n", encoding="utf-8"
    )
    with pytest.raises(evenhand.RulesetError) as e:
        evenhand.load(str(tmp_path))
    errors = [d for d in e.value.diagnostics if d["severity"] == "error"]
    assert errors and errors[0]["file"].endswith("ruleset.yaml") and errors[0]["line"] > 0


def test_journal(rules, restaurant, tmp_path):
    path = tmp_path / "decisions.jsonl"
    texts = [p.read_text(encoding="utf-8") for p in sorted(APPLICATIONS.glob("*.json"))]
    with evenhand.Journal(path, rules, salt="hall-secret") as journal:
        seq, decision = journal.append(restaurant)
        assert seq == 1 and decision == rules.evaluate(restaurant)
        for i, text in enumerate(texts):
            seq, _ = journal.append(text, synced=i % 2 == 0)
            assert seq == i + 2
        with pytest.raises(evenhand.ApplicationError):
            journal.append({"item": "SCJG-XK-001", "fields": 3})
        journal.sync()
        assert journal.records == 1 + len(texts)
    with pytest.raises(ValueError, match="closed"):
        journal.append(restaurant)

    report = evenhand.verify_journal(path)
    assert report["ok"] is True and report["records"] == 1 + len(texts)
    record = json.loads(path.read_text(encoding="utf-8").splitlines()[0])
    assert record["decision"]["outcome"] == "grant"

    with open(path, "a", encoding="utf-8") as f:
        f.write('{"application":')
    report = evenhand.verify_journal(path)
    assert report["ok"] is False and report["problem"] == "torn" and report["line"] == 2 + len(texts)
    # The next handle mends a crash's torn line (keeping its bytes) and extends the chain.
    with evenhand.Journal(path, rules) as journal:
        assert journal.recoveries == [
            {"what": "torn_tail_removed", "offset": journal.recoveries[0]["offset"], "bytes": 15,
             "saved_to": str(path) + ".torn.1"}
        ]
        seq, _ = journal.append(restaurant)
        assert seq == 2 + len(texts)
    assert open(str(path) + ".torn.1", encoding="utf-8").read() == '{"application":'
    assert evenhand.verify_journal(path)["ok"] is True

    # A last record that is not sound is refused, not extended.
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines[:-1]) + lines[-1].replace('"grant"', '"deny"'), encoding="utf-8")
    with pytest.raises(evenhand.JournalError, match="edited"):
        evenhand.Journal(path, rules)
    with pytest.raises(FileNotFoundError):
        evenhand.verify_journal(tmp_path / "missing.jsonl")


def test_threads(rules):
    apps = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(APPLICATIONS.glob("*.json"))]
    expected = [rules.evaluate(a).to_json() for a in apps]
    work = [apps[i % len(apps)] for i in range(400)]
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        got = list(pool.map(lambda a: rules.evaluate(a).to_json(), work))
    assert got == [expected[i % len(apps)] for i in range(400)]


def test_threads_append(rules, tmp_path):
    apps = [p.read_text(encoding="utf-8") for p in sorted(APPLICATIONS.glob("*.json"))]
    path = tmp_path / "shared.jsonl"
    with evenhand.Journal(path, rules) as journal:
        with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
            seqs = [seq for seq, _ in pool.map(journal.append, apps * 4)]
    assert sorted(seqs) == list(range(1, 4 * len(apps) + 1))
    assert evenhand.verify_journal(path)["records"] == 4 * len(apps)


def test_two_journal_objects_share_a_file(rules, restaurant, tmp_path):
    path = tmp_path / "two.jsonl"
    with evenhand.Journal(path, rules) as a, evenhand.Journal(path, rules) as b:
        seqs = []
        with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
            futures = [pool.submit((a if i % 2 else b).append, restaurant, synced=i % 3 == 0) for i in range(40)]
            seqs = [f.result()[0] for f in futures]
    assert sorted(seqs) == list(range(1, 41))
    report = evenhand.verify_journal(path)
    assert report["ok"] is True and report["records"] == 40


CASES = SOURCE / "examples" / "cases"
NOW = "2026-03-03T10:00:00+08:00"


def test_supervise(rules):
    path = CASES / "food-on-time.yaml"
    status = rules.supervise(path.read_text(encoding="utf-8"), NOW)
    assert status.light in ("green", "yellow", "red", "overdue")
    d = status.to_dict()
    assert d["application"] == "SCJG-2026-0227" and d["light"] == status.light
    assert status == rules.supervise(path.read_text(encoding="utf-8"), now=NOW)
    cli = os.environ.get("EVENHAND_CLI")
    if cli:
        printed = subprocess.run([cli, "supervise", str(RULESET), str(path), "--now", NOW], capture_output=True).stdout
        assert status.to_json().encode("utf-8") + b"\n" == printed

    case = json.loads((CASES / "food-extended.json").read_text(encoding="utf-8"))
    tz = datetime.timezone(datetime.timedelta(hours=8))
    assert rules.supervise(case, datetime.datetime(2026, 3, 3, 10, tzinfo=tz)) == rules.supervise(case, NOW)


def test_supervise_errors(rules):
    bad = "item: SCJG-XK-001\nreceived_at: 2026-02-27T14:00:00+08:00\nevents:\n  - { at: 2026-02-28T09:00:00+08:00, kind: teleported }\n"
    with pytest.raises(evenhand.CaseError) as e:
        rules.supervise(bad, NOW, name="bad-case.yaml")
    first = e.value.diagnostics[0]
    assert first["file"] == "bad-case.yaml" and first["line"] == 4 and first["code"].startswith("E5")
    with pytest.raises(ValueError, match="now"):
        rules.supervise(bad, None)
    with pytest.raises(ValueError, match="now"):
        rules.supervise(bad, "soon")


def test_bounded_diagnostics(rules, restaurant):
    # 10,000 unknown fields: the first hundred diagnostics, and one counting the rest.
    app = copy.deepcopy(restaurant)
    app["fields"].update({"unknown_%d" % i: 1 for i in range(10_000)})
    with pytest.raises(evenhand.ApplicationError) as e:
        rules.evaluate(app)
    diagnostics = e.value.diagnostics
    assert len(diagnostics) == 101
    assert all(d["code"] == "E401" for d in diagnostics[:100])
    assert diagnostics[-1]["message"].startswith("and 9900 more of the same kinds: E401 ×9900")
    # A million keys is larger than an application may be: refused unread, not a killed interpreter.
    app["fields"].update({"unknown_%d" % i: 1 for i in range(1_000_000)})
    with pytest.raises(evenhand.ApplicationError) as e:
        rules.evaluate(app)
    assert [d["code"] for d in e.value.diagnostics] == ["E406"]
    assert "4 MiB" in e.value.diagnostics[0]["message"]


def test_duplicate_keys(rules):
    text = ('{"item": "SCJG-XK-001",\n "submitted_at": "2026-02-10T09:30:00+08:00",\n'
            ' "submitted_at": "2026-01-01T09:30:00+08:00"}')
    with pytest.raises(evenhand.ApplicationError) as e:
        rules.evaluate(text, name="twice.json")
    first = e.value.diagnostics[0]
    assert (first["code"], first["line"], first["column"]) == ("E405", 3, 2)
    assert "first is on line 2" in first["message"]


def test_format(rules, restaurant):
    text = json.dumps(restaurant, ensure_ascii=False)
    trailing = text[:-1] + ",}"
    for format in (None, "json"):
        with pytest.raises(evenhand.ApplicationError) as e:
            rules.evaluate(trailing, format=format)
        first = e.value.diagnostics[0]
        assert first["code"] == "E400" and "a comma before '}'" in first["message"]
        assert first["column"] == len(text)  # the comma
    # Declared YAML reads by YAML's rules, which allow the comma.
    assert rules.evaluate(trailing, format="yaml") == rules.evaluate(restaurant)
    with pytest.raises(evenhand.ApplicationError):
        rules.evaluate("item: SCJG-XK-001\n", format="json")
    with pytest.raises(ValueError, match="format"):
        rules.evaluate(text, format="xml")
    case = (CASES / "food-extended.json").read_text(encoding="utf-8")
    assert rules.supervise(case, NOW, format="json") == rules.supervise(case, NOW, format="yaml")
    with pytest.raises(evenhand.CaseError):
        rules.supervise(case.rstrip().rstrip("}") + ",}", NOW)
