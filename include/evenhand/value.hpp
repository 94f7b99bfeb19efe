// The value model shared by expressions, applications and decisions.
//
// A value is one of CEL's kinds plus the domain's exact `decimal` and civil `date`. Errors and
// unknowns are values too (CEL semantics): an evaluation never throws for what the data says.
#pragma once

#include <evenhand/decimal.hpp>
#include <evenhand/time.hpp>

#include <compare>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace evenhand {

enum class value_kind : std::uint8_t {
  null_value,
  bool_value,
  int_value,
  uint_value,
  double_value,
  decimal_value,
  string_value,
  bytes_value,
  date_value,
  timestamp_value,
  duration_value,
  list_value,
  map_value,
  type_value,
  error_value,
  unknown_value,
};

/// CEL's name of a kind ("int", "google.protobuf.Timestamp", …), as `type(x)` shows it.
constexpr std::string_view kind_name(value_kind k) noexcept {
  switch (k) {
    case value_kind::null_value: return "null_type";
    case value_kind::bool_value: return "bool";
    case value_kind::int_value: return "int";
    case value_kind::uint_value: return "uint";
    case value_kind::double_value: return "double";
    case value_kind::decimal_value: return "decimal";
    case value_kind::string_value: return "string";
    case value_kind::bytes_value: return "bytes";
    case value_kind::date_value: return "date";
    case value_kind::timestamp_value: return "google.protobuf.Timestamp";
    case value_kind::duration_value: return "google.protobuf.Duration";
    case value_kind::list_value: return "list";
    case value_kind::map_value: return "map";
    case value_kind::type_value: return "type";
    case value_kind::error_value: return "error";
    case value_kind::unknown_value: return "unknown";
  }
  return "dyn";
}

/// Bytes, kept apart from strings (CEL distinguishes them).
struct bytes {
  std::string data;
  friend bool operator==(const bytes&, const bytes&) = default;
  friend auto operator<=>(const bytes&, const bytes&) = default;
};

/// A type as a runtime value (`type(1) == int`).
struct type_name {
  std::string name;
  friend bool operator==(const type_name&, const type_name&) = default;
};

/// An evaluation error: a value that `&&`, `||` and `?:` may absorb, as CEL defines.
struct error_info {
  std::string message;
};

/// Unknown inputs: the attribute paths (field names) whose values the application lacks.
struct unknown_info {
  std::vector<std::string> attributes;  ///< sorted, unique
};

class value;
using list = std::vector<value>;
/// A map's entries sorted by `key_less` with unique keys: lookups are binary searches and
/// iteration (hence every output) has one order on every machine.
using map_entries = std::vector<std::pair<value, value>>;

class value {
 public:
  using list_ptr = std::shared_ptr<const list>;
  using map_ptr = std::shared_ptr<const map_entries>;

  value() noexcept = default;  // null
  value(std::nullptr_t) noexcept {}
  value(bool b) noexcept : v_(b) {}
  value(std::int64_t i) noexcept : v_(i) {}
  value(int i) noexcept : v_(static_cast<std::int64_t>(i)) {}
  value(std::uint64_t u) noexcept : v_(u) {}
  value(unsigned u) noexcept : v_(static_cast<std::uint64_t>(u)) {}
  value(long long i) noexcept : v_(static_cast<std::int64_t>(i)) {}
  value(unsigned long long u) noexcept : v_(static_cast<std::uint64_t>(u)) {}
  value(double d) noexcept : v_(d) {}
  value(decimal d) noexcept : v_(d) {}
  value(std::string s) noexcept : v_(std::move(s)) {}
  value(std::string_view s) : v_(std::string(s)) {}
  value(const char* s) : v_(std::string(s)) {}
  value(bytes b) noexcept : v_(std::move(b)) {}
  value(date d) noexcept : v_(d) {}
  value(timestamp t) noexcept : v_(t) {}
  value(duration d) noexcept : v_(d) {}
  value(list l) : v_(std::make_shared<const list>(std::move(l))) {}
  value(list_ptr l) noexcept : v_(std::move(l)) {}
  value(map_ptr m) noexcept : v_(std::move(m)) {}
  value(type_name t) : v_(std::make_shared<const type_name>(std::move(t))) {}

  /// Builds a map from entries in any order; returns an error value on a duplicate key
  /// (CEL rejects `{1: 'a', 1: 'b'}`) or a key of a kind maps cannot have.
  static value make_map(map_entries entries);
  static value make_error(std::string message) {
    value v;
    v.v_ = std::make_shared<const error_info>(error_info{std::move(message)});
    return v;
  }
  static value make_unknown(std::vector<std::string> attributes);

  value_kind kind() const noexcept { return static_cast<value_kind>(v_.index()); }
  bool is_null() const noexcept { return kind() == value_kind::null_value; }
  bool is_bool() const noexcept { return kind() == value_kind::bool_value; }
  bool is_error() const noexcept { return kind() == value_kind::error_value; }
  bool is_unknown() const noexcept { return kind() == value_kind::unknown_value; }
  /// Error or unknown: a value that is not a result.
  bool is_exceptional() const noexcept { return kind() >= value_kind::error_value; }

  bool as_bool() const noexcept { return std::get<bool>(v_); }
  std::int64_t as_int() const noexcept { return std::get<std::int64_t>(v_); }
  std::uint64_t as_uint() const noexcept { return std::get<std::uint64_t>(v_); }
  double as_double() const noexcept { return std::get<double>(v_); }
  const decimal& as_decimal() const noexcept { return std::get<decimal>(v_); }
  const std::string& as_string() const noexcept { return std::get<std::string>(v_); }
  const bytes& as_bytes() const noexcept { return std::get<bytes>(v_); }
  date as_date() const noexcept { return std::get<date>(v_); }
  timestamp as_timestamp() const noexcept { return std::get<timestamp>(v_); }
  duration as_duration() const noexcept { return std::get<duration>(v_); }
  const list& as_list() const noexcept { return *std::get<list_ptr>(v_); }
  const list_ptr& list_handle() const noexcept { return std::get<list_ptr>(v_); }
  const map_entries& as_map() const noexcept { return *std::get<map_ptr>(v_); }
  const map_ptr& map_handle() const noexcept { return std::get<map_ptr>(v_); }
  const type_name& as_type() const noexcept { return *std::get<std::shared_ptr<const type_name>>(v_); }
  const error_info& as_error() const noexcept { return *std::get<std::shared_ptr<const error_info>>(v_); }
  const unknown_info& as_unknown() const noexcept {
    return *std::get<std::shared_ptr<const unknown_info>>(v_);
  }

  /// Looks a key up in a map value (CEL: numeric keys match across int, uint and double).
  /// Returns nullptr when absent; the map must be a map.
  const value* find(const value& key) const noexcept;
  const value* find(std::string_view key) const noexcept;

 private:
  std::variant<std::monostate, bool, std::int64_t, std::uint64_t, double, decimal, std::string,
               bytes, date, timestamp, duration, list_ptr, map_ptr,
               std::shared_ptr<const type_name>, std::shared_ptr<const error_info>,
               std::shared_ptr<const unknown_info>>
      v_;
};

/// CEL equality (`==`): numeric kinds compare by mathematical value across int, uint, double
/// and decimal; lists and maps compare element-wise; different other kinds are unequal.
/// Returns an error or unknown value's kind only through the evaluator; here exceptional
/// operands compare by identity of kind and content.
bool cel_equal(const value& a, const value& b) noexcept;

/// Ordering for `< <= > >=`: defined for two numbers (any numeric kinds, mathematically),
/// two strings (bytewise, which is code-point order in UTF-8), bytes, bools, dates,
/// timestamps and durations. Returns nullopt when the kinds cannot be ordered. NaN compares
/// unordered (std::partial_ordering::unordered).
std::optional<std::partial_ordering> cel_compare(const value& a, const value& b) noexcept;

/// A total order over all values, for sorting map keys, sets and anything printed:
/// kind rank first (numbers share a rank and compare mathematically), then content.
std::strong_ordering total_order(const value& a, const value& b) noexcept;

struct key_less {
  bool operator()(const value& a, const value& b) const noexcept { return total_order(a, b) < 0; }
};

/// Whether a value of this kind may be a map key (bool, int, uint, string; CEL).
constexpr bool is_map_key_kind(value_kind k) noexcept {
  return k == value_kind::bool_value || k == value_kind::int_value ||
         k == value_kind::uint_value || k == value_kind::string_value;
}

/// Hash consistent with cel_equal for non-exceptional values (1 == 1u == 1.0 hash equal).
std::size_t hash_value(const value& v) noexcept;

}  // namespace evenhand

#include <evenhand/impl/value.ipp>
