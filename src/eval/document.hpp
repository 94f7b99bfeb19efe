// A read-only tree of a small YAML or JSON document (an application): maps, sequences and
// scalars, each with its byte offset in the source.
//
// Applications arrive by the thousand per second, mostly as JSON. JSON is read by Boost.JSON's
// SAX parser straight into this tree, keeping exact number text (decimals stay exact) and
// pointing into the source where no unescaping was needed. YAML goes through yaml-cpp (after
// libyaml's syntax check) and is copied into the same tree, so one reader checks both.
#pragma once

#include <evenhand/detail/utf8.hpp>
#include <evenhand/diagnostics.hpp>

#include "../yaml_guard.hpp"

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <forward_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace evenhand::eval::detail {

class document {
 public:
  enum class kind : std::uint8_t { null, scalar, sequence, map };
  static constexpr std::uint32_t none = static_cast<std::uint32_t>(-1);

  struct node {
    kind k = kind::null;
    std::uint32_t size = 0;      ///< sequence: how many items; map: how many keys
    std::string_view text;       ///< scalar: its text (JSON numbers as written)
    std::uint32_t first = none;  ///< sequence: first item; map: first key
    std::uint32_t next = none;   ///< the next item or key of the same parent
    std::uint32_t value = none;  ///< a map key: its value
    std::size_t offset = 0;      ///< byte offset in the source (JSON: 0 where unknown)

    bool is_map() const noexcept { return k == kind::map; }
    bool is_sequence() const noexcept { return k == kind::sequence; }
    bool is_scalar() const noexcept { return k == kind::scalar; }
    bool is_null() const noexcept { return k == kind::null; }
  };

  const node& root() const noexcept { return nodes_.front(); }
  const node& at(std::uint32_t i) const noexcept { return nodes_[i]; }

  /// Calls f(child) for a sequence's items, or f(key) for a map's keys (value: at(key.value)).
  template <class F>
  void each(const node& parent, F&& f) const {
    for (std::uint32_t i = parent.first; i != none; i = nodes_[i].next) f(nodes_[i]);
  }
  /// How many items a sequence has, or keys a map.
  std::size_t count(const node& parent) const noexcept { return parent.size; }
  /// The value of `key` in a map, or nullptr.
  const node* find(const node& map, std::string_view key) const noexcept {
    if (!map.is_map()) return nullptr;
    for (std::uint32_t i = map.first; i != none; i = nodes_[i].next)
      if (nodes_[i].text == key) return &nodes_[nodes_[i].value];
    return nullptr;
  }

  /// The JSON text as a tree; nullopt when it is not JSON (the caller reads it as YAML).
  /// `room`, when given, is a node buffer to reuse (see `give_back_nodes`).
  static std::optional<document> from_json(std::string_view text, std::size_t max_depth,
                                           std::vector<node> room = {});
  /// Empties this document and hands its node buffer, with its room, to the next `from_json`.
  std::vector<node> give_back_nodes() noexcept {
    std::vector<node> out = std::move(nodes_);
    out.clear();
    storage_.clear();
    return out;
  }
  /// A parsed YAML document as a tree; its scalars are views into `root`'s nodes.
  static document from_yaml(const YAML::Node& root);

 private:
  friend class document_builder;
  std::vector<node> nodes_;
  // Text that had to be unescaped. A list: views into it stay valid as it grows, and an empty
  // one allocates nothing (most documents need none; a deque allocates on construction).
  std::forward_list<std::string> storage_;
};

/// A diagnostic at byte `offset` of `text`, which starts at line `first_line` of `file`.
inline diagnostic located(std::string_view text, const std::string& file, std::size_t offset, std::string code,
                          std::string message, std::string hint = {}, std::uint32_t length = 1,
                          std::uint32_t first_line = 1) {
  diagnostic d;
  d.code = std::move(code);
  d.message = std::move(message);
  d.hint = std::move(hint);
  d.where.file = file;
  offset = std::min(offset, text.size());
  line_column lc = locate(text, offset);
  d.where.line = lc.line + first_line - 1;
  d.where.column = lc.column;
  d.where.length = length;
  set_source_line(d, lc.line_text, offset - static_cast<std::size_t>(lc.line_text.data() - text.data()));
  return d;
}

/// Reads `text`, JSON or YAML, with `read(doc, quiet)`, which returns an optional result.
/// JSON, the common case, is read directly and quietly; its positions are approximate, so when
/// it holds any error the text is read again as YAML (JSON is YAML), which locates each error
/// exactly. A syntax error is reported as `syntax_code`: "<what> is not valid YAML or JSON".
template <class Read>
auto read_json_or_yaml(std::string_view text, const std::string& file, std::size_t max_depth, const char* syntax_code,
                       std::string_view what, std::uint32_t first_line, diagnostics& problems, Read&& read)
    -> decltype(read(std::declval<const document&>(), true)) {
  auto first = text.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && text[first] == '{') {
    // Each thread keeps the node buffer of the last document it read: a hall system reads
    // application after application, and a fresh buffer is a large allocation each time.
    // It is moved out while in use, so a nested read would only start with an empty one.
    static thread_local std::vector<document::node> spare;
    constexpr std::size_t kept_at_most = 1 << 14;  // nodes (768 kB): no giant is held on to
    auto doc = document::from_json(text, max_depth, std::move(spare));
    if (doc) {
      auto r = read(*doc, true);
      spare = doc->give_back_nodes();
      if (spare.capacity() > kept_at_most) spare = {};
      if (r) return r;
    }
  }
  auto syntax = [&](std::size_t offset, const std::string& message) {
    problems.push_back(located(text, file, offset, syntax_code,
                               std::string(what) + " is not valid YAML or JSON: " + message, {}, 0, first_line));
  };
  // Text that is not UTF-8 is named at its first bad byte (libyaml's reader says less).
  if (const std::size_t bad = evenhand::detail::first_invalid_utf8(text); bad != std::string_view::npos) {
    static constexpr char hex[] = "0123456789abcdef";
    const auto byte = static_cast<unsigned char>(text[bad]);
    syntax(bad, std::string("invalid UTF-8 (byte 0x") + hex[byte >> 4] + hex[byte & 15] + ")");
    return {};
  }
  if (auto bad = evenhand::detail::check_yaml_syntax(text, max_depth)) {
    syntax(bad->offset, bad->message);
    return {};
  }
  YAML::Node yaml;
  try {
    yaml = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    syntax(e.mark.is_null() ? 0 : static_cast<std::size_t>(e.mark.pos), e.msg);
    return {};
  }
  const document doc = document::from_yaml(yaml);
  return read(doc, false);
}

}  // namespace evenhand::eval::detail
