// A syntax check of YAML text with libyaml before yaml-cpp reads it.
//
// yaml-cpp 0.7 (Debian 12) loops forever on some malformed input (fuzzing finds such text in
// minutes: ",a: b", "\"(\",on", broken anchors …). libyaml, the reference C parser, rejects all
// of it quickly and is fuzzed continuously upstream; so untrusted text goes through libyaml's
// event parser first, and only text it accepts reaches yaml-cpp.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace evenhand::detail {

struct yaml_syntax_error {
  std::size_t offset = 0;  ///< byte offset of the problem
  std::string message;     ///< libyaml's words, e.g. "did not find expected key"
};

/// nullopt when `text` is well-formed YAML (any number of documents) whose collections nest at
/// most `max_depth` deep (yaml-cpp recurses once per level).
std::optional<yaml_syntax_error> check_yaml_syntax(std::string_view text, std::size_t max_depth = 64);

}  // namespace evenhand::detail
