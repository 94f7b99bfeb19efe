// A hall system's smallest use of the installed library: compile a rule once, evaluate it.
#include <evenhand/expr.hpp>

#include <cstdio>

int main() {
  using namespace evenhand;
  expr::environment env;
  env.declare("applicant.kind", expr::type::string());
  env.declare("premises.area_m2", expr::type::decimal());
  diagnostics problems;
  auto rule = expr::compile(R"(applicant.kind == "enterprise" && premises.area_m2 >= 20.5)", env, problems);
  if (!rule) {
    std::fputs(render_text(problems).c_str(), stderr);
    return 1;
  }
  expr::activation facts(env);
  facts.set("applicant.kind", value("enterprise"));
  facts.set("premises.area_m2", value(*decimal::parse("20.50")));
  value v = rule->evaluate(facts);
  std::puts(v.is_bool() && v.as_bool() ? "true" : "false");
  return 0;
}
