// Out-of-line (inline) definitions for value.hpp.
#pragma once

#include <algorithm>
#include <cmath>
#include <functional>
#include <optional>

namespace evenhand {

namespace detail {

inline bool is_number(value_kind k) noexcept {
  return k == value_kind::int_value || k == value_kind::uint_value ||
         k == value_kind::double_value || k == value_kind::decimal_value;
}

inline int kind_rank(value_kind k) noexcept {
  switch (k) {
    case value_kind::null_value: return 0;
    case value_kind::bool_value: return 1;
    case value_kind::int_value:
    case value_kind::uint_value:
    case value_kind::double_value:
    case value_kind::decimal_value: return 2;
    case value_kind::string_value: return 3;
    case value_kind::bytes_value: return 4;
    case value_kind::date_value: return 5;
    case value_kind::timestamp_value: return 6;
    case value_kind::duration_value: return 7;
    case value_kind::list_value: return 8;
    case value_kind::map_value: return 9;
    case value_kind::type_value: return 10;
    case value_kind::error_value: return 11;
    case value_kind::unknown_value: return 12;
  }
  return 13;
}

template <class T>
std::partial_ordering order_of(const T& a, const T& b) noexcept {
  if (a < b) return std::partial_ordering::less;
  if (b < a) return std::partial_ordering::greater;
  return std::partial_ordering::equivalent;
}

// Exact comparison of an int64 with a double.
inline std::partial_ordering compare_int_double(std::int64_t i, double d) noexcept {
  if (std::isnan(d)) return std::partial_ordering::unordered;
  if (d >= 9223372036854775808.0) return std::partial_ordering::less;
  if (d < -9223372036854775808.0) return std::partial_ordering::greater;
  double t = std::trunc(d);
  auto ti = static_cast<std::int64_t>(t);
  if (i != ti) return order_of(i, ti);
  return order_of(0.0, d - t);
}

inline std::partial_ordering compare_uint_double(std::uint64_t u, double d) noexcept {
  if (std::isnan(d)) return std::partial_ordering::unordered;
  if (d >= 18446744073709551616.0) return std::partial_ordering::less;
  if (d < 0) return std::partial_ordering::greater;
  double t = std::trunc(d);
  auto tu = static_cast<std::uint64_t>(t);
  if (u != tu) return order_of(u, tu);
  return order_of(0.0, d - t);
}

inline std::partial_ordering compare_int_uint(std::int64_t i, std::uint64_t u) noexcept {
  if (i < 0) return std::partial_ordering::less;
  return order_of(static_cast<std::uint64_t>(i), u);
}

inline std::partial_ordering compare_decimal_double(const decimal& a, double d) noexcept {
  if (std::isnan(d)) return std::partial_ordering::unordered;
  if (auto dd = decimal::from_double(d)) return compare(a, *dd);
  // Out of decimal range: only the sign of d matters.
  return d > 0 ? std::partial_ordering::less : std::partial_ordering::greater;
}

inline decimal to_decimal(std::int64_t i) noexcept { return decimal::from_int(i); }
inline decimal to_decimal(std::uint64_t u) noexcept {
  return *decimal::from_parts(static_cast<__int128>(u), 0);
}

inline std::partial_ordering reverse(std::partial_ordering o) noexcept {
  if (o == std::partial_ordering::less) return std::partial_ordering::greater;
  if (o == std::partial_ordering::greater) return std::partial_ordering::less;
  return o;
}

/// Mathematical comparison of two numeric values of any numeric kinds.
inline std::partial_ordering compare_numbers(const value& a, const value& b) noexcept {
  using k = value_kind;
  switch (a.kind()) {
    case k::int_value:
      switch (b.kind()) {
        case k::int_value: return order_of(a.as_int(), b.as_int());
        case k::uint_value: return compare_int_uint(a.as_int(), b.as_uint());
        case k::double_value: return compare_int_double(a.as_int(), b.as_double());
        default: return compare(to_decimal(a.as_int()), b.as_decimal());
      }
    case k::uint_value:
      switch (b.kind()) {
        case k::int_value: return reverse(compare_int_uint(b.as_int(), a.as_uint()));
        case k::uint_value: return order_of(a.as_uint(), b.as_uint());
        case k::double_value: return compare_uint_double(a.as_uint(), b.as_double());
        default: return compare(to_decimal(a.as_uint()), b.as_decimal());
      }
    case k::double_value:
      switch (b.kind()) {
        case k::int_value: return reverse(compare_int_double(b.as_int(), a.as_double()));
        case k::uint_value: return reverse(compare_uint_double(b.as_uint(), a.as_double()));
        case k::double_value: {
          double x = a.as_double(), y = b.as_double();
          if (std::isnan(x) || std::isnan(y)) return std::partial_ordering::unordered;
          return order_of(x, y);
        }
        default: return reverse(compare_decimal_double(b.as_decimal(), a.as_double()));
      }
    default:
      switch (b.kind()) {
        case k::int_value: return compare(a.as_decimal(), to_decimal(b.as_int()));
        case k::uint_value: return compare(a.as_decimal(), to_decimal(b.as_uint()));
        case k::double_value: return compare_decimal_double(a.as_decimal(), b.as_double());
        default: return compare(a.as_decimal(), b.as_decimal());
      }
  }
}

inline std::strong_ordering to_strong(std::partial_ordering o) noexcept {
  if (o == std::partial_ordering::less) return std::strong_ordering::less;
  if (o == std::partial_ordering::greater) return std::strong_ordering::greater;
  return std::strong_ordering::equal;
}

inline std::size_t hash_combine(std::size_t seed, std::size_t h) noexcept {
  return seed ^ (h + 0x9e3779b97f4a7c15ULL + (seed << 6) + (seed >> 2));
}

/// Numeric comparison that ignores kind: keys equal as numbers land in one equal range.
struct loose_key_less {
  bool operator()(const std::pair<value, value>& e, const value& key) const noexcept {
    return less(e.first, key);
  }
  bool operator()(const value& key, const std::pair<value, value>& e) const noexcept {
    return less(key, e.first);
  }
  static bool less(const value& a, const value& b) noexcept {
    int ra = kind_rank(a.kind()), rb = kind_rank(b.kind());
    if (ra != rb) return ra < rb;
    if (ra == 2) {
      auto o = compare_numbers(a, b);
      return o == std::partial_ordering::less;
    }
    return total_order(a, b) < 0;
  }
};

}  // namespace detail

inline value value::make_map(map_entries entries) {
  for (const auto& e : entries) {
    if (e.first.is_exceptional()) return e.first;
    if (!is_map_key_kind(e.first.kind()))
      return make_error("unsupported key type in map: " + std::string(kind_name(e.first.kind())));
  }
  // Maps are mostly records with string keys (an application's members, a ruleset's outputs),
  // often already in order: strings are compared as bytes, which is how total_order compares
  // them, and a map already in order is not sorted again.
  auto key_less = [](const auto& x, const auto& y) {
    if (x.first.kind() == value_kind::string_value && y.first.kind() == value_kind::string_value)
      return x.first.as_string() < y.first.as_string();
    return total_order(x.first, y.first) < 0;
  };
  if (entries.size() <= 16) {
    // Insertion sort: stable, and no buffer to allocate for the few members a record has.
    for (std::size_t i = 1; i < entries.size(); ++i) {
      if (!key_less(entries[i], entries[i - 1])) continue;
      auto moving = std::move(entries[i]);
      std::size_t j = i;
      do {
        entries[j] = std::move(entries[j - 1]);
        --j;
      } while (j > 0 && key_less(moving, entries[j - 1]));
      entries[j] = std::move(moving);
    }
  } else if (!std::is_sorted(entries.begin(), entries.end(), key_less)) {
    std::stable_sort(entries.begin(), entries.end(), key_less);
  }
  for (std::size_t i = 1; i < entries.size(); ++i)
    if (cel_equal(entries[i - 1].first, entries[i].first))
      return make_error("Failed with repeated key");
  return value(std::make_shared<const map_entries>(std::move(entries)));
}

inline value value::make_unknown(std::vector<std::string> attributes) {
  std::sort(attributes.begin(), attributes.end());
  attributes.erase(std::unique(attributes.begin(), attributes.end()), attributes.end());
  value v;
  v.put_shared(value_kind::unknown_value, std::make_shared<const unknown_info>(unknown_info{std::move(attributes)}));
  return v;
}

inline const value* value::find(const value& key) const noexcept {
  const auto& m = as_map();
  auto [lo, hi] = std::equal_range(m.begin(), m.end(), key, detail::loose_key_less{});
  for (auto it = lo; it != hi; ++it)
    if (cel_equal(it->first, key)) return &it->second;
  return nullptr;
}

inline const value* value::find(std::string_view key) const noexcept {
  const auto& m = as_map();
  // Strings rank after numbers and bools, so search only that range.
  auto it = std::lower_bound(m.begin(), m.end(), key, [](const auto& e, std::string_view k) {
    if (e.first.kind() != value_kind::string_value)
      return detail::kind_rank(e.first.kind()) < detail::kind_rank(value_kind::string_value);
    return e.first.as_string() < k;
  });
  if (it != m.end() && it->first.kind() == value_kind::string_value && it->first.as_string() == key)
    return &it->second;
  return nullptr;
}

inline bool cel_equal(const value& a, const value& b) noexcept {
  using k = value_kind;
  if (detail::is_number(a.kind()) && detail::is_number(b.kind()))
    return detail::compare_numbers(a, b) == std::partial_ordering::equivalent;
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case k::null_value: return true;
    case k::bool_value: return a.as_bool() == b.as_bool();
    case k::string_value: return a.as_string() == b.as_string();
    case k::bytes_value: return a.as_bytes() == b.as_bytes();
    case k::date_value: return a.as_date() == b.as_date();
    case k::timestamp_value: return a.as_timestamp() == b.as_timestamp();
    case k::duration_value: return a.as_duration() == b.as_duration();
    case k::list_value: {
      const auto& x = a.as_list();
      const auto& y = b.as_list();
      if (x.size() != y.size()) return false;
      for (std::size_t i = 0; i < x.size(); ++i)
        if (!cel_equal(x[i], y[i])) return false;
      return true;
    }
    case k::map_value: {
      const auto& x = a.as_map();
      if (x.size() != b.as_map().size()) return false;
      for (const auto& [key, val] : x) {
        const value* other = b.find(key);
        if (!other || !cel_equal(val, *other)) return false;
      }
      return true;
    }
    case k::type_value: return a.as_type().name == b.as_type().name;
    case k::error_value: return a.as_error().message == b.as_error().message;
    case k::unknown_value: return a.as_unknown().attributes == b.as_unknown().attributes;
    default: return false;
  }
}

inline std::optional<std::partial_ordering> cel_compare(const value& a, const value& b) noexcept {
  using k = value_kind;
  if (detail::is_number(a.kind()) && detail::is_number(b.kind()))
    return detail::compare_numbers(a, b);
  if (a.kind() != b.kind()) return std::nullopt;
  switch (a.kind()) {
    case k::bool_value: return detail::order_of(a.as_bool(), b.as_bool());
    case k::string_value: return a.as_string().compare(b.as_string()) <=> 0;
    case k::bytes_value: return a.as_bytes().data.compare(b.as_bytes().data) <=> 0;
    case k::date_value: return a.as_date() <=> b.as_date();
    case k::timestamp_value: return detail::order_of(a.as_timestamp(), b.as_timestamp());
    case k::duration_value: return detail::order_of(a.as_duration(), b.as_duration());
    default: return std::nullopt;
  }
}

inline std::strong_ordering total_order(const value& a, const value& b) noexcept {
  using k = value_kind;
  int ra = detail::kind_rank(a.kind()), rb = detail::kind_rank(b.kind());
  if (ra != rb) return ra <=> rb;
  switch (a.kind()) {
    case k::null_value: return std::strong_ordering::equal;
    case k::int_value:
    case k::uint_value:
    case k::double_value:
    case k::decimal_value: {
      bool na = a.kind() == k::double_value && std::isnan(a.as_double());
      bool nb = b.kind() == k::double_value && std::isnan(b.as_double());
      if (na || nb) {
        if (na && nb) return std::strong_ordering::equal;
        return na ? std::strong_ordering::greater : std::strong_ordering::less;
      }
      auto o = detail::to_strong(detail::compare_numbers(a, b));
      if (o != 0) return o;
      return static_cast<int>(a.kind()) <=> static_cast<int>(b.kind());
    }
    case k::list_value: {
      const auto& x = a.as_list();
      const auto& y = b.as_list();
      for (std::size_t i = 0; i < x.size() && i < y.size(); ++i)
        if (auto o = total_order(x[i], y[i]); o != 0) return o;
      return x.size() <=> y.size();
    }
    case k::map_value: {
      const auto& x = a.as_map();
      const auto& y = b.as_map();
      for (std::size_t i = 0; i < x.size() && i < y.size(); ++i) {
        if (auto o = total_order(x[i].first, y[i].first); o != 0) return o;
        if (auto o = total_order(x[i].second, y[i].second); o != 0) return o;
      }
      return x.size() <=> y.size();
    }
    case k::type_value: return a.as_type().name <=> b.as_type().name;
    case k::error_value: return a.as_error().message <=> b.as_error().message;
    case k::unknown_value: return a.as_unknown().attributes <=> b.as_unknown().attributes;
    default: return detail::to_strong(*cel_compare(a, b));
  }
}

inline std::size_t hash_value(const value& v) noexcept {
  using k = value_kind;
  std::size_t seed = static_cast<std::size_t>(detail::kind_rank(v.kind()));
  switch (v.kind()) {
    case k::null_value: return seed;
    case k::bool_value: return detail::hash_combine(seed, v.as_bool());
    case k::int_value: return detail::hash_combine(seed, detail::to_decimal(v.as_int()).hash());
    case k::uint_value: return detail::hash_combine(seed, detail::to_decimal(v.as_uint()).hash());
    case k::decimal_value: return detail::hash_combine(seed, v.as_decimal().hash());
    case k::double_value: {
      if (auto d = decimal::from_double(v.as_double())) return detail::hash_combine(seed, d->hash());
      return detail::hash_combine(seed, std::hash<double>{}(v.as_double()));
    }
    case k::string_value: return detail::hash_combine(seed, std::hash<std::string_view>{}(v.as_string()));
    case k::bytes_value:
      return detail::hash_combine(seed, std::hash<std::string>{}(v.as_bytes().data));
    case k::date_value: return detail::hash_combine(seed, std::hash<std::int32_t>{}(v.as_date().days()));
    case k::timestamp_value:
      return detail::hash_combine(
          detail::hash_combine(seed, std::hash<std::int64_t>{}(v.as_timestamp().unix_seconds())),
          std::hash<std::int32_t>{}(v.as_timestamp().nanos()));
    case k::duration_value:
      return detail::hash_combine(
          detail::hash_combine(seed, std::hash<std::int64_t>{}(v.as_duration().seconds())),
          std::hash<std::int32_t>{}(v.as_duration().nanos()));
    case k::list_value:
      for (const auto& e : v.as_list()) seed = detail::hash_combine(seed, hash_value(e));
      return seed;
    case k::map_value:
      for (const auto& [key, val] : v.as_map())
        seed = detail::hash_combine(detail::hash_combine(seed, hash_value(key)), hash_value(val));
      return seed;
    case k::type_value: return detail::hash_combine(seed, std::hash<std::string>{}(v.as_type().name));
    default: return seed;
  }
}

}  // namespace evenhand
