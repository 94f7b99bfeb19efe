#include <evenhand/expr/parser.hpp>

#include <doctest/doctest.h>

#include <string>

using namespace evenhand;
using namespace evenhand::expr;

namespace {

/// A compact S-expression of the tree, to state expected shapes in one line.
std::string show(const ast& t, node_id id) {
  const node& n = t.at(id);
  auto kids = [&](std::size_t from = 0) {
    std::string s;
    for (std::size_t i = from; i < n.args.size(); ++i) s += " " + show(t, n.args[i]);
    return s;
  };
  switch (n.kind) {
    case node_kind::literal: return std::string(t.text(id));
    case node_kind::ident: return n.name;
    case node_kind::select: return std::string(n.test_only ? "(has " : "(. ") + show(t, n.args[0]) + " " + n.name + ")";
    case node_kind::call: return "(" + std::string(n.receiver_call ? "." : "") + n.name + kids() + ")";
    case node_kind::list: return "[" + kids() + "]";
    case node_kind::map: return "{" + kids() + "}";
    case node_kind::message: return "(msg " + n.name + kids() + ")";
    case node_kind::unary: return std::string(n.op.unary == unary_op::negate ? "(neg" : "(not") + kids() + ")";
    case node_kind::binary: return "(" + std::string(to_string(n.op.binary)) + kids() + ")";
    case node_kind::conditional: return "(?" + kids() + ")";
    case node_kind::index: return "([]" + kids() + ")";
    case node_kind::comprehension: return "(" + std::string(to_string(n.op.macro)) + " " + n.name + kids() + ")";
    case node_kind::placeholder: return "?";
  }
  return "";
}

std::string tree(std::string_view src, parse_options po = {}) {
  auto r = parse(src, po);
  if (!r) return "error: " + (r.problems.empty() ? std::string("?") : r.problems[0].message);
  return show(*r.tree, r.tree->root);
}

diagnostic error_of(std::string_view src, parse_options po = {}) {
  auto r = parse(src, po);
  REQUIRE_FALSE(r);
  REQUIRE(r.problems.size() == 1);
  return r.problems[0];
}

}  // namespace

TEST_CASE("parser: precedence and associativity follow CEL") {
  CHECK(tree("a || b && c") == "(|| a (&& b c))");
  CHECK(tree("a + b * c - d") == "(- (+ a (* b c)) d)");
  CHECK(tree("a < b == c") == "(== (< a b) c)");
  CHECK(tree("x in [1, 2] && !y") == "(&& (in x [ 1 2]) (not y))");
  CHECK(tree("a ? b : c ? d : e") == "(? a b (? c d e))");
  CHECK(tree("(a + b) * c") == "(* (+ a b) c)");
  CHECK(tree("!!a") == "(not (not a))");
  CHECK(tree("-a.b") == "(neg (. a b))");
  CHECK(tree("a.b.c[0].d") == "(. ([] (. (. a b) c) 0) d)");
  CHECK(tree("index in list") == "(in index list)");
}

TEST_CASE("parser: literals") {
  CHECK(tree("-9223372036854775808") == "-9223372036854775808");
  CHECK(tree("--5") == "(neg -5)");
  CHECK(tree("0x1Fu") == "0x1Fu");
  CHECK(tree(".5e1") == ".5e1");
  CHECK(tree("[1, 2,]") == "[ 1 2]");
  CHECK(tree("{'a': 1, 'b': 2}") == "{ 'a' 1 'b' 2}");
  CHECK(tree("true && null == false") == "(&& true (== null false))");
  auto r = parse(R"("a\tb\u00e9\x41\101" + b'\xff' + r'\n' + '''x''x''')");
  REQUIRE(r);
  std::vector<std::string> strings;
  for (const auto& n : r.tree->nodes)
    if (auto* s = std::get_if<std::string>(&n.lit)) strings.push_back(*s);
    else if (auto* b = std::get_if<bytes_literal>(&n.lit)) strings.push_back(b->data);
  REQUIRE(strings.size() == 4);
  CHECK(strings[0] == "a\tb\xC3\xA9" "AA");
  CHECK(strings[1] == "\xff");
  CHECK(strings[2] == "\\n");
  CHECK(strings[3] == "x''x");
}

TEST_CASE("parser: calls and macros") {
  CHECK(tree("size(x)") == "(size x)");
  CHECK(tree("s.startsWith('a')") == "(.startsWith s 'a')");
  CHECK(tree("has(a.b)") == "(has a b)");
  CHECK(tree("xs.all(x, x > 0)") == "(all x xs (> x 0))");
  CHECK(tree("xs.map(x, x > 0, x * 2)") == "(map x xs (> x 0) (* x 2))");
  CHECK(tree("xs.exists_one(x, x)") == "(exists_one x xs x)");
  parse_options no_macros;
  no_macros.enable_macros = false;
  CHECK(tree("xs.all(x, x > 0)", no_macros) == "(.all xs x (> x 0))");
  CHECK(tree(".a.b") == "(. .a b)");
  CHECK(tree("m.`content-type`") == "(. m content-type)");
  CHECK(tree("has(m.`a.b`)") == "(has m a.b)");
  CHECK(tree("google.protobuf.Int32Value{value: 1}") == "(msg google.protobuf.Int32Value 1)");
}

TEST_CASE("parser: reserved words select fields and name receiver calls after a dot") {
  // CEL: Member "." SELECTOR, SELECTOR excludes only the keywords true, false, null and in;
  // reserved words are not identifiers, but are selectors and receiver-call names.
  CHECK(tree("a.as") == "(. a as)");
  CHECK(tree("a.if.package") == "(. (. a if) package)");
  CHECK(tree("msg.namespace == 'x'") == "(== (. msg namespace) 'x')");
  for (std::string_view w : {"as", "break", "const", "continue", "else", "for", "function", "if", "import", "let",
                             "loop", "package", "namespace", "return", "var", "void", "while"}) {
    INFO(w);
    CHECK(tree("a." + std::string(w)) == "(. a " + std::string(w) + ")");
    CHECK(tree("a." + std::string(w) + "()") == "(." + std::string(w) + " a)");
  }
  CHECK(tree("a.package(1, b)") == "(.package a 1 b)");
  CHECK(tree("has(a.if)") == "(has a if)");
  CHECK(tree("[1].map(x, x).as") == "(. (map x [ 1] x) as)");
  // Field names in message construction are selectors too.
  CHECK(tree("T{as: 1, if: 2}") == "(msg T 1 2)");
  // As a plain name or a global function a reserved word is still refused, located.
  diagnostic d = error_of("as");
  CHECK(d.code == "E107");
  CHECK(d.where.column == 1);
  d = error_of("a.b && if(x)");
  CHECK(d.code == "E107");
  CHECK(d.where.column == 8);
  // The keywords are not selectors at all.
  for (std::string_view w : {"true", "false", "null", "in"}) {
    INFO(w);
    auto r = parse("a." + std::string(w));
    CHECK_FALSE(r);
  }
}

TEST_CASE("parser: spans cover the source of each node") {
  auto r = parse("  applicant.age >= 18 // adults");
  REQUIRE(r);
  const ast& t = *r.tree;
  CHECK(t.text(t.root) == "applicant.age >= 18");
  CHECK(t.text(t.at(t.root).args[0]) == "applicant.age");
  CHECK(t.text(t.at(t.root).args[1]) == "18");
  auto neg = parse("1 - -2");
  REQUIRE(neg);
  CHECK(neg.tree->text(neg.tree->at(neg.tree->root).args[1]) == "-2");
}

TEST_CASE("parser: errors are located and explained") {
  auto d = error_of("a +");
  CHECK(d.code == "E101");
  CHECK(d.where.column == 4);
  CHECK(d.message == "expected an operand, found end of input");

  d = error_of("(a && b");
  CHECK(d.message == "expected ')', found end of input");

  d = error_of("a = 1");
  CHECK(d.where.column == 3);
  CHECK(d.hint == "to compare, write '=='");

  d = error_of("a and b");
  CHECK(d.hint == "logical and is '&&'");

  d = error_of("'abc");
  CHECK(d.code == "E102");
  CHECK(d.where.column == 1);

  d = error_of("\"\\s\"");
  CHECK(d.code == "E103");

  d = error_of("\"\\uD83D\"");
  CHECK(d.code == "E103");

  d = error_of("9223372036854775808");
  CHECK(d.code == "E104");
  d = error_of("18446744073709551616u");
  CHECK(d.code == "E104");

  d = error_of("if + 1");
  CHECK(d.code == "E107");

  d = error_of("xs.all(x.y, true)");
  CHECK(d.code == "E108");
  d = error_of("has(a)");
  CHECK(d.code == "E108");

  d = error_of("? > 1");
  CHECK(d.code == "E109");

  d = error_of("x\n  && (y ||)");
  CHECK(d.where.line == 2);
  CHECK(d.where.column == 11);
  CHECK(d.source_line == "  && (y ||)");

  d = error_of("a.");
  CHECK(d.message == "expected a field name, found end of input");
  d = error_of("f(1, ");
  CHECK(d.message == "expected an expression, found end of input");
  d = error_of("1e999");
  CHECK(d.code == "E104");

  d = error_of("a b");
  CHECK(d.message == "unexpected 'b' after a complete expression");

  d = error_of("");
  CHECK(d.message == "empty expression");

  d = error_of("applicant.name == “张三”");
  CHECK(d.hint == "quote strings with ASCII quotes \" or '");
}

TEST_CASE("parser: placeholder in decision-table cells") {
  parse_options cell;
  cell.allow_placeholder = true;
  CHECK(tree("? >= 10 && ? < 100", cell) == "(&& (>= ? 10) (< ? 100))");
}

TEST_CASE("parser: limits hold CEL's minimums and stop hostile input") {
  std::string nested;
  for (int i = 0; i < 12; ++i) nested += "(";
  nested += "1";
  for (int i = 0; i < 12; ++i) nested += ")";
  CHECK(parse(nested));
  std::string lists;
  for (int i = 0; i < 12; ++i) lists += "[";
  for (int i = 0; i < 12; ++i) lists += "]";
  CHECK(parse(lists));
  std::string reps = "a";
  for (int i = 0; i < 31; ++i) reps += " + a";
  CHECK(parse(reps));
  std::string args = "f(";
  for (int i = 0; i < 32; ++i) args += (i ? ", " : "") + std::to_string(i);
  CHECK(parse(args + ")"));

  std::string deep(100000 / 2, '(');
  auto d = error_of(deep + "1");
  CHECK(d.code == "E105");
  std::string chain = "1";
  for (int i = 0; i < 2000; ++i) chain += "+1";
  CHECK(error_of(chain).code == "E106");
  std::string alternating = "1";
  for (int i = 0; i < 20000; ++i) alternating += (i % 2 ? "+1" : "-1");
  CHECK(error_of(alternating).code == "E105");
  CHECK(error_of(std::string(200000, ' ')).code == "E109");
  CHECK(error_of(std::string(50000, '!') + "a").code == "E105");
}
