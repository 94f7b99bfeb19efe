// `evenhand expr`: evaluate one expression, for editors trying a rule and for tests.
#include "commands.hpp"

#include <evenhand/calendar_loader.hpp>
#include <evenhand/expr.hpp>
#include <evenhand/typed_json.hpp>

#include <boost/json.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <sstream>

namespace evenhand::cli {

namespace {

constexpr const char* expr_usage =
    "usage: evenhand expr [--bindings FILE|-] [--no-check] [--calendar DIR] [--container NAME] "
    "[--] EXPR\n";

std::optional<std::string> read_all(const std::string& path) {
  if (path == "-") {
    return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace

int expr_command(const arguments& args) {
  std::optional<std::string> bindings_path;
  std::optional<std::string> calendar_dir;
  std::optional<std::string> source;
  expr::environment env;
  env.file = "<expr>";
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto next = [&](const char* what) -> std::optional<std::string> {
      if (i + 1 >= args.size()) {
        std::fprintf(stderr, "evenhand expr: %s needs a value\n%s", what, expr_usage);
        return std::nullopt;
      }
      return args[++i];
    };
    if (a == "--") {
      if (i + 1 < args.size() && !source) source = args[++i];
      if (i + 1 != args.size()) {
        std::fprintf(stderr, "evenhand expr: expected one expression\n%s", expr_usage);
        return bad_input;
      }
      break;
    } else if (a == "--bindings") {
      if (!(bindings_path = next("--bindings"))) return bad_input;
    } else if (a == "--calendar") {
      if (!(calendar_dir = next("--calendar"))) return bad_input;
    } else if (a == "--container") {
      auto c = next("--container");
      if (!c) return bad_input;
      env.container = *c;
    } else if (a == "--no-check") {
      env.check_types = false;
    } else if (a == "-h" || a == "--help") {
      std::fputs(expr_usage, stdout);
      return success;
    } else if (a.size() > 1 && a[0] == '-' && a[1] == '-') {
      std::fprintf(stderr, "evenhand expr: unknown option '%s'\n%s", a.c_str(), expr_usage);
      return bad_input;
    } else if (!source) {
      source = a;
    } else {
      std::fprintf(stderr, "evenhand expr: expected one expression\n%s", expr_usage);
      return bad_input;
    }
  }
  if (!source) {
    std::fputs(expr_usage, stderr);
    return bad_input;
  }

  std::optional<workday_calendar> calendar;
  if (calendar_dir) {
    std::vector<calendar_load_error> errors;
    calendar = load_calendar_directory(*calendar_dir, std::filesystem::path(*calendar_dir).filename().string(), errors);
    if (!calendar || !errors.empty()) {
      for (const auto& e : errors)
        std::fprintf(stderr, "%s:%u:%u: error: %s\n", e.file.c_str(), e.line, e.column,
                     e.message.c_str());
      if (errors.empty())
        std::fprintf(stderr, "evenhand expr: cannot read calendar %s\n", calendar_dir->c_str());
      return bad_input;
    }
    env.calendar = &*calendar;
  }

  std::vector<std::pair<std::string, value>> bound;
  if (bindings_path) {
    auto text = read_all(*bindings_path);
    if (!text) {
      std::fprintf(stderr, "evenhand expr: cannot read bindings file %s\n", bindings_path->c_str());
      return bad_input;
    }
    boost::system::error_code ec;
    boost::json::value doc = boost::json::parse(*text, ec);
    if (ec || !doc.is_object()) {
      std::fprintf(stderr, "%s: error: bindings must be a JSON object {name: typed value}%s%s\n",
                   bindings_path->c_str(), ec ? ": " : "", ec ? ec.message().c_str() : "");
      return bad_input;
    }
    for (const auto& [name, v] : doc.as_object()) {
      std::string error;
      auto val = from_typed_json(v, error, "$." + std::string(name));
      if (!val) {
        std::fprintf(stderr, "%s: error: %s\n", bindings_path->c_str(), error.c_str());
        return bad_input;
      }
      env.declare(std::string(name), expr::type_of(*val));
      bound.emplace_back(std::string(name), std::move(*val));
    }
  }

  diagnostics problems;
  auto program = expr::compile(*source, env, problems);
  if (!program) {
    std::fputs(render_text(problems).c_str(), stderr);
    return bad_input;
  }
  expr::activation act(env);
  for (auto& [name, val] : bound) act.set(name, std::move(val));
  value result = program->evaluate(act);
  std::string out;
  if (result.is_error()) {
    out = "{\"error\":";
    detail::append_json_string(out, result.as_error().message);
    out += "}\n";
    std::fputs(out.c_str(), stdout);
    return findings;
  }
  write_typed_json(out, result);
  out += '\n';
  std::fputs(out.c_str(), stdout);
  return success;
}

}  // namespace evenhand::cli
