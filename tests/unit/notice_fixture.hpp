// A ruleset of one test item for the notice, facts and 容缺 tests (issue 19).
#pragma once
#include <evenhand/eval/decision_json.hpp>
#include <evenhand/standard/loader.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>


namespace notice_fixture {

using namespace evenhand;
namespace fs = std::filesystem;

inline const fs::path source_dir = EVENHAND_SOURCE_DIR;

// An item with applicant fields read at both stages, a hall fact, a tolerated material.
constexpr const char* notice_item = R"(item:
  code: "TEST-RQ-001"
  name: 测试许可（新办）
  version: "2026.1"
  effective: { from: 2026-01-01 }
  authority: 某市测试局
  handling: promised
basis:
  XKF-32: 《中华人民共和国行政许可法》第三十二条
  XKF-38: 《中华人民共和国行政许可法》第三十八条
fields:
  applicant.name: { type: string, label: 申请人名称 }
  applicant.in_scope: { type: bool, label: 申请事项属于本机关职权范围 }
  premises.area_m2: { type: decimal, label: 经营场所面积（平方米） }
facts:
  site_check.passed: { type: bool, label: 现场核查结论：合格, step: site-check }
conditions:
  - id: name-given
    stage: acceptance
    require: size(applicant.name) > 0
    on_fail: correct
    message: 申请人名称为空，请补正。
    basis: [XKF-32]
  - id: in-scope
    stage: acceptance
    require: applicant.in_scope
    on_fail: reject
    message: 申请事项不属于本机关职权范围，不予受理。
    basis: [XKF-32]
  - id: area-enough
    stage: decision
    require: premises.area_m2 >= 10
    on_fail: deny
    message: 经营场所面积不足十平方米。
    basis: [XKF-38]
  - id: site-ok
    stage: decision
    require: site_check.passed
    on_fail: deny
    message: 现场核查不合格。
    basis: [XKF-38]
materials:
  - id: application-form
    name: 申请书
    form: original
    copies: 1
    basis: [XKF-32]
  - id: layout-plan
    name: 经营场所平面布局图
    form: original
    copies: 1
    tolerable: true
    basis: [XKF-32]
tolerance: { due: 5 workdays }
deadlines:
  legal: 20 workdays
  promised: 10 workdays
  control_line: 7 workdays
workflow:
  - { id: accept, name: 受理, limit: 1 workday }
  - { id: review, name: 审查, after: [accept], limit: 3 workdays }
  - { id: site-check, name: 现场核查, after: [accept], limit: 4 workdays }
  - { id: decide, name: 决定, after: [review, site-check], limit: 1 workday }
outputs:
  licence: { name: 测试许可证, values: { area: premises.area_m2 } }
)";

/// A ruleset of one item (the demo's calendar), written to a folder of its own.
struct test_ruleset {
  fs::path root;
  standard::load_result loaded;
  explicit test_ruleset(const std::string& name, const std::string& item_text = notice_item) {
    root = fs::temp_directory_path() / ("evenhand-notice-" + name);
    fs::remove_all(root);
    fs::create_directories(root / "items");
    fs::copy(source_dir / "rulesets/cn-demo/calendars", root / "calendars", fs::copy_options::recursive);
    std::ofstream(root / "ruleset.yaml", std::ios::binary)
        << "ruleset: { id: notice-test, name: 测试规则集, timezone: Asia/Shanghai, calendar: cn-mainland }\n";
    std::ofstream(root / "items/test.yaml", std::ios::binary) << item_text;
    loaded = standard::load_ruleset(root);
  }
  ~test_ruleset() { fs::remove_all(root); }
  std::string dump() const {
    std::string s;
    for (const auto& d : loaded.problems) s += render_text(d);
    return s;
  }
};

inline std::optional<eval::application> read(const test_ruleset& r, const std::string& text, diagnostics& problems) {
  return eval::read_application(text, "app.yaml", *r.loaded.rules, problems);
}

inline eval::decision decide(const test_ruleset& r, const std::string& text) {
  diagnostics problems;
  auto app = read(r, text, problems);
  std::string dump;
  for (const auto& d : problems) dump += render_text(d);
  INFO(dump);
  REQUIRE(app);
  return eval::evaluate(*r.loaded.rules, *app);
}

inline const std::string head = "item: TEST-RQ-001\nsubmitted_at: 2026-03-02T09:30:00+08:00\n";
inline const std::string all_materials =
    "materials:\n  - { id: application-form, form: original, copies: 1 }\n  - { id: layout-plan, form: original, copies: 1 }\n";
inline const std::string form_only = "materials:\n  - { id: application-form, form: original, copies: 1 }\n";

inline bool notice_has(const eval::decision& d, eval::notice_kind kind, std::string_view id) {
  return std::any_of(d.notice.begin(), d.notice.end(), [&](const eval::notice_entry& n) { return n.kind == kind && n.id == id; });
}

/// `text` with the first `from` replaced by `to` (the test fails when `from` is not there).
inline std::string replaced(std::string text, std::string_view from, std::string_view to) {
  auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

}  // namespace notice_fixture

