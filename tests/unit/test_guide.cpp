// Service guides (办事指南): every section a hall publishes, materials' necessity in words,
// escaping, the editions, the diagram inline or as DOT text, the same bytes every run.
#include <evenhand/guide/guide.hpp>

#include "edited_demo.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace evenhand;

namespace {

const standard::item& item_of(const standard::ruleset& rules, std::string_view code, const char* on) {
  const auto* item = rules.find_item(code, *date::parse(on));
  REQUIRE(item);
  return *item;
}

std::string necessity_of(const standard::item& item, std::string_view material) {
  for (const auto& m : item.materials)
    if (m.id == material) return guide::detail::md(guide::necessity(item, m));
  FAIL("no material " << material);
  return {};
}

bool has(const std::string& text, std::string_view part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("guide: the Markdown guide has every section, in order") {
  auto rules = testing::load(testing::demo_dir);
  std::string md = guide::render_markdown(*rules, item_of(*rules, "SCJG-XK-001", "2026-03-02"));
  std::size_t at = 0;
  for (std::string_view heading : {"# 食品经营许可（新办）办事指南", "## 一、基本信息", "## 二、受理条件", "## 三、审批条件",
                                   "## 四、申请材料", "## 五、办理流程", "## 六、收费", "## 七、审批结果", "## 八、法律救济",
                                   "## 九、法律依据"}) {
    auto next = md.find(heading, at);
    CHECK_MESSAGE(next != std::string::npos, heading);
    if (next != std::string::npos) at = next;
  }
  CHECK(has(md, "| 事项编码 | SCJG-XK-001 |"));
  CHECK(has(md, "| 实施主体 | 某市某区市场监督管理局 |"));
  CHECK(has(md, "| 办件类型 | 承诺件 |"));
  CHECK(has(md, "| 法定办结时限 | 10个工作日（经本机关负责人批准，可以延长5个工作日，并告知申请人理由） |"));
  CHECK(has(md, "| 承诺办结时限 | 6个工作日 |"));
  CHECK_FALSE(has(md, "内控线"));  // the public edition
  CHECK(has(md, "申请人已依法取得营业执照或者机关、事业单位、社会团体登记证书，统一社会信用代码真实有效"));
  CHECK(has(md, "不符合的，不予受理；依据：《中华人民共和国食品安全法》第三十五条第一款"));
  CHECK(has(md, "不收费。依据：《中华人民共和国行政许可法》第五十八条第一款。"));
  CHECK(has(md, "六十日内依法申请行政复议（《中华人民共和国行政复议法》第二十条第一款）"));
  CHECK(has(md, "六个月内依法向人民法院提起行政诉讼（《中华人民共和国行政诉讼法》第四十六条第一款）"));
  CHECK(has(md, "- 食品经营许可证\n"));
  CHECK(has(md, "```dot\ndigraph workflow {"));
  // Steps: a special procedure, a conditional step, parallel branches.
  CHECK(has(md, "| 4 | 听证 | 法制审核机构 | 20个工作日 | 材料审查 | 适用情形：「申请人或利害关系人是否在被告知之日起五日内申请听证」为“是”时；"
                "特别程序，所需时间不计入办理时限，书面告知申请人；与「现场核查」并行办理 |"));
  CHECK(has(md, "| 2 | 材料审查 | 食品经营许可科 | 1个工作日 | 受理 | 与「现场核查」并行办理 |"));
}

TEST_CASE("guide: the materials table, one row per material, with form, copies, necessity and tolerance") {
  auto rules = testing::load(testing::demo_dir);
  std::string md = guide::render_markdown(*rules, item_of(*rules, "SCJG-XK-001", "2026-03-02"));
  CHECK(has(md, "| 序号 | 材料名称 | 形式 | 份数 | 必要性 | 容缺 | 依据 | 备注 |\n|---|---|---|---|---|---|---|---|\n"
                "| 1 | 食品经营许可申请书 | 原件 | 1 | 必要 | 否 | 《食品经营许可和备案管理办法》第十三条 | — |\n"
                "| 2 | 营业执照或机关、事业单位、社会团体登记证书 | 免于提交 | — | 必要（由本机关通过数据共享获取） | 否 |"));
  CHECK(has(md, "| 3 | 法定代表人（负责人）居民身份证 | 复印件 | 1 | 必要 | 否 |"));
  CHECK(has(md, "| 5 | 经营场所平面布局图 | 原件 | 1 | 「经营项目」包含“热食类食品制售”、“冷食类食品制售”、“生食类食品制售”、"
                "“半成品制售”、“自制饮品制售”中的一项或者多项时需要 | 是（受理之日起5个工作日内补交，逾期未补交的视为撤回申请） |"));
  CHECK(has(md, "| 8 | 授权委托书及代理人身份证明 | 原件 | 1 | 委托代理人办理时需要 | 否 | 《中华人民共和国行政许可法》第二十九条第二款 |"));
}

TEST_CASE("guide: a conditional material's necessity is said in words where the fields have labels") {
  auto rules = testing::load(testing::demo_dir);
  const auto& food = item_of(*rules, "SCJG-XK-001", "2026-03-02");
  CHECK(necessity_of(food, "application-form") == "必要");
  CHECK(necessity_of(food, "power-of-attorney") == "委托代理人办理时需要");
  CHECK(necessity_of(food, "commitment-letter") == "选择告知承诺方式办理（仅限食品销售）时需要");
  const auto& radio = item_of(*rules, "WXD-XK-001", "2026-03-02");
  CHECK(necessity_of(radio, "personal-id") == "「申请人类型」为“个人”时需要");
  CHECK(necessity_of(radio, "station-form") == "「无线电台（站）种类」不为“业余无线电台”时需要");  // !amateur, through the fact
  const auto& driver = item_of(*rules, "JT-XK-001", "2026-03-02");
  CHECK(necessity_of(driver, "old-certificate") == "「申请类别」为“有效期届满换发”或“毁损补发”时需要");
  const auto& hygiene = item_of(*rules, "WJ-XK-001", "2026-03-02");
  // No words for a size over a filtered list: the expression as written.
  for (const auto& m : hygiene.materials)
    if (m.required_when && m.required_when->source == "size(direct_staff) > 0")
      CHECK(guide::detail::md(guide::necessity(hygiene, m)) == "满足条件 `size(direct_staff) > 0` 时需要");
}

TEST_CASE("guide: an immediate item, and the internal edition's control line and ids") {
  auto rules = testing::load(testing::demo_dir);
  const auto& driver = item_of(*rules, "JT-XK-001", "2026-03-02");
  std::string md = guide::render_markdown(*rules, driver);
  CHECK(has(md, "| 办件类型 | 即办件 |"));
  CHECK(has(md, "| 承诺办结时限 | 即办（当场办结） |"));
  guide::options internal;
  internal.edition = guide::edition::internal;
  std::string staff = guide::render_markdown(*rules, item_of(*rules, "SCJG-XK-001", "2026-03-02"), internal);
  CHECK(has(staff, "| 内控线 | 5个工作日 |"));
  CHECK(has(staff, "`layout-plan`"));
  CHECK(has(staff, "内部版"));
}

TEST_CASE("guide: the version in force on the date chosen is the one shown") {
  auto rules = testing::load(testing::demo_dir);
  std::string old_md = guide::render_markdown(*rules, item_of(*rules, "SCJG-XK-002", "2020-06-01"));
  std::string new_md = guide::render_markdown(*rules, item_of(*rules, "SCJG-XK-002", "2026-03-02"));
  CHECK(has(old_md, "自2015年10月1日起施行，至2023年11月30日止"));
  CHECK(has(new_md, "自2023年12月1日起施行"));
  CHECK(old_md != new_md);
}

TEST_CASE("guide: text is escaped in HTML and Markdown") {
  auto dir = testing::edited_demo("guide-escape", "items/food-business-licence.yaml", "name: 食品经营许可申请书",
                                  "name: 食品经营许可申请书<script>x</script> & <b>|</b>");
  auto rules = testing::load(dir);
  const auto& item = item_of(*rules, "SCJG-XK-001", "2026-03-02");
  std::string html = guide::render_html(*rules, item);
  CHECK(has(html, "食品经营许可申请书&lt;script&gt;x&lt;/script&gt; &amp; &lt;b&gt;|&lt;/b&gt;"));
  CHECK_FALSE(has(html, "<script"));
  CHECK_FALSE(has(html, "<b>"));
  std::string md = guide::render_markdown(*rules, item);
  CHECK(has(md, "| 1 | 食品经营许可申请书&lt;script&gt;x&lt;/script&gt; &amp; &lt;b&gt;\\|&lt;/b&gt; | 原件 |"));
  CHECK(guide::detail::md_code("a`b") == "``a`b``");
  CHECK(guide::detail::md_code("a || b", true) == "`a \\|\\| b`");
}

TEST_CASE("guide: the HTML page is self-contained, with the SVG inline or the DOT text") {
  auto rules = testing::load(testing::demo_dir);
  const auto& item = item_of(*rules, "SCJG-XK-001", "2026-03-02");
  std::string without = guide::render_html(*rules, item);
  CHECK(without.starts_with("<!DOCTYPE html>\n<html lang=\"zh-CN\">"));
  for (std::string_view s : {"<script", "<link", "src=", "http://", "https://", "@import", "url("})
    CHECK_MESSAGE(!has(without, s), s);
  CHECK(has(without, "@page { size: A4;"));
  CHECK(has(without, "break-inside: avoid"));
  CHECK(has(without, "本机未安装 Graphviz"));
  CHECK(has(without, "<pre>digraph workflow {\n"));
  CHECK(has(without, "&quot;accept&quot; -&gt; &quot;review&quot;"));
  for (std::string_view id : {"basics", "acceptance", "decision", "materials", "workflow", "fees", "outputs", "remedies", "basis"})
    CHECK(has(without, "<section id=\"" + std::string(id) + "\">"));

  std::string svg = "<?xml version=\"1.0\"?>\n<!DOCTYPE svg>\n<svg width=\"10\"><g/></svg>\n";
  std::string with = guide::render_html(*rules, item, {}, svg);
  CHECK(has(with, "<figure>\n<svg width=\"10\"><g/></svg>\n<figcaption>"));
  CHECK_FALSE(has(with, "<?xml"));
  CHECK_FALSE(has(with, "<pre>"));
}

TEST_CASE("guide: the same ruleset gives the same bytes") {
  auto rules = testing::load(testing::demo_dir);
  auto again = testing::load(testing::demo_dir);
  for (const auto& item : rules->items) {
    const auto* same = again->find_item(item.code, item.effective_from);
    REQUIRE(same);
    CHECK(guide::render_markdown(*rules, item) == guide::render_markdown(*again, *same));
    CHECK(guide::render_html(*rules, item) == guide::render_html(*again, *same));
  }
}
