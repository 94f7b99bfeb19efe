// Domain built-ins in expressions: exact decimals, dates and the working-day calendar,
// identity numbers (DESIGN §4).
#include <evenhand/calendar.hpp>
#include <evenhand/expr.hpp>

#include <doctest/doctest.h>

using namespace evenhand;
using evenhand::expr::type;

namespace {

value eval_with(const expr::environment& env, std::string_view src,
                std::vector<std::pair<std::string, value>> bound = {}) {
  diagnostics problems;
  auto p = expr::compile(src, env, problems);
  if (!p) return value::make_error("COMPILE: " + render_text(problems));
  expr::activation act(env);
  for (auto& [n, v] : bound) act.set(n, std::move(v));
  return p->evaluate(act);
}

value run(std::string_view src) { return eval_with(expr::environment{}, src); }

bool is_true(const value& v) { return v.is_bool() && v.as_bool(); }
bool is_false(const value& v) { return v.is_bool() && !v.as_bool(); }
bool is_err(const value& v) { return v.is_error() && v.as_error().message.rfind("COMPILE", 0) != 0; }
decimal dec(std::string_view s) { return *decimal::parse(s); }
date ymd(int y, int m, int d) { return *date::from_ymd(y, m, d); }

}  // namespace

TEST_CASE("builtins: decimal exactness") {
  expr::environment env;
  env.declare("premises.area_m2", type::decimal());
  env.declare("a", type::decimal());
  env.declare("b", type::decimal());
  CHECK(is_true(eval_with(env, "premises.area_m2 >= 20.5", {{"premises.area_m2", value(dec("20.50"))}})));
  CHECK(is_false(eval_with(env, "premises.area_m2 > 20.5", {{"premises.area_m2", value(dec("20.50"))}})));
  CHECK(is_true(eval_with(env, "premises.area_m2 == 20.5", {{"premises.area_m2", value(dec("20.50"))}})));
  CHECK(is_true(eval_with(env, "premises.area_m2 >= 20", {{"premises.area_m2", value(dec("35.50"))}})));
  CHECK(is_true(eval_with(env, "a + b == 0.3", {{"a", value(dec("0.1"))}, {"b", value(dec("0.2"))}})));
  CHECK(is_false(run("0.1 + 0.2 == 0.3")));  // doubles stay IEEE
  CHECK(is_true(eval_with(env, "a == 0.1", {{"a", value(dec("0.1"))}})));
  CHECK(is_true(eval_with(env, "a * 3 == 0.3", {{"a", value(dec("0.1"))}})));
  value sum = eval_with(env, "1 + a", {{"a", value(dec("0.25"))}});
  REQUIRE(sum.kind() == value_kind::decimal_value);
  CHECK(sum.as_decimal().to_string() == "1.25");
  CHECK(is_true(run("decimal('12.50') == decimal('12.5')")));
  CHECK(run("decimal('12.50') + decimal('0.5')").kind() == value_kind::decimal_value);
  CHECK(is_true(run("decimal('1') / decimal('4') == decimal('0.25')")));
  CHECK(is_err(run("decimal('1') / decimal('0')")));
  CHECK(is_err(run("decimal('abc')")));
  CHECK(is_true(run("decimal('2.5') > 2")));
  CHECK(is_true(run("decimal('2.5') < 2.75")));
  CHECK(is_true(run("decimal('3') == 3u")));
  CHECK(run("type(decimal('1'))").as_type().name == "decimal");
}

TEST_CASE("builtins: dates") {
  CHECK(run("date(2026, 3, 2)").as_date() == ymd(2026, 3, 2));
  CHECK(is_true(run("date('2026-03-02') == date(2026, 3, 2)")));
  CHECK(is_true(run("date('2026-03-02') < date('2026-03-10')")));
  CHECK(is_err(run("date(2026, 2, 30)")));
  CHECK(is_err(run("date('2026-13-01')")));
  CHECK(run("string(date(2026, 3, 2))").as_string() == "2026-03-02");
}

TEST_CASE("builtins: working-day calendar") {
  workday_calendar cal{"test"};
  // 2025: the National Day holiday (Oct 1-8) and its make-up working days (DESIGN §1).
  std::vector<date> holidays, workdays{ymd(2025, 9, 28), ymd(2025, 10, 11)};
  for (int d = 1; d <= 8; ++d) holidays.push_back(ymd(2025, 10, d));
  cal.set_year(2025, holidays, workdays);
  expr::environment env;
  env.calendar = &cal;
  env.declare("accepted_on", type::date());
  CHECK(is_true(eval_with(env, "is_workday(date(2025, 9, 28))")));
  CHECK(is_false(eval_with(env, "is_workday(date(2025, 10, 1))")));
  CHECK(eval_with(env, "add_workdays(accepted_on, 20)", {{"accepted_on", value(ymd(2025, 9, 26))}}).as_date() ==
        ymd(2025, 10, 30));
  CHECK(eval_with(env, "workdays_between(date(2025, 9, 26), date(2025, 10, 30))").as_int() == 20);
  value unpublished = eval_with(env, "add_workdays(date(2027, 1, 4), 5)");
  REQUIRE(unpublished.is_error());
  CHECK(unpublished.as_error().message.find("2027") != std::string::npos);
  // No calendar configured: an error value, not a guess.
  CHECK(is_err(run("is_workday(date(2025, 10, 1))")));
}

TEST_CASE("builtins: natural days, for periods a law states in days (日)") {
  // No calendar needed, and none consulted: holidays count as days.
  CHECK(run("add_days(date(2026, 2, 10), 45)").as_date() == ymd(2026, 3, 27));
  CHECK(run("add_days(date(2024, 2, 28), 1)").as_date() == ymd(2024, 2, 29));  // a leap year
  CHECK(run("add_days(date(2026, 3, 1), -1)").as_date() == ymd(2026, 2, 28));
  // Days in (a, b], as workdays_between counts working days: the start day is not counted.
  CHECK(run("days_between(date(2026, 2, 10), date(2026, 3, 27))").as_int() == 45);
  CHECK(run("days_between(date(2026, 3, 27), date(2026, 2, 10))").as_int() == -45);
  CHECK(run("days_between(date(2026, 3, 2), date(2026, 3, 2))").as_int() == 0);
  CHECK(run("days_between(date(2025, 12, 31), date(2027, 1, 1))").as_int() == 366);  // no calendar for 2027 needed
  CHECK(is_true(run("days_between(date(2026, 1, 1), add_days(date(2026, 1, 1), 400)) == 400")));
  CHECK(is_err(run("add_days(date(9999, 12, 31), 1)")));
}

TEST_CASE("builtins: identity numbers") {
  for (const char* ok : {"91110000600037341L", "914403001000002860"})
    CHECK(is_true(run(std::string("is_uscc('") + ok + "')")));
  CHECK(is_false(run("is_uscc('91350100M000100Y4Z')")));
  for (const char* ok : {"11010519491231002X", "360426199101010071"})
    CHECK(is_true(run(std::string("is_cn_id('") + ok + "')")));
  CHECK(is_false(run("is_cn_id('110105194912310021')")));
  CHECK(is_false(run("is_cn_id('110105194902300020')")));
  CHECK(run("birth_date('11010519491231002X')").as_date() == ymd(1949, 12, 31));
  CHECK(is_err(run("birth_date('110105194902300020')")));
  CHECK(run("age_on('11010519491231002X', date(2026, 3, 2))").as_int() == 76);
  CHECK(run("age_on(date(1991, 1, 1), date(2026, 1, 1))").as_int() == 35);
  CHECK(run("age_on(date(1991, 1, 2), date(2026, 1, 1))").as_int() == 34);
  CHECK(is_err(run("age_on('123', date(2026, 1, 1))")));
}

TEST_CASE("builtins: the bench expressions") {
  expr::environment env;
  env.declare("applicant.kind", type::string());
  env.declare("premises.area_m2", type::decimal());
  env.declare("scope", type::list_of(type::string()));
  env.declare("staff", type::list_of(type::record("staff", {{"name", type::string()}, {"health_cert", type::bool_()}})));
  list staff;
  for (int i = 0; i < 10; ++i) {
    map_entries person;
    person.emplace_back(value("name"), value("员工" + std::to_string(i)));
    person.emplace_back(value("health_cert"), value(i != 7));
    staff.push_back(value::make_map(std::move(person)));
  }
  CHECK(is_true(eval_with(env, R"(applicant.kind == "enterprise" && premises.area_m2 >= 20)",
                          {{"applicant.kind", value("enterprise")}, {"premises.area_m2", value(dec("35.50"))}})));
  CHECK(is_false(eval_with(env, R"("catering" in scope && staff.all(s, s.health_cert))",
                           {{"scope", value(list{value("catering")})}, {"staff", value(staff)}})));
  CHECK(is_true(eval_with(env, R"(staff.exists_one(s, !s.health_cert))", {{"staff", value(staff)}})));
}
