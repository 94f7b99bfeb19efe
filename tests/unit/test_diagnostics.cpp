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
        "                   ^~~\n"  // 食品 takes four columns in a terminal
        "    hint: did you mean 'applicant.kind'?\n");
}

TEST_CASE("render_text underlines CJK and full-width text as wide as a terminal shows it") {
  diagnostic d;
  d.level = severity::warning;
  d.code = "W401";
  d.message = "vague word '其他'";
  d.where = {"items/food.yaml", 7, 13, 2};  // 其他: two characters, four terminal columns
  d.source_line = "  name: （一）及其他材料";
  std::string out = render_text(d);
  CHECK(out ==
        "items/food.yaml:7:13: warning[W401]: vague word '其他'\n"
        "      name: （一）及其他材料\n"
        "                    ^~~~\n");  // （一）及 takes eight columns
  // A span of mixed text: each character as wide as it shows.
  d.where = {"a.yaml", 1, 3, 4};
  d.source_line = "a 张三b1 x";
  CHECK(render_text(d).ends_with("    a 张三b1 x\n      ^~~~~~\n"));
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

namespace {

diagnostic numbered(std::string file, std::string code, int i, severity level = severity::error) {
  diagnostic d;
  d.level = level;
  d.code = std::move(code);
  d.message = "problem " + std::to_string(i);
  d.where = {std::move(file), static_cast<std::uint32_t>(i + 1), 1, 1};
  return d;
}

}  // namespace

TEST_CASE("diagnostics keep the first 100 of a file, then count the rest by code in one last diagnostic") {
  diagnostics ds;
  for (int i = 0; i < 250; ++i) ds.push_back(numbered("app.json", i % 5 == 4 ? "E402" : "E401", i));
  REQUIRE(ds.size() == max_diagnostics + 1);
  CHECK(ds[0].message == "problem 0");
  CHECK(ds[99].message == "problem 99");
  const diagnostic& more = ds.back();
  CHECK(more.level == severity::error);
  CHECK(more.where.file == "app.json");
  CHECK(more.where.line == 0);
  // Of the 150 left out, every fifth is E402.
  CHECK(more.message == "and 150 more of the same kinds: E401 ×120, E402 ×30（另有150条同类问题未列出）");
  CHECK(ds.omitted() == 150);
  CHECK(ds.count(severity::error) == 250);
  CHECK_FALSE(ds.has_room("app.json"));
  CHECK(render_text(ds).find("app.json: error: and 150 more of the same kinds") != std::string::npos);
  CHECK(render_json(ds).find("\"message\":\"and 150 more of the same kinds") != std::string::npos);
  // Each file has its own hundred: a ruleset's files are separate inputs.
  CHECK(ds.has_room("other.yaml"));
  ds.push_back(numbered("other.yaml", "E302", 0));
  CHECK(ds.size() == max_diagnostics + 2);
  CHECK(ds.back().where.file == "other.yaml");
}

TEST_CASE("diagnostics: exactly 100 need no summary; one counted without being built makes it") {
  diagnostics ds;
  for (int i = 0; i < 100; ++i) ds.push_back(numbered("a.yaml", "W401", i, severity::warning));
  CHECK(ds.size() == 100);
  CHECK(ds.omitted() == 0);
  CHECK_FALSE(ds.has_room("a.yaml"));
  ds.omit("a.yaml", "W401", severity::warning);
  REQUIRE(ds.size() == 101);
  CHECK(ds.back().level == severity::warning);  // as severe as the worst it counts
  CHECK_FALSE(has_errors(ds));
  ds.omit("a.yaml", "E305", severity::error);
  CHECK(ds.back().level == severity::error);
  CHECK(has_errors(ds));  // an error past the cap still fails the input
  CHECK(ds.back().message == "and 2 more of the same kinds: E305 ×1, W401 ×1（另有2条同类问题未列出）");
  CHECK(ds.count(severity::warning) == 101);  // the summary itself is none of them
  CHECK(ds.count(severity::error) == 1);
}

TEST_CASE("render_text puts the caret under a character after CJK text, two columns each") {
  diagnostic d;
  d.code = "E401";
  d.message = "x";
  d.where = {"a.yaml", 1, 10, 1};
  d.source_line = "名称: 食品经营 x";  // x is the 10th code point, in the 16th terminal column
  CHECK(render_text(d) ==
        "a.yaml:1:10: error[E401]: x\n"
        "    名称: 食品经营 x\n"
        "                   ^\n");
}

TEST_CASE("a long source line is kept as a window around the column, cut at characters") {
  std::string line(5000, 'a');
  line += "XYZ";
  line += std::string(5000, 'b');
  source_excerpt e = excerpt(line, 5000);
  CHECK(e.text.size() <= max_excerpt_bytes);
  CHECK(evenhand::detail::display_width(e.text) <= max_excerpt_columns);
  CHECK(e.text.rfind("…", 0) == 0);
  CHECK(e.text.size() >= 3);
  CHECK(e.text.substr(e.text.size() - 3) == "…");
  CHECK(e.text.find("XYZ") != std::string::npos);
  // The column inside the window is that of X.
  CHECK(evenhand::detail::offset_of_column(e.text, e.column) == e.text.find('X'));

  // CJK: every cut falls between characters, and the text stays UTF-8.
  std::string cjk;
  for (int i = 0; i < 2000; ++i) cjk += "食品经营许可";
  const std::size_t at = cjk.size() / 2 + 3;  // a character boundary (3 bytes each)
  e = excerpt(cjk, at);
  CHECK(evenhand::detail::first_invalid_utf8(e.text) == std::string_view::npos);
  CHECK(evenhand::detail::display_width(e.text) <= max_excerpt_columns);
  CHECK(e.text.size() <= max_excerpt_bytes);
  // The window is the line's own text around `at`, after a leading "…", the column on `at`.
  REQUIRE(e.text.starts_with("…"));
  const std::size_t off = evenhand::detail::offset_of_column(e.text, e.column);
  REQUIRE(off >= 3);
  CHECK(e.text.substr(3, off - 3) == cjk.substr(at - (off - 3), off - 3));
  CHECK(e.text.substr(off, 3) == cjk.substr(at, 3));
  // A place inside a character moves to its start.
  CHECK(excerpt(cjk, at + 1).column == e.column);

  // A short line is kept whole, the column as it is.
  e = excerpt("  kind: firm", 8);
  CHECK(e.text == "  kind: firm");
  CHECK(e.column == 9);
  // At the very end (an unclosed bracket) the place still shows.
  e = excerpt(line, line.size());
  CHECK(e.text.rfind("…", 0) == 0);
  CHECK(e.text.find("…", 3) == std::string::npos);
  CHECK(e.column == evenhand::detail::count_code_points(e.text) + 1);
}

TEST_CASE("a diagnostic given a whole long line keeps its window, and the caret stays on its character") {
  diagnostic d;
  d.code = "E101";
  d.message = "x";
  std::string line = std::string(3000, ' ') + "(y ||)" + std::string(3000, ' ');
  d.where = {"<expr>", 1, 3005, 1};  // the second '|'
  d.source_line = line;
  diagnostics ds;
  ds.push_back(d);
  const diagnostic& kept = ds.front();
  CHECK(kept.source_line.size() <= max_excerpt_bytes);
  CHECK(kept.where.column == 3005);
  const std::string out = render_text(kept);
  const auto first = out.find('\n') + 1, second = out.find('\n', first) + 1;
  const std::string shown = out.substr(first, second - first - 1), caret = out.substr(second, out.find('\n', second) - second);
  // "    …   (y ||)   …" over "    ^": the caret's column is that of the second '|'.
  const std::size_t caret_col = evenhand::detail::display_width(caret) - 1;
  std::size_t bar = shown.find("||") + 1;
  CHECK(evenhand::detail::display_width(std::string_view(shown).substr(0, bar)) == caret_col);
}

TEST_CASE("diagnostics appended from another collection keep their counts") {
  diagnostics file;
  for (int i = 0; i < 130; ++i) file.push_back(numbered("items/a.yaml", i < 120 ? "E302" : "W401", i, i < 120 ? severity::error : severity::warning));
  diagnostics all;
  all.push_back(numbered("ruleset.yaml", "E305", 0));
  all.append(std::move(file));
  REQUIRE(all.size() == 1 + 100 + 1);
  CHECK(all.back().where.file == "items/a.yaml");
  CHECK(all.back().message == "and 30 more of the same kinds: E302 ×20, W401 ×10（另有30条同类问题未列出）");
  CHECK(all.back().level == severity::error);
  CHECK(all.count(severity::error) == 121);
  CHECK(all.count(severity::warning) == 10);
  CHECK(all.omitted() == 30);
}
