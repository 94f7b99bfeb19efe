// The service guide (办事指南) of an item, as halls publish it: Markdown or one self-contained
// HTML page (DESIGN §8).
//
//   const auto* item = rules.find_item("SCJG-XK-001", on);      // the caller picks the date
//   std::string md = evenhand::guide::render_markdown(rules, *item);
//   std::string html = evenhand::guide::render_html(rules, *item, {}, svg);  // svg: "" → DOT shown
//
// The guide is built from the loaded model only, never from the clock or the environment, so
// the same ruleset gives the same bytes. Drawing the workflow (Graphviz) is the caller's
// business: pass the SVG of `workflow::to_dot(item)`, or nothing to print the DOT text instead.
#pragma once

#include <evenhand/decimal.hpp>
#include <evenhand/standard/explain.hpp>
#include <evenhand/standard/model.hpp>
#include <evenhand/standard/text.hpp>
#include <evenhand/workflow/dot.hpp>

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace evenhand::guide {

/// The public edition is what the hall publishes; the internal one adds the control line (内控线)
/// and the standard's ids, for the staff who work to it.
enum class edition : std::uint8_t { published, internal };

struct options {
  guide::edition edition = edition::published;
};

/// Text in which some runs are expression source, shown as code.
struct rich {
  std::vector<std::pair<bool, std::string>> runs;  ///< (is code, text)
  rich() = default;
  rich(std::string plain) {  // NOLINT: plain text converts implicitly
    if (!plain.empty()) runs.emplace_back(false, std::move(plain));
  }
  rich& text(std::string s) {
    runs.emplace_back(false, std::move(s));
    return *this;
  }
  rich& code(std::string s) {
    runs.emplace_back(true, std::move(s));
    return *this;
  }
  rich& append(const rich& r) {
    runs.insert(runs.end(), r.runs.begin(), r.runs.end());
    return *this;
  }
  bool empty() const noexcept { return runs.empty(); }
};

// Expressions in words: standard/explain.hpp (the workflow diagram uses the same words).
using standard::explain;
namespace detail {
using standard::detail::explainer;
}  // namespace detail

/// "…时" for a condition under which something applies: in words, or the expression.
inline rich when_text(const standard::item& item, const standard::rule& r) {
  if (auto words = explain(item, r)) return rich(*words + "时");
  return rich().text("满足条件 ").code(r.source).text(" 时");
}

/// A material's necessity (必要性): 必要, or 「…时需要」 for a conditional one.
inline rich necessity(const standard::item& item, const standard::material& m) {
  if (!m.required_when) return rich("必要");
  rich r = when_text(item, *m.required_when);
  r.text("需要");
  return r;
}

// ---------------------------------------------------------------------------------------------
// The guide's content, once; the two renderers only lay it out.

struct condition_entry {
  std::string id;
  std::string statement;  ///< the condition's statement, or its message where it has none
  rich applies;  ///< empty: always
  std::string consequence;
  std::string basis;
};

struct material_entry {
  std::string id;
  std::string name;
  std::string form;
  std::string copies;
  rich necessity;
  std::string tolerable;
  std::string basis;
  std::string note;
};

struct step_entry {
  std::string id;
  std::string name;
  std::string role;
  std::string limit;
  std::string after;
  std::vector<rich> notes;
  std::string basis;
};

struct fee_entry {
  std::string name;
  std::string amount;
  rich applies;
  std::string basis;
};

struct output_entry {
  std::string name;
  rich applies;
  std::vector<std::pair<std::string, std::string>> values;
};

struct content {
  std::string title;
  std::string subtitle;
  std::vector<std::pair<std::string, rich>> basics;
  std::vector<condition_entry> acceptance, decision;
  std::vector<material_entry> materials;
  std::string materials_note;
  std::vector<step_entry> steps;
  std::string critical_path;
  std::vector<fee_entry> fees;
  std::string free_of_charge;  ///< non-empty when nothing is charged: the sentence saying so
  std::vector<output_entry> outputs;
  std::vector<std::pair<std::string, std::string>> remedies;  ///< (sentence without its full stop, basis title)
  std::vector<std::pair<std::string, std::string>> basis;     ///< (id, citation), first cited first
  std::string dot;
  std::string footer;
};

namespace detail {

inline constexpr std::string_view review_law =
    "《中华人民共和国行政复议法》第二十条第一款：公民、法人或者其他组织可以自知道或者应当知道该行政行为之日起六十日内"
    "提出行政复议申请；但是法律规定的申请期限超过六十日的除外。";
inline constexpr std::string_view litigation_law =
    "《中华人民共和国行政诉讼法》第四十六条第一款：公民、法人或者其他组织直接向人民法院提起诉讼的，应当自知道或者应当知道"
    "作出行政行为之日起六个月内提出。法律另有规定的除外。";

inline std::string date_text(date d) {
  return std::to_string(d.year()) + "年" + std::to_string(d.month()) + "月" + std::to_string(d.day()) + "日";
}

inline std::string limit_text(const standard::period& p) {
  return p.amount == 0 ? std::string("当场办理") : standard::period_text(p);
}

/// Step indices that can run at the same time as step `i`: neither before nor after it.
inline std::vector<std::size_t> parallel_to(const standard::item& item, std::size_t i) {
  const auto& preds = item.workflow_analysis.predecessors;
  const std::size_t n = item.workflow.size();
  if (preds.size() != n) return {};
  auto ancestors = [&](std::size_t s) {
    std::vector<bool> seen(n, false);
    std::vector<std::size_t> todo{s};
    while (!todo.empty()) {
      auto v = todo.back();
      todo.pop_back();
      for (auto u : preds[v])
        if (!seen[u]) {
          seen[u] = true;
          todo.push_back(u);
        }
    }
    return seen;
  };
  auto mine = ancestors(i);
  std::vector<std::size_t> out;
  for (std::size_t k = 0; k < n; ++k) {
    if (k == i || mine[k]) continue;
    if (ancestors(k)[i]) continue;  // k comes after i
    out.push_back(k);
  }
  return out;
}

}  // namespace detail

/// What the guide says about `item` (a version of an item of `rules`).
inline content build(const standard::ruleset& rules, const standard::item& item, const options& opt = {}) {
  const bool internal = opt.edition == edition::internal;
  auto id_of = [&](const std::string& id) { return internal ? id : std::string(); };  // ids are for staff
  content c;
  std::vector<std::string> cited;  // basis ids, in the order first cited
  auto cite = [&](const std::vector<std::string>& ids) {
    for (const auto& id : ids)
      if (std::find(cited.begin(), cited.end(), id) == cited.end()) cited.push_back(id);
    return standard::basis_titles(item.basis, ids);
  };

  c.title = item.name + "办事指南";
  c.subtitle = "事项编码 " + item.code + " · 版本 " + item.version + " · 自" + detail::date_text(item.effective_from) + "起施行" +
               (item.effective_to ? "，至" + detail::date_text(*item.effective_to) + "止" : std::string()) +
               (internal ? " · 内部版" : "");

  // 基本信息
  const auto& dl = item.deadlines;
  c.basics.emplace_back("事项名称", item.name);
  c.basics.emplace_back("事项编码", item.code);
  if (!item.kind.empty()) c.basics.emplace_back("事项类型", item.kind);
  c.basics.emplace_back("实施主体", item.authority);
  c.basics.emplace_back("办件类型", std::string(item.handling == standard::handling::immediate ? "即办件" : "承诺件") +
                                        (item.joint ? "（并联审批）" : ""));
  std::string legal = standard::period_text(dl.legal);
  if (dl.extension) legal += "（经本机关负责人批准，可以延长" + standard::period_text(*dl.extension) + "，并告知申请人理由）";
  c.basics.emplace_back("法定办结时限", legal);
  c.basics.emplace_back("承诺办结时限", dl.promised.amount == 0 ? std::string("即办（当场办结）") : standard::period_text(dl.promised));
  if (internal) c.basics.emplace_back("内控线", dl.control_line.amount == 0 ? std::string("当场办结") : standard::period_text(dl.control_line));
  if (!dl.basis.empty()) c.basics.emplace_back("时限依据", cite(dl.basis));
  c.basics.emplace_back("计算方式", "办理时限以工作日计算，不含法定节假日，受理当日不计入；听证、检验、检测、鉴定、专家评审等特别程序所需时间不计入办理时限。");
  if (item.tolerance_due) c.basics.emplace_back("容缺受理", "可容缺的材料，申请人书面承诺后于受理之日起" + standard::period_text(*item.tolerance_due) + "内补交");
  // 办理地点、办理时间、咨询方式、监督投诉渠道、送达方式、到现场次数 (ruleset.yaml's, the item's over them)
  const auto& sv = item.service;
  for (const auto& [label, text] : {std::pair<const char*, const std::string*>{"办理地点", &sv.place}, {"办理时间", &sv.hours},
                                    {"咨询方式", &sv.consultation}, {"监督投诉渠道", &sv.complaints}, {"送达方式", &sv.delivery}})
    if (!text->empty()) c.basics.emplace_back(label, *text);
  if (sv.visits) c.basics.emplace_back("到现场次数", std::to_string(*sv.visits) + "次");

  // 受理条件、审批条件
  for (const auto& cond : item.conditions) {
    condition_entry e;
    e.id = id_of(cond.id);
    e.statement = cond.statement.empty() ? cond.message : cond.statement;
    if (cond.when) e.applies = when_text(item, *cond.when);
    switch (cond.on_fail) {
      case standard::failure::correct: e.consequence = "不符合的，一次性告知补正"; break;
      case standard::failure::reject: e.consequence = "不符合的，不予受理"; break;
      case standard::failure::deny: e.consequence = "不符合的，不予许可"; break;
    }
    e.basis = cite(cond.basis);
    (cond.stage == standard::stage::acceptance ? c.acceptance : c.decision).push_back(std::move(e));
  }

  // 申请材料
  for (const auto& m : item.materials) {
    material_entry e;
    e.id = id_of(m.id);
    e.name = m.name;
    e.necessity = necessity(item, m);
    if (m.shared) {
      e.form = "免于提交";
      e.copies = "—";
      e.necessity.text("（由本机关通过数据共享获取）");
    } else {
      e.form = std::string(standard::form_text(m.form));
      e.copies = std::to_string(m.copies);
    }
    if (m.tolerable) {
      const auto& due = m.tolerance_due ? m.tolerance_due : item.tolerance_due;  // its own period, or the item's
      bool withdrawn = m.on_expiry.value_or(item.tolerance_on_expiry) == standard::expiry::withdrawn;
      e.tolerable = due ? "是（受理之日起" + standard::period_text(*due) + "内补交" + (withdrawn ? "，逾期未补交的视为撤回申请" : "") + "）"
                        : std::string("是");
    } else
      e.tolerable = "否";
    e.basis = cite(m.basis);
    e.note = m.note;
    if (m.commitment) e.note += "可以书面承诺代替（告知承诺制）。";
    c.materials.push_back(std::move(e));
  }
  c.materials_note = "申请人对申请材料实质内容的真实性负责。材料不齐全或者不符合法定形式的，窗口当场或者在五日内一次性告知需要补正的全部内容。";

  // 办理流程
  const auto& steps = item.workflow;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const auto& s = steps[i];
    step_entry e;
    e.id = id_of(s.id);
    e.name = s.name;
    e.role = s.role;
    e.limit = detail::limit_text(s.limit);
    for (const auto& a : s.after)
      for (const auto& t : steps)
        if (t.id == a) e.after += (e.after.empty() ? "" : "、") + t.name;
    if (s.when) e.notes.push_back(rich("适用情形：").append(when_text(item, *s.when)));
    if (!s.counted) e.notes.emplace_back("特别程序，所需时间不计入办理时限，书面告知申请人");
    auto par = detail::parallel_to(item, i);
    if (!par.empty()) {
      std::string names;
      for (auto k : par) names += (names.empty() ? "" : "、") + ("「" + steps[k].name + "」");
      e.notes.emplace_back("与" + names + "并行办理");
    }
    e.basis = cite(s.basis);
    c.steps.push_back(std::move(e));
  }
  if (!item.workflow_analysis.critical_path.empty()) {
    std::string path;
    for (auto k : item.workflow_analysis.critical_path)
      if (k < steps.size()) path += (path.empty() ? "" : " → ") + steps[k].name;
    c.critical_path = "计时最长的环节路径：" + path + "，合计" + std::to_string(item.workflow_analysis.critical_days) + "个工作日" +
                      (internal ? "（内控线" + standard::period_text(dl.control_line) + "）" : std::string());
  }

  // 收费
  bool all_free = true;
  std::vector<std::string> fee_basis;
  for (const auto& f : item.fees) {
    fee_entry e;
    e.name = f.name;
    auto amount = decimal::parse(f.amount.source);
    if (!amount || amount->sign() != 0 || f.when) all_free = false;
    e.amount = amount ? (amount->sign() == 0 ? std::string("0（不收费）") : amount->to_string() + "元") : "按 " + f.amount.source + " 计算";
    if (f.when) e.applies = when_text(item, *f.when);
    e.basis = cite(f.basis);
    for (const auto& b : f.basis)
      if (std::find(fee_basis.begin(), fee_basis.end(), b) == fee_basis.end()) fee_basis.push_back(b);
    c.fees.push_back(std::move(e));
  }
  if (all_free) {
    c.free_of_charge = "不收费。";
    if (!fee_basis.empty()) c.free_of_charge += "依据：" + standard::basis_titles(item.basis, fee_basis) + "。";
  }

  // 审批结果
  for (const auto& o : item.outputs) {
    output_entry e;
    e.name = o.name;
    if (o.when) e.applies = when_text(item, *o.when);
    if (internal)
      for (const auto& [k, v] : o.values) e.values.emplace_back(k, v.source);
    c.outputs.push_back(std::move(e));
  }

  // 法律救济
  c.remedies.emplace_back("申请人对行政许可决定（包括不予受理、不予许可的决定）不服的，可以自知道或者应当知道该行政行为之日起六十日内依法申请行政复议",
                          std::string(standard::basis_title(detail::review_law)));
  c.remedies.emplace_back("申请人也可以自知道或者应当知道作出行政行为之日起六个月内依法向人民法院提起行政诉讼",
                          std::string(standard::basis_title(detail::litigation_law)));

  // 法律依据
  for (const auto& id : cited) {
    auto it = item.basis.find(id);
    c.basis.emplace_back(id_of(id), it != item.basis.end() ? it->second : id);
  }
  c.basis.emplace_back("", std::string(detail::review_law));
  c.basis.emplace_back("", std::string(detail::litigation_law));

  workflow::dot_options drawing;
  drawing.show_ids = internal;
  drawing.period_words = [](const standard::period& p) { return standard::period_text(p); };
  c.dot = workflow::to_dot(item, drawing);
  c.footer = rules.name + "（" + rules.id + "） · " + item.code + " 版本 " + item.version;
  return c;
}

// ---------------------------------------------------------------------------------------------
// Markdown

namespace detail {

/// Markdown text: characters that would start markup are escaped, and <>& are entities so that
/// no text becomes HTML.
inline std::string md_escape(std::string_view s, bool in_table = false) {
  std::string out;
  for (char ch : s) {
    switch (ch) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '\\': case '`': case '*': case '_': case '[': case ']': case '#':
        out += '\\';
        out += ch;
        break;
      case '|':
        out += in_table ? "\\|" : "|";
        break;
      case '\n': out += in_table ? " " : "\n"; break;
      default: out += ch;
    }
  }
  return out;
}

/// A code span that holds `s` whatever backticks it contains.
inline std::string md_code(std::string_view s, bool in_table = false) {
  std::size_t longest = 0, run = 0;
  for (char ch : s) {
    run = ch == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  std::string fence(longest + 1, '`');
  std::string body;
  for (char ch : s) {
    if (ch == '|' && in_table) body += "\\|";
    else if (ch == '\n') body += ' ';
    else body += ch;
  }
  bool pad = !body.empty() && (body.front() == '`' || body.back() == '`');
  return fence + (pad ? " " : "") + body + (pad ? " " : "") + fence;
}

inline std::string md(const rich& r, bool in_table = false) {
  std::string out;
  for (const auto& [is_code, s] : r.runs) out += is_code ? md_code(s, in_table) : md_escape(s, in_table);
  return out;
}

inline std::string md_row(const std::vector<std::string>& cells) {
  std::string out = "|";
  for (const auto& c : cells) out += " " + (c.empty() ? std::string("—") : c) + " |";
  return out + "\n";
}

}  // namespace detail

inline std::string render_markdown(const content& c) {
  using detail::md;
  using detail::md_escape;
  auto cell = [](std::string_view s) { return md_escape(s, true); };
  std::string out = "# " + md_escape(c.title) + "\n\n" + md_escape(c.subtitle) + "\n\n";

  out += "## 一、基本信息\n\n| 项目 | 内容 |\n|---|---|\n";
  for (const auto& [k, v] : c.basics) out += detail::md_row({cell(k), md(v, true)});

  auto conditions = [&](const std::vector<condition_entry>& list) {
    std::string s;
    int n = 0;
    for (const auto& e : list) {
      s += std::to_string(++n) + ". " + md_escape(e.statement);
      if (!e.applies.empty()) s += "（适用情形：" + md(e.applies) + "）";
      if (!e.id.empty()) s += " " + detail::md_code(e.id);
      s += "\n   - " + md_escape(e.consequence) + (e.basis.empty() ? "" : "；依据：" + md_escape(e.basis)) + "\n";
    }
    return s.empty() ? std::string("无。\n") : s;
  };
  out += "\n## 二、受理条件\n\n" + conditions(c.acceptance);
  out += "\n## 三、审批条件\n\n" + conditions(c.decision);

  out += "\n## 四、申请材料\n\n| 序号 | 材料名称 | 形式 | 份数 | 必要性 | 容缺 | 依据 | 备注 |\n|---|---|---|---|---|---|---|---|\n";
  int n = 0;
  for (const auto& m : c.materials)
    out += detail::md_row({std::to_string(++n), cell(m.name) + (m.id.empty() ? "" : " " + detail::md_code(m.id, true)), cell(m.form),
                           cell(m.copies), md(m.necessity, true), cell(m.tolerable), cell(m.basis), cell(m.note)});
  out += "\n" + md_escape(c.materials_note) + "\n";

  out += "\n## 五、办理流程\n\n| 序号 | 环节 | 承办 | 时限 | 前置环节 | 说明 | 依据 |\n|---|---|---|---|---|---|---|\n";
  n = 0;
  for (const auto& s : c.steps) {
    std::string notes;
    for (const auto& r : s.notes) notes += (notes.empty() ? "" : "；") + md(r, true);
    out += detail::md_row({std::to_string(++n), cell(s.name) + (s.id.empty() ? "" : " " + detail::md_code(s.id, true)), cell(s.role),
                           cell(s.limit), cell(s.after), notes, cell(s.basis)});
  }
  if (!c.critical_path.empty()) out += "\n" + md_escape(c.critical_path) + "\n";
  out += "\n流程图（Graphviz DOT）：\n\n```dot\n" + c.dot + "```\n";

  out += "\n## 六、收费\n\n";
  if (!c.free_of_charge.empty()) {
    out += md_escape(c.free_of_charge) + "\n";
  } else {
    out += "| 收费项目 | 金额 | 适用情形 | 依据 |\n|---|---|---|---|\n";
    for (const auto& f : c.fees) out += detail::md_row({cell(f.name), cell(f.amount), md(f.applies, true), cell(f.basis)});
  }

  out += "\n## 七、审批结果\n\n";
  for (const auto& o : c.outputs) {
    out += "- " + md_escape(o.name) + (o.applies.empty() ? "" : "（" + md(o.applies) + "）") + "\n";
    for (const auto& [k, v] : o.values) out += "  - " + detail::md_code(k) + "：" + detail::md_code(v) + "\n";
  }
  if (c.outputs.empty()) out += "无。\n";

  out += "\n## 八、法律救济\n\n";
  for (const auto& [text, basis] : c.remedies) out += "- " + md_escape(text) + "（" + md_escape(basis) + "）。\n";

  out += "\n## 九、法律依据\n\n";
  n = 0;
  for (const auto& [id, text] : c.basis)
    out += std::to_string(++n) + ". " + md_escape(text) + (id.empty() ? "" : " " + detail::md_code(id)) + "\n";
  out += "\n---\n\n" + md_escape(c.footer) + "\n";
  return out;
}

inline std::string render_markdown(const standard::ruleset& rules, const standard::item& item, const options& opt = {}) {
  return render_markdown(build(rules, item, opt));
}

// ---------------------------------------------------------------------------------------------
// HTML: one self-contained page (inline CSS, no scripts, no external resources), A4 print.

namespace detail {

inline std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += ch;
    }
  }
  return out;
}

inline std::string html(const rich& r) {
  std::string out;
  for (const auto& [is_code, s] : r.runs) out += is_code ? "<code>" + html_escape(s) + "</code>" : html_escape(s);
  return out;
}

/// The <svg> element of Graphviz output, without the XML prologue and DOCTYPE that may not
/// appear inside HTML; empty when there is none.
inline std::string svg_element(std::string_view svg) {
  auto at = svg.find("<svg");
  auto end = svg.rfind("</svg>");
  if (at == std::string_view::npos || end == std::string_view::npos || end < at) return {};
  return std::string(svg.substr(at, end + 6 - at));
}

inline constexpr std::string_view css = R"css(
:root { --ink: #1f2328; --muted: #57606a; --rule: #d0d7de; --head: #f3f5f7; --accent: #a40000; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fff;
  font: 15px/1.65 "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif; }
main { max-width: 1080px; margin: 0 auto; padding: 32px 40px 48px; }
header { border-bottom: 3px solid var(--accent); margin-bottom: 20px; padding-bottom: 10px; }
h1 { font-size: 26px; margin: 0 0 4px; letter-spacing: 0.04em; }
.sub { color: var(--muted); margin: 0; font-size: 13px; }
.edition { display: inline-block; margin-left: 8px; padding: 0 6px; border: 1px solid var(--accent); color: var(--accent); font-size: 12px; }
h2 { font-size: 18px; margin: 28px 0 10px; padding-left: 10px; border-left: 5px solid var(--accent); }
table { width: 100%; border-collapse: collapse; margin: 8px 0 12px; font-size: 13.5px; }
th, td { border: 1px solid var(--rule); padding: 6px 8px; vertical-align: top; text-align: left; }
th { background: var(--head); font-weight: 600; white-space: nowrap; }
table.facts th { width: 9em; }
td.n { text-align: center; width: 2.6em; }
td.nw { white-space: nowrap; }
code { font-family: "DejaVu Sans Mono", monospace; font-size: 12px; background: #f6f8fa; padding: 0 3px; border-radius: 3px; overflow-wrap: anywhere; }
code.id { color: var(--muted); background: none; }
ol.conditions li { margin: 4px 0 8px; }
.meta { display: block; color: var(--muted); font-size: 13px; }
.note { color: var(--muted); font-size: 13px; }
figure { margin: 12px 0; text-align: center; }
figure svg { max-width: 100%; height: auto; }
figcaption { color: var(--muted); font-size: 13px; }
pre { white-space: pre-wrap; background: #f6f8fa; border: 1px solid var(--rule); padding: 10px; font-size: 12px; text-align: left; }
ol.basis li { margin: 3px 0; font-size: 13.5px; }
footer { margin-top: 32px; color: var(--muted); font-size: 12px; border-top: 1px solid var(--rule); padding-top: 8px; }
@page { size: A4; margin: 16mm 14mm; }
@media print {
  body { font-size: 11pt; }
  main { max-width: none; padding: 0; }
  table, figure, li { break-inside: avoid; page-break-inside: avoid; }
  tr { break-inside: avoid; page-break-inside: avoid; }
  h2 { break-after: avoid; page-break-after: avoid; }
  thead { display: table-header-group; }
}
)css";

}  // namespace detail

/// The page, with `svg` (Graphviz's rendering of `c.dot`) inline; without it, the page says the
/// diagram could not be drawn and shows the DOT text.
inline std::string render_html(const content& c, std::string_view svg = {}) {
  using detail::html;
  using detail::html_escape;
  std::string out = "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
                    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>" +
                    html_escape(c.title) + "</title>\n<style>" + std::string(detail::css) + "</style>\n</head>\n<body>\n<main>\n";
  out += "<header>\n<h1>" + html_escape(c.title) + "</h1>\n<p class=\"sub\">" + html_escape(c.subtitle) + "</p>\n</header>\n";

  out += "<section id=\"basics\">\n<h2>一、基本信息</h2>\n<table class=\"facts\">\n<tbody>\n";
  for (const auto& [k, v] : c.basics) out += "<tr><th scope=\"row\">" + html_escape(k) + "</th><td>" + html(v) + "</td></tr>\n";
  out += "</tbody>\n</table>\n</section>\n";

  auto conditions = [&](std::string_view id, std::string_view heading, const std::vector<condition_entry>& list) {
    std::string s = "<section id=\"" + std::string(id) + "\">\n<h2>" + std::string(heading) + "</h2>\n";
    if (list.empty()) return s + "<p>无。</p>\n</section>\n";
    s += "<ol class=\"conditions\">\n";
    for (const auto& e : list) {
      s += "<li>" + html_escape(e.statement);
      if (!e.id.empty()) s += " <code class=\"id\">" + html_escape(e.id) + "</code>";
      s += "<span class=\"meta\">";
      if (!e.applies.empty()) s += "适用情形：" + html(e.applies) + "；";
      s += html_escape(e.consequence);
      if (!e.basis.empty()) s += "；依据：" + html_escape(e.basis);
      s += "</span></li>\n";
    }
    return s + "</ol>\n</section>\n";
  };
  out += conditions("acceptance", "二、受理条件", c.acceptance);
  out += conditions("decision", "三、审批条件", c.decision);

  auto id_code = [&](const std::string& id) { return id.empty() ? std::string() : " <code class=\"id\">" + html_escape(id) + "</code>"; };
  out += "<section id=\"materials\">\n<h2>四、申请材料</h2>\n<table>\n<thead><tr><th>序号</th><th>材料名称</th><th>形式</th><th>份数</th>"
         "<th>必要性</th><th>容缺</th><th>依据</th><th>备注</th></tr></thead>\n<tbody>\n";
  int n = 0;
  for (const auto& m : c.materials)
    out += "<tr><td class=\"n\">" + std::to_string(++n) + "</td><td>" + html_escape(m.name) + id_code(m.id) + "</td><td class=\"nw\">" +
           html_escape(m.form) + "</td><td class=\"n\">" + html_escape(m.copies) + "</td><td>" + html(m.necessity) + "</td><td>" +
           html_escape(m.tolerable) + "</td><td>" + html_escape(m.basis) + "</td><td>" + html_escape(m.note) + "</td></tr>\n";
  out += "</tbody>\n</table>\n<p class=\"note\">" + html_escape(c.materials_note) + "</p>\n</section>\n";

  out += "<section id=\"workflow\">\n<h2>五、办理流程</h2>\n<table>\n<thead><tr><th>序号</th><th>环节</th><th>承办</th><th>时限</th>"
         "<th>前置环节</th><th>说明</th><th>依据</th></tr></thead>\n<tbody>\n";
  n = 0;
  for (const auto& s : c.steps) {
    std::string notes;
    for (const auto& r : s.notes) notes += (notes.empty() ? "" : "；") + html(r);
    out += "<tr><td class=\"n\">" + std::to_string(++n) + "</td><td>" + html_escape(s.name) + id_code(s.id) + "</td><td>" +
           html_escape(s.role) + "</td><td class=\"nw\">" + html_escape(s.limit) + "</td><td>" + html_escape(s.after) + "</td><td>" + notes +
           "</td><td>" + html_escape(s.basis) + "</td></tr>\n";
  }
  out += "</tbody>\n</table>\n";
  if (!c.critical_path.empty()) out += "<p class=\"note\">" + html_escape(c.critical_path) + "</p>\n";
  std::string element = detail::svg_element(svg);
  out += "<figure>\n";
  if (!element.empty())
    out += element + "\n<figcaption>办理流程图：虚线框为不计时的特别程序，红色为计时最长的环节路径。</figcaption>\n";
  else
    out += "<p class=\"note\">流程图未能绘制：本机未安装 Graphviz（dot）。以下为流程图的 DOT 描述。</p>\n<pre>" + html_escape(c.dot) + "</pre>\n";
  out += "</figure>\n</section>\n";

  out += "<section id=\"fees\">\n<h2>六、收费</h2>\n";
  if (!c.free_of_charge.empty()) {
    out += "<p>" + html_escape(c.free_of_charge) + "</p>\n";
  } else {
    out += "<table>\n<thead><tr><th>收费项目</th><th>金额</th><th>适用情形</th><th>依据</th></tr></thead>\n<tbody>\n";
    for (const auto& f : c.fees)
      out += "<tr><td>" + html_escape(f.name) + "</td><td>" + html_escape(f.amount) + "</td><td>" + html(f.applies) + "</td><td>" +
             html_escape(f.basis) + "</td></tr>\n";
    out += "</tbody>\n</table>\n";
  }
  out += "</section>\n";

  out += "<section id=\"outputs\">\n<h2>七、审批结果</h2>\n<ul>\n";
  for (const auto& o : c.outputs) {
    out += "<li>" + html_escape(o.name) + (o.applies.empty() ? "" : "（" + html(o.applies) + "）");
    if (!o.values.empty()) {
      out += "<span class=\"meta\">";
      for (std::size_t i = 0; i < o.values.size(); ++i)
        out += (i ? "；" : "") + ("<code>" + html_escape(o.values[i].first) + "</code>：<code>" + html_escape(o.values[i].second) + "</code>");
      out += "</span>";
    }
    out += "</li>\n";
  }
  if (c.outputs.empty()) out += "<li>无。</li>\n";
  out += "</ul>\n</section>\n";

  out += "<section id=\"remedies\">\n<h2>八、法律救济</h2>\n<ul>\n";
  for (const auto& [text, basis] : c.remedies) out += "<li>" + html_escape(text) + "（" + html_escape(basis) + "）。</li>\n";
  out += "</ul>\n</section>\n";

  out += "<section id=\"basis\">\n<h2>九、法律依据</h2>\n<ol class=\"basis\">\n";
  for (const auto& [id, text] : c.basis) out += "<li>" + html_escape(text) + id_code(id) + "</li>\n";
  out += "</ol>\n</section>\n";
  out += "<footer>" + html_escape(c.footer) + "</footer>\n</main>\n</body>\n</html>\n";
  return out;
}

inline std::string render_html(const standard::ruleset& rules, const standard::item& item, const options& opt = {},
                               std::string_view svg = {}) {
  return render_html(build(rules, item, opt), svg);
}

}  // namespace evenhand::guide
