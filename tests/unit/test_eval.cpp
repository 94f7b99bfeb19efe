// The evaluator: CEL semantics (errors and unknowns as values, absorption, overflow,
// heterogeneous numbers, macros, conversions, timestamps).
#include <evenhand/expr.hpp>

#include <doctest/doctest.h>

#include "small_stack.hpp"

#include <thread>

using namespace evenhand;
using evenhand::expr::type;

namespace {

struct fixture {
  expr::environment env;
  std::vector<std::pair<std::string, value>> bound;
  fixture& bind(std::string name, value v) {
    env.declare(name, expr::type_of(v));
    bound.emplace_back(std::move(name), std::move(v));
    return *this;
  }
  value run(std::string_view src) const {
    diagnostics problems;
    auto p = expr::compile(src, env, problems);
    if (!p) return value::make_error("COMPILE: " + render_text(problems));
    expr::activation act(env);
    for (const auto& [n, v] : bound) act.set(n, v);
    return p->evaluate(act);
  }
};

value run(std::string_view src) { return fixture{}.run(src); }

bool is_true(const value& v) { return v.is_bool() && v.as_bool(); }
bool is_false(const value& v) { return v.is_bool() && !v.as_bool(); }
bool is_err(const value& v) {
  return v.is_error() && v.as_error().message.rfind("COMPILE", 0) != 0;
}
std::string err(const value& v) { return v.is_error() ? v.as_error().message : std::string("<no error>"); }

}  // namespace

TEST_CASE("eval: literals and arithmetic") {
  CHECK(run("1 + 2 * 3").as_int() == 7);
  CHECK(run("7 / 2").as_int() == 3);
  CHECK(run("-7 % 3").as_int() == -1);
  CHECK(run("3u + 4u").as_uint() == 7u);
  CHECK(run("1.5 * 2.0").as_double() == 3.0);
  CHECK(run("'ab' + 'cd'").as_string() == "abcd");
  CHECK(run("[1, 2] + [3]").as_list().size() == 3);
  CHECK(run("size('食品')").as_int() == 2);
  CHECK(run("size(b'ab')").as_int() == 2);
  CHECK(run("'hello'.size()").as_int() == 5);
}

TEST_CASE("eval: overflow and division errors") {
  CHECK(err(run("9223372036854775807 + 1")).find("overflow") != std::string::npos);
  CHECK(is_err(run("-9223372036854775807 - 2")));
  CHECK(is_err(run("4611686018427387904 * 2")));
  CHECK(is_err(run("0u - 1u")));
  CHECK(is_err(run("18446744073709551615u + 1u")));
  CHECK(err(run("1 / 0")).find("division by zero") != std::string::npos);
  CHECK(is_err(run("1 % 0")));
  CHECK(is_err(run("-9223372036854775808 / -1")));
  CHECK(is_err(run("-(-9223372036854775808)")));
  CHECK(run("1.0 / 0.0").as_double() == std::numeric_limits<double>::infinity());
}

TEST_CASE("eval: heterogeneous numeric equality and ordering") {
  CHECK(is_true(run("dyn(1) == 1.0")));
  CHECK(is_true(run("dyn(1u) == 1")));
  CHECK(is_true(run("1 < 1.5")));
  CHECK(is_true(run("dyn(2u) > -1")));
  CHECK(is_false(run("dyn(1) == 'a'")));
  CHECK(is_true(run("[1, 2] == [1.0, 2u]")));
  CHECK(is_false(run("0.0/0.0 == 0.0/0.0")));
  CHECK(is_err(run("dyn(1) < 'a'")));
}

TEST_CASE("eval: && and || absorb errors commutatively") {
  CHECK(is_false(run("false && 1/0 == 1")));
  CHECK(is_false(run("1/0 == 1 && false")));
  CHECK(is_true(run("true || 1/0 == 1")));
  CHECK(is_true(run("1/0 == 1 || true")));
  CHECK(is_err(run("true && 1/0 == 1")));
  CHECK(is_err(run("1/0 == 1 || false")));
  CHECK(is_true(run("true && true && true")));
  CHECK(is_false(run("true && (1/0 == 1) && false")));
}

TEST_CASE("eval: unknowns propagate, merge and are absorbed") {
  expr::environment env;
  env.declare("a", type::bool_());
  env.declare("b", type::bool_());
  env.declare("n", type::int_());
  auto eval = [&](std::string_view src, bool set_a = false) {
    diagnostics problems;
    auto p = expr::compile(src, env, problems);
    REQUIRE(p);
    expr::activation act(env);
    if (set_a) act.set("a", value(false));
    return p->evaluate(act);
  };
  value u = eval("a");
  REQUIRE(u.is_unknown());
  CHECK(u.as_unknown().attributes == std::vector<std::string>{"a"});
  value ab = eval("a && b");
  REQUIRE(ab.is_unknown());
  CHECK(ab.as_unknown().attributes == std::vector<std::string>{"a", "b"});
  CHECK(is_false(eval("a && b", true)));
  CHECK(is_false(eval("a && false")));
  CHECK(is_true(eval("true || a")));
  CHECK(eval("a && 1/0 == 1").is_unknown());  // unknown wins over error
  CHECK(eval("n + 1 > 2").is_unknown());
  value sum = eval("n + n > 0 || b");
  REQUIRE(sum.is_unknown());
  CHECK(sum.as_unknown().attributes == std::vector<std::string>{"b", "n"});
  CHECK(eval("true ? 1 : n").as_int() == 1);
}

TEST_CASE("eval: conditional evaluates only the chosen branch") {
  CHECK(run("true ? 1 : 1/0").as_int() == 1);
  CHECK(run("false ? 1/0 : 2").as_int() == 2);
  CHECK(is_err(run("1/0 == 1 ? 1 : 2")));
}

TEST_CASE("eval: in, index, select") {
  CHECK(is_true(run("2 in [1, 2, 3]")));
  CHECK(is_false(run("'x' in ['a']")));
  CHECK(is_true(run("'a' in {'a': 1}")));
  CHECK(run("[1, 2, 3][1]").as_int() == 2);
  CHECK(run("[1, 2, 3][1u]").as_int() == 2);
  CHECK(run("[1, 2, 3][dyn(2.0)]").as_int() == 3);
  CHECK(is_err(run("[1, 2, 3][3]")));
  CHECK(is_err(run("[1, 2, 3][-1]")));
  CHECK(is_err(run("[7, 8, 9][dyn(0.1)]")));
  CHECK(run("{'a': 1}['a']").as_int() == 1);
  CHECK(is_err(run("{'a': 1}['b']")));
  CHECK(run("{'a': {'b': 5}}.a.b").as_int() == 5);
  CHECK(err(run("{'a': 1}.b")).find("no such key") != std::string::npos);
  CHECK(is_true(run("has({'a': 1}.a)")));
  CHECK(is_false(run("has({'a': 1}.b)")));
  CHECK(run("{1: 'x'}[1.0]").as_string() == "x");
}

TEST_CASE("eval: strings and regex") {
  CHECK(is_true(run("'foobar'.startsWith('foo')")));
  CHECK(is_true(run("'foobar'.endsWith('bar')")));
  CHECK(is_true(run("'foobar'.contains('oba')")));
  CHECK(is_true(run("'abc123'.matches('[a-z]+[0-9]+')")));
  CHECK(is_true(run("matches('abc', 'b')")));
  CHECK(is_false(run("'abc'.matches('^b')")));
  fixture f;
  f.bind("re", value("[0-9]{3}"));
  CHECK(is_true(f.run("'a123'.matches(re)")));
}

TEST_CASE("eval: matches is RE2 over characters, not bytes") {
  // A Chinese character is one character (three bytes in UTF-8).
  CHECK(is_true(run("'张三'.matches('^.{2}$')")));
  CHECK(is_false(run("'张三'.matches('^.{6}$')")));
  CHECK(is_true(run("'张三丰'.matches('^[张李王].{1,3}$')")));
  // RE2 syntax, CEL's own dialect: Unicode classes and inline flags.
  CHECK(is_true(run(R"('张三'.matches(r'^\p{Han}+$'))")));
  CHECK(is_false(run(R"('张三A'.matches(r'^\p{Han}+$'))")));
  CHECK(is_true(run("'ABC'.matches('(?i)^abc$')")));
  CHECK(is_false(run("'ABC'.matches('^abc$')")));
  // A search, as CEL's matches is: anchors say otherwise.
  CHECK(is_true(run("'广州市天河路385号'.matches('[0-9]+号')")));
  fixture f;
  f.bind("name", value("王小明"));
  CHECK(is_true(f.run(R"(name.matches(r'^\p{Han}{2,4}$'))")));
  CHECK(is_true(f.run("matches(name, '^.{3}$')")));
}

TEST_CASE("eval: matches on a 60 KB field runs in linear time on a hall thread's stack") {
  // A backtracking matcher recurses once per repetition: ^(a|b)*$ on 60 KB overflowed the stack.
  fixture f;
  std::string big(60 * 1024, 'a');
  big[1000] = 'b';
  f.bind("s", value(big));
  value literal, variable;
  std::size_t used = test::run_on_hall_thread([&] {
    literal = f.run("s.matches('^(a|b)*$')");
    fixture g;
    g.bind("s", value(big));
    g.bind("re", value("^(a|b)*$"));
    variable = g.run("s.matches(re)");
  });
  CHECK(is_true(literal));
  CHECK(is_true(variable));
  CHECK(used < test::hall_thread_stack);
}

TEST_CASE("eval: one compiled matches pattern serves many threads") {
  expr::environment env;
  env.declare("name", type::string());
  diagnostics problems;
  auto p = expr::compile(R"(name.matches(r'^\p{Han}{2,4}$'))", env, problems);
  REQUIRE(p);
  const std::vector<std::string> names = {"张三", "Zhang San", "欧阳小明", "王"};
  std::vector<std::thread> threads;
  std::vector<int> wrong(4, 0);
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      expr::activation act(env);
      for (int i = 0; i < 2000; ++i) {
        const std::string& n = names[static_cast<std::size_t>(i + t) % names.size()];
        act.set("name", value(n));
        value v = p->evaluate(act);
        const bool expected = n == "张三" || n == "欧阳小明";
        if (!v.is_bool() || v.as_bool() != expected) ++wrong[static_cast<std::size_t>(t)];
      }
    });
  for (auto& th : threads) th.join();
  CHECK(wrong == std::vector<int>(4, 0));
}

TEST_CASE("eval: a pattern known only at evaluation that RE2 rejects is an error value") {
  fixture f;
  f.bind("re", value("(unclosed"));
  f.bind("s", value("abc"));
  value v = f.run("s.matches(re)");
  REQUIRE(is_err(v));
  CHECK(err(v).find("invalid regular expression") != std::string::npos);
  CHECK(err(v).find("(unclosed") != std::string::npos);
  // Error absorption as for any error value.
  CHECK(is_true(f.run("s.matches(re) || true")));
  // Lookahead is not RE2 (it is ECMAScript): rejected, not read another way.
  fixture g;
  g.bind("re", value("a(?=b)"));
  CHECK(is_err(g.run("'ab'.matches(re)")));
}

TEST_CASE("eval: macros with error absorption") {
  CHECK(is_true(run("[1, 2, 3].all(x, x > 0)")));
  CHECK(is_false(run("[1, 2, 3].all(x, x > 1)")));
  CHECK(is_true(run("[1, 2, 3].exists(x, x == 2)")));
  CHECK(is_true(run("[1, 2, 3].exists_one(x, x == 2)")));
  CHECK(is_false(run("[1, 2, 2].exists_one(x, x == 2)")));
  CHECK(run("[1, 2, 3].map(x, x * 2)").as_list()[2].as_int() == 6);
  CHECK(run("[1, 2, 3].filter(x, x > 1)").as_list().size() == 2);
  CHECK(run("[1, 2, 3].map(x, x > 1, x * 10)").as_list().size() == 2);
  CHECK(is_false(run("[0, 1].all(x, 1 / x > 1)")));  // 1/0 errors, but x = 1 decides
  CHECK(is_true(run("[0, 1].exists(x, 1 / x > 0)")));
  CHECK(is_err(run("[0, 1].all(x, 1 / x >= 0)")));
  CHECK(is_true(run("{'a': 1, 'b': 2}.all(k, k.size() == 1)")));
  CHECK(is_true(run("[[1], [2, 3]].all(l, l.all(x, x > 0))")));
  CHECK(run("[1, 2].map(x, [3, 4].map(y, x * y))").as_list()[1].as_list()[1].as_int() == 8);
}

TEST_CASE("eval: comprehension iteration limit") {
  expr::environment env;
  env.max_iterations = 1000;
  diagnostics problems;
  auto p = expr::compile("[1,2,3,4,5,6,7,8,9,10].all(a, [1,2,3,4,5,6,7,8,9,10].all(b, "
                         "[1,2,3,4,5,6,7,8,9,10].all(c, [1,2,3,4,5,6,7,8,9,10].all(d, true))))",
                         env, problems);
  REQUIRE(p);
  expr::activation act(env);
  CHECK(err(p->evaluate(act)).find("iteration limit") != std::string::npos);
}

TEST_CASE("eval: conversions") {
  CHECK(run("int('987')").as_int() == 987);
  CHECK(is_err(run("int('9x')")));
  CHECK(run("int(-7.9)").as_int() == -7);
  CHECK(is_err(run("int(1e99)")));
  CHECK(is_err(run("int(-9223372036854775808.0)")));
  CHECK(is_err(run("int(18446744073709551615u)")));
  CHECK(run("uint(25.5)").as_uint() == 25u);
  CHECK(is_err(run("uint(-1)")));
  CHECK(run("double('6.02214e23')").as_double() == 6.02214e23);
  CHECK(run("string(123.456)").as_string() == "123.456");
  CHECK(run("string(-4.5e-3)").as_string() == "-0.0045");
  CHECK(run("string(9876u)").as_string() == "9876");
  CHECK(is_err(run("string(b'\\000\\xff')")));
  CHECK(run("string(b'\\303\\277')").as_string() == "\xc3\xbf");
  CHECK(is_true(run("bool('True')")));
  CHECK(is_err(run("bool('TrUe')")));
  CHECK(run("bytes('abc')").as_bytes().data == "abc");
  CHECK(run("type(1)").as_type().name == "int");
  CHECK(run("type(type(1))").as_type().name == "type");
  CHECK(is_true(run("type(1u) == uint")));
  CHECK(is_true(run("type([1]) == list && type({}) == map")));
  CHECK(is_true(run("type(null) == null_type")));
  CHECK(is_true(run("google.protobuf.Timestamp == type(timestamp('2009-02-13T23:31:30Z'))")));
  CHECK(run("int(timestamp('2009-02-13T23:31:30Z'))").as_int() == 1234567890);
}

TEST_CASE("eval: timestamps and durations") {
  CHECK(run("timestamp('2009-02-13T23:31:30Z').getFullYear()").as_int() == 2009);
  CHECK(run("timestamp('2009-02-13T23:31:30Z').getMonth()").as_int() == 1);
  CHECK(run("timestamp('2009-02-13T23:31:30Z').getDate()").as_int() == 13);
  CHECK(run("timestamp('2009-02-13T23:31:30Z').getDayOfMonth()").as_int() == 12);
  CHECK(run("timestamp('2009-02-13T23:31:30Z').getDayOfWeek()").as_int() == 5);
  CHECK(run("timestamp('2009-02-13T23:31:30Z').getDayOfYear()").as_int() == 43);
  CHECK(run("timestamp('2009-02-13T23:31:30Z').getHours('+08:00')").as_int() == 7);
  CHECK(run("timestamp('2009-02-13T23:31:30Z').getHours('02:00')").as_int() == 1);
  CHECK(run("timestamp('2009-02-13T23:31:30Z').getDate('Asia/Shanghai')").as_int() == 14);
  CHECK(run("timestamp('2009-02-13T23:31:20.123456789Z').getMilliseconds()").as_int() == 123);
  CHECK(run("duration('3730s').getMinutes()").as_int() == 62);
  CHECK(run("duration('10000s').getHours()").as_int() == 2);
  CHECK(is_true(run("timestamp('2009-02-13T23:00:00Z') + duration('240s') == "
                    "timestamp('2009-02-13T23:04:00Z')")));
  CHECK(is_true(run("timestamp('2009-02-13T23:31:00Z') - timestamp('2009-02-13T23:29:00Z') == "
                    "duration('120s')")));
  CHECK(is_true(run("duration('200s') < duration('300s')")));
  CHECK(is_err(run("timestamp('9999-12-31T23:59:59Z') + duration('1s')")));
  CHECK(is_err(run("timestamp('10000-01-01T00:00:00Z')")));
  CHECK(run("string(timestamp('2009-02-13T23:31:30Z'))").as_string() == "2009-02-13T23:31:30Z");
}

TEST_CASE("eval: slots_read and thread-safe reuse") {
  expr::environment env;
  env.declare("a", type::int_());
  env.declare("b", type::int_());
  env.declare("c", type::int_());
  diagnostics problems;
  auto p = expr::compile("c > 1 && a < 3", env, problems);
  REQUIRE(p);
  CHECK(p->slots_read() == std::vector<std::uint32_t>{0, 2});
  expr::activation act(env);
  act.set("a", value(1));
  act.set("c", value(2));
  CHECK(is_true(p->evaluate(act)));
  act.clear();
  CHECK(p->evaluate(act).is_unknown());
  CHECK(!act.set("zzz", value(1)));
}

TEST_CASE("eval: placeholder programs (decision-table cells)") {
  expr::environment env;
  expr::parse_options po;
  po.allow_placeholder = true;
  auto parsed = expr::parse("? >= 10 && ? < 100", po);
  REQUIRE(parsed.tree);
  diagnostics problems;
  auto p = expr::compile(std::move(*parsed.tree), env, problems, type::int_());
  REQUIRE(p);
  expr::activation act(env);
  CHECK(is_true(p->evaluate(act, value(50))));
  CHECK(is_false(p->evaluate(act, value(100))));
}

TEST_CASE("eval: lists and maps of constants mean what they say, built once or not") {
  fixture f;
  f.bind("scope", value(list{value("hot"), value("bulk")}));
  f.bind("kind", value("catering"));
  CHECK(is_true(f.run(R"(scope.exists(s, s in ["hot", "cold", "raw"]))")));
  CHECK(is_false(f.run(R"(scope.all(s, s in ["hot", "cold", "raw"]))")));
  CHECK(is_true(f.run(R"(kind in ["food_sales", "catering"])")));
  CHECK(is_false(f.run(R"(kind in [])")));
  CHECK(is_true(f.run(R"([[1, 2], [3]] == [[1, 2], [3]])")));
  CHECK(is_true(f.run(R"({"a": [1, 2], "b": {"c": 3}}.b.c == 3)")));
  CHECK(is_true(f.run(R"("a" in {"a": 1, "b": 2})")));
  // A repeated key is still an error at evaluation, as CEL says, in the comprehension too.
  CHECK(err(f.run(R"({"a": 1, "a": 2})")).find("repeated key") != std::string::npos);
  CHECK(is_err(f.run(R"(scope.exists(s, s in {"hot": 1, "hot": 2}))")));
  // A list holding a variable is built on each evaluation, from that evaluation's values.
  CHECK(is_true(f.run(R"(scope.all(s, s in [s, "x"]))")));
  CHECK(f.run(R"(scope.map(s, [s, "const"]))").as_list()[1].as_list()[0].as_string() == "bulk");
}

TEST_CASE("eval: an activation keeps every slot right through sets, binds, re-sets and clear") {
  expr::environment env;
  for (int i = 0; i < 100; ++i) env.declare("v" + std::to_string(i), expr::type::int_());
  expr::activation act(env);
  std::vector<value> borrowed(100);
  for (int i = 0; i < 100; ++i) borrowed[static_cast<std::size_t>(i)] = value(std::int64_t{-i});
  // Set every slot (filling the owned values' single reservation), rebind every third slot to
  // a borrowed value, and set every fifth again: a re-set of a rebound slot finds the store
  // full and must reuse a value no slot reads.
  for (std::uint32_t i = 0; i < 100; ++i) act.set(i, value(std::int64_t{i}));
  for (std::uint32_t i = 0; i < 100; i += 3) act.bind(i, borrowed[i]);
  for (std::uint32_t i = 0; i < 100; i += 5) act.set(i, value(std::int64_t{1000 + i}));
  auto expected = [](std::uint32_t i) -> std::int64_t {
    if (i % 5 == 0) return 1000 + i;
    if (i % 3 == 0) return -static_cast<std::int64_t>(i);
    return i;
  };
  for (std::uint32_t i = 0; i < 100; ++i) CHECK(act.get(i).as_int() == expected(i));
  // A slot bound and then set again owns a new value; the borrowed one is left alone.
  act.bind(7, borrowed[7]);
  act.set(7, value(std::int64_t{77}));
  CHECK(act.get(7).as_int() == 77);
  CHECK(borrowed[7].as_int() == -7);
  for (std::uint32_t i = 0; i < 100; ++i)
    if (i != 7) CHECK(act.get(i).as_int() == expected(i));
  // The values read through a compiled program, not only through get.
  diagnostics problems;
  auto p = expr::compile("v0 + v1 + v3 + v7 + v99", env, problems);
  REQUIRE(p);
  CHECK(p->evaluate(act).as_int() == expected(0) + expected(1) + expected(3) + 77 + expected(99));
  act.clear();
  CHECK(act.get(5).is_unknown());
  act.set(5, value(std::int64_t{5}));
  CHECK(act.get(5).as_int() == 5);
}
