// Finding an item's field by its dotted path in one hash probe.
//
// Reading an application looks up every key it holds: `legal_rep.id_no` given flat, or
// `legal_rep: {id_no: …}` given nested, where `legal_rep` names no field but the fields under
// it. A binary search over the sorted names compares each key with a handful of long, alike
// names; the index answers both questions, "which field is this path" and "which fields lie
// under it", at once.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace evenhand::standard {

class field_index {
 public:
  static constexpr std::uint32_t none = static_cast<std::uint32_t>(-1);

  /// What a path names: the field of that name (or none), and the fields under it, the
  /// names that go on with the path and a dot: [first, last) of the sorted names (empty when
  /// there are none).
  struct entry {
    std::uint32_t exact = none;
    std::uint32_t first = 0, last = 0;
  };

  field_index() = default;

  /// Indexes `names`, sorted ascending (an item's fields). `name_of(i)` gives the i-th name.
  /// Keeps no reference to them: lookups are given the names again, so an item may be copied
  /// or moved freely.
  template <class NameOf>
  field_index(std::size_t count, NameOf&& name_of) {
    std::vector<std::pair<std::string_view, std::uint32_t>> paths;  // every name and dotted prefix, with a name holding it
    for (std::uint32_t i = 0; i < count; ++i) {
      std::string_view name = name_of(i);
      for (std::size_t dot = name.find('.'); dot != std::string_view::npos; dot = name.find('.', dot + 1))
        paths.emplace_back(name.substr(0, dot), i);
      paths.emplace_back(name, i);
    }
    count_ = static_cast<std::uint32_t>(count);
    table_.assign(std::bit_ceil(paths.size() * 2 + 2), slot{});
    for (const auto& named : paths) {
      const std::string_view path = named.first;  // not a structured binding: the lambda below captures it
      const std::uint32_t i = named.second;
      slot& s = probe(table_, path, [&](std::uint32_t f, std::uint32_t length) { return name_of(f).substr(0, length) == path; });
      if (s.length == none) {
        s.hash = hash(path);
        s.field = i;
        s.length = static_cast<std::uint32_t>(path.size());
        s.at = entry{none, i, i};
      }
      if (path.size() == name_of(i).size()) {
        s.at.exact = i;
      } else {  // a prefix of names[i]: names sharing a prefix are contiguous in sorted order
        if (s.at.first == s.at.last) s.at.first = i;
        s.at.last = i + 1;
      }
    }
  }

  /// The entry for `path`, or nullptr when no field is named by it or lies under it.
  /// `name_of` must give the same names the index was built over.
  template <class NameOf>
  const entry* find(std::string_view path, NameOf&& name_of) const noexcept {
    if (table_.empty()) return nullptr;
    const slot& s = probe(table_, path, [&](std::uint32_t f, std::uint32_t length) { return name_of(f).substr(0, length) == path; });
    return s.length == none ? nullptr : &s.at;
  }

  /// How many names it was built over (0 when default-constructed).
  std::size_t size() const noexcept { return count_; }

 private:
  struct slot {
    std::uint64_t hash = 0;
    std::uint32_t field = 0;      // a field whose name starts with the path
    std::uint32_t length = none;  // the path's length; none: an empty slot
    entry at;
  };

  template <class Word>
  static std::uint64_t load(const char* p) noexcept {
    Word w;
    std::memcpy(&w, p, sizeof w);
    return w;
  }
  static std::uint64_t mix(std::uint64_t h, std::uint64_t w) noexcept {
    h = (h ^ w) * 0xff51afd7ed558ccdull;
    return h ^ (h >> 32);
  }
  /// Eight bytes at a time (a byte-at-a-time hash is a chain of one multiply per byte, the
  /// most of a lookup for names like business.central_kitchen); the last word overlaps the
  /// one before it, and a path under eight bytes is read in two overlapping halves. The order
  /// it gives is never output.
  static std::uint64_t hash(std::string_view s) noexcept {
    const char* p = s.data();
    const std::size_t n = s.size();
    std::uint64_t h = 0x9e3779b97f4a7c15ull ^ n;
    if (n >= 8) {
      for (std::size_t i = 0; i + 8 < n; i += 8) h = mix(h, load<std::uint64_t>(p + i));
      h = mix(h, load<std::uint64_t>(p + n - 8));
    } else if (n >= 4) {
      h = mix(h, load<std::uint32_t>(p) | load<std::uint32_t>(p + n - 4) << 32);
    } else if (n > 0) {
      h = mix(h, std::uint64_t{static_cast<unsigned char>(p[0])} | std::uint64_t{static_cast<unsigned char>(p[n / 2])} << 8 |
                     std::uint64_t{static_cast<unsigned char>(p[n - 1])} << 16);
    }
    h *= 0xc4ceb9fe1a85ec53ull;
    return h ^ (h >> 32);  // the table takes the low bits: give them the high ones too
  }

  /// The slot holding `path`, or the empty slot where it would go (the table is never full).
  template <class Table, class Same>
  static auto& probe(Table& table, std::string_view path, Same&& same) noexcept {
    const std::uint64_t h = hash(path);
    const std::size_t mask = table.size() - 1;
    for (std::size_t i = h & mask;; i = (i + 1) & mask) {
      auto& s = table[i];
      if (s.length == none) return s;
      if (s.hash == h && s.length == path.size() && same(s.field, s.length)) return s;
    }
  }

  std::vector<slot> table_;
  std::uint32_t count_ = 0;
};

}  // namespace evenhand::standard
