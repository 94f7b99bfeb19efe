#include <evenhand/calendar_loader.hpp>
#include <evenhand/standard/loader.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

using namespace evenhand;
namespace fs = std::filesystem;

namespace {

const fs::path source_dir = EVENHAND_SOURCE_DIR;

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return std::move(s).str();
}

const standard::item_context& demo_context() {
  static const standard::item_context context = [] {
    standard::item_context c;
    std::vector<calendar_load_error> errors;
    auto cal = load_calendar_directory(source_dir / "rulesets/cn-demo/calendars/cn-mainland", "cn-mainland", errors);
    REQUIRE(cal);
    c.calendar = std::make_shared<const workday_calendar>(std::move(*cal));
    c.basis["XKF-42"] = "《中华人民共和国行政许可法》第四十二条";
    return c;
  }();
  return context;
}

struct loaded {
  std::optional<standard::item> item;
  diagnostics problems;
  bool has(std::string_view code, std::uint32_t line = 0) const {
    return std::any_of(problems.begin(), problems.end(), [&](const diagnostic& d) {
      return d.code == code && (line == 0 || d.where.line == line);
    });
  }
  std::string dump() const {
    std::string s;
    for (const auto& d : problems) s += render_text(d);
    return s;
  }
};

loaded load(std::string_view text, const std::string& file = "item.yaml") {
  loaded l;
  l.item = standard::load_item_text(text, file, demo_context(), l.problems);
  return l;
}

std::string valid_text() { return read(source_dir / "tests/standards/valid-minimal.yaml"); }

}  // namespace

TEST_CASE("loader: the minimal valid standard loads into a checked model") {
  auto l = load(valid_text());
  INFO(l.dump());
  REQUIRE(l.item);
  const auto& it = *l.item;
  CHECK(it.code == "TEST-XK-001");
  CHECK(it.effective_from == *date::from_ymd(2026, 1, 1));
  CHECK(it.fields.size() == 4);
  CHECK(it.fields[0].name == "applicant.kind");  // sorted
  CHECK(it.fields[0].options[1].label == "个体工商户");
  CHECK(it.derive.size() == 1);
  CHECK(it.conditions[0].when);
  CHECK(it.materials[0].required_when);
  CHECK(it.deadlines.legal == standard::period{20, standard::period::unit::workdays, {}});
  CHECK(it.workflow_analysis.critical_days == 5);
  CHECK(it.tables[0].rows.size() == 3);
  CHECK(it.tables[0].rows[0].outputs[0].output.as_int() == 5);
  CHECK(it.outputs[0].values[0].first == "validity_years");
  CHECK(it.digest.rfind("sha256:", 0) == 0);
  CHECK_FALSE(has_errors(l.problems));
}

TEST_CASE("item: fields found by dotted path, and records written nested") {
  standard::item item;
  // Sorted by name, as the loader keeps them: "a-b" and "a,b" sort between "a" and "a.b".
  for (const char* name : {"a", "a,b", "a-b", "a.b", "a.c.d", "ab", "b.x"}) {
    standard::field f;
    f.name = name;
    item.fields.push_back(f);
  }
  CHECK(item.find_field("a-b") != nullptr);
  CHECK(item.find_field("a.c") == nullptr);
  CHECK(item.has_fields_under("a"));
  CHECK(item.has_fields_under("a.c"));
  CHECK(item.has_fields_under("b"));
  CHECK_FALSE(item.has_fields_under("a.b"));
  CHECK_FALSE(item.has_fields_under("ab"));
  CHECK_FALSE(item.has_fields_under("a-b"));
  CHECK_FALSE(item.has_fields_under("c"));
  CHECK_FALSE(item.has_fields_under(""));
}

TEST_CASE("loader: every file of the bad corpus fails with its expected code and line") {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(source_dir / "tests/standards/bad")) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  CHECK(files.size() >= 40);
  for (const auto& f : files) {
    std::string text = read(f);
    // "# expect: E302 line 19" on the second line.
    auto at = text.find("# expect: ");
    REQUIRE_MESSAGE(at != std::string::npos, f.filename().string());
    std::istringstream spec(text.substr(at + 10, text.find('\n', at) - at - 10));
    std::string code, word;
    std::uint32_t line = 0;
    spec >> code >> word >> line;
    auto l = load(text, f.filename().string());
    INFO(f.filename().string() << " expects " << code << " at line " << line << "\n" << l.dump());
    CHECK_FALSE(l.item);
    CHECK(l.has(code, line));
    for (const auto& d : l.problems) {
      CHECK(d.where.line >= 1);
      CHECK(d.where.column >= 1);
      CHECK_FALSE(d.message.empty());
    }
  }
}

TEST_CASE("loader: an expression's error points inside the YAML scalar") {
  std::string text = valid_text();
  // In a double-quoted scalar with escapes, the column still lands on the bad name.
  std::string from = "required_when: catering";
  text.replace(text.find(from), from.size(), "required_when: \"\\\"catering\\\" in scopes\"");
  auto l = load(text);
  REQUIRE(l.has("E201"));
  const auto& d = *std::find_if(l.problems.begin(), l.problems.end(), [](const auto& d) { return d.code == "E201"; });
  CHECK(d.where.column == std::uint32_t(d.source_line.find("scopes") + 1));
  CHECK(d.hint == "did you mean 'scope'?");
}

TEST_CASE("loader: a matches() pattern RE2 rejects is located at the pattern in the YAML line") {
  std::string text = valid_text();
  std::string from = "require: is_uscc(applicant.uscc)";
  text.replace(text.find(from), from.size(), "require: applicant.uscc.matches(\"^(统一|社会[0-9A-Z]{16}$\")");
  auto l = load(text);
  CHECK_FALSE(l.item);
  REQUIRE(l.has("E207", 23));
  const auto& d = *std::find_if(l.problems.begin(), l.problems.end(), [](const auto& d) { return d.code == "E207"; });
  CHECK(d.where.column == 37);  // the pattern's opening quote, in characters
  CHECK(d.where.length == 22);
  CHECK(d.source_line.find("applicant.uscc.matches") != std::string::npos);
}

TEST_CASE("loader: a YAML syntax error in a file with Chinese text is located where it is") {
  // libyaml counts positions in characters; a Chinese character is three bytes.
  struct case_t {
    const char* what;
    std::string from, to;
    std::uint32_t line, column;
  };
  const case_t cases[] = {
      {"after Chinese text on the same line", "    message: 统一社会信用代码校验不通过。",
       "    message: \"统一社会信用代码\\q校验不通过。\"", 26, 23},
      {"an anchor below many Chinese lines", "    form: original", "    form: &a original", 32, 11},
      {"a flow map left open after Chinese text", "basis: [XKF-42] }\noutputs", "basis: [XKF-42]\noutputs", 54, 1},
  };
  for (const auto& c : cases) {
    INFO(c.what);
    std::string text = valid_text();
    REQUIRE(text.find(c.from) != std::string::npos);
    text.replace(text.find(c.from), c.from.size(), c.to);
    auto l = load(text);
    CHECK_FALSE(l.item);
    REQUIRE(l.problems.size() == 1);
    const auto& d = l.problems[0];
    CHECK(d.code == "E300");
    CHECK(d.where.line == c.line);
    CHECK(d.where.column == c.column);
  }
}

TEST_CASE("loader: W401 reports each vague word of a text, located at the word") {
  std::string text = valid_text();
  const std::string from = "    name: 经营场所平面布局图\n";
  REQUIRE(text.find(from) != std::string::npos);
  // Line 30: three vague words, one inside a title (exempt), one 等 that is part of 等级.
  text.replace(text.find(from), from.size(),
               "    name: 《有关规定》要求的平面图、其他相关材料等级证明等\n");
  // Line 26, double-quoted with an escape before the word: the column is still the word's.
  const std::string msg = "    message: 统一社会信用代码校验不通过。\n";
  REQUIRE(text.find(msg) != std::string::npos);
  text.replace(text.find(msg), msg.size(), "    message: \"请\\t补正其它材料\"\n");
  auto l = load(text);
  INFO(l.dump());
  REQUIRE(l.item);
  std::vector<const diagnostic*> w;
  for (const auto& d : l.problems)
    if (d.code == "W401") w.push_back(&d);
  REQUIRE(w.size() == 4);
  // In file order, each at its word, underlined over the word's characters.
  CHECK(w[0]->where.line == 26);
  CHECK(w[0]->where.column == 20);
  CHECK(w[0]->where.length == 2);
  CHECK(w[0]->message.find("'其它'") != std::string::npos);
  CHECK(w[1]->where.line == 30);
  CHECK(w[1]->where.column == 24);
  CHECK(w[1]->where.length == 2);
  CHECK(w[1]->message.find("'其他'") != std::string::npos);
  CHECK(w[2]->where.line == 30);
  CHECK(w[2]->where.column == 26);
  CHECK(w[2]->where.length == 2);
  CHECK(w[2]->message.find("'相关'") != std::string::npos);
  CHECK(w[3]->where.line == 30);
  CHECK(w[3]->where.column == 34);
  CHECK(w[3]->where.length == 1);
  CHECK(w[3]->message.find("'等'") != std::string::npos);
  // The caret is under the word in the rendered text.
  const std::string shown = render_text(*w[1]);
  CHECK(shown.find("\n        name: 《有关规定》要求的平面图、其他相关材料等级证明等\n"
                   "                                        ^~~~\n") != std::string::npos);
}

TEST_CASE("loader: all errors of a file are reported in one run") {
  std::string text = valid_text();
  text.replace(text.find("stage: acceptance"), 17, "stage: acceptence");
  text.replace(text.find("copies: 1"), 9, "copys: 1");
  text.replace(text.find("legal: 20 workdays"), 18, "legal: 20 weeks");
  auto l = load(text);
  CHECK(l.has("E305"));
  CHECK(l.has("E302"));
  CHECK(std::count_if(l.problems.begin(), l.problems.end(), [](const auto& d) { return d.level == severity::error; }) >= 3);
  auto stage = std::find_if(l.problems.begin(), l.problems.end(), [](const auto& d) { return d.message.find("stage") != std::string::npos; });
  REQUIRE(stage != l.problems.end());
  CHECK(stage->hint == "did you mean 'acceptance'?");
}

TEST_CASE("loader: hostile inputs are refused quickly, never crash") {
  SUBCASE("10 MB file") {
    std::string big(10 * 1024 * 1024, 'a');
    auto l = load(big);
    CHECK(l.has("E301", 1));
  }
  SUBCASE("10,000 steps") {
    std::string text = valid_text();
    std::string steps = "workflow:\n  - { id: s0, name: 步骤, limit: 1 workday }\n";
    for (int i = 1; i < 10000; ++i)
      steps += "  - { id: s" + std::to_string(i) + ", name: 步骤, after: [s" + std::to_string(i - 1) + "], limit: 0 workdays }\n";
    auto from = text.find("workflow:"), to = text.find("tables:");
    text.replace(from, to - from, steps);
    auto l = load(text);
    CHECK(l.has("E305"));  // more entries than a section may hold
  }
  SUBCASE("deep nesting") {
    std::string text = valid_text() + "extra: " + std::string(5000, '[') + std::string(5000, ']') + "\n";
    auto l = load(text);
    CHECK(l.has("E300"));
  }
  SUBCASE("deeply nested expression") {
    std::string text = valid_text();
    text.replace(text.find("required_when: catering"), 23,
                 "required_when: '" + std::string(500, '(') + "catering" + std::string(500, ')') + "'");
    auto l = load(text);
    CHECK(l.has("E105"));
  }
  SUBCASE("inputs on which yaml-cpp 0.7 would loop forever") {
    for (std::string_view text : {",a: b", "--- ,x", "\"(\",on", "'x',y", "[1],b", "{a: 1},b", "a: 1\n---\n,b: 2",
                                  "!t ,a", "# c\n\"x\"\n,y", "\"\"\"\",\"\"", "!l_l,", "&a,b", "  a: 1\n,b: 2", "! be\n\n?\n-15XK11\"", "a: &x 1\nb: *x\n", "? [a]\n: b\n"}) {
      auto l = load(text);
      INFO(text);
      CHECK(l.has("E300"));
    }
    // Commas where YAML allows them still load as YAML.
    for (std::string_view fine : {"a: x, y\n", "a: [1\n  , 2]\n", "a: \"x\n  ,y\"\n", "a: it's, fine\n"}) {
      INFO(fine);
      CHECK_FALSE(load(fine).has("E300"));
    }
  }
  SUBCASE("control characters") {
    auto l = load(std::string("\"\"\x02\"\"\n\"\",\"\""));
    CHECK(l.has("E301", 1));
  }
  SUBCASE("binary garbage") {
    std::string junk;
    for (int i = 0; i < 4096; ++i) junk += static_cast<char>((i * 131 + 7) % 256);
    auto l = load(junk);
    CHECK_FALSE(l.item);
    CHECK(has_errors(l.problems));
  }
}

TEST_CASE("loader: the demo ruleset loads clean, with a stable digest") {
  auto first = standard::load_ruleset(source_dir / "rulesets/cn-demo");
  std::string dump;
  for (const auto& d : first.problems) dump += render_text(d);
  INFO(dump);
  REQUIRE(first.rules);
  CHECK(first.rules->items.size() >= 3);
  CHECK(first.rules->calendar);
  CHECK(first.rules->digest.rfind("sha256:", 0) == 0);
  // The same bytes give the same digest, on another thread too.
  std::string other;
  std::thread t([&] { other = standard::load_ruleset(source_dir / "rulesets/cn-demo").rules->digest; });
  t.join();
  CHECK(other == first.rules->digest);
  // Each field's slot is found once, at load, and is the slot its name declares.
  for (const auto& item : first.rules->items) {
    INFO(item.code);
    REQUIRE(item.field_slots.size() == item.fields.size());
    for (std::size_t i = 0; i < item.fields.size(); ++i) {
      INFO(item.fields[i].name);
      CHECK(item.field_slots[i] == item.environment->slot_of(item.fields[i].name).value_or(standard::no_slot));
      CHECK(item.field_slots[i] != standard::no_slot);
    }
  }
}

TEST_CASE("loader: an unreadable ruleset says so") {
  auto r = standard::load_ruleset(source_dir / "no-such-ruleset");
  CHECK(r.unreadable);
  CHECK_FALSE(r.rules);
  REQUIRE(r.problems.size() == 1);
  CHECK(r.problems[0].code == "E301");
}

TEST_CASE("loader: dated versions of an item; the application date picks one, overlaps are errors") {
  fs::path root = fs::temp_directory_path() / "evenhand-test-versions";
  fs::remove_all(root);
  fs::copy(source_dir / "rulesets/cn-demo", root, fs::copy_options::recursive);
  fs::path food = root / "items/food-business-licence.yaml";
  std::string text = read(food);
  std::string from = text.substr(text.find("effective:"), text.find('\n', text.find("effective:")) - text.find("effective:"));
  auto write = [&](const fs::path& p, std::string t) { std::ofstream(p, std::ios::binary) << t; };

  // A 2027 version beside the current one, which has no end: both are in force in 2027.
  std::string next = text;
  next.replace(next.find(from), from.size(), "effective: { from: 2027-01-01 }");
  next.replace(next.find("version: \""), 10, "version: \"N");
  write(root / "items/food-business-licence-2027.yaml", next);
  auto overlapping = standard::load_ruleset(root);
  CHECK_FALSE(overlapping.rules);
  CHECK(std::any_of(overlapping.problems.begin(), overlapping.problems.end(),
                    [](const diagnostic& d) { return d.code == "E309"; }));

  // End the current version the day before: each date has exactly one version.
  std::string ended = text;
  ended.replace(ended.find(from), from.size(), from.substr(0, from.rfind('}')) + ", to: 2026-12-31 }");
  write(food, ended);
  auto versions = standard::load_ruleset(root);
  std::string dump;
  for (const auto& d : versions.problems) dump += render_text(d);
  INFO(dump);
  REQUIRE(versions.rules);
  const auto* now = versions.rules->find_item("SCJG-XK-001", *date::from_ymd(2026, 6, 1));
  const auto* later = versions.rules->find_item("SCJG-XK-001", *date::from_ymd(2027, 6, 1));
  REQUIRE(now);
  REQUIRE(later);
  CHECK(now != later);
  CHECK(later->version.front() == 'N');
  CHECK(versions.rules->digest != standard::load_ruleset(source_dir / "rulesets/cn-demo").rules->digest);
  fs::remove_all(root);
}

TEST_CASE("loader: a file's problems past a hundred are counted in one last diagnostic") {
  std::string text = valid_text();
  std::string extra;
  for (int i = 0; i < 150; ++i) extra += "unknown_" + std::to_string(i) + ": 1\n";
  auto l = load(extra + text);
  CHECK_FALSE(l.item);
  REQUIRE(l.problems.size() == max_diagnostics + 1);
  CHECK(l.problems[0].code == "E302");
  CHECK(l.problems[0].where.line == 1);
  CHECK(l.problems.back().where.file == "item.yaml");
  CHECK(l.problems.back().message == "and 50 more of the same kinds: E302 ×50（另有50条同类问题未列出）");
}

TEST_CASE("loader: the ruleset digest covers what decides, not the notes beside it") {
  // A stray note, a README or a changed ruleset test is no new version: replay must not treat
  // an editor's note as a change of the rules. A changed item or calendar year is one.
  const fs::path copy = fs::temp_directory_path() / "evenhand-digest-scope";
  fs::remove_all(copy);
  fs::copy(source_dir / "rulesets/cn-demo", copy, fs::copy_options::recursive);
  auto first = standard::load_ruleset(copy);
  REQUIRE(first.rules);
  std::ofstream(copy / "NOTES.txt") << "待核：第十二条的现行文本\n";
  std::ofstream(copy / "tests/food-business-licence.yaml", std::ios::app) << "\n# reviewed\n";
  auto with_notes = standard::load_ruleset(copy);
  REQUIRE(with_notes.rules);
  CHECK(with_notes.rules->digest == first.rules->digest);
  std::ofstream(copy / "items/food-business-licence.yaml", std::ios::app) << "\n# reviewed\n";
  auto changed = standard::load_ruleset(copy);
  REQUIRE(changed.rules);
  CHECK(changed.rules->digest != first.rules->digest);
  fs::remove_all(copy);
}
