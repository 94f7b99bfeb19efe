// How a standard's elements read in Chinese, wherever a hall shows them: notices, service
// guides, diffs. One place, so a period or a citation reads the same in every document.
#pragma once

#include <evenhand/standard/model.hpp>

#include <map>
#include <span>
#include <string>
#include <string_view>

namespace evenhand::standard {

/// A period as the hall says it: "20个工作日", "60日".
inline std::string period_text(const period& p) {
  return std::to_string(p.amount) + (p.in == period::unit::workdays ? "个工作日" : "日");
}

/// 原件, 复印件, 电子件.
constexpr std::string_view form_text(material_form f) noexcept {
  switch (f) {
    case material_form::original: return "原件";
    case material_form::copy: return "复印件";
    case material_form::electronic: return "电子件";
  }
  return "原件";
}

/// A structured basis entry as guides and notices cite it, never with its note:
/// 《中华人民共和国行政许可法》第三十二条（节录）：text, 《优化营商环境条例》（国务院令第722号）第三十五条.
inline std::string citation(const basis_entry& b) {
  std::string s = b.title.starts_with("《") ? b.title : "《" + b.title + "》";
  if (!b.number.empty()) s += "（" + b.number + "）";
  s += b.article;
  if (!b.text.empty()) s += (b.excerpt ? "（节录）：" : "：") + b.text;
  return s;
}

/// The title part of a citation: "《法》第N条：quoted text" → "《法》第N条".
inline std::string_view basis_title(std::string_view citation) noexcept {
  auto colon = citation.find("：");
  return colon == std::string_view::npos ? citation : citation.substr(0, colon);
}

/// The titles of `ids` as cited from `basis`, joined by "；" (an unknown id as itself).
inline std::string basis_titles(const std::map<std::string, std::string>& basis, std::span<const std::string> ids) {
  std::string s;
  for (const auto& id : ids) {
    auto it = basis.find(id);
    s += (s.empty() ? "" : "；") + std::string(it != basis.end() ? basis_title(it->second) : std::string_view(id));
  }
  return s;
}

}  // namespace evenhand::standard
