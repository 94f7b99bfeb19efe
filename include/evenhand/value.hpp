// The value model shared by expressions, applications and decisions.
//
// A value is one of CEL's kinds plus the domain's exact `decimal` and civil `date`. Errors and
// unknowns are values too (CEL semantics): an evaluation never throws for what the data says.
//
// A value is one 48-byte cell. Scalars, decimals, dates and text of up to 46 bytes (an ID
// number, a name, an address) live in it, so copying one allocates nothing and moving one
// copies bytes; lists, maps and longer text are immutable and shared by reference count.
#pragma once

#include <evenhand/decimal.hpp>
#include <evenhand/time.hpp>

#include <compare>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
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
  /// Strings up to this many bytes live inside the value: copying one allocates nothing.
  static constexpr std::size_t inline_string_capacity = 46;

  value() noexcept { set_tags(value_kind::null_value, 0); }
  value(std::nullptr_t) noexcept : value() {}
  value(bool b) noexcept { put(value_kind::bool_value, b); }
  value(std::int64_t i) noexcept { put(value_kind::int_value, i); }
  value(int i) noexcept { put(value_kind::int_value, static_cast<std::int64_t>(i)); }
  value(std::uint64_t u) noexcept { put(value_kind::uint_value, u); }
  value(unsigned u) noexcept { put(value_kind::uint_value, static_cast<std::uint64_t>(u)); }
  value(long long i) noexcept { put(value_kind::int_value, static_cast<std::int64_t>(i)); }
  value(unsigned long long u) noexcept { put(value_kind::uint_value, static_cast<std::uint64_t>(u)); }
  value(double d) noexcept { put(value_kind::double_value, d); }
  value(decimal d) noexcept { put(value_kind::decimal_value, d); }
  value(std::string_view s) { put_string(s); }
  value(const std::string& s) { put_string(s); }
  value(const char* s) : value(std::string_view(s)) {}
  value(bytes b) { put_shared(value_kind::bytes_value, std::make_shared<const bytes>(std::move(b))); }
  value(date d) noexcept { put(value_kind::date_value, d); }
  value(timestamp t) noexcept { put(value_kind::timestamp_value, t); }
  value(duration d) noexcept { put(value_kind::duration_value, d); }
  value(list l) { put_shared(value_kind::list_value, std::make_shared<const list>(std::move(l))); }
  value(list_ptr l) noexcept { put_shared(value_kind::list_value, std::move(l)); }
  value(map_ptr m) noexcept { put_shared(value_kind::map_value, std::move(m)); }
  value(type_name t) { put_shared(value_kind::type_value, std::make_shared<const type_name>(std::move(t))); }

  value(const value& o) noexcept { copy_from(o); }
  value(value&& o) noexcept { take(o); }
  value& operator=(const value& o) noexcept {
    if (this == &o) return *this;
    if (!is_shared()) {  // nothing held, so nothing that o could live inside
      copy_from(o);
      return *this;
    }
    value copy(o);  // first: o may live inside what this value holds
    reset();
    take(copy);
    return *this;
  }
  value& operator=(value&& o) noexcept {
    if (this == &o) return *this;
    if (!is_shared()) {
      take(o);
      return *this;
    }
    value moved(std::move(o));
    reset();
    take(moved);
    return *this;
  }
  ~value() { reset(); }

  /// Builds a map from entries in any order; returns an error value on a duplicate key
  /// (CEL rejects `{1: 'a', 1: 'b'}`) or a key of a kind maps cannot have.
  static value make_map(map_entries entries);
  static value make_error(std::string message) {
    value v;
    v.put_shared(value_kind::error_value, std::make_shared<const error_info>(error_info{std::move(message)}));
    return v;
  }
  static value make_unknown(std::vector<std::string> attributes);

  value_kind kind() const noexcept { return static_cast<value_kind>(cell_[kind_at]); }
  bool is_null() const noexcept { return kind() == value_kind::null_value; }
  bool is_bool() const noexcept { return kind() == value_kind::bool_value; }
  bool is_error() const noexcept { return kind() == value_kind::error_value; }
  bool is_unknown() const noexcept { return kind() == value_kind::unknown_value; }
  /// Error or unknown: a value that is not a result.
  bool is_exceptional() const noexcept { return kind() >= value_kind::error_value; }

  bool as_bool() const noexcept { return get<bool>(); }
  std::int64_t as_int() const noexcept { return get<std::int64_t>(); }
  std::uint64_t as_uint() const noexcept { return get<std::uint64_t>(); }
  double as_double() const noexcept { return get<double>(); }
  const decimal& as_decimal() const noexcept { return *std::launder(reinterpret_cast<const decimal*>(cell_)); }
  /// The text, valid while this value lives and is not assigned or moved from.
  std::string_view as_string() const noexcept {
    if (is_shared()) return {static_cast<const char*>(shared_handle().get()), get<std::size_t>(long_size_at)};
    return {reinterpret_cast<const char*>(cell_), cell_[aux_at]};
  }
  const bytes& as_bytes() const noexcept { return held<bytes>(); }
  date as_date() const noexcept { return get<date>(); }
  timestamp as_timestamp() const noexcept { return get<timestamp>(); }
  duration as_duration() const noexcept { return get<duration>(); }
  const list& as_list() const noexcept { return held<list>(); }
  list_ptr list_handle() const noexcept { return std::static_pointer_cast<const list>(shared_handle()); }
  const map_entries& as_map() const noexcept { return held<map_entries>(); }
  map_ptr map_handle() const noexcept { return std::static_pointer_cast<const map_entries>(shared_handle()); }
  const type_name& as_type() const noexcept { return held<type_name>(); }
  const error_info& as_error() const noexcept { return held<error_info>(); }
  const unknown_info& as_unknown() const noexcept { return held<unknown_info>(); }

  /// Looks a key up in a map value (CEL: numeric keys match across int, uint and double).
  /// Returns nullptr when absent; the map must be a map.
  const value* find(const value& key) const noexcept;
  const value* find(std::string_view key) const noexcept;

 private:
  // One 48-byte cell: the payload, then at `aux_at` an inline string's length (or `shared`
  // when the payload is a reference-counted handle), then at `kind_at` the kind. Every payload
  // but a handle is trivially copyable, so copying or moving one copies the cell's bytes, with
  // no dispatch on the kind.
  using handle = std::shared_ptr<const void>;
  static constexpr std::uint8_t shared = 0xFF;
  static constexpr std::size_t aux_at = inline_string_capacity;
  static constexpr std::size_t kind_at = inline_string_capacity + 1;
  static constexpr std::size_t long_size_at = sizeof(handle);  // a long string's length

  bool is_shared() const noexcept { return cell_[aux_at] == shared; }
  void set_tags(value_kind k, std::uint8_t aux) noexcept {
    cell_[aux_at] = aux;
    cell_[kind_at] = static_cast<unsigned char>(k);
  }
  template <class T>
  void put(value_kind k, const T& x) noexcept {
    static_assert(std::is_trivially_copyable_v<T> && sizeof(T) <= inline_string_capacity);
    new (cell_) T(x);
    set_tags(k, 0);
  }
  template <class T>
  T get(std::size_t at = 0) const noexcept {
    return *std::launder(reinterpret_cast<const T*>(cell_ + at));
  }
  void put_shared(value_kind k, handle h) noexcept {
    new (cell_) handle(std::move(h));
    set_tags(k, shared);
  }
  void put_string(std::string_view s) {
    if (s.size() <= inline_string_capacity) {
      if (!s.empty()) std::memcpy(cell_, s.data(), s.size());
      set_tags(value_kind::string_value, static_cast<std::uint8_t>(s.size()));
      return;
    }
    // Longer text: one allocation holds the count and the characters; the length sits in the
    // cell after the handle.
    std::shared_ptr<char[]> chars = std::make_shared_for_overwrite<char[]>(s.size());
    std::memcpy(chars.get(), s.data(), s.size());
    put_shared(value_kind::string_value, std::move(chars));
    new (cell_ + long_size_at) std::size_t(s.size());
  }
  const handle& shared_handle() const noexcept { return *std::launder(reinterpret_cast<const handle*>(cell_)); }
  template <class T>
  const T& held() const noexcept {
    return *static_cast<const T*>(shared_handle().get());
  }
  /// The rest of a cell that holds a handle: a long string's length, and the tags.
  void copy_after_handle(const value& o) noexcept {
    std::memcpy(cell_ + sizeof(handle), o.cell_ + sizeof(handle), sizeof cell_ - sizeof(handle));
  }
  /// Copies o's payload and tags into this cell, which holds nothing.
  void copy_from(const value& o) noexcept {
    if (o.is_shared()) {
      new (cell_) handle(o.shared_handle());
      copy_after_handle(o);
    } else {
      std::memcpy(cell_, o.cell_, sizeof cell_);
    }
  }
  /// Takes o's payload and tags into this cell, which holds nothing; o is left null.
  // Most values an evaluation moves and drops are scalars or short strings, held in the cell:
  // those paths are a copy and a store, inlined; handles go out of line.
  void take(value& o) noexcept {
    if (o.is_shared()) [[unlikely]] take_handle(o);
    else std::memcpy(cell_, o.cell_, sizeof cell_);
    o.set_tags(value_kind::null_value, 0);
  }
  [[gnu::noinline]] void take_handle(value& o) noexcept {
    handle& from = *std::launder(reinterpret_cast<handle*>(o.cell_));
    new (cell_) handle(std::move(from));
    from.~handle();
    copy_after_handle(o);
  }
  void reset() noexcept {
    if (is_shared()) [[unlikely]] drop_handle();
    set_tags(value_kind::null_value, 0);
  }
  [[gnu::noinline]] void drop_handle() noexcept { std::launder(reinterpret_cast<handle*>(cell_))->~handle(); }

  alignas(16) unsigned char cell_[inline_string_capacity + 2];
};

static_assert(sizeof(value) == 48);

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
