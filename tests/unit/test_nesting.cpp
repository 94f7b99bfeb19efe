// Nesting: every pass that recurses over an expression (parser, checker, compiler, evaluator,
// the value printer, the guide's explainer) or over what it builds (nested values, derived
// facts that use derived facts) stays within the stack hall runtimes give their worker threads
// (256 KB), because one limit — parse_limits::max_depth — bounds the height of every tree and
// every chain of facts, and what goes beyond it is a located error.
//
// Each test runs on a thread with such a stack (small_stack.hpp): without the limit, these
// inputs overflow it and the test binary dies of SIGSEGV.
#include <evenhand/detail/value_json.hpp>
#include <evenhand/eval/application.hpp>
#include <evenhand/eval/decision_json.hpp>
#include <evenhand/eval/evaluate.hpp>
#include <evenhand/expr.hpp>
#include <evenhand/guide/guide.hpp>

#include "edited_demo.hpp"
#include "small_stack.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <functional>
#include <string>

using namespace evenhand;

namespace {

/// The stack a test on a hall thread may use at most: what is left must do for the caller's
/// own frames (a hall runtime, a language binding).
constexpr std::size_t comfortable = test::hall_thread_stack / 2;

/// Runs `f` on a hall worker's stack and checks it used no more than `comfortable`. `what`
/// names the case in failures (doctest's INFO is per thread).
void on_hall_thread(const std::string& what, const std::function<void()>& f) {
  std::size_t used = test::run_on_hall_thread([&] {
    INFO(what);
    f();
  });
  INFO(what << ": stack used: " << used << " bytes");
  CHECK(used <= comfortable);
}

/// The same for the parser, except under ASan: unoptimised, with redzones around every frame,
/// its Spirit X3 descent takes about 5 KB a level, where an optimised build takes under 1.4 KB
/// (README, "Limits"), so 64 levels need more than a hall thread has. There it runs on 8 MB,
/// which still finds unbounded recursion: that overflows any stack.
void on_parser_thread(const std::string& what, const std::function<void()>& f) {
  if constexpr (test::under_asan) {
    test::run_with_stack(8 << 20, [&] {
      INFO(what);
      f();
    });
  } else {
    on_hall_thread(what, f);
  }
}

std::string repeat(std::string_view s, std::size_t n) {
  std::string out;
  out.reserve(s.size() * n);
  for (std::size_t i = 0; i < n; ++i) out += s;
  return out;
}

/// Expressions `n` levels deep, by kind. Each is well typed in `environment()`.
std::string shape(std::string_view kind, std::size_t n) {
  if (kind == "not") return std::string(n, '!') + "b";
  if (kind == "negate") return std::string(n, '-') + "i";
  if (kind == "parentheses") return std::string(n, '(') + "b" + std::string(n, ')');
  if (kind == "not-parentheses") return repeat("!(", n) + "b" + std::string(n, ')');
  if (kind == "ternary") return repeat("b ? i : ", n) + "0";
  if (kind == "ternary-condition") return repeat("(b ? b : ", n) + "b" + std::string(n, ')') + " ? 1 : 2";
  if (kind == "list") return std::string(n, '[') + "i" + std::string(n, ']');
  if (kind == "map") return repeat("{'k': ", n) + "i" + std::string(n, '}');
  if (kind == "sum") return "i" + repeat(" + i", n);
  if (kind == "or") return "b" + repeat(" || b", n);
  if (kind == "and-or") return repeat("b && (b || ", n) + "b" + std::string(n, ')');
  if (kind == "index") return repeat("l[", n) + "0" + std::string(n, ']');
  if (kind == "call") return repeat("int(", n) + "i" + std::string(n, ')');
  if (kind == "select") return "r" + repeat(".x", n);
  if (kind == "exists") return repeat("l.exists(v, ", n) + "b" + std::string(n, ')');
  if (kind == "equal-lists") return std::string(n, '[') + "i" + std::string(n, ']') + " == " + std::string(n, '[') + "i" + std::string(n, ']');
  return {};
}

constexpr std::string_view shapes[] = {"not",  "negate", "parentheses", "not-parentheses", "ternary",
                                       "ternary-condition", "list", "map", "sum", "or", "and-or", "index",
                                       "call", "select", "exists", "equal-lists"};

const expr::environment& environment() {
  static const expr::environment env = [] {
    expr::environment e;
    e.declare("b", expr::type::bool_());
    e.declare("i", expr::type::int_());
    e.declare("l", expr::type::list_of(expr::type::int_()));
    e.declare("r", expr::type::dyn());
    return e;
  }();
  return env;
}

bool parses(const std::string& source) {
  return expr::parse(source).tree.has_value();
}

/// The deepest `kind` the parser accepts with its default limits (found by bisection).
std::size_t deepest_accepted(std::string_view kind) {
  std::size_t lo = 1, hi = 2;
  while (parses(shape(kind, hi))) {
    lo = hi;
    hi *= 2;
    if (hi > 100'000) return lo;  // no limit at all: the tests below fail on it
  }
  while (hi - lo > 1) {
    std::size_t mid = lo + (hi - lo) / 2;
    (parses(shape(kind, mid)) ? lo : hi) = mid;
  }
  return lo;
}

/// Everything a parsed expression goes through: check, compile, evaluate, the result's JSON.
void run_every_pass(expr::ast tree) {
  diagnostics problems;
  auto program = expr::compile(std::move(tree), environment(), problems);
  INFO(render_text(problems));
  REQUIRE(program);
  expr::activation act(environment());
  act.set("b", value(true));
  act.set("i", value(7));
  act.set("l", value(list{value(0)}));
  value result = program->evaluate(act);
  std::string json;
  evenhand::detail::put_value(json, result);
  CHECK(!json.empty());
  CHECK(cel_equal(result, result));  // equality and order walk the whole value
  CHECK(total_order(result, result) == 0);
  (void)hash_value(result);
}

}  // namespace

TEST_CASE("nesting: a chain of 1,344 '!' before a name is refused where it goes too deep, on a hall thread") {
  // The report that started this: 1,345 bytes, within every size limit, and a stack overflow
  // in the checker on a 256 KB thread.
  const std::string source = std::string(1344, '!') + "b";
  REQUIRE(source.size() == 1345);
  on_parser_thread("the chain", [&] {
    diagnostics problems;
    auto program = expr::compile(source, environment(), problems);
    CHECK_FALSE(program);
    REQUIRE(problems.size() == 1);
    const auto& d = problems[0];
    CHECK(d.code == "E105");
    CHECK(d.where.line == 1);
    // At the first '!' beyond the limit, counted from the outside.
    CHECK(d.where.column == expr::parse_limits{}.max_depth + 1);
    CHECK(d.message.find("表达式嵌套过深") != std::string::npos);
    CHECK(d.message.find("nested too deeply") != std::string::npos);
    CHECK(d.message.find(std::to_string(expr::parse_limits{}.max_depth)) != std::string::npos);
  });
}

TEST_CASE("nesting: the deepest expression of each shape that parses goes through every pass on a hall thread") {
  for (auto kind : shapes) {
    CAPTURE(kind);
    const std::size_t n = deepest_accepted(kind);
    CAPTURE(n);
    // Every shape is accepted at the depth CEL requires (12 levels, 32 repetitions) …
    CHECK(n >= (kind == "sum" || kind == "or" || kind == "select" ? 32u : 12u));
    // … and bounded by the limit.
    CHECK(n <= expr::parse_limits{}.max_depth);
    const std::string what = std::string(kind) + " × " + std::to_string(n);
    std::optional<expr::ast> tree;
    on_parser_thread(what + ", parsed", [&] { tree = expr::parse(shape(kind, n)).tree; });
    REQUIRE(tree);
    on_hall_thread(what + ", checked, compiled, evaluated", [&] { run_every_pass(std::move(*tree)); });
  }
}

TEST_CASE("nesting: each shape far beyond the limit is refused with E105 without exhausting a hall thread's stack") {
  for (auto kind : shapes) {
    CAPTURE(kind);
    for (std::size_t n : {expr::parse_limits{}.max_depth + 1, std::size_t{5'000}, std::size_t{30'000}}) {
      CAPTURE(n);
      const std::string source = shape(kind, n);
      if (source.size() > expr::parse_limits{}.max_source_bytes) continue;
      on_parser_thread(std::string(kind) + " × " + std::to_string(n), [&] {
        diagnostics problems;
        CHECK_FALSE(expr::compile(source, environment(), problems));
        REQUIRE(!problems.empty());
        // Lists, maps and calls of this size also go beyond the repetition limit (E106).
        CHECK((problems[0].code == "E105" || problems[0].code == "E106"));
      });
    }
  }
}

TEST_CASE("nesting: a tree built without the parser is refused by the checker, with the same limit") {
  // compile(ast, …) is public: a tree made by hand is held to the same height.
  expr::ast tree;
  tree.source = std::string(1000, '!') + "b";
  expr::node leaf;
  leaf.kind = expr::node_kind::ident;
  leaf.name = "b";
  leaf.span = {1000, 1001};
  tree.nodes.push_back(leaf);
  for (std::uint32_t k = 0; k < 1000; ++k) {
    expr::node n;
    n.kind = expr::node_kind::unary;
    n.op.unary = expr::unary_op::logical_not;
    n.args = {k};
    n.span = {999 - k, 1001};
    tree.nodes.push_back(n);
  }
  tree.root = 1000;
  on_hall_thread("a tree of 1,001 levels", [&] {
    diagnostics problems;
    CHECK_FALSE(expr::compile(tree, environment(), problems));
    REQUIRE(problems.size() == 1);
    CHECK(problems[0].code == "E105");
    CHECK(problems[0].where.column == expr::parse_limits{}.max_depth + 1);
  });
}

namespace {

/// The demo ruleset with `derive` entries added to the food business licence, and a condition
/// that reads the last of them.
std::filesystem::path demo_with_facts(const std::string& name, const std::string& facts, const std::string& last) {
  auto dir = testing::edited_demo(name, "items/food-business-licence.yaml", "\nconditions:\n",
                                  facts + "\nconditions:\n  - id: deep-fact\n    stage: acceptance\n    require: '" + last +
                                      "'\n    on_fail: correct\n    message: 深层事实。\n    basis: [XKF-32]\n");
  return dir;
}

/// `count` facts, each the one before it in a list: a value nested `count` deep.
std::string list_facts(std::size_t count) {
  std::string s;
  for (std::size_t k = 0; k < count; ++k)
    s += "  deep" + std::to_string(k) + ": '[" + (k ? "deep" + std::to_string(k - 1) : std::string("catering")) + "]'\n";
  return s;
}

/// `count` facts, each the negation of the one before it (the guide explains such facts).
std::string negated_facts(std::size_t count) {
  std::string s;
  for (std::size_t k = 0; k < count; ++k)
    s += "  deep" + std::to_string(k) + ": '!" + (k ? "deep" + std::to_string(k - 1) : std::string("catering")) + "'\n";
  return s;
}

std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

/// Loads on the calling thread (no loader threads of their own, with their own stacks).
standard::load_result load_here(const std::filesystem::path& dir) {
  standard::load_limits limits;
  limits.threads = 1;
  return standard::load_ruleset(dir, limits);
}

}  // namespace

TEST_CASE("nesting: derived facts that use derived facts are held to the same limit, located at the fact") {
  // 3,000 facts each wrapping the last in a list would make a value 3,000 lists deep, and
  // every pass over it (the decision's JSON, equality, its destruction) recurse as deep.
  auto dir = demo_with_facts("deep-facts", list_facts(3000), "size(deep2999) > 0");
  on_parser_thread("3,000 facts in a chain", [&] {
    auto loaded = load_here(dir);
    CHECK_FALSE(loaded.rules);
    const diagnostic* found = nullptr;
    for (const auto& d : loaded.problems)
      if (d.code == "E105" && !found) found = &d;
    REQUIRE(found);
    CHECK(found->where.file.ends_with("food-business-licence.yaml"));
    CHECK(found->message.find("表达式嵌套过深") != std::string::npos);
    CHECK(found->message.find("deep") != std::string::npos);  // names the fact
    // The first fact beyond the limit: the chain's height counts catering's own.
    CHECK(found->source_line.find("deep" + std::to_string(expr::parse_limits{}.max_depth - 4) + ":") != std::string::npos);
  });
}

TEST_CASE("nesting: the longest chain of facts the limit admits loads, decides and is explained on a hall thread") {
  for (auto which : {"list", "not"}) {
    CAPTURE(which);
    // Find the longest chain that loads (the limit counts the facts' heights together).
    std::size_t count = 0;
    std::filesystem::path dir;
    for (std::size_t c = expr::parse_limits{}.max_depth; c > 0 && !count; --c) {
      std::string facts = std::string(which) == "list" ? list_facts(c) : negated_facts(c);
      std::string last = "deep" + std::to_string(c - 1);
      dir = demo_with_facts(std::string("facts-") + which, facts, std::string(which) == "list" ? "size(" + last + ") > 0" : last);
      if (load_here(dir).rules) count = c;
    }
    REQUIRE(count > 0);
    CHECK(count >= expr::parse_limits{}.max_depth / 2);
    auto app_text = read_text(std::filesystem::path(EVENHAND_SOURCE_DIR) / "examples/applications/food-business-restaurant.json");
    on_parser_thread(std::string("a chain of ") + which + " facts", [&] {
      auto loaded = load_here(dir);
      REQUIRE(loaded.rules);
      diagnostics problems;
      auto app = eval::read_application(app_text, "app.json", *loaded.rules, problems);
      REQUIRE(app);
      auto d = eval::evaluate(*loaded.rules, *app);
      std::string json = eval::to_json(d);
      CHECK(json.find("deep-fact") != std::string::npos);
      const auto& item = *app->standard;
      std::string md = guide::render_markdown(*loaded.rules, item);
      CHECK(!md.empty());
    });
  }
}

TEST_CASE("nesting: applications nested as deep as the reader allows are read on a hall thread, JSON and YAML") {
  auto dir = testing::demo_dir;
  auto loaded = load_here(dir);
  REQUIRE(loaded.rules);
  auto app_text = read_text(std::filesystem::path(EVENHAND_SOURCE_DIR) / "examples/applications/food-business-restaurant.json");
  for (std::size_t depth : {std::size_t{60}, std::size_t{64}, std::size_t{65}, std::size_t{5'000}}) {
    CAPTURE(depth);
    // A value nested `depth` deep where the item expects a list of names: an error, located,
    // whether the reader got there through JSON or (for the exact position) through YAML.
    std::string deep = std::string(depth, '[') + "\"hot\"" + std::string(depth, ']');
    std::string json = app_text;
    json.replace(json.find("\"scope\": ["), std::string("\"scope\": [").size(), "\"scope\": " + deep + ", \"unused\": [");
    std::string yaml = "item: SCJG-XK-001\nsubmitted_at: 2026-02-10T09:30:00+08:00\nfields:\n  scope: " + deep + "\n";
    for (const auto& text : {json, yaml}) {
      on_hall_thread("an application nested " + std::to_string(depth) + " deep", [&] {
        diagnostics problems;
        CHECK_FALSE(eval::read_application(text, "app", *loaded.rules, problems));
        CHECK(!problems.empty());
      });
    }
  }
}
