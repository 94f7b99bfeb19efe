// Runs the CEL conformance suite (../shared/conformance/cel/*.jsonl) against evenhand's
// expression engine: every test without a skip_reason. Prints pass/fail per file; fails when a
// test not listed in the known-failures file fails, or when a listed test now passes (so the
// list shrinks as the engine improves and never hides a regression).
#include <evenhand/expr.hpp>
#include <evenhand/typed_json.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace evenhand;

namespace {

const std::set<std::string> core_files = {"basic",        "comparisons", "conversions", "fields",
                                          "fp_math",      "integer_math", "lists",      "logic",
                                          "macros",       "namespace",   "plumbing",    "string",
                                          "timestamps"};

/// Strict equality for expectations: kinds must match (1 is not 1u), maps compare by
/// entries regardless of order, NaN matches NaN.
bool same_value(const value& a, const value& b) {
  using k = value_kind;
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case k::double_value: {
      double x = a.as_double(), y = b.as_double();
      if (std::isnan(x) && std::isnan(y)) return true;
      return x == y;
    }
    case k::list_value: {
      const auto& x = a.as_list();
      const auto& y = b.as_list();
      if (x.size() != y.size()) return false;
      for (std::size_t i = 0; i < x.size(); ++i)
        if (!same_value(x[i], y[i])) return false;
      return true;
    }
    case k::map_value: {
      const auto& x = a.as_map();
      const auto& y = b.as_map();
      if (x.size() != y.size()) return false;
      for (const auto& [key, val] : x) {
        bool found = false;
        for (const auto& [key2, val2] : y)
          if (same_value(key, key2)) {
            if (!same_value(val, val2)) return false;
            found = true;
            break;
          }
        if (!found) return false;
      }
      return true;
    }
    default: return cel_equal(a, b);
  }
}

struct outcome {
  bool passed = false;
  std::string detail;
};

outcome run_test(const json::object& t) {
  expr::environment env;
  env.container = std::string(t.at("container").as_string());
  env.check_types = !t.at("disable_check").as_bool();
  env.enable_macros = !t.at("disable_macros").as_bool();

  std::vector<std::pair<std::string, value>> bound;
  std::string error;
  for (const auto& [name, v] : t.at("bindings").as_object()) {
    auto val = from_typed_json(v, error);
    if (!val) return {false, "unreadable binding " + std::string(name) + ": " + error};
    bound.emplace_back(std::string(name), std::move(*val));
  }
  std::set<std::string> declared;
  for (const auto& d : t.at("type_env").as_array()) {
    const auto& decl = d.as_object();
    std::string name(decl.at("name").as_string());
    if (auto* ident = decl.if_contains("ident")) {
      auto ty = expr::type::parse(std::string(ident->as_string()));
      if (!ty) return {false, "unsupported declared type " + std::string(ident->as_string())};
      env.declare(name, *ty);
      declared.insert(name);
    } else {
      return {false, "function declarations are not supported"};
    }
  }
  for (const auto& [name, val] : bound)
    if (!declared.count(name)) env.declare(name, expr::type_of(val));

  diagnostics problems;
  std::string source(t.at("expr").as_string());
  auto prog = expr::compile(source, env, problems);
  const auto& expect = t.at("expect").as_object();
  bool expect_error = expect.contains("error");
  if (!prog) {
    if (expect_error) return {true, {}};
    return {false, "did not compile: " + (problems.empty() ? std::string("?") : problems.front().message)};
  }
  expr::activation act(env);
  for (const auto& [name, val] : bound) act.set(name, val);
  value result = prog->evaluate(act);
  if (expect_error) {
    if (result.is_error()) return {true, {}};
    return {false, "expected an error, got " + to_typed_json(result)};
  }
  if (auto* v = expect.if_contains("value")) {
    auto want = from_typed_json(*v, error);
    if (!want) return {false, "unreadable expectation: " + error};
    if (same_value(result, *want)) return {true, {}};
    return {false, "got " + to_typed_json(result) + ", want " + to_typed_json(*want)};
  }
  return {false, "unsupported expectation"};
}

std::string test_key(const json::object& t) {
  return std::string(t.at("file").as_string()) + ":" + std::to_string(t.at("line").as_int64()) +
         ":" + std::string(t.at("section").as_string()) + "/" + std::string(t.at("name").as_string());
}

}  // namespace

int main(int argc, char** argv) {
  fs::path suite;
  fs::path known_path;
  bool verbose = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--suite" && i + 1 < argc) suite = argv[++i];
    else if (a == "--known-failures" && i + 1 < argc) known_path = argv[++i];
    else if (a == "--verbose") verbose = true;
    else {
      std::cerr << "usage: evenhand_cel_conformance --suite DIR [--known-failures FILE] [--verbose]\n";
      return 2;
    }
  }
  if (suite.empty()) {
    std::cerr << "usage: evenhand_cel_conformance --suite DIR [--known-failures FILE] [--verbose]\n";
    return 2;
  }
  if (!fs::is_directory(suite)) {
    // The suite lives beside the repository (../shared); without it there is nothing to run.
    std::cerr << "conformance suite not found: " << suite << " (skipped)\n";
    return 77;
  }
  // Known failures: one test key per line ("file:line:section/name"), then " # reason".
  std::map<std::string, std::string> known;
  if (!known_path.empty()) {
    std::ifstream in(known_path);
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty() || line[0] == '#') continue;
      auto hash = line.find(" #");
      std::string key = line.substr(0, hash);
      while (!key.empty() && key.back() == ' ') key.pop_back();
      known[key] = hash == std::string::npos ? "" : line.substr(hash + 2);
    }
  }

  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(suite))
    if (e.path().extension() == ".jsonl") files.push_back(e.path());
  std::sort(files.begin(), files.end());

  int unexpected_failures = 0, unexpected_passes = 0;
  int core_total = 0, core_passed = 0, total = 0, passed = 0;
  std::set<std::string> seen;
  for (const auto& file : files) {
    std::ifstream in(file);
    std::string line;
    int file_total = 0, file_passed = 0;
    std::string stem = file.stem().string();
    while (std::getline(in, line)) {
      if (line.empty()) continue;
      json::object t = json::parse(line).as_object();
      if (t.contains("skip_reason")) continue;
      std::string key = test_key(t);
      seen.insert(key);
      outcome o;
      try {
        o = run_test(t);
      } catch (const std::exception& ex) {
        o = {false, std::string("exception: ") + ex.what()};
      }
      ++file_total;
      if (o.passed) ++file_passed;
      bool is_known = known.count(key) > 0;
      if (!o.passed && !is_known) {
        ++unexpected_failures;
        std::cout << "FAIL " << key << "\n     expr: " << t.at("expr").as_string() << "\n     "
                  << o.detail << "\n";
      } else if (o.passed && is_known) {
        ++unexpected_passes;
        std::cout << "NOW PASSES (remove from known failures) " << key << "\n";
      } else if (verbose && !o.passed) {
        std::cout << "known " << key << ": " << o.detail << "\n";
      }
    }
    total += file_total;
    passed += file_passed;
    if (core_files.count(stem)) {
      core_total += file_total;
      core_passed += file_passed;
    }
    if (file_total)
      std::printf("%-14s %4d/%-4d passed%s\n", stem.c_str(), file_passed, file_total,
                  core_files.count(stem) ? "" : "  (not core)");
  }
  for (const auto& [key, reason] : known)
    if (!seen.count(key)) {
      std::cout << "STALE known failure (no such test): " << key << "\n";
      ++unexpected_passes;
    }
  double core_rate = core_total ? 100.0 * core_passed / core_total : 0.0;
  std::printf("core files: %d/%d passed (%.1f%%); all files: %d/%d\n", core_passed, core_total,
              core_rate, passed, total);
  std::printf("conformance: %d passed, %d known failures\n", passed, total - passed);
  if (unexpected_failures || unexpected_passes) {
    std::printf("%d unexpected failures, %d stale known-failure entries\n", unexpected_failures,
                unexpected_passes);
    return 1;
  }
  if (core_rate < 95.0) {
    std::printf("core pass rate below 95%%\n");
    return 1;
  }
  return 0;
}
