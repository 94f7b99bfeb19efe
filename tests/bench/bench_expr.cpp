// Expression throughput, each beside the same rule written by hand in plain C++ (the floor).
// Run: make bench   (or build/tests/bench/evenhand_bench --benchmark_filter=expr)
#include <evenhand/calendar_loader.hpp>
#include <evenhand/expr.hpp>
#include <evenhand/identity.hpp>

#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

using namespace evenhand;
using expr::type;

expr::program compile_or_die(std::string_view source, const expr::environment& env) {
  diagnostics problems;
  auto p = expr::compile(source, env, problems);
  if (!p) {
    std::fputs(render_text(problems).c_str(), stderr);
    std::abort();
  }
  return std::move(*p);
}

const workday_calendar& demo_calendar() {
  static const workday_calendar calendar = [] {
    std::vector<calendar_load_error> errors;
    auto c = load_calendar_directory(EVENHAND_SOURCE_DIR "/rulesets/cn-demo/calendars/cn-mainland",
                                     "cn-mainland", errors);
    if (!c || !errors.empty()) std::abort();
    return *c;
  }();
  return calendar;
}

// --- applicant.kind == "enterprise" && premises.area_m2 >= 20 ------------------------------

void expr_kind_and_area(benchmark::State& state) {
  expr::environment env;
  env.declare("applicant.kind", type::string());
  env.declare("premises.area_m2", type::decimal());
  auto program = compile_or_die(R"(applicant.kind == "enterprise" && premises.area_m2 >= 20)", env);
  expr::activation act(env);
  act.set("applicant.kind", value("enterprise"));
  act.set("premises.area_m2", value(*decimal::parse("35.50")));
  for (auto _ : state) {
    value v = program.evaluate(act);
    benchmark::DoNotOptimize(v);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(expr_kind_and_area);

void hand_kind_and_area(benchmark::State& state) {
  value kind("enterprise");
  value area(*decimal::parse("35.50"));
  const decimal twenty = decimal::from_int(20);
  for (auto _ : state) {
    benchmark::DoNotOptimize(kind);
    benchmark::DoNotOptimize(area);
    bool r = kind.kind() == value_kind::string_value && kind.as_string() == "enterprise" &&
             compare(area.as_decimal(), twenty) >= 0;
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(hand_kind_and_area);

// --- "catering" in scope && staff.all(s, s.health_cert), 10 staff -------------------------

value ten_staff() {
  list staff;
  for (int i = 0; i < 10; ++i) {
    map_entries person;
    person.emplace_back(value("name"), value("员工" + std::to_string(i)));
    person.emplace_back(value("health_cert"), value(true));
    staff.push_back(value::make_map(std::move(person)));
  }
  return value(std::move(staff));
}

void expr_scope_and_staff(benchmark::State& state) {
  expr::environment env;
  env.declare("scope", type::list_of(type::string()));
  env.declare("staff", type::list_of(type::record(
                           "staff", {{"name", type::string()}, {"health_cert", type::bool_()}})));
  auto program = compile_or_die(R"("catering" in scope && staff.all(s, s.health_cert))", env);
  expr::activation act(env);
  act.set("scope", value(list{value("prepackaged"), value("catering")}));
  act.set("staff", ten_staff());
  for (auto _ : state) {
    value v = program.evaluate(act);
    benchmark::DoNotOptimize(v);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(expr_scope_and_staff);

void hand_scope_and_staff(benchmark::State& state) {
  value scope(list{value("prepackaged"), value("catering")});
  value staff = ten_staff();
  for (auto _ : state) {
    benchmark::DoNotOptimize(scope);
    bool in_scope = false;
    for (const auto& s : scope.as_list())
      if (s.as_string() == "catering") in_scope = true;
    bool all = in_scope;
    if (all)
      for (const auto& person : staff.as_list()) {
        const value* cert = person.find(std::string_view("health_cert"));
        if (!cert || !cert->as_bool()) all = false;
      }
    benchmark::DoNotOptimize(all);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(hand_scope_and_staff);

// --- is_uscc(applicant.uscc) --------------------------------------------------------------

void expr_is_uscc(benchmark::State& state) {
  expr::environment env;
  env.declare("applicant.uscc", type::string());
  auto program = compile_or_die("is_uscc(applicant.uscc)", env);
  expr::activation act(env);
  act.set("applicant.uscc", value("91110000600037341L"));
  for (auto _ : state) {
    value v = program.evaluate(act);
    benchmark::DoNotOptimize(v);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(expr_is_uscc);

void hand_is_uscc(benchmark::State& state) {
  std::string uscc = "91110000600037341L";
  for (auto _ : state) {
    benchmark::DoNotOptimize(uscc);
    bool r = is_uscc(uscc);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(hand_is_uscc);

// --- applicant.phone.matches("^1[3-9][0-9]{9}$"): a literal pattern, compiled once -------------

void expr_matches_literal(benchmark::State& state) {
  expr::environment env;
  env.declare("applicant.phone", type::string());
  auto program = compile_or_die(R"(applicant.phone.matches("^1[3-9][0-9]{9}$"))", env);
  expr::activation act(env);
  act.set("applicant.phone", value("13912345678"));
  for (auto _ : state) {
    value v = program.evaluate(act);
    benchmark::DoNotOptimize(v);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(expr_matches_literal);

// --- premises.address.matches("(路|街|道)[0-9]+号"): a search in 40 characters of Chinese text -----

void expr_matches_chinese(benchmark::State& state) {
  expr::environment env;
  env.declare("premises.address", type::string());
  auto program = compile_or_die(R"(premises.address.matches("(路|街|道)[0-9]+号"))", env);
  expr::activation act(env);
  act.set("premises.address", value("广东省广州市天河区天河路一段某某大厦附近的某某商业广场东侧天河北路385号"));
  for (auto _ : state) {
    value v = program.evaluate(act);
    benchmark::DoNotOptimize(v);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(expr_matches_chinese);

// --- applicant.phone.matches(pattern): a pattern known only at evaluation ---------------------

void expr_matches_variable_pattern(benchmark::State& state) {
  expr::environment env;
  env.declare("applicant.phone", type::string());
  env.declare("pattern", type::string());
  auto program = compile_or_die("applicant.phone.matches(pattern)", env);
  expr::activation act(env);
  act.set("applicant.phone", value("13912345678"));
  act.set("pattern", value("^1[3-9][0-9]{9}$"));
  for (auto _ : state) {
    value v = program.evaluate(act);
    benchmark::DoNotOptimize(v);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(expr_matches_variable_pattern);

// --- add_workdays(accepted_on, 20) --------------------------------------------------------

void expr_add_workdays(benchmark::State& state) {
  expr::environment env;
  env.calendar = &demo_calendar();
  env.declare("accepted_on", type::date());
  auto program = compile_or_die("add_workdays(accepted_on, 20)", env);
  expr::activation act(env);
  act.set("accepted_on", value(*date::from_ymd(2025, 9, 26)));
  for (auto _ : state) {
    value v = program.evaluate(act);
    benchmark::DoNotOptimize(v);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(expr_add_workdays);

void hand_add_workdays(benchmark::State& state) {
  const auto& calendar = demo_calendar();
  date accepted = *date::from_ymd(2025, 9, 26);
  for (auto _ : state) {
    benchmark::DoNotOptimize(accepted);
    auto r = calendar.add_workdays(accepted, 20);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(hand_add_workdays);

// --- parse + check of a 200-character condition --------------------------------------------

void expr_parse_and_check_200(benchmark::State& state) {
  expr::environment env;
  env.declare("applicant.kind", type::string());
  env.declare("applicant.uscc", type::string());
  env.declare("premises.area_m2", type::decimal());
  env.declare("scope", type::list_of(type::string()));
  env.declare("staff", type::list_of(type::record(
                           "staff", {{"name", type::string()}, {"health_cert", type::bool_()}})));
  const std::string source =
      R"(applicant.kind == "enterprise" && is_uscc(applicant.uscc) && premises.area_m2 >= 20.5 && )"
      R"(("catering" in scope ? staff.all(s, s.health_cert) && size(staff) >= 2 : true) && )"
      R"(!scope.exists(x, x == "bulk"))";
  state.SetLabel(std::to_string(source.size()) + " chars");
  for (auto _ : state) {
    diagnostics problems;
    auto p = expr::compile(source, env, problems);
    benchmark::DoNotOptimize(p);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(expr_parse_and_check_200);

}  // namespace
