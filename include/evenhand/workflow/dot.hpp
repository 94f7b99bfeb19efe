// Graphviz DOT for an item's workflow: the step DAG, with the steps that apply to an
// application and the critical path highlighted. Output is deterministic (steps in the order
// written), so a diagram in a service guide changes only when the standard does.
#pragma once

#include <evenhand/standard/model.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace evenhand::workflow {

struct dot_options {
  /// Per step: whether it applies to an application (nullopt: no application, draw all alike).
  std::optional<std::vector<bool>> applies;
  /// Step indices on the critical path (default: the item's, from its load-time analysis).
  std::optional<std::vector<std::size_t>> critical_path;
  std::string title;  ///< default: the item's name and code
  bool show_ids = true;  ///< each step's id under its name (editors want it; a public guide does not)
  /// How a step's limit reads (default: period::to_string, "2 workdays").
  std::string (*period_words)(const standard::period&) = nullptr;
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

}  // namespace detail

inline std::string to_dot(const standard::item& item, const dot_options& options = {}) {
  using detail::dot_quote;
  const auto& steps = item.workflow;
  std::vector<std::size_t> path = options.critical_path.value_or(item.workflow_analysis.critical_path);
  std::vector<bool> on_path(steps.size(), false);
  for (auto i : path)
    if (i < steps.size()) on_path[i] = true;
  auto applies = [&](std::size_t i) { return !options.applies || (i < options.applies->size() && (*options.applies)[i]); };

  std::string out = "digraph workflow {\n";
  out += "  graph [rankdir=LR, fontname=\"Noto Sans CJK SC,sans-serif\", label=" +
         dot_quote(options.title.empty() ? item.name + "（" + item.code + "）" : options.title) + ", labelloc=t];\n";
  out += "  node [shape=box, style=\"rounded\", fontname=\"Noto Sans CJK SC,sans-serif\"];\n";
  out += "  edge [fontname=\"Noto Sans CJK SC,sans-serif\"];\n";
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const auto& s = steps[i];
    std::string limit = options.period_words ? options.period_words(s.limit) : s.limit.to_string();
    std::string label = s.name + "\n" + (options.show_ids ? s.id + " · " + limit : limit);
    if (!s.counted) label += "（不计时）";
    if (s.when) label += "\n条件：" + s.when->source;
    std::vector<std::string> style;
    std::string attrs = "label=" + dot_quote(label);
    style.push_back("rounded");
    if (!s.counted) style.push_back("dashed");
    if (on_path[i] && applies(i)) {
      style.push_back("bold");
      attrs += ", color=red, penwidth=2";
    }
    if (!applies(i)) attrs += ", color=gray60, fontcolor=gray60";
    if (s.when) attrs += ", tooltip=" + dot_quote(s.when->source);
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
  out += "}\n";
  return out;
}

}  // namespace evenhand::workflow
