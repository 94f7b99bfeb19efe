// Values as plain JSON, written through json_out: what a decision shows of the values its rules
// read, and what an application's canonical form (its digest's input) holds of its fields.
#pragma once

#include <evenhand/date.hpp>
#include <evenhand/decimal.hpp>
#include <evenhand/detail/json_out.hpp>
#include <evenhand/value.hpp>

#include <string>
#include <string_view>

namespace evenhand::detail {

/// A date as a JSON string, "YYYY-MM-DD", written in place.
inline void put_date(json_out& out, date d) {
  char* p = out.reserve(date::text_size + 2);
  *p++ = '"';
  p = d.write(p);
  *p++ = '"';
  out.advance(p);
}

/// Plain JSON for a value: exact decimals as numbers, dates and times as strings; an error or
/// unknown as {"error": …} / {"unknown": [fields]}.
inline void put_value(json_out& out, const value& v) {
  switch (v.kind()) {
    case value_kind::null_value: out += "null"; return;
    case value_kind::bool_value: out += v.as_bool() ? "true" : "false"; return;
    case value_kind::int_value: out.integer(v.as_int()); return;
    case value_kind::uint_value: out.integer(v.as_uint()); return;
    case value_kind::decimal_value: out.advance(v.as_decimal().write(out.reserve(decimal::max_text))); return;
    case value_kind::double_value: {
      // Doubles never arise from decimal data; print them exactly as their shortest text.
      auto d = decimal::from_double(v.as_double());
      if (d) out.advance(d->write(out.reserve(decimal::max_text)));
      else out.escaped("non-finite");
      return;
    }
    case value_kind::string_value: out.escaped(v.as_string()); return;
    case value_kind::date_value: put_date(out, v.as_date()); return;
    case value_kind::timestamp_value: out.escaped(v.as_timestamp().to_string()); return;
    case value_kind::duration_value: out.escaped(v.as_duration().to_string()); return;
    case value_kind::list_value: {
      out += '[';
      for (std::size_t i = 0; i < v.as_list().size(); ++i) {
        if (i) out += ',';
        put_value(out, v.as_list()[i]);
      }
      out += ']';
      return;
    }
    case value_kind::map_value: {
      out += '{';
      bool first = true;
      for (const auto& [k, e] : v.as_map()) {  // map entries are sorted: one order everywhere
        if (!first) out += ',';
        first = false;
        if (k.kind() == value_kind::string_value) {
          out.escaped(k.as_string());
        } else {  // a number or bool key, as the text of a string
          std::string key;
          {
            json_out text(key);
            put_value(text, k);
          }
          out.escaped(key);
        }
        out += ':';
        put_value(out, e);
      }
      out += '}';
      return;
    }
    case value_kind::error_value:
      out += "{\"error\":";
      out.escaped(v.as_error().message);
      out += '}';
      return;
    case value_kind::unknown_value: {
      out += "{\"unknown\":[";
      const auto& a = v.as_unknown().attributes;
      for (std::size_t i = 0; i < a.size(); ++i) {
        if (i) out += ',';
        out.escaped(a[i]);
      }
      out += "]}";
      return;
    }
    default: out.escaped(kind_name(v.kind())); return;
  }
}

/// The same, appended to a string.
inline void put_value(std::string& out, const value& v) {
  json_out o(out);
  put_value(o, v);
}

}  // namespace evenhand::detail
