// A read-only tree of a small YAML or JSON document (an application): maps, sequences and
// scalars, each with its byte offset in the source.
//
// Applications arrive by the thousand per second, mostly as JSON. JSON is read by Boost.JSON's
// SAX parser straight into this tree, keeping exact number text (decimals stay exact) and
// pointing into the source where no unescaping was needed. YAML goes through yaml-cpp (after
// libyaml's syntax check) and is copied into the same tree, so one reader checks both.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <deque>
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
  /// The value of `key` in a map, or nullptr.
  const node* find(const node& map, std::string_view key) const noexcept {
    if (!map.is_map()) return nullptr;
    for (std::uint32_t i = map.first; i != none; i = nodes_[i].next)
      if (nodes_[i].text == key) return &nodes_[nodes_[i].value];
    return nullptr;
  }

  /// The JSON text as a tree; nullopt when it is not JSON (the caller reads it as YAML).
  static std::optional<document> from_json(std::string_view text, std::size_t max_depth);
  /// A parsed YAML document as a tree; its scalars are views into `root`'s nodes.
  static document from_yaml(const YAML::Node& root);

 private:
  friend class document_builder;
  std::vector<node> nodes_;
  std::deque<std::string> storage_;  // text that had to be unescaped; deque: views stay valid
};

}  // namespace evenhand::eval::detail
