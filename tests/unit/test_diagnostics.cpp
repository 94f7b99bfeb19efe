#include <evenhand/diagnostics.hpp>

#include <doctest/doctest.h>

using namespace evenhand;

TEST_CASE("locate counts lines and code-point columns") {
  std::string text = "第一行\nab 食品 x\n";
  auto at_x = locate(text, text.find('x'));
  CHECK(at_x.line == 2);
  CHECK(at_x.column == 7);  // a, b, space, 食, 品, space -> x is the 7th code point
  CHECK(at_x.line_text == "ab 食品 x");
  auto start = locate(text, 0);
  CHECK(start.line == 1);
  CHECK(start.column == 1);
  auto past_end = locate(text, 10'000);
  CHECK(past_end.line == 3);
  CHECK(past_end.column == 1);
}

TEST_CASE("locate strips a CR before the line end") {
  auto lc = locate("a\r\nbc\r\n", 4);
  CHECK(lc.line == 2);
  CHECK(lc.column == 2);
  CHECK(lc.line_text == "bc");
}

TEST_CASE("render_text is GCC-style with the source line, a caret and the hint") {
  diagnostic d;
  d.code = "E201";
  d.message = "undeclared reference to 'applicant.kindd'";
  d.where = {"items/food.yaml", 12, 14, 3};
  d.source_line = "  require: 食品 == applicant.kindd";
  d.hint = "did you mean 'applicant.kind'?";
  std::string out = render_text(d);
  CHECK(out ==
        "items/food.yaml:12:14: error[E201]: undeclared reference to 'applicant.kindd'\n"
        "      require: 食品 == applicant.kindd\n"
        "                 ^~~\n"
        "    hint: did you mean 'applicant.kind'?\n");
}

TEST_CASE("render_text without a location or source line") {
  diagnostic d;
  d.level = severity::warning;
  d.code = "W204";
  d.message = "vague word";
  CHECK(render_text(d) == "<input>: warning[W204]: vague word\n");
}

TEST_CASE("render_json escapes and keeps key order") {
  diagnostic d;
  d.code = "E101";
  d.message = "expected \")\"\n";
  d.where = {"a.yaml", 1, 2, 1};
  CHECK(render_json(d) ==
        R"({"severity":"error","code":"E101","message":"expected \")\"\n","file":"a.yaml","line":1,"column":2,"length":1})");
  CHECK(render_json(diagnostics{d, d}).front() == '[');
  CHECK(has_errors(diagnostics{d}));
  d.level = severity::warning;
  CHECK_FALSE(has_errors(diagnostics{d}));
}

TEST_CASE("closest_match suggests only plausible typos") {
  std::vector<std::string> names = {"applicant.kind", "applicant.uscc", "premises.area_m2", "scope"};
  CHECK(closest_match("applicant.kindd", names) == "applicant.kind");
  CHECK(closest_match("scop", names) == "scope");
  CHECK(closest_match("zzzzzz", names).empty());
  CHECK(edit_distance("kitten", "sitting") == 3);
}
