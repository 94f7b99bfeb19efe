// Static types of expressions: what the checker infers and what fields are declared with.
#pragma once

#include <evenhand/value.hpp>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace evenhand::expr {

/// The kinds of CEL types, plus the domain's decimal, date, record and enum.
enum class type_kind : std::uint8_t {
  dyn,
  null_type,
  bool_,
  int_,
  uint_,
  double_,
  decimal,
  string,
  bytes,
  date,
  timestamp,
  duration,
  list,
  map,
  type,        ///< type(param): the type of type values
  error,
  record,      ///< named fields; at run time a map with string keys
  enum_,       ///< a string restricted to listed values
  type_param,  ///< a type parameter of an overload (name)
  opaque,      ///< a named type evenhand does not model (protobuf messages)
};

/// A CEL type. Cheap to copy (parameters are shared).
class type {
 public:
  using field_list = std::vector<std::pair<std::string, type>>;

  type() = default;  // dyn
  explicit type(type_kind k) : kind_(k) {}

  static type dyn() { return type(type_kind::dyn); }
  static type null_type() { return type(type_kind::null_type); }
  static type bool_() { return type(type_kind::bool_); }
  static type int_() { return type(type_kind::int_); }
  static type uint_() { return type(type_kind::uint_); }
  static type double_() { return type(type_kind::double_); }
  static type decimal() { return type(type_kind::decimal); }
  static type string() { return type(type_kind::string); }
  static type bytes() { return type(type_kind::bytes); }
  static type date() { return type(type_kind::date); }
  static type timestamp() { return type(type_kind::timestamp); }
  static type duration() { return type(type_kind::duration); }
  static type error() { return type(type_kind::error); }
  static type list_of(type elem) {
    type t(type_kind::list);
    t.params_ = std::make_shared<std::vector<type>>(std::vector<type>{std::move(elem)});
    return t;
  }
  static type map_of(type key, type val) {
    type t(type_kind::map);
    t.params_ = std::make_shared<std::vector<type>>(std::vector<type>{std::move(key), std::move(val)});
    return t;
  }
  static type type_of_type(type param) {
    type t(type_kind::type);
    t.params_ = std::make_shared<std::vector<type>>(std::vector<type>{std::move(param)});
    return t;
  }
  static type record(std::string name, field_list fields) {
    type t(type_kind::record);
    t.name_ = std::move(name);
    std::stable_sort(fields.begin(), fields.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    t.fields_ = std::make_shared<field_list>(std::move(fields));
    return t;
  }
  static type enum_of(std::vector<std::string> values) {
    type t(type_kind::enum_);
    t.values_ = std::make_shared<std::vector<std::string>>(std::move(values));
    return t;
  }
  static type type_param(std::string name) {
    type t(type_kind::type_param);
    t.name_ = std::move(name);
    return t;
  }
  static type opaque(std::string name) {
    type t(type_kind::opaque);
    t.name_ = std::move(name);
    return t;
  }

  type_kind kind() const noexcept { return kind_; }
  bool is_dyn() const noexcept { return kind_ == type_kind::dyn || kind_ == type_kind::type_param; }
  bool is_numeric() const noexcept {
    return kind_ == type_kind::int_ || kind_ == type_kind::uint_ || kind_ == type_kind::double_ ||
           kind_ == type_kind::decimal;
  }
  /// A string or an enum (which is a string at run time).
  bool is_stringish() const noexcept { return kind_ == type_kind::string || kind_ == type_kind::enum_; }
  const std::string& name() const noexcept { return name_; }
  /// list: element; map: key; type: parameter.
  type param(std::size_t i) const {
    if (!params_ || i >= params_->size()) return dyn();
    return (*params_)[i];
  }
  type elem() const { return param(0); }
  type key() const { return param(0); }
  type val() const { return param(1); }
  const field_list& fields() const noexcept {
    static const field_list none;
    return fields_ ? *fields_ : none;
  }
  const std::vector<std::string>& enum_values() const noexcept {
    static const std::vector<std::string> none;
    return values_ ? *values_ : none;
  }
  /// The declared type of a record field, if the record has it.
  std::optional<type> field(std::string_view n) const {
    for (const auto& [fname, ft] : fields())
      if (fname == n) return ft;
    return std::nullopt;
  }

  /// CEL spelling: "int", "list(string)", "map(string, dyn)", "google.protobuf.Timestamp".
  std::string to_string() const {
    switch (kind_) {
      case type_kind::dyn: return "dyn";
      case type_kind::null_type: return "null_type";
      case type_kind::bool_: return "bool";
      case type_kind::int_: return "int";
      case type_kind::uint_: return "uint";
      case type_kind::double_: return "double";
      case type_kind::decimal: return "decimal";
      case type_kind::string: return "string";
      case type_kind::bytes: return "bytes";
      case type_kind::date: return "date";
      case type_kind::timestamp: return "google.protobuf.Timestamp";
      case type_kind::duration: return "google.protobuf.Duration";
      case type_kind::list: return "list(" + elem().to_string() + ")";
      case type_kind::map: return "map(" + key().to_string() + ", " + val().to_string() + ")";
      case type_kind::type:
        return params_ ? "type(" + param(0).to_string() + ")" : std::string("type");
      case type_kind::error: return "error";
      case type_kind::record: return name_.empty() ? std::string("record") : name_;
      case type_kind::enum_: {
        std::string s = "enum(";
        for (std::size_t i = 0; i < enum_values().size(); ++i) {
          if (i) s += ", ";
          s += enum_values()[i];
        }
        return s + ")";
      }
      case type_kind::type_param: return name_;
      case type_kind::opaque: return name_;
    }
    return "dyn";
  }

  /// Parses the CEL spelling (also accepts `list<T>`/`map<K, V>` and `timestamp`/`duration`).
  static std::optional<type> parse(std::string_view s) {
    std::size_t pos = 0;
    auto t = parse_at(s, pos);
    skip_ws(s, pos);
    if (!t || pos != s.size()) return std::nullopt;
    return t;
  }

  /// Structural equality (dyn equals only dyn).
  friend bool operator==(const type& a, const type& b) {
    if (a.kind_ != b.kind_) return false;
    switch (a.kind_) {
      case type_kind::list:
      case type_kind::map:
      case type_kind::type: {
        std::size_t n = a.kind_ == type_kind::map ? 2 : 1;
        if (a.kind_ == type_kind::type && (!a.params_ || !b.params_)) return !a.params_ && !b.params_;
        for (std::size_t i = 0; i < n; ++i)
          if (!(a.param(i) == b.param(i))) return false;
        return true;
      }
      case type_kind::record:
      case type_kind::type_param:
      case type_kind::opaque: return a.name_ == b.name_;
      case type_kind::enum_: return a.enum_values() == b.enum_values();
      default: return true;
    }
  }

 private:
  static void skip_ws(std::string_view s, std::size_t& p) {
    while (p < s.size() && (s[p] == ' ' || s[p] == '\t')) ++p;
  }
  static std::optional<type> parse_at(std::string_view s, std::size_t& p) {
    skip_ws(s, p);
    std::size_t b = p;
    while (p < s.size() && (std::isalnum(static_cast<unsigned char>(s[p])) || s[p] == '_' || s[p] == '.'))
      ++p;
    std::string_view word = s.substr(b, p - b);
    if (word.empty()) return std::nullopt;
    skip_ws(s, p);
    std::vector<type> args;
    if (p < s.size() && (s[p] == '(' || s[p] == '<')) {
      char close = s[p] == '(' ? ')' : '>';
      ++p;
      for (;;) {
        auto a = parse_at(s, p);
        if (!a) return std::nullopt;
        args.push_back(std::move(*a));
        skip_ws(s, p);
        if (p < s.size() && s[p] == ',') {
          ++p;
          continue;
        }
        if (p < s.size() && s[p] == close) {
          ++p;
          break;
        }
        return std::nullopt;
      }
    }
    auto simple = [&](type t) -> std::optional<type> {
      if (!args.empty()) return std::nullopt;
      return t;
    };
    if (word == "list") {
      if (args.empty()) return list_of(dyn());
      if (args.size() != 1) return std::nullopt;
      return list_of(args[0]);
    }
    if (word == "map") {
      if (args.empty()) return map_of(dyn(), dyn());
      if (args.size() != 2) return std::nullopt;
      return map_of(args[0], args[1]);
    }
    if (word == "type") {
      if (args.empty()) return type(type_kind::type);
      if (args.size() != 1) return std::nullopt;
      return type_of_type(args[0]);
    }
    if (word == "dyn") return simple(dyn());
    if (word == "null_type" || word == "null") return simple(null_type());
    if (word == "bool") return simple(bool_());
    if (word == "int") return simple(int_());
    if (word == "uint") return simple(uint_());
    if (word == "double") return simple(double_());
    if (word == "decimal") return simple(decimal());
    if (word == "string") return simple(string());
    if (word == "bytes") return simple(bytes());
    if (word == "date") return simple(date());
    if (word == "error") return simple(error());
    if (word == "timestamp" || word == "google.protobuf.Timestamp") return simple(timestamp());
    if (word == "duration" || word == "google.protobuf.Duration") return simple(duration());
    if (!args.empty()) return std::nullopt;
    return opaque(std::string(word));
  }

  type_kind kind_ = type_kind::dyn;
  std::string name_;
  std::shared_ptr<const std::vector<type>> params_;
  std::shared_ptr<const field_list> fields_;
  std::shared_ptr<const std::vector<std::string>> values_;
};

/// Whether a value of type `from` may be used where `to` is expected (dyn fits everything;
/// an enum is a string; a record is a map(string, dyn)).
inline bool is_assignable(const type& to, const type& from) {
  if (to.is_dyn() || from.is_dyn()) return true;
  if (from.kind() == type_kind::error || to.kind() == type_kind::error) return true;
  switch (to.kind()) {
    case type_kind::string: return from.is_stringish();
    case type_kind::enum_: return from.is_stringish();
    case type_kind::list:
      return from.kind() == type_kind::list && is_assignable(to.elem(), from.elem());
    case type_kind::map:
      if (from.kind() == type_kind::record) return is_assignable(to.key(), type::string());
      return from.kind() == type_kind::map && is_assignable(to.key(), from.key()) &&
             is_assignable(to.val(), from.val());
    case type_kind::record:
      if (from.kind() == type_kind::map) return is_assignable(type::string(), from.key());
      return from.kind() == type_kind::record && from.name() == to.name();
    case type_kind::type: return from.kind() == type_kind::type;
    case type_kind::opaque: return from.kind() == type_kind::opaque && from.name() == to.name();
    default: return to.kind() == from.kind();
  }
}

/// The most specific type two types share: themselves when assignable, else dyn.
inline type join(const type& a, const type& b) {
  if (a.is_dyn()) return a;
  if (b.is_dyn()) return b;
  if (a.kind() == type_kind::error) return b;
  if (b.kind() == type_kind::error) return a;
  if (a == b) return a;
  if (a.is_stringish() && b.is_stringish()) return type::string();
  if (a.kind() == type_kind::list && b.kind() == type_kind::list)
    return type::list_of(join(a.elem(), b.elem()));
  if (a.kind() == type_kind::map && b.kind() == type_kind::map)
    return type::map_of(join(a.key(), b.key()), join(a.val(), b.val()));
  return type::dyn();
}

/// The type of a runtime value, as precise as its content allows (lists and maps of one
/// element type get that type; mixed get dyn).
inline type type_of(const value& v) {
  switch (v.kind()) {
    case value_kind::null_value: return type::null_type();
    case value_kind::bool_value: return type::bool_();
    case value_kind::int_value: return type::int_();
    case value_kind::uint_value: return type::uint_();
    case value_kind::double_value: return type::double_();
    case value_kind::decimal_value: return type::decimal();
    case value_kind::string_value: return type::string();
    case value_kind::bytes_value: return type::bytes();
    case value_kind::date_value: return type::date();
    case value_kind::timestamp_value: return type::timestamp();
    case value_kind::duration_value: return type::duration();
    case value_kind::list_value: {
      std::optional<type> e;
      for (const auto& x : v.as_list()) {
        type t = type_of(x);
        if (!e) e = t;
        else if (!(*e == t)) return type::list_of(type::dyn());
      }
      return type::list_of(e ? *e : type::dyn());
    }
    case value_kind::map_value: {
      std::optional<type> k, val;
      bool mixed_k = false, mixed_v = false;
      for (const auto& [key, x] : v.as_map()) {
        type kt = type_of(key), vt = type_of(x);
        if (!k) k = kt;
        else if (!(*k == kt)) mixed_k = true;
        if (!val) val = vt;
        else if (!(*val == vt)) mixed_v = true;
      }
      return type::map_of(k && !mixed_k ? *k : type::dyn(), val && !mixed_v ? *val : type::dyn());
    }
    case value_kind::type_value: return type(type_kind::type);
    default: return type::dyn();
  }
}

}  // namespace evenhand::expr
