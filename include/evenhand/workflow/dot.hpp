// Graphviz DOT for an item's workflow: the step DAG, with the steps that apply to an
// application and the critical path highlighted. Chinese throughout (step names, 工作日, a
// step's condition in words), with a legend, and bounded to fit an A4 page and a 1,200-pixel
// screen. Output is deterministic (steps in the order written), so a diagram in a service
// guide changes only when the standard does.
#pragma once

#include <evenhand/detail/utf8.hpp>
#include <evenhand/standard/explain.hpp>
#include <evenhand/standard/model.hpp>
#include <evenhand/standard/text.hpp>

#include <algorithm>
#include <cstdio>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace evenhand::workflow {

/// The drawing's bound, in inches: A4 less its margins (210 × 297 mm), and at 96 px an inch
/// 720 px wide, inside a 1,200-pixel screen. Graphviz scales a larger drawing down to it.
inline constexpr double max_width_in = 7.5, max_height_in = 10.5;

struct dot_options {
  /// Per step: whether it applies to an application (nullopt: no application, draw all alike).
  std::optional<std::vector<bool>> applies;
  /// Step indices on the critical path (default: the item's, from its load-time analysis).
  std::optional<std::vector<std::size_t>> critical_path;
  std::string title;  ///< default: the item's name and code
  bool show_ids = false;  ///< each step's id under its name (editors may want it; a public guide does not)
  /// How a step's limit reads (default: standard::period_text, "2个工作日").
  std::string (*period_words)(const standard::period&) = nullptr;
  bool legend = true;  ///< the key to the critical path and the uncounted steps
  std::size_t wrap = 24;  ///< display columns of a label line (a Chinese character takes two)
};

namespace detail {

/// A DOT double-quoted string: quotes and backslashes escaped, line breaks as \n.
inline std::string dot_quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

/// `s` broken into lines of at most `columns` display columns (a line may run one closing mark
/// such as ，、。）」” over, so that the next line does not start with it).
inline std::string wrap(std::string_view s, std::size_t columns) {
  static constexpr std::string_view closing[] = {"，", "、", "。", "；", "：", "）", "」", "”", "》"};
  std::string out;
  std::size_t width = 0;
  for (const char *p = s.data(), *end = p + s.size(); p != end;) {
    std::size_t n = evenhand::detail::utf8_sequence(p, end);
    if (n == 0) n = 1;
    std::string_view ch(p, n);
    std::size_t w = n == 1 ? 1 : evenhand::detail::display_width(ch);
    bool close = std::find(std::begin(closing), std::end(closing), ch) != std::end(closing);
    if (ch == "\n") {
      width = 0;
    } else if (width + w > columns && width > 0 && (!close || width > columns)) {
      out += '\n';
      width = 0;
    }
    out.append(ch);
    if (ch != "\n") width += w;
    p += n;
  }
  return out;
}

/// The key: how the critical path and a special procedure are drawn (an HTML-like label).
inline std::string legend_node() {
  return "  legend [shape=plaintext, margin=0, label=<"
         "<TABLE BORDER=\"0\" CELLBORDER=\"0\" CELLSPACING=\"4\" CELLPADDING=\"2\">"
         "<TR><TD COLSPAN=\"2\" ALIGN=\"LEFT\"><B>图例</B></TD></TR>"
         "<TR><TD BORDER=\"2\" COLOR=\"red\" STYLE=\"rounded\">环节</TD>"
         "<TD ALIGN=\"LEFT\">红色粗框：计时最长的环节路径（关键路径）</TD></TR>"
         "<TR><TD BORDER=\"1\" STYLE=\"dashed\">环节</TD>"
         "<TD ALIGN=\"LEFT\">虚线框：特别程序，不计入时限</TD></TR>"
         "</TABLE>>];\n";
}

}  // namespace detail

inline std::string to_dot(const standard::item& item, const dot_options& options = {}) {
  using detail::dot_quote;
  const auto& steps = item.workflow;
  std::vector<std::size_t> path = options.critical_path.value_or(item.workflow_analysis.critical_path);
  std::vector<bool> on_path(steps.size(), false);
  for (auto i : path)
    if (i < steps.size()) on_path[i] = true;
  auto applies = [&](std::size_t i) { return !options.applies || (i < options.applies->size() && (*options.applies)[i]); };

  char size[48];
  std::snprintf(size, sizeof size, "%.1f,%.1f", max_width_in, max_height_in);
  std::string out = "digraph workflow {\n";
  out += "  graph [rankdir=TB, size=\"" + std::string(size) + "\", nodesep=0.3, ranksep=0.35, fontname=\"Noto Sans CJK SC,sans-serif\", label=" +
         dot_quote(detail::wrap(options.title.empty() ? item.name + "（" + item.code + "）" : options.title, options.wrap * 2)) +
         ", labelloc=t];\n";
  out += "  node [shape=box, style=\"rounded\", fontname=\"Noto Sans CJK SC,sans-serif\", fontsize=12];\n";
  out += "  edge [fontname=\"Noto Sans CJK SC,sans-serif\"];\n";
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const auto& s = steps[i];
    std::string limit = options.period_words ? options.period_words(s.limit) : standard::period_text(s.limit);
    std::string label = detail::wrap(s.name, options.wrap) + "\n" + (options.show_ids ? s.id + " · " + limit : limit);
    if (!s.counted) label += "（不计入时限）";
    std::string when;
    if (s.when) {
      auto words = standard::explain(item, *s.when);
      when = "适用情形：" + (words ? *words : "满足条件 " + s.when->source) + "时";
      label += "\n" + detail::wrap(when, options.wrap);
    }
    std::vector<std::string> style;
    std::string attrs = "label=" + dot_quote(label);
    style.push_back("rounded");
    if (!s.counted) style.push_back("dashed");
    if (on_path[i] && applies(i)) {
      style.push_back("bold");
      attrs += ", color=red, penwidth=2";
    }
    if (!applies(i)) attrs += ", color=gray60, fontcolor=gray60";
    if (s.when) attrs += ", tooltip=" + dot_quote(when);
    std::string joined;
    for (const auto& st : style) joined += (joined.empty() ? "" : ",") + st;
    attrs += ", style=" + dot_quote(joined);
    out += "  " + dot_quote(s.id) + " [" + attrs + "];\n";
  }
  for (std::size_t i = 0; i < steps.size(); ++i) {
    for (const auto& a : steps[i].after) {
      std::size_t from = steps.size();
      for (std::size_t k = 0; k < steps.size(); ++k)
        if (steps[k].id == a) from = k;
      if (from == steps.size()) continue;
      // An edge is on the critical path when both ends are and they are consecutive on it.
      bool critical = false;
      for (std::size_t p = 1; p < path.size(); ++p)
        if (path[p - 1] == from && path[p] == i) critical = true;
      std::string attrs;
      if (critical && applies(i) && applies(from)) attrs = " [color=red, penwidth=2]";
      else if (!applies(i) || !applies(from)) attrs = " [color=gray60]";
      out += "  " + dot_quote(a) + " -> " + dot_quote(steps[i].id) + attrs + ";\n";
    }
  }
  if (options.legend && !steps.empty()) {
    out += detail::legend_node();
    // Below the last steps: an invisible edge from each step nothing follows.
    std::vector<bool> followed(steps.size(), false);
    for (const auto& s : steps)
      for (const auto& a : s.after)
        for (std::size_t k = 0; k < steps.size(); ++k)
          if (steps[k].id == a) followed[k] = true;
    for (std::size_t k = 0; k < steps.size(); ++k)
      if (!followed[k]) out += "  " + dot_quote(steps[k].id) + " -> legend [style=invis];\n";
  }
  out += "}\n";
  return out;
}

}  // namespace evenhand::workflow
