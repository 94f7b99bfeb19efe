// Decision tables: cells as unary tests, and the overlap / masked / gap analysis.
#include <evenhand/standard/table.hpp>

#include <doctest/doctest.h>

using namespace evenhand;
using evenhand::expr::type;
namespace tables = evenhand::standard::tables;
using tables::hit_policy;
using kind = tables::table_finding::kind;

namespace {

/// Builds a table from cell texts, compiling cells as the loader does.
struct table_fixture {
  expr::environment env;
  std::vector<tables::table_input> inputs;
  std::vector<tables::table_row> rows;

  table_fixture& input(std::string name, type t, std::vector<value> values = {}) {
    inputs.push_back({std::move(name), std::move(t), std::move(values)});
    return *this;
  }
  table_fixture& row(const std::vector<std::string>& cells) {
    tables::table_row r;
    r.number = rows.size() + 1;
    for (std::size_t i = 0; i < cells.size(); ++i) {
      tables::table_cell c;
      c.text = cells[i];
      if (auto src = tables::unary_test_source(cells[i])) {
        expr::parse_options po;
        po.allow_placeholder = true;
        auto parsed = expr::parse(*src, po);
        REQUIRE_MESSAGE(parsed.tree, *src);
        diagnostics problems;
        c.test = expr::compile(std::move(*parsed.tree), env, problems, inputs.at(i).type);
        REQUIRE_MESSAGE(c.test, (*src + ": " + render_text(problems)));
      }
      r.cells.push_back(std::move(c));
    }
    rows.push_back(std::move(r));
    return *this;
  }
  tables::table_analysis analyze(hit_policy hit, tables::table_analysis_limits limits = {}) const {
    return tables::analyze_table(hit, inputs, rows, env, limits);
  }
};

type kind_enum() { return type::enum_of({"enterprise", "individual"}); }
type scope_type() { return type::list_of(type::enum_of({"prepackaged", "bulk", "catering"})); }

/// The DESIGN §3 validity table, optionally with row 1's area cell replaced.
table_fixture design_table(std::string row1_area = ">= 100") {
  table_fixture t;
  t.input("applicant.kind", kind_enum())
      .input("premises.area_m2", type::decimal())
      .input("scope", scope_type(), {value("prepackaged"), value("bulk"), value("catering")});
  t.row({"\"enterprise\"", row1_area, "-"})
      .row({"\"enterprise\"", "< 100", "\"catering\" in ?"})
      .row({"\"enterprise\"", "< 100", "!(\"catering\" in ?)"})
      .row({"\"individual\"", "-", "-"});
  return t;
}

const value& example(const tables::table_finding& f, std::string_view name) {
  for (const auto& [n, v] : f.example)
    if (n == name) return v;
  static const value none = value::make_error("no such input in the example");
  return none;
}

std::vector<std::string> messages(const tables::table_analysis& a) {
  std::vector<std::string> m;
  for (const auto& f : a.findings) m.push_back(f.message);
  return m;
}

}  // namespace

TEST_CASE("table: unary_test_source") {
  using tables::unary_test_source;
  CHECK(!unary_test_source("-"));
  CHECK(!unary_test_source("  - "));
  CHECK(unary_test_source(">= 100") == "? >= 100");
  CHECK(unary_test_source("<5") == "? <5");
  CHECK(unary_test_source("<= 5") == "? <= 5");
  CHECK(unary_test_source("> 1.5") == "? > 1.5");
  CHECK(unary_test_source("== 3") == "? == 3");
  CHECK(unary_test_source("!= \"x\"") == "? != \"x\"");
  // Plain values mean equality.
  CHECK(unary_test_source("\"enterprise\"") == "? == (\"enterprise\")");
  CHECK(unary_test_source(" 100 ") == "? == (100)");
  CHECK(unary_test_source("-5") == "? == (-5)");
  CHECK(unary_test_source("12.50") == "? == (12.50)");
  CHECK(unary_test_source("true") == "? == (true)");
  CHECK(unary_test_source("null") == "? == (null)");
  CHECK(unary_test_source("applicant.region") == "? == (applicant.region)");
  CHECK(unary_test_source("date(\"2026-01-01\")") == "? == (date(\"2026-01-01\"))");
  CHECK(unary_test_source("[\"a\", \"b\"]") == "? == ([\"a\", \"b\"])");
  // Expressions over ? are used as written.
  CHECK(unary_test_source("\"catering\" in ?") == "\"catering\" in ?");
  CHECK(unary_test_source("!(\"catering\" in ?)") == "!(\"catering\" in ?)");
  CHECK(unary_test_source("size(?) > 2") == "size(?) > 2");
  CHECK(unary_test_source("?") == "?");
  // Not a plain value and no ?: as written (compiling it tells the editor).
  CHECK(unary_test_source("x > 3") == "x > 3");
  CHECK(unary_test_source("size(x)") == "size(x)");
  CHECK(unary_test_source("") == "");
  // DMN intervals and comma lists.
  CHECK(unary_test_source("[10..100)") == "? >= (10) && ? < (100)");
  CHECK(unary_test_source("]1.5..2]") == "? > (1.5) && ? <= (2)");
  CHECK(unary_test_source("(0 .. 1[") == "? > (0) && ? < (1)");
  CHECK(unary_test_source("[date(\"2026-01-01\")..date(\"2026-12-31\")]") ==
        "? >= (date(\"2026-01-01\")) && ? <= (date(\"2026-12-31\"))");
  CHECK(unary_test_source("\"a\", \"b\"") == "? in [\"a\", \"b\"]");
  CHECK(unary_test_source("1, 2, 3") == "? in [1, 2, 3]");
  CHECK(unary_test_source("\"a..b\"") == "? == (\"a..b\")");
}

TEST_CASE("table: rewritten cells compile and evaluate") {
  table_fixture t;
  t.input("n", type::int_()).input("d", type::decimal());
  t.row({"[10..20)", "]0.1..0.2]"});
  expr::activation act(t.env);
  const auto& n = *t.rows[0].cells[0].test;
  const auto& d = *t.rows[0].cells[1].test;
  CHECK(n.evaluate(act, value(10)).as_bool());
  CHECK(!n.evaluate(act, value(20)).as_bool());
  CHECK(!d.evaluate(act, value(*decimal::parse("0.1"))).as_bool());
  CHECK(d.evaluate(act, value(*decimal::parse("0.2"))).as_bool());
}

TEST_CASE("table: the DESIGN §3 table is clean under unique") {
  auto t = design_table();
  auto a = t.analyze(hit_policy::unique);
  CHECK(!a.truncated);
  CHECK_MESSAGE(a.findings.empty(), (a.findings.empty() ? "" : a.findings[0].message));
  // Also under first (nothing masked) and collect (never analysed).
  CHECK(t.analyze(hit_policy::first).findings.empty());
  CHECK(t.analyze(hit_policy::collect).findings.empty());
}

TEST_CASE("table: overlapping rows under unique") {
  auto t = design_table(">= 50");
  auto a = t.analyze(hit_policy::unique);
  CHECK(!a.truncated);
  REQUIRE(a.findings.size() == 2);  // row 1 now overlaps rows 2 and 3 on [50, 100)
  const auto& f = a.findings[0];
  CHECK(f.what == kind::overlap);
  CHECK(f.rows == std::vector<std::size_t>{1, 2});
  CHECK(a.findings[1].rows == std::vector<std::size_t>{1, 3});
  REQUIRE(f.example.size() == 3);
  CHECK(example(f, "applicant.kind").as_string() == "enterprise");
  const value& area = example(f, "premises.area_m2");
  REQUIRE(area.kind() == value_kind::decimal_value);
  CHECK(area.as_decimal() >= decimal::from_int(50));
  CHECK(area.as_decimal() < decimal::from_int(100));
  const value& scope = example(f, "scope");
  REQUIRE(scope.kind() == value_kind::list_value);
  bool catering = false;
  for (const auto& s : scope.as_list()) catering = catering || s.as_string() == "catering";
  CHECK(catering);
  CHECK(f.message == "rows 1 and 2 overlap: both match applicant.kind = \"enterprise\", premises.area_m2 = 50, "
                     "scope = [\"catering\"]");
}

TEST_CASE("table: masked rows under first") {
  table_fixture t;
  t.input("applicant.kind", kind_enum()).input("premises.area_m2", type::decimal());
  t.row({"\"enterprise\"", ">= 100"})
      .row({"\"enterprise\"", "< 100"})
      .row({"\"enterprise\"", ">= 50"})   // every enterprise is taken by rows 1–2
      .row({"\"individual\"", "-"})
      .row({"\"individual\"", "< 0"});   // matches (negative areas), masked by row 4
  auto a = t.analyze(hit_policy::first);
  REQUIRE(a.findings.size() == 2);
  CHECK(a.findings[0].what == kind::masked);
  CHECK(a.findings[0].rows == std::vector<std::size_t>{3, 1, 2});
  CHECK(a.findings[0].example.empty());
  CHECK(a.findings[0].message ==
        "row 3 is masked by rows 1 and 2: every input it matches, an earlier row matches first");
  CHECK(a.findings[1].rows == std::vector<std::size_t>{5, 4});
  // Under unique the same table overlaps instead.
  auto u = t.analyze(hit_policy::unique);
  REQUIRE(u.findings.size() == 3);
  CHECK(u.findings[0].rows == std::vector<std::size_t>{1, 3});
  CHECK(u.findings[1].rows == std::vector<std::size_t>{2, 3});
  CHECK(u.findings[2].rows == std::vector<std::size_t>{4, 5});
}

TEST_CASE("table: a row that matches nothing is never chosen") {
  table_fixture t;
  t.input("age", type::int_());
  t.row({"< 18"}).row({">= 18"}).row({"< 0 && ? > 5"});
  auto a = t.analyze(hit_policy::first);
  REQUIRE(a.findings.size() == 1);
  CHECK(a.findings[0].rows == std::vector<std::size_t>{3});
  CHECK(a.findings[0].message == "row 3 matches no input, so it is never chosen");
}

TEST_CASE("table: gaps") {
  auto t = design_table();
  t.rows.pop_back();  // no row for individuals
  auto a = t.analyze(hit_policy::unique);
  REQUIRE(a.findings.size() == 1);
  const auto& f = a.findings[0];
  CHECK(f.what == kind::gap);
  CHECK(f.rows.empty());
  CHECK(example(f, "applicant.kind").as_string() == "individual");
  CHECK(f.example.size() == 3);  // a full input, even for what does not matter
  CHECK(f.message == "no row matches applicant.kind = \"individual\" (whatever premises.area_m2 and scope are)");
  CHECK(t.analyze(hit_policy::first).findings.size() == 1);
  CHECK(t.analyze(hit_policy::collect).findings.empty());

  // A gap inside one enterprise case: small enterprises without catering.
  auto t2 = design_table();
  t2.rows.erase(t2.rows.begin() + 2);
  auto b = t2.analyze(hit_policy::unique);
  REQUIRE(b.findings.size() == 1);
  CHECK(b.findings[0].what == kind::gap);
  CHECK(example(b.findings[0], "applicant.kind").as_string() == "enterprise");
  CHECK(example(b.findings[0], "premises.area_m2").as_decimal() < decimal::from_int(100));
  CHECK(b.findings[0].message == "no row matches applicant.kind = \"enterprise\", premises.area_m2 = 99, scope = []");

  // A table with no rows covers nothing.
  table_fixture empty;
  empty.input("applicant.kind", kind_enum());
  auto e = empty.analyze(hit_policy::unique);
  REQUIRE(e.findings.size() == 1);
  CHECK(e.findings[0].message == "no row matches any input");
}

TEST_CASE("table: integer boundaries") {
  table_fixture ok;
  ok.input("age", type::int_());
  ok.row({"< 18"}).row({">= 18"});
  CHECK(ok.analyze(hit_policy::unique).findings.empty());

  table_fixture hole;
  hole.input("age", type::int_());
  hole.row({"< 18"}).row({"> 18"});
  auto a = hole.analyze(hit_policy::unique);
  REQUIRE(a.findings.size() == 1);
  CHECK(a.findings[0].what == kind::gap);
  REQUIRE(example(a.findings[0], "age").kind() == value_kind::int_value);
  CHECK(example(a.findings[0], "age").as_int() == 18);
  CHECK(a.findings[0].message == "no row matches age = 18");

  // Integers between constants: (18, 20) holds 19 only.
  table_fixture between;
  between.input("age", type::int_());
  between.row({"<= 18"}).row({">= 20"});
  auto b = between.analyze(hit_policy::unique);
  REQUIRE(b.findings.size() == 1);
  CHECK(example(b.findings[0], "age").as_int() == 19);
  table_fixture adjacent;
  adjacent.input("age", type::int_());
  adjacent.row({"<= 18"}).row({">= 19"});
  CHECK(adjacent.analyze(hit_policy::unique).findings.empty());

  // Overlap at one integer, and a bool column.
  table_fixture both;
  both.input("age", type::int_()).input("local", type::bool_());
  both.row({"<= 18", "-"}).row({"[18..60]", "true"}).row({"> 18", "false"}).row({"> 60", "-"});
  auto c = both.analyze(hit_policy::unique);
  REQUIRE(c.findings.size() == 2);
  CHECK(c.findings[0].rows == std::vector<std::size_t>{1, 2});
  CHECK(c.findings[0].message == "rows 1 and 2 overlap: both match age = 18, local = true");
  CHECK(c.findings[1].rows == std::vector<std::size_t>{3, 4});
  CHECK(c.findings[1].message == "rows 3 and 4 overlap: both match age = 61, local = false");
}

TEST_CASE("table: exact decimal boundaries") {
  table_fixture t;
  t.input("rate", type::decimal());
  t.row({"< 0.1"}).row({"> 0.1 && ? < 0.2"}).row({">= 0.2"});
  auto a = t.analyze(hit_policy::unique);
  REQUIRE(a.findings.size() == 1);
  CHECK(example(a.findings[0], "rate").as_decimal().to_string() == "0.1");
  table_fixture u;
  u.input("rate", type::decimal());
  u.row({"<= 0.1"}).row({"> 0.1 && ? < 0.2"}).row({">= 0.2"});
  CHECK(u.analyze(hit_policy::unique).findings.empty());
  // An open interval between two constants is represented by their exact midpoint.
  table_fixture m;
  m.input("rate", type::decimal());
  m.row({"<= 0.1"}).row({">= 0.2"}).row({"== 0.15"});
  auto ma = m.analyze(hit_policy::unique);
  REQUIRE(ma.findings.size() == 1);  // only 0.15 is covered between 0.1 and 0.2
  CHECK(ma.findings[0].what == kind::gap);
  CHECK(example(ma.findings[0], "rate").as_decimal().to_string() == "0.125");
}

TEST_CASE("table: dates") {
  table_fixture t;
  t.input("applied_on", type::date());
  t.row({"< date(\"2026-01-01\")"}).row({">= date(\"2026-01-01\")"});
  CHECK(t.analyze(hit_policy::unique).findings.empty());

  table_fixture hole;
  hole.input("applied_on", type::date());
  hole.row({"< date(\"2026-01-01\")"}).row({"> date(\"2026-01-01\")"});
  auto a = hole.analyze(hit_policy::unique);
  REQUIRE(a.findings.size() == 1);
  REQUIRE(example(a.findings[0], "applied_on").kind() == value_kind::date_value);
  CHECK(example(a.findings[0], "applied_on").as_date().to_string() == "2026-01-01");
  CHECK(a.findings[0].message == "no row matches applied_on = 2026-01-01");

  table_fixture ranges;
  ranges.input("applied_on", type::date());
  ranges.row({"[date(\"2026-01-01\")..date(\"2026-06-30\")]"}).row({"[date(2026, 6, 30)..date(\"2026-12-31\")]"});
  auto r = ranges.analyze(hit_policy::first);
  REQUIRE(r.findings.size() == 1);  // before 2026 and after it: a gap; nothing masked
  CHECK(r.findings[0].what == kind::gap);
  CHECK(example(r.findings[0], "applied_on").as_date().to_string() == "2025-12-31");
  auto ru = ranges.analyze(hit_policy::unique);
  REQUIRE(ru.findings.size() == 2);
  CHECK(ru.findings[1].rows == std::vector<std::size_t>{1, 2});
  CHECK(example(ru.findings[1], "applied_on").as_date().to_string() == "2026-06-30");
}

TEST_CASE("table: free strings are not checked for gaps") {
  table_fixture t;
  t.input("region", type::string());
  t.row({"\"east\""}).row({"\"west\""});
  CHECK(t.analyze(hit_policy::unique).findings.empty());
  // … but a string with listed values is.
  table_fixture listed;
  listed.input("region", type::string(), {value("east"), value("west"), value("north")});
  listed.row({"\"east\""}).row({"\"west\""});
  auto a = listed.analyze(hit_policy::unique);
  REQUIRE(a.findings.size() == 1);
  CHECK(a.findings[0].message == "no row matches region = \"north\"");
  // Overlaps are still found on free strings.
  table_fixture dup;
  dup.input("region", type::string());
  dup.row({"\"east\""}).row({"\"east\", \"west\""});
  auto d = dup.analyze(hit_policy::unique);
  REQUIRE(d.findings.size() == 1);
  CHECK(d.findings[0].message == "rows 1 and 2 overlap: both match region = \"east\"");
}

TEST_CASE("table: deterministic") {
  auto t = design_table(">= 50");
  t.rows.pop_back();
  auto a = t.analyze(hit_policy::unique);
  auto b = t.analyze(hit_policy::unique);
  CHECK(a.findings.size() == 3);
  CHECK(messages(a) == messages(b));
  for (std::size_t i = 0; i < a.findings.size() && i < b.findings.size(); ++i)
    CHECK(a.findings[i].example.size() == b.findings[i].example.size());
}

TEST_CASE("table: at most 20 findings, in row order") {
  table_fixture t;
  t.input("applicant.kind", kind_enum());
  for (int i = 0; i < 12; ++i) t.row({"-"});
  auto a = t.analyze(hit_policy::unique);  // 66 overlapping pairs
  REQUIRE(a.findings.size() == 20);
  CHECK(a.findings[0].rows == std::vector<std::size_t>{1, 2});
  CHECK(a.findings[10].rows == std::vector<std::size_t>{1, 12});
  CHECK(a.findings[11].rows == std::vector<std::size_t>{2, 3});
  CHECK(a.findings[19].rows == std::vector<std::size_t>{2, 11});
}

TEST_CASE("table: a big table is sampled past the limit") {
  table_fixture t;
  std::vector<value> values;
  for (int v = 0; v < 10; ++v) values.emplace_back("v" + std::to_string(v));
  std::vector<std::string> names;
  for (int v = 0; v < 10; ++v) names.push_back("v" + std::to_string(v));
  for (int c = 0; c < 10; ++c) t.input("in" + std::to_string(c), type::enum_of(names), values);
  // Row 1 takes everything, so rows 2–11 are masked — which no early input proves, so the
  // whole 10^10 product would have to be searched.
  t.row(std::vector<std::string>(10, "-"));
  for (int k = 0; k < 10; ++k) {
    std::vector<std::string> cells;
    for (int c = 0; c < 10; ++c) cells.push_back("!= \"v" + std::to_string((k + c) % 10) + "\"");
    t.row(cells);
  }
  auto a = t.analyze(hit_policy::first);  // the default limit: 200000 points, then as many samples
  CHECK(a.truncated);
  REQUIRE(a.findings.size() == 10);
  CHECK(a.findings[0].what == kind::masked);
  CHECK(a.findings[0].rows.front() == 2);
  CHECK(a.findings[0].message.find("among the sampled inputs") != std::string::npos);
  tables::table_analysis_limits limits;
  limits.max_points = 1000;
  auto b = t.analyze(hit_policy::first, limits);
  CHECK(b.truncated);
  CHECK(messages(b) == messages(t.analyze(hit_policy::first, limits)));
  // Under unique every pair is proved early and row 1 rules gaps out: no sampling needed.
  auto u = t.analyze(hit_policy::unique);
  CHECK(!u.truncated);
  REQUIRE(u.findings.size() == 20);
  CHECK(u.findings[0].rows == std::vector<std::size_t>{1, 2});
  // Without the catch-all row a gap shows at once, and the search ends as soon as every pair
  // of rows is settled.
  t.rows.erase(t.rows.begin());
  auto g = t.analyze(hit_policy::unique);
  CHECK(!g.truncated);
  REQUIRE(!g.findings.empty());
  CHECK(g.findings[0].what == kind::gap);
}
