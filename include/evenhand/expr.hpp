// The expression language (DESIGN §4): parse, check, compile, evaluate.
//
//   expr::environment env;
//   env.declare("applicant.kind", expr::type::string());
//   diagnostics problems;
//   auto rule = expr::compile(R"(applicant.kind == "enterprise")", env, problems);
//   expr::activation facts(env);
//   facts.set("applicant.kind", value("enterprise"));
//   value v = rule->evaluate(facts);
#pragma once

#include <evenhand/expr/ast.hpp>
#include <evenhand/expr/checker.hpp>
#include <evenhand/expr/environment.hpp>
#include <evenhand/expr/parser.hpp>
#include <evenhand/expr/program.hpp>
#include <evenhand/expr/types.hpp>
