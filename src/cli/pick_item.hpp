// Choosing an item version by code, for the commands that show one item (graph, guide).
#pragma once

#include "commands.hpp"

#include <evenhand/standard/loader.hpp>
#include <evenhand/standard/model.hpp>

#include <algorithm>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

namespace evenhand::cli {

/// The version of `code` in force on `on` (without a date: the latest), or nullptr after telling
/// on stderr which codes exist, with a "did you mean" for a near miss.
inline const standard::item* pick_item(const standard::ruleset& rules, const std::string& code,
                                       std::optional<date> on, const char* command) {
  const standard::item* item = nullptr;
  for (const auto& it : rules.items)  // sorted by code, then effective_from: the last wins
    if (it.code == code && (!on || it.in_force_on(*on))) item = &it;
  if (item) return item;
  std::vector<std::string> codes;
  std::string list;
  for (const auto& it : rules.items) {
    if (!codes.empty() && codes.back() == it.code) continue;
    codes.push_back(it.code);
    list += (list.empty() ? "" : ", ") + it.code;
  }
  bool known = std::find(codes.begin(), codes.end(), code) != codes.end();
  if (known && on) {
    std::string versions;
    for (const auto& it : rules.items)
      if (it.code == code)
        versions += (versions.empty() ? "" : ", ") + it.version + " from " + it.effective_from.to_string() +
                    (it.effective_to ? " to " + it.effective_to->to_string() : std::string());
    std::fprintf(stderr, "evenhand %s: no version of '%s' is in force on %s; versions: %s\n", command, code.c_str(),
                 on->to_string().c_str(), versions.c_str());
    return nullptr;
  }
  std::string near = closest_match(code, codes);
  std::fprintf(stderr, "evenhand %s: no item '%s'%s; items: %s\n", command, code.c_str(),
               near.empty() ? "" : ("; did you mean '" + near + "'?").c_str(), list.c_str());
  return nullptr;
}

}  // namespace evenhand::cli
