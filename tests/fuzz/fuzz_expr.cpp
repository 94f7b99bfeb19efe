// Fuzzes parse -> check -> evaluate of one expression against a fixed set of declared fields.
// Any input must give a program or located diagnostics, and evaluation a value: never a
// crash, a hang or a leak.
#include <evenhand/expr.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace {

struct fixture {
  evenhand::expr::environment env;
  evenhand::workday_calendar calendar{"fuzz"};
  fixture() {
    using evenhand::expr::type;
    for (int year = 2024; year <= 2026; ++year) calendar.set_year(year, {}, {});
    env.calendar = &calendar;
    env.declare("applicant.kind", type::string());
    env.declare("premises.area_m2", type::decimal());
    env.declare("scope", type::list_of(type::string()));
    env.declare("n", type::int_());
    env.declare("d", type::date());
    env.declare("m", type::map_of(type::string(), type::dyn()));
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static fixture f;
  std::string_view source(reinterpret_cast<const char*>(data), size);
  for (bool check : {true, false}) {
    f.env.check_types = check;
    evenhand::diagnostics problems;
    auto program = evenhand::expr::compile(source, f.env, problems);
    if (!program) {
      if (problems.empty()) __builtin_trap();  // a failure must say why
      continue;
    }
    evenhand::expr::activation act(f.env);
    act.set("applicant.kind", evenhand::value("enterprise"));
    act.set("premises.area_m2", evenhand::value(*evenhand::decimal::parse("35.50")));
    act.set("scope", evenhand::value(evenhand::list{evenhand::value("catering")}));
    act.set("n", evenhand::value(std::int64_t{7}));
    act.set("d", evenhand::value(*evenhand::date::from_ymd(2025, 9, 26)));
    (void)program->evaluate(act);
  }
  return 0;
}
