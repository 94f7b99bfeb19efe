// The checker: name resolution, inferred types and located E2xx diagnostics.
#include <evenhand/expr.hpp>

#include <doctest/doctest.h>

using namespace evenhand;
using evenhand::expr::type;

namespace {

expr::environment hall_env() {
  expr::environment env;
  env.file = "rule.yaml";
  env.declare("applicant.kind", type::enum_of({"enterprise", "individual"}));
  env.declare("applicant.uscc", type::string());
  env.declare("applicant.name", type::string());
  env.declare("premises.area_m2", type::decimal());
  env.declare("scope", type::list_of(type::string()));
  env.declare("staff", type::list_of(type::record("staff", {{"name", type::string()}, {"health_cert", type::bool_()}})));
  env.declare("count", type::int_());
  env.declare("accepted_on", type::date());
  return env;
}

struct checked {
  std::optional<expr::program> program;
  diagnostics problems;
};

checked check_src(std::string_view src, const expr::environment& env = hall_env()) {
  checked c;
  c.program = expr::compile(src, env, c.problems);
  return c;
}

std::string type_of_src(std::string_view src, const expr::environment& env = hall_env()) {
  auto c = check_src(src, env);
  if (!c.program) return "ERROR " + (c.problems.empty() ? std::string() : c.problems.front().message);
  return c.program->result_type().to_string();
}

}  // namespace

TEST_CASE("checker: undeclared names with did-you-mean") {
  auto c = check_src("applicant.kidn == \"enterprise\"");
  REQUIRE(!c.program);
  REQUIRE(c.problems.size() == 1);
  CHECK(c.problems[0].code == "E201");
  CHECK(c.problems[0].message.find("applicant.kidn") != std::string::npos);
  CHECK(c.problems[0].hint == "did you mean 'applicant.kind'?");
  CHECK(c.problems[0].where.file == "rule.yaml");
  CHECK(c.problems[0].where.line == 1);
  CHECK(c.problems[0].where.column == 1);

  auto d = check_src("scpoe.size() > 0");
  REQUIRE(!d.program);
  CHECK(d.problems[0].code == "E201");
  CHECK(d.problems[0].hint == "did you mean 'scope'?");

  auto f = check_src("staff.all(s, s.health_crt)");
  REQUIRE(!f.program);
  CHECK(f.problems[0].code == "E201");
  CHECK(f.problems[0].hint == "did you mean 'health_cert'?");

  auto g = check_src("is_usc(applicant.uscc)");
  REQUIRE(!g.program);
  CHECK(g.problems[0].hint == "did you mean 'is_uscc'?");
}

TEST_CASE("checker: overloads and arity") {
  auto c = check_src("\"a\" + 1");
  REQUIRE(!c.program);
  CHECK(c.problems[0].code == "E202");
  CHECK(c.problems[0].message.find("+") != std::string::npos);
  CHECK(c.problems[0].message.find("string") != std::string::npos);
  CHECK(c.problems[0].message.find("int") != std::string::npos);

  auto a = check_src("size(scope, 1) > 0");
  REQUIRE(!a.program);
  CHECK(a.problems[0].code == "E203");

  auto n = check_src("count == \"3\"");
  REQUIRE(!n.program);
  CHECK(n.problems[0].code == "E202");

  auto cond = check_src("count ? 1 : 2");
  REQUIRE(!cond.program);
  CHECK(cond.problems[0].code == "E206");

  auto br = check_src("count > 1 ? 1 : \"x\"");
  REQUIRE(!br.program);
  CHECK(br.problems[0].code == "E204");

  // Natural-day functions take dates, not timestamps or strings.
  CHECK(check_src("days_between(date(2026, 1, 1), date(2026, 2, 1)) > 0").program);
  auto days = check_src("days_between(\"2026-01-01\", date(2026, 2, 1)) > 0");
  REQUIRE(!days.program);
  CHECK(days.problems[0].code == "E202");
  auto add = check_src("add_days(date(2026, 1, 1)) > date(2026, 1, 2)");
  REQUIRE(!add.program);
  CHECK(add.problems[0].code == "E203");  // the wrong number of arguments
}

TEST_CASE("checker: every error of an expression is reported") {
  auto c = check_src("applicnt.kind == \"x\" && count + \"1\" > 2 && foo");
  REQUIRE(!c.program);
  CHECK(c.problems.size() == 3);
}

TEST_CASE("checker: enum literal comparisons") {
  auto c = check_src("applicant.kind == \"enterprize\"");
  REQUIRE(!c.program);
  CHECK(c.problems[0].code == "E205");
  CHECK(c.problems[0].hint.find("\"enterprise\"") != std::string::npos);
  CHECK(c.problems[0].hint.find("\"individual\"") != std::string::npos);
  CHECK(c.problems[0].where.column == 19);
  CHECK(check_src("applicant.kind != \"individual\"").program);
  auto in = check_src("applicant.kind in [\"enterprise\", \"shop\"]");
  REQUIRE(!in.program);
  CHECK(in.problems[0].code == "E205");
}

TEST_CASE("checker: located spans count code points after Chinese text") {
  auto c = check_src("applicant.name == \"食品经营\" && count + \"x\" > 1");
  REQUIRE(!c.program);
  REQUIRE(c.problems.size() == 1);
  // `count + "x"` starts after 28 code points (the Chinese characters count one each).
  CHECK(c.problems[0].where.column == 29);
  CHECK(c.problems[0].where.length == 11);
  CHECK(c.problems[0].span.begin == 36);
  CHECK(c.problems[0].source_line.find("食品经营") != std::string::npos);
}

TEST_CASE("checker: a literal matches() pattern that RE2 rejects is a located E207") {
  auto c = check_src("applicant.name.matches('^(张|李') && count > 0");
  REQUIRE(!c.program);
  REQUIRE(c.problems.size() == 1);
  const auto& d = c.problems[0];
  CHECK(d.code == "E207");
  CHECK(d.level == severity::error);
  CHECK(d.where.file == "rule.yaml");
  CHECK(d.where.line == 1);
  CHECK(d.where.column == 24);  // the pattern literal, quotes included
  CHECK(d.where.length == 7);   // '^(张|李' counted in characters
  CHECK(d.message.find("'^(张|李'") != std::string::npos);
  CHECK(d.message.find("missing )") != std::string::npos);  // RE2's reason
  CHECK(d.message.find("正则表达式") != std::string::npos);  // bilingual
  CHECK_FALSE(d.hint.empty());

  // The global form, after Chinese text; every bad pattern of the expression is reported.
  auto g = check_src("matches(applicant.name, '申请人[') || '张三'.matches('a{2,1}')");
  REQUIRE(!g.program);
  REQUIRE(g.problems.size() == 2);
  CHECK(g.problems[0].code == "E207");
  CHECK(g.problems[0].where.column == 25);
  CHECK(g.problems[1].code == "E207");
  CHECK(g.problems[1].where.column == 49);

  // RE2 syntax that std::regex rejects is accepted; so is a pattern built at evaluation.
  CHECK(check_src(R"(applicant.name.matches(r'^\p{Han}+$'))").program);
  CHECK(check_src("applicant.name.matches('(?i)^ltd')").program);
  CHECK(check_src("applicant.name.matches(applicant.uscc + '(')").program);
  // Reported without type checks as well: it is not a type error.
  expr::environment unchecked = hall_env();
  unchecked.check_types = false;
  auto u = check_src("applicant.name.matches('(')", unchecked);
  CHECK(!u.program);
  REQUIRE(u.problems.size() == 1);
  CHECK(u.problems[0].code == "E207");
}

TEST_CASE("checker: inferred types") {
  CHECK(type_of_src("count + 1") == "int");
  CHECK(type_of_src("premises.area_m2 * 2") == "decimal");
  CHECK(type_of_src("premises.area_m2 >= 20.5") == "bool");
  CHECK(type_of_src("scope.map(s, size(s))") == "list(int)");
  CHECK(type_of_src("staff.filter(s, s.health_cert)") == "list(staff)");
  CHECK(type_of_src("staff[0].name") == "string");
  CHECK(type_of_src("{'a': 1}") == "map(string, int)");
  CHECK(type_of_src("[1, 'a']") == "list(dyn)");
  CHECK(type_of_src("type(1)") == "type(int)");
  CHECK(type_of_src("int") == "type(int)");
  CHECK(type_of_src("add_workdays(accepted_on, 20)") == "date");
  CHECK(type_of_src("timestamp('2020-01-01T00:00:00Z') - timestamp('2020-01-01T00:00:00Z')") ==
        "google.protobuf.Duration");
  CHECK(type_of_src("dyn(count).foo") == "dyn");
}

TEST_CASE("checker: container-qualified names and expected result") {
  expr::environment env;
  env.container = "x.y";
  env.declare("x.y.a", type::int_());
  env.declare("a.b", type::string());
  CHECK(type_of_src("a", env) == "int");
  CHECK(type_of_src(".a.b", env) == "string");
  env.expected_result = type::bool_();
  auto c = check_src("a + 1", env);
  REQUIRE(!c.program);
  CHECK(c.problems[0].code == "E206");
}

TEST_CASE("checker: unchecked mode resolves slots and defers errors") {
  auto env = hall_env();
  env.check_types = false;
  auto c = check_src("count + \"a\"", env);
  REQUIRE(c.program);
  expr::activation act(env);
  act.set("count", value(1));
  CHECK(c.program->evaluate(act).is_error());
  auto u = check_src("nosuch", env);
  REQUIRE(u.program);
  CHECK(u.program->evaluate(act).is_error());
}
