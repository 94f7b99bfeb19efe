// Runtime semantics of CEL operators and built-in functions over values (CEL langdef).
// Every function here returns errors as values; none throws for data.
#pragma once

#include <evenhand/calendar.hpp>
#include <evenhand/identity.hpp>
#include <evenhand/value.hpp>

#include <re2/re2.h>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace evenhand::expr::detail {

/// Built-in functions, by id (dispatched at run time by the kinds of the arguments).
enum class builtin : std::uint8_t {
  size,
  matches,
  starts_with,
  ends_with,
  contains,
  to_int,
  to_uint,
  to_double,
  to_string,
  to_bytes,
  to_bool,
  to_type,
  to_dyn,
  to_timestamp,
  to_duration,
  to_decimal,
  to_date,
  get_full_year,
  get_month,
  get_date,
  get_day_of_month,
  get_day_of_week,
  get_day_of_year,
  get_hours,
  get_minutes,
  get_seconds,
  get_milliseconds,
  is_workday,
  add_workdays,
  workdays_between,
  add_days,
  days_between,
  is_uscc,
  is_cn_id,
  birth_date,
  age_on,
  unknown_function,
};

struct builtin_name {
  std::string_view name;
  builtin id;
};

/// Every built-in function name (receiver and global styles share names).
inline constexpr builtin_name builtin_names[] = {
    {"size", builtin::size},
    {"matches", builtin::matches},
    {"startsWith", builtin::starts_with},
    {"endsWith", builtin::ends_with},
    {"contains", builtin::contains},
    {"int", builtin::to_int},
    {"uint", builtin::to_uint},
    {"double", builtin::to_double},
    {"string", builtin::to_string},
    {"bytes", builtin::to_bytes},
    {"bool", builtin::to_bool},
    {"type", builtin::to_type},
    {"dyn", builtin::to_dyn},
    {"timestamp", builtin::to_timestamp},
    {"duration", builtin::to_duration},
    {"decimal", builtin::to_decimal},
    {"date", builtin::to_date},
    {"getFullYear", builtin::get_full_year},
    {"getMonth", builtin::get_month},
    {"getDate", builtin::get_date},
    {"getDayOfMonth", builtin::get_day_of_month},
    {"getDayOfWeek", builtin::get_day_of_week},
    {"getDayOfYear", builtin::get_day_of_year},
    {"getHours", builtin::get_hours},
    {"getMinutes", builtin::get_minutes},
    {"getSeconds", builtin::get_seconds},
    {"getMilliseconds", builtin::get_milliseconds},
    {"is_workday", builtin::is_workday},
    {"add_workdays", builtin::add_workdays},
    {"workdays_between", builtin::workdays_between},
    {"add_days", builtin::add_days},
    {"days_between", builtin::days_between},
    {"is_uscc", builtin::is_uscc},
    {"is_cn_id", builtin::is_cn_id},
    {"birth_date", builtin::birth_date},
    {"age_on", builtin::age_on},
};

inline builtin find_builtin(std::string_view name) noexcept {
  for (const auto& b : builtin_names)
    if (b.name == name) return b.id;
  return builtin::unknown_function;
}

// ---------------------------------------------------------------------------------------------
// Errors and unknowns

inline value no_overload(std::string_view op, const value& a) {
  return value::make_error("no matching overload for '" + std::string(op) + "' applied to (" +
                           std::string(kind_name(a.kind())) + ")");
}
inline value no_overload(std::string_view op, const value& a, const value& b) {
  return value::make_error("no matching overload for '" + std::string(op) + "' applied to (" +
                           std::string(kind_name(a.kind())) + ", " +
                           std::string(kind_name(b.kind())) + ")");
}
inline value overflow_error() { return value::make_error("return error for overflow"); }

/// Unknowns win over errors and merge their attributes; otherwise the first error.
inline value merge_exceptional(const value& a, const value& b) {
  if (a.is_unknown() && b.is_unknown()) {
    auto attrs = a.as_unknown().attributes;
    attrs.insert(attrs.end(), b.as_unknown().attributes.begin(), b.as_unknown().attributes.end());
    return value::make_unknown(std::move(attrs));
  }
  if (a.is_unknown()) return a;
  if (b.is_unknown()) return b;
  if (a.is_error()) return a;
  return b;
}

/// Accumulates the exceptional arguments of a strict call.
struct exceptional_acc {
  value acc;
  bool any = false;
  void add(const value& v) {
    if (!v.is_exceptional()) return;
    if (!any) {
      acc = v;
      any = true;
    } else {
      acc = merge_exceptional(acc, v);
    }
  }
};

// ---------------------------------------------------------------------------------------------
// Numbers

inline bool is_number(const value& v) noexcept { return evenhand::detail::is_number(v.kind()); }

/// A numeric value as a decimal (doubles exactly as their binary value); nullopt if not finite.
inline std::optional<decimal> as_decimal(const value& v) {
  switch (v.kind()) {
    case value_kind::int_value: return decimal::from_int(v.as_int());
    case value_kind::uint_value: return evenhand::detail::to_decimal(v.as_uint());
    case value_kind::double_value: return decimal::from_double(v.as_double());
    case value_kind::decimal_value: return v.as_decimal();
    default: return std::nullopt;
  }
}

inline bool decimal_is_zero(const decimal& d) { return compare(d, decimal::from_int(0)) == 0; }

/// Decimal arithmetic when at least one operand is a decimal and the other numeric.
inline value decimal_arith(char op, const value& a, const value& b) {
  auto x = as_decimal(a), y = as_decimal(b);
  if (!x || !y) return value::make_error("decimal arithmetic on a non-finite double");
  std::optional<decimal> r;
  switch (op) {
    case '+': r = add(*x, *y); break;
    case '-': r = sub(*x, *y); break;
    case '*': r = mul(*x, *y); break;
    case '/':
      if (decimal_is_zero(*y)) return value::make_error("division by zero");
      r = div(*x, *y);
      break;
    case '%':
      if (decimal_is_zero(*y)) return value::make_error("modulus by zero");
      r = rem(*x, *y);
      break;
  }
  if (!r) return value::make_error("decimal overflow");
  return value(*r);
}

inline std::string_view op_name(char op) {
  switch (op) {
    case '+': return "_+_";
    case '-': return "_-_";
    case '*': return "_*_";
    case '/': return "_/_";
    case '%': return "_%_";
  }
  return "?";
}

/// `a op b` for + - * / % (strict: the caller handles errors and unknowns first).
inline value arith(char op, const value& a, const value& b) {
  using k = value_kind;
  k ka = a.kind(), kb = b.kind();
  if (ka == k::decimal_value || kb == k::decimal_value) {
    if (is_number(a) && is_number(b)) return decimal_arith(op, a, b);
    return no_overload(op_name(op), a, b);
  }
  if (ka != kb) {
    if (op == '+' && ka == k::timestamp_value && kb == k::duration_value) {
      if (auto r = add(a.as_timestamp(), b.as_duration())) return value(*r);
      return value::make_error("timestamp out of range");
    }
    if (op == '+' && ka == k::duration_value && kb == k::timestamp_value) {
      if (auto r = add(b.as_timestamp(), a.as_duration())) return value(*r);
      return value::make_error("timestamp out of range");
    }
    if (op == '-' && ka == k::timestamp_value && kb == k::duration_value) {
      if (auto r = sub(a.as_timestamp(), b.as_duration())) return value(*r);
      return value::make_error("timestamp out of range");
    }
    return no_overload(op_name(op), a, b);
  }
  switch (ka) {
    case k::int_value: {
      std::int64_t x = a.as_int(), y = b.as_int(), r = 0;
      switch (op) {
        case '+':
          if (__builtin_add_overflow(x, y, &r)) return overflow_error();
          return value(r);
        case '-':
          if (__builtin_sub_overflow(x, y, &r)) return overflow_error();
          return value(r);
        case '*':
          if (__builtin_mul_overflow(x, y, &r)) return overflow_error();
          return value(r);
        case '/':
          if (y == 0) return value::make_error("division by zero");
          if (x == std::numeric_limits<std::int64_t>::min() && y == -1) return overflow_error();
          return value(x / y);
        case '%':
          if (y == 0) return value::make_error("modulus by zero");
          if (x == std::numeric_limits<std::int64_t>::min() && y == -1) return overflow_error();
          return value(x % y);
      }
      break;
    }
    case k::uint_value: {
      std::uint64_t x = a.as_uint(), y = b.as_uint(), r = 0;
      switch (op) {
        case '+':
          if (__builtin_add_overflow(x, y, &r)) return overflow_error();
          return value(r);
        case '-':
          if (__builtin_sub_overflow(x, y, &r)) return overflow_error();
          return value(r);
        case '*':
          if (__builtin_mul_overflow(x, y, &r)) return overflow_error();
          return value(r);
        case '/':
          if (y == 0) return value::make_error("division by zero");
          return value(x / y);
        case '%':
          if (y == 0) return value::make_error("modulus by zero");
          return value(x % y);
      }
      break;
    }
    case k::double_value: {
      double x = a.as_double(), y = b.as_double();
      switch (op) {
        case '+': return value(x + y);
        case '-': return value(x - y);
        case '*': return value(x * y);
        case '/': return value(x / y);
        default: break;
      }
      break;
    }
    case k::string_value:
      if (op == '+') {
        std::string_view x = a.as_string(), y = b.as_string();
        if (x.size() + y.size() <= value::inline_string_capacity) {  // no allocation on the way
          char joined[value::inline_string_capacity];
          std::copy(x.begin(), x.end(), joined);
          std::copy(y.begin(), y.end(), joined + x.size());
          return value(std::string_view(joined, x.size() + y.size()));
        }
        std::string joined;
        joined.reserve(x.size() + y.size());
        joined.append(x).append(y);
        return value(std::move(joined));
      }
      break;
    case k::bytes_value:
      if (op == '+') return value(bytes{a.as_bytes().data + b.as_bytes().data});
      break;
    case k::list_value:
      if (op == '+') {
        if (a.as_list().empty()) return b;
        if (b.as_list().empty()) return a;
        list l;
        l.reserve(a.as_list().size() + b.as_list().size());
        l.insert(l.end(), a.as_list().begin(), a.as_list().end());
        l.insert(l.end(), b.as_list().begin(), b.as_list().end());
        return value(std::move(l));
      }
      break;
    case k::duration_value:
      if (op == '+') {
        if (auto r = add(a.as_duration(), b.as_duration())) return value(*r);
        return value::make_error("duration out of range");
      }
      if (op == '-') {
        if (auto r = sub(a.as_duration(), b.as_duration())) return value(*r);
        return value::make_error("duration out of range");
      }
      break;
    case k::timestamp_value:
      if (op == '-') {
        // CEL implementations hold a difference in int64 nanoseconds (about ±292 years).
        auto r = sub(a.as_timestamp(), b.as_timestamp());
        if (r && r->total_nanos() <= std::numeric_limits<std::int64_t>::max() &&
            r->total_nanos() >= std::numeric_limits<std::int64_t>::min())
          return value(*r);
        return value::make_error("duration out of range");
      }
      break;
    default: break;
  }
  return no_overload(op_name(op), a, b);
}

inline value negate_value(const value& a) {
  switch (a.kind()) {
    case value_kind::int_value:
      if (a.as_int() == std::numeric_limits<std::int64_t>::min()) return overflow_error();
      return value(-a.as_int());
    case value_kind::double_value: return value(-a.as_double());
    case value_kind::decimal_value: return value(negate(a.as_decimal()));
    default: return no_overload("-_", a);
  }
}

// ---------------------------------------------------------------------------------------------
// Strings

inline std::int64_t utf8_length(std::string_view s) noexcept {
  std::int64_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

inline bool valid_utf8(std::string_view s) noexcept {
  std::size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    int n = 0;
    std::uint32_t cp = 0;
    if ((c >> 5) == 6) n = 1, cp = c & 0x1F;
    else if ((c >> 4) == 14) n = 2, cp = c & 0x0F;
    else if ((c >> 3) == 30) n = 3, cp = c & 0x07;
    else return false;
    if (i + n >= s.size() + 0 && i + n > s.size() - 1) return false;
    for (int j = 1; j <= n; ++j) {
      unsigned char cc = static_cast<unsigned char>(s[i + j]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    i += n + 1;
  }
  return true;
}

inline value size_of(const value& a) {
  switch (a.kind()) {
    case value_kind::string_value: return value(utf8_length(a.as_string()));
    case value_kind::bytes_value: return value(static_cast<std::int64_t>(a.as_bytes().data.size()));
    case value_kind::list_value: return value(static_cast<std::int64_t>(a.as_list().size()));
    case value_kind::map_value: return value(static_cast<std::int64_t>(a.as_map().size()));
    default: return no_overload("size", a);
  }
}

/// How `matches` patterns are compiled: RE2, CEL's own dialect, over UTF-8 characters (`.` is
/// one character, `\p{Han}` a Chinese one). RE2 matches in time linear in the text and with a
/// bounded stack, whatever the pattern.
inline re2::RE2::Options regex_options() {
  re2::RE2::Options o;  // UTF-8 is RE2's default encoding
  o.set_log_errors(false);    // a bad pattern is reported as a diagnostic or an error value
  o.set_never_capture(true);  // matches() asks only whether there is a match
  return o;
}

/// A pattern compiled once (a literal, at check time) and shared: RE2's const methods are
/// thread-safe. Null, with RE2's reason in `why`, when RE2 rejects the pattern.
inline std::shared_ptr<const re2::RE2> compile_regex(std::string_view pattern, std::string& why) {
  auto re = std::make_shared<const re2::RE2>(re2::StringPiece(pattern.data(), pattern.size()), regex_options());
  if (re->ok()) return re;
  why = re->error();
  return nullptr;
}

/// CEL's matches: whether `re` matches some part of `s` (anchors say otherwise).
inline value regex_matches(std::string_view s, const re2::RE2& re) {
  return value(re2::RE2::PartialMatch(re2::StringPiece(s.data(), s.size()), re));
}

inline value invalid_regex(std::string_view pattern, std::string_view why) {
  return value::make_error("invalid regular expression '" + std::string(pattern) + "': " + std::string(why));
}

/// matches() with a pattern known only at evaluation: compiled here, for this call.
inline value regex_matches(std::string_view s, std::string_view pattern) {
  const re2::RE2 re(re2::StringPiece(pattern.data(), pattern.size()), regex_options());
  if (!re.ok()) return invalid_regex(pattern, re.error());
  return regex_matches(s, re);
}

// ---------------------------------------------------------------------------------------------
// Conversions

inline std::string format_double(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, d);
  return std::string(buf, r.ptr);
}

inline value to_int(const value& a) {
  switch (a.kind()) {
    case value_kind::int_value: return a;
    case value_kind::uint_value:
      if (a.as_uint() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
        return value::make_error("range error converting uint to int");
      return value(static_cast<std::int64_t>(a.as_uint()));
    case value_kind::double_value: {
      double d = a.as_double();
      if (!(d > -9223372036854775808.0 && d < 9223372036854775808.0))
        return value::make_error("range error converting double to int");
      return value(static_cast<std::int64_t>(d));
    }
    case value_kind::decimal_value: {
      auto r = a.as_decimal().to_int64_truncated();
      if (!r) return value::make_error("range error converting decimal to int");
      return value(static_cast<std::int64_t>(*r));
    }
    case value_kind::string_value: {
      const auto& s = a.as_string();
      std::int64_t v = 0;
      auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
      if (ec != std::errc() || p != s.data() + s.size() || s.empty())
        return value::make_error("cannot convert string '" + std::string(s) + "' to int");
      return value(v);
    }
    case value_kind::timestamp_value: return value(a.as_timestamp().unix_seconds());
    default: return no_overload("int", a);
  }
}

inline value to_uint(const value& a) {
  switch (a.kind()) {
    case value_kind::uint_value: return a;
    case value_kind::int_value:
      if (a.as_int() < 0) return value::make_error("range error converting int to uint");
      return value(static_cast<std::uint64_t>(a.as_int()));
    case value_kind::double_value: {
      double d = a.as_double();
      if (!(d > -1.0 && d < 18446744073709551616.0))
        return value::make_error("range error converting double to uint");
      return value(static_cast<std::uint64_t>(d));
    }
    case value_kind::decimal_value: {
      auto r = a.as_decimal().to_int64_truncated();
      if (!r || *r < 0) return value::make_error("range error converting decimal to uint");
      return value(static_cast<std::uint64_t>(*r));
    }
    case value_kind::string_value: {
      const auto& s = a.as_string();
      std::uint64_t v = 0;
      auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
      if (ec != std::errc() || p != s.data() + s.size() || s.empty())
        return value::make_error("cannot convert string '" + std::string(s) + "' to uint");
      return value(v);
    }
    default: return no_overload("uint", a);
  }
}

inline value to_double(const value& a) {
  switch (a.kind()) {
    case value_kind::double_value: return a;
    case value_kind::int_value: return value(static_cast<double>(a.as_int()));
    case value_kind::uint_value: return value(static_cast<double>(a.as_uint()));
    case value_kind::decimal_value: return value(a.as_decimal().to_double());
    case value_kind::string_value: {
      const auto& s = a.as_string();
      double v = 0;
      auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
      if (ec != std::errc() || p != s.data() + s.size() || s.empty())
        return value::make_error("cannot convert string '" + std::string(s) + "' to double");
      return value(v);
    }
    default: return no_overload("double", a);
  }
}

inline value to_string_value(const value& a) {
  switch (a.kind()) {
    case value_kind::string_value: return a;
    case value_kind::bool_value: return value(a.as_bool() ? "true" : "false");
    case value_kind::int_value: return value(std::to_string(a.as_int()));
    case value_kind::uint_value: return value(std::to_string(a.as_uint()));
    case value_kind::double_value: return value(format_double(a.as_double()));
    case value_kind::decimal_value: return value(a.as_decimal().to_string());
    case value_kind::bytes_value:
      if (!valid_utf8(a.as_bytes().data)) return value::make_error("invalid UTF-8 in bytes");
      return value(a.as_bytes().data);
    case value_kind::date_value: return value(a.as_date().to_string());
    case value_kind::timestamp_value: return value(a.as_timestamp().to_string());
    case value_kind::duration_value: return value(a.as_duration().to_string());
    default: return no_overload("string", a);
  }
}

inline value to_bool(const value& a) {
  if (a.is_bool()) return a;
  if (a.kind() == value_kind::string_value) {
    const auto& s = a.as_string();
    if (s == "1" || s == "t" || s == "true" || s == "TRUE" || s == "True") return value(true);
    if (s == "0" || s == "f" || s == "false" || s == "FALSE" || s == "False") return value(false);
    return value::make_error("Type conversion error: cannot convert '" + std::string(s) + "' to bool");
  }
  return no_overload("bool", a);
}

inline value to_bytes(const value& a) {
  if (a.kind() == value_kind::bytes_value) return a;
  if (a.kind() == value_kind::string_value) return value(bytes{std::string(a.as_string())});
  return no_overload("bytes", a);
}

inline value type_value_of(const value& a) { return value(type_name{std::string(kind_name(a.kind()))}); }

inline value to_timestamp(const value& a) {
  switch (a.kind()) {
    case value_kind::timestamp_value: return a;
    case value_kind::string_value:
      if (auto t = timestamp::parse(a.as_string())) return value(*t);
      return value::make_error("timestamp out of range or invalid: '" + std::string(a.as_string()) + "'");
    case value_kind::int_value:
      if (auto t = timestamp::from_parts(a.as_int(), 0)) return value(*t);
      return value::make_error("timestamp out of range");
    default: return no_overload("timestamp", a);
  }
}

inline value to_duration(const value& a) {
  switch (a.kind()) {
    case value_kind::duration_value: return a;
    case value_kind::string_value:
      if (auto d = duration::parse(a.as_string())) return value(*d);
      return value::make_error("invalid duration or out of range: '" + std::string(a.as_string()) + "'");
    default: return no_overload("duration", a);
  }
}

inline value to_decimal(const value& a) {
  switch (a.kind()) {
    case value_kind::decimal_value: return a;
    case value_kind::string_value:
      if (auto d = decimal::parse(a.as_string())) return value(*d);
      return value::make_error("cannot convert string '" + std::string(a.as_string()) + "' to decimal");
    case value_kind::int_value:
    case value_kind::uint_value:
    case value_kind::double_value:
      if (auto d = as_decimal(a)) return value(*d);
      return value::make_error("cannot convert a non-finite double to decimal");
    default: return no_overload("decimal", a);
  }
}

inline value to_date(const value& a) {
  switch (a.kind()) {
    case value_kind::date_value: return a;
    case value_kind::string_value:
      if (auto d = date::parse(a.as_string())) return value(*d);
      return value::make_error("invalid date '" + std::string(a.as_string()) + "' (expected YYYY-MM-DD)");
    default: return no_overload("date", a);
  }
}

inline value make_date(const value& y, const value& m, const value& d) {
  if (y.kind() != value_kind::int_value || m.kind() != value_kind::int_value ||
      d.kind() != value_kind::int_value)
    return value::make_error("no matching overload for 'date' applied to (" +
                             std::string(kind_name(y.kind())) + ", " + std::string(kind_name(m.kind())) +
                             ", " + std::string(kind_name(d.kind())) + ")");
  auto in_int = [](std::int64_t v) { return v >= std::numeric_limits<int>::min() && v <= std::numeric_limits<int>::max(); };
  if (in_int(y.as_int()) && in_int(m.as_int()) && in_int(d.as_int()))
    if (auto r = date::from_ymd(static_cast<int>(y.as_int()), static_cast<int>(m.as_int()),
                                static_cast<int>(d.as_int())))
      return value(*r);
  return value::make_error("invalid date " + std::to_string(y.as_int()) + "-" +
                           std::to_string(m.as_int()) + "-" + std::to_string(d.as_int()));
}

// ---------------------------------------------------------------------------------------------
// Timestamps and durations

/// Normalises CEL's zone spellings: "" and "UTC" stay, "02:00" becomes "+02:00".
inline std::string normalize_zone(std::string_view z) {
  if (z.size() == 5 && z[2] == ':' && std::isdigit(static_cast<unsigned char>(z[0])))
    return "+" + std::string(z);
  return std::string(z);
}

inline value timestamp_getter(builtin fn, const value& t, std::string_view zone) {
  if (t.kind() == value_kind::duration_value) {
    const duration& d = t.as_duration();
    switch (fn) {
      case builtin::get_hours: return value(static_cast<std::int64_t>(d.seconds() / 3600));
      case builtin::get_minutes: return value(static_cast<std::int64_t>(d.seconds() / 60));
      case builtin::get_seconds: return value(static_cast<std::int64_t>(d.seconds()));
      case builtin::get_milliseconds: return value(static_cast<std::int64_t>(d.nanos() / 1000000));
      default: return no_overload("duration getter", t);
    }
  }
  if (t.kind() != value_kind::timestamp_value) return no_overload("timestamp getter", t);
  auto c = to_civil(t.as_timestamp(), normalize_zone(zone));
  if (!c) return value::make_error("unknown time zone '" + std::string(zone) + "'");
  std::int64_t r = 0;
  switch (fn) {
    case builtin::get_full_year: r = c->year; break;
    case builtin::get_month: r = c->month - 1; break;
    case builtin::get_date: r = c->day; break;
    case builtin::get_day_of_month: r = c->day - 1; break;
    case builtin::get_day_of_week: r = c->weekday; break;
    case builtin::get_day_of_year: r = c->day_of_year; break;
    case builtin::get_hours: r = c->hour; break;
    case builtin::get_minutes: r = c->minute; break;
    case builtin::get_seconds: r = c->second; break;
    case builtin::get_milliseconds: r = c->nanos / 1000000; break;
    default: return no_overload("timestamp getter", t);
  }
  return value(r);
}

// ---------------------------------------------------------------------------------------------
// Calendar and identity (DESIGN §4)

template <class T, class F>
value from_calendar(const calendar_result<T>& r, F&& wrap) {
  if (const auto* e = std::get_if<calendar_error>(&r)) return value::make_error(e->message);
  return wrap(std::get<T>(r));
}

inline value no_calendar() {
  return value::make_error("no working-day calendar is configured for calendar functions");
}

inline value calendar_call(builtin fn, const workday_calendar* cal, const value& a, const value* b) {
  if (!cal) return no_calendar();
  switch (fn) {
    case builtin::is_workday:
      if (a.kind() != value_kind::date_value) return no_overload("is_workday", a);
      return from_calendar(cal->is_workday(a.as_date()), [](bool v) { return value(v); });
    case builtin::add_workdays:
      if (a.kind() != value_kind::date_value || b->kind() != value_kind::int_value)
        return no_overload("add_workdays", a, *b);
      return from_calendar(cal->add_workdays(a.as_date(), b->as_int()),
                           [](date d) { return value(d); });
    case builtin::workdays_between:
      if (a.kind() != value_kind::date_value || b->kind() != value_kind::date_value)
        return no_overload("workdays_between", a, *b);
      return from_calendar(cal->workdays_between(a.as_date(), b->as_date()),
                           [](auto n) { return value(static_cast<std::int64_t>(n)); });
    default: return no_overload("calendar", a);
  }
}

/// Natural (calendar) days, for the periods a law states in days (日) rather than working days
/// (工作日): no calendar is needed, so no year is ever uncovered.
inline value natural_days_call(builtin fn, const value& a, const value& b) {
  switch (fn) {
    case builtin::add_days:
      if (a.kind() != value_kind::date_value || b.kind() != value_kind::int_value) return no_overload("add_days", a, b);
      if (auto d = a.as_date().plus_days(b.as_int())) return value(*d);
      return value::make_error("add_days: the date is out of range");
    case builtin::days_between:
      // Days in (a, b]: b - a, negative when b is before a (as workdays_between counts).
      if (a.kind() != value_kind::date_value || b.kind() != value_kind::date_value)
        return no_overload("days_between", a, b);
      return value(static_cast<std::int64_t>(b.as_date().days()) - a.as_date().days());
    default: return no_overload("natural days", a, b);
  }
}

inline value identity_call(builtin fn, const value& a, const value* b) {
  switch (fn) {
    case builtin::is_uscc:
      if (a.kind() != value_kind::string_value) return no_overload("is_uscc", a);
      return value(evenhand::is_uscc(a.as_string()));
    case builtin::is_cn_id:
      if (a.kind() != value_kind::string_value) return no_overload("is_cn_id", a);
      return value(evenhand::is_cn_id(a.as_string()));
    case builtin::birth_date:
      if (a.kind() != value_kind::string_value) return no_overload("birth_date", a);
      if (auto d = evenhand::birth_date(a.as_string())) return value(*d);
      return value::make_error("'" + std::string(a.as_string()) + "' is not a valid resident ID number");
    case builtin::age_on: {
      if (b->kind() != value_kind::date_value) return no_overload("age_on", a, *b);
      std::optional<date> birth;
      if (a.kind() == value_kind::date_value) birth = a.as_date();
      else if (a.kind() == value_kind::string_value) {
        birth = evenhand::birth_date(a.as_string());
        if (!birth) return value::make_error("'" + std::string(a.as_string()) + "' is not a valid resident ID number");
      } else {
        return no_overload("age_on", a, *b);
      }
      return value(static_cast<std::int64_t>(evenhand::age_on(*birth, b->as_date())));
    }
    default: return no_overload("identity", a);
  }
}

}  // namespace evenhand::expr::detail
