// Service guides as halls publish them: a condition's positive statement (受理条件, 审批条件)
// apart from its failure message, the workflow diagram in words, the service elements
// (办理地点, 咨询方式, 监督投诉渠道 …) and structured legal basis.
#include <evenhand/guide/guide.hpp>

#include "edited_demo.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <iterator>
#include <string>

using namespace evenhand;

namespace {

const standard::item& item_of(const standard::ruleset& rules, std::string_view code, const char* on = "2026-03-02") {
  const auto* item = rules.find_item(code, *date::parse(on));
  REQUIRE(item);
  return *item;
}

bool has(const std::string& text, std::string_view part) { return text.find(part) != std::string::npos; }

/// The 1-based line of the first `part` in `file`, 0 when absent.
std::uint32_t line_of(const std::filesystem::path& file, std::string_view part) {
  std::ifstream in(file, std::ios::binary);
  std::string text(std::istreambuf_iterator<char>(in), {});
  auto at = text.find(part);
  if (at == std::string::npos) return 0;
  return static_cast<std::uint32_t>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(at), '\n') + 1);
}

std::vector<diagnostic> with_code(const diagnostics& problems, std::string_view code) {
  std::vector<diagnostic> out;
  for (const auto& d : problems)
    if (d.code == code) out.push_back(d);
  return out;
}

constexpr std::string_view uscc_statement = "申请人已依法取得营业执照或者机关、事业单位、社会团体登记证书，统一社会信用代码真实有效";
constexpr std::string_view uscc_message = "统一社会信用代码校验不通过，请核对营业执照或登记证书后补正。";

}  // namespace

TEST_CASE("guide elements: the guide prints a condition's statement; the message stays the notice's") {
  auto rules = testing::load(testing::demo_dir);
  const auto& food = item_of(*rules, "SCJG-XK-001");
  std::string md = guide::render_markdown(*rules, food);
  CHECK(has(md, "## 二、受理条件\n\n1. " + std::string(uscc_statement)));
  CHECK_FALSE(has(md, uscc_message));
  CHECK(has(md, "现场核查符合与经营项目相适应的经营场所、设备设施、布局流程要求"));
  std::string html = guide::render_html(*rules, food);
  CHECK(has(html, "<li>" + std::string(uscc_statement)));
  CHECK_FALSE(has(html, uscc_message));
  bool found = false;
  for (const auto& c : food.conditions)
    if (c.id == "uscc-valid") {
      found = true;
      CHECK(c.statement == uscc_statement);
      CHECK(c.message == uscc_message);
    }
  CHECK(found);
}

TEST_CASE("guide elements: every condition of the bundled ruleset has a statement, and lint says nothing of it") {
  auto loaded = standard::load_ruleset(testing::demo_dir);
  REQUIRE(loaded.rules);
  CHECK(with_code(loaded.problems, "W405").empty());
  for (const auto& item : loaded.rules->items)
    for (const auto& c : item.conditions) {
      INFO(item.code << " " << c.id);
      CHECK_FALSE(c.statement.empty());
      CHECK(c.statement != c.message);
    }
}

TEST_CASE("guide elements: a condition without a statement is a located warning, and the guide falls back to its message") {
  auto dir = testing::edited_demo("no-statement", "items/food-business-licence.yaml",
                                  "    statement: " + std::string(uscc_statement) + "\n", "");
  auto loaded = standard::load_ruleset(dir);
  REQUIRE(loaded.rules);
  auto w = with_code(loaded.problems, "W405");
  REQUIRE(w.size() == 1);
  CHECK(w[0].level == severity::warning);
  CHECK(w[0].where.file.ends_with("items/food-business-licence.yaml"));
  CHECK(w[0].where.line == line_of(dir / "items/food-business-licence.yaml", "- id: uscc-valid"));
  CHECK(w[0].where.column == 9);
  CHECK(has(w[0].message, "uscc-valid"));
  CHECK(has(w[0].message, "statement"));
  CHECK(has(w[0].message, "办事指南"));  // bilingual
  CHECK(has(w[0].hint, "statement:"));
  std::string md = guide::render_markdown(*loaded.rules, item_of(*loaded.rules, "SCJG-XK-001"));
  CHECK(has(md, "## 二、受理条件\n\n1. " + std::string(uscc_message)));

  // An element may opt out, like any warning.
  auto allowed = testing::edited_demo("no-statement-allowed", "items/food-business-licence.yaml",
                                      "    statement: " + std::string(uscc_statement) + "\n",
                                      "    lint: { allow: [W405], reason: 指南另行编写 }\n");
  auto again = standard::load_ruleset(allowed);
  REQUIRE(again.rules);
  CHECK(with_code(again.problems, "W405").empty());
}

TEST_CASE("guide elements: a statement is read as text: vague words are linted, and it must not be empty") {
  auto vague = testing::edited_demo("vague-statement", "items/food-business-licence.yaml", std::string(uscc_statement),
                                    "申请人具有营业执照等主体资格证明");
  auto loaded = standard::load_ruleset(vague);
  bool flagged = false;
  for (const auto& d : with_code(loaded.problems, "W401")) flagged = flagged || has(d.message, "uscc-valid");
  CHECK(flagged);
  auto empty = testing::edited_demo("empty-statement", "items/food-business-licence.yaml", std::string(uscc_statement), "''");
  auto broken = standard::load_ruleset(empty);
  CHECK_FALSE(broken.rules);
}

TEST_CASE("guide elements: the workflow diagram says a step's condition in words, in Chinese, with a legend") {
  auto rules = testing::load(testing::demo_dir);
  const auto& food = item_of(*rules, "SCJG-XK-001");
  std::string dot = workflow::to_dot(food);
  for (std::string_view raw : {"!post_check", "post_check", "hearing.requested", "workday", "条件：", "site-check ·"}) {
    INFO(raw);
    CHECK_FALSE(has(dot, raw));
  }
  CHECK(has(dot, "现场核查\\n2个工作日\\n适用情形：不选择告知承诺"));
  CHECK(has(dot, "tooltip=\"适用情形：不选择告知承诺方式办理（仅限食品销售），或者「经营项目」包含“热食类食品制售”"));
  CHECK(has(dot, "听证\\n20个工作日（不计入时限）\\n适用情形：「申请人或利害"));
  CHECK(has(dot, "图例"));
  CHECK(has(dot, "计时最长的环节路径"));
  CHECK(has(dot, "特别程序，不计入时限"));
  // The same words as the guide's table of steps.
  std::string md = guide::render_markdown(*rules, food);
  CHECK(has(md, "适用情形：不选择告知承诺方式办理"));
  // Editors may still ask for the ids.
  workflow::dot_options ids;
  ids.show_ids = true;
  CHECK(has(workflow::to_dot(food, ids), "现场核查\\nsite-check · 2个工作日"));
}

TEST_CASE("guide elements: a diagram is bounded to an A4 page and a 1,200-pixel screen, its lines wrapped") {
  auto rules = testing::load(testing::demo_dir);
  for (const auto& item : rules->items) {
    INFO(item.code << " " << item.version);
    std::string dot = workflow::to_dot(item);
    CHECK(has(dot, "rankdir=TB"));
    auto at = dot.find("size=\"");
    REQUIRE(at != std::string::npos);
    double w = 0, h = 0;
    REQUIRE(std::sscanf(dot.c_str() + at, "size=\"%lf,%lf\"", &w, &h) == 2);
    CHECK(w > 0);
    CHECK(w <= 210.0 / 25.4);  // A4 width, inches
    CHECK(h <= 297.0 / 25.4);
    CHECK(w * 96 <= 1200);  // pixels on a screen at 96 dpi
    // No label line wider than the wrap width (one closing mark over at most).
    for (const auto& s : item.workflow)
      if (s.when) {
        auto label_at = dot.find("\"" + s.id + "\" [label=\"");
        REQUIRE(label_at != std::string::npos);
        auto begin = label_at + s.id.size() + 11, end = dot.find("\", ", begin);
        std::string label = dot.substr(begin, end - begin);
        for (std::size_t from = 0; from <= label.size();) {
          auto next = label.find("\\n", from);
          std::string line = label.substr(from, next == std::string::npos ? std::string::npos : next - from);
          CHECK(evenhand::detail::display_width(line) <= workflow::dot_options{}.wrap + 2);
          if (next == std::string::npos) break;
          from = next + 2;
        }
      }
  }
  CHECK(workflow::detail::wrap("一二三四五六，七八", 12) == "一二三四五六，\n七八");
  CHECK(workflow::detail::wrap("abc", 2) == "ab\nc");
}

TEST_CASE("guide elements: the service elements a hall publishes, the ruleset's with an item's over them") {
  auto rules = testing::load(testing::demo_dir);
  CHECK(has(rules->service.complaints, "12345"));
  CHECK(has(rules->service.place, "某市政务服务中心"));
  const auto& food = item_of(*rules, "SCJG-XK-001");
  CHECK(food.service.place == rules->service.place);  // from ruleset.yaml
  CHECK(food.service.visits == rules->service.visits);
  std::string md = guide::render_markdown(*rules, food);
  for (std::string_view label : {"| 办理地点 | ", "| 办理时间 | ", "| 咨询方式 | ", "| 监督投诉渠道 | ", "| 送达方式 | ", "| 到现场次数 | "}) {
    INFO(label);
    CHECK(has(md, label));
  }
  CHECK(has(md, "| 办理地点 | " + rules->service.place + " |"));
  CHECK(has(md, "| 到现场次数 | " + std::to_string(*rules->service.visits) + "次 |"));
  std::string html = guide::render_html(*rules, food);
  CHECK(has(html, "<tr><th scope=\"row\">监督投诉渠道</th><td>" + guide::detail::html_escape(rules->service.complaints) + "</td></tr>"));
  // An item's own keys win: the construction permit is handled in the project approval area.
  const auto& construction = item_of(*rules, "ZJ-XK-001");
  CHECK(construction.service.place != rules->service.place);
  CHECK(has(construction.service.place, "工程建设项目"));
  CHECK(construction.service.complaints == rules->service.complaints);
  CHECK(has(guide::render_markdown(*rules, construction), "| 办理地点 | " + construction.service.place + " |"));
}

TEST_CASE("guide elements: lint warns where an item in force has no 监督投诉渠道 or 咨询方式") {
  auto loaded = standard::load_ruleset(testing::demo_dir);
  REQUIRE(loaded.rules);
  CHECK(with_code(loaded.problems, "W406").empty());

  auto dir = testing::scratch("no-complaints");
  std::filesystem::copy(testing::demo_dir, dir, std::filesystem::copy_options::recursive);
  {
    std::ifstream in(dir / "ruleset.yaml", std::ios::binary);
    std::string text(std::istreambuf_iterator<char>(in), {});
    in.close();
    // Drop the ruleset's complaints and consultation lines.
    std::string kept;
    std::size_t from = 0;
    while (from < text.size()) {
      auto end = text.find('\n', from);
      std::string line = text.substr(from, end == std::string::npos ? std::string::npos : end - from + 1);
      if (!line.starts_with("  complaints:") && !line.starts_with("  consultation:")) kept += line;
      from = end == std::string::npos ? text.size() : end + 1;
    }
    REQUIRE(kept.size() < text.size());
    std::ofstream(dir / "ruleset.yaml", std::ios::binary | std::ios::trunc) << kept;
  }
  auto broken = standard::load_ruleset(dir);
  REQUIRE(broken.rules);
  auto w = with_code(broken.problems, "W406");
  // One per item version in force (no effective.to) that does not say them itself; the 2015
  // food renewal version has ended.
  std::size_t open_ended = 0;
  for (const auto& item : broken.rules->items)
    if (!item.effective_to && (item.service.complaints.empty() || item.service.consultation.empty())) ++open_ended;
  CHECK(open_ended > 0);
  CHECK(w.size() == open_ended);
  for (const auto& d : w) {
    CHECK(d.level == severity::warning);
    CHECK(d.where.line > 0);
    CHECK(has(d.message, "监督投诉渠道"));
    CHECK(has(d.message, "complaints"));
    CHECK_FALSE(has(d.where.file, "renewal-2015"));
  }
}

TEST_CASE("guide elements: service keys are checked like any other") {
  auto unknown = testing::edited_demo("service-unknown", "ruleset.yaml", "service:\n", "service:\n  telephone: 12345\n");
  auto a = standard::load_ruleset(unknown);
  CHECK_FALSE(a.rules);
  CHECK_FALSE(with_code(a.problems, "E302").empty());
  auto visits = testing::edited_demo("service-visits", "ruleset.yaml", "  visits: 1", "  visits: 一次");
  auto b = standard::load_ruleset(visits);
  CHECK_FALSE(b.rules);
  CHECK_FALSE(with_code(b.problems, "E305").empty());
  auto item_unknown = testing::edited_demo("service-item-unknown", "items/construction-permit-joint.yaml", "service:\n",
                                           "service:\n  hotline: 12345\n");
  auto c = standard::load_ruleset(item_unknown);
  CHECK_FALSE(c.rules);
}

TEST_CASE("guide elements: a basis is a structured entry; guides and notices show its title, article and text, never its note") {
  auto rules = testing::load(testing::demo_dir);
  REQUIRE(rules->basis_entries.count("XKF-32"));
  const auto& xkf32 = rules->basis_entries.at("XKF-32");
  CHECK(xkf32.title == "中华人民共和国行政许可法");
  CHECK(xkf32.article == "第三十二条");
  CHECK(xkf32.excerpt);  // items (三), (五) and the written-receipt paragraph are left out
  CHECK_FALSE(xkf32.note.empty());
  CHECK(rules->basis.at("XKF-32").starts_with("《中华人民共和国行政许可法》第三十二条（节录）：申请事项依法不需要取得行政许可的"));
  const auto& yshj = rules->basis_entries.at("YSHJ-35");
  CHECK(yshj.number == "国务院令第722号");
  CHECK(rules->basis.at("YSHJ-35").starts_with("《优化营商环境条例》（国务院令第722号）第三十五条（节录）："));

  const auto& food = item_of(*rules, "SCJG-XK-001");
  CHECK(food.basis.at("XKF-32") == rules->basis.at("XKF-32"));  // an item sees the shared entries
  std::string md = guide::render_markdown(*rules, food);
  std::string html = guide::render_html(*rules, food);
  CHECK(has(md, "《中华人民共和国行政许可法》第三十二条（节录）：申请事项依法不需要取得行政许可的"));
  CHECK(has(md, "依据：《食品经营许可和备案管理办法》第十条；《中华人民共和国行政许可法》第三十二条（节录）\n"));
  // No editor's note reaches a public document.
  std::size_t notes = 0;
  for (const auto* entries : {&rules->basis_entries, &food.basis_entries})
    for (const auto& [id, e] : *entries)
      if (!e.note.empty()) {
        ++notes;
        INFO(id << ": " << e.note);
        CHECK_FALSE(has(md, e.note));
        CHECK_FALSE(has(html, e.note));
        CHECK_FALSE(has(standard::basis_titles(food.basis, std::vector<std::string>{id}), e.note));
      }
  CHECK(notes >= 2);
}

TEST_CASE("guide elements: the string form of a basis entry is still accepted; a structured one is checked") {
  auto plain = testing::edited_demo("basis-string", "ruleset.yaml", "\nbasis:\n", "\nbasis:\n  TEST-1: 《某某条例》第一条：文本。\n");
  auto rules = testing::load(plain);
  CHECK(rules->basis.at("TEST-1") == "《某某条例》第一条：文本。");
  CHECK_FALSE(rules->basis_entries.count("TEST-1"));

  auto structured = testing::edited_demo("basis-structured", "items/food-business-licence.yaml", "\nbasis:\n",
                                         "\nbasis:\n  TEST-2: { title: 某某办法, number: 某部令第1号, article: 第二条, note: 未核对原文 }\n"
                                         "  TEST-3: { title: 《某某条例》, article: 第三条, text: 文本。 }\n");
  auto again = testing::load(structured);
  const auto& food = item_of(*again, "SCJG-XK-001");
  CHECK(food.basis.at("TEST-2") == "《某某办法》（某部令第1号）第二条");
  CHECK(food.basis.at("TEST-3") == "《某某条例》第三条：文本。");
  CHECK(food.basis_entries.at("TEST-2").note == "未核对原文");

  auto unknown = testing::edited_demo("basis-unknown", "ruleset.yaml", "\nbasis:\n", "\nbasis:\n  TEST-4: { title: 某法, articel: 第一条 }\n");
  auto a = standard::load_ruleset(unknown);
  CHECK_FALSE(a.rules);
  CHECK_FALSE(with_code(a.problems, "E302").empty());
  auto untitled = testing::edited_demo("basis-untitled", "items/food-business-licence.yaml", "\nbasis:\n",
                                       "\nbasis:\n  TEST-5: { article: 第一条 }\n");
  auto b = standard::load_ruleset(untitled);
  CHECK_FALSE(b.rules);
  CHECK_FALSE(with_code(b.problems, "E303").empty());
  auto excerpt = testing::edited_demo("basis-excerpt", "items/food-business-licence.yaml", "\nbasis:\n",
                                      "\nbasis:\n  TEST-6: { title: 某法, article: 第一条, excerpt: true }\n");
  auto c = standard::load_ruleset(excerpt);
  CHECK_FALSE(c.rules);
  CHECK_FALSE(with_code(c.problems, "E305").empty());
}
