// The decision as canonical JSON (DESIGN §5): keys in a fixed (sorted) order, no insignificant
// whitespace, numbers in their exact decimal text, UTF-8 as is. Same decision → same bytes.
#pragma once

#include <evenhand/diagnostics.hpp>
#include <evenhand/eval/evaluate.hpp>

#include <string>

namespace evenhand::eval {

namespace detail {

inline void put_string(std::string& out, std::string_view s) { evenhand::detail::append_json_string(out, s); }

/// Plain JSON for a value: exact decimals as numbers, dates and times as strings; an error or
/// unknown as {"error": …} / {"unknown": [fields]}.
inline void put_value(std::string& out, const value& v) {
  switch (v.kind()) {
    case value_kind::null_value: out += "null"; return;
    case value_kind::bool_value: out += v.as_bool() ? "true" : "false"; return;
    case value_kind::int_value: out += std::to_string(v.as_int()); return;
    case value_kind::uint_value: out += std::to_string(v.as_uint()); return;
    case value_kind::decimal_value: out += v.as_decimal().to_string(); return;
    case value_kind::double_value: {
      // Doubles never arise from decimal data; print them exactly as their shortest text.
      auto d = decimal::from_double(v.as_double());
      if (d) out += d->to_string();
      else put_string(out, "non-finite");
      return;
    }
    case value_kind::string_value: put_string(out, v.as_string()); return;
    case value_kind::date_value: put_string(out, v.as_date().to_string()); return;
    case value_kind::timestamp_value: put_string(out, v.as_timestamp().to_string()); return;
    case value_kind::duration_value: put_string(out, v.as_duration().to_string()); return;
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
        std::string key;
        if (k.kind() == value_kind::string_value) key = k.as_string();
        else put_value(key, k);
        put_string(out, key);
        out += ':';
        put_value(out, e);
      }
      out += '}';
      return;
    }
    case value_kind::error_value:
      out += "{\"error\":";
      put_string(out, v.as_error().message);
      out += '}';
      return;
    case value_kind::unknown_value: {
      out += "{\"unknown\":[";
      const auto& a = v.as_unknown().attributes;
      for (std::size_t i = 0; i < a.size(); ++i) {
        if (i) out += ',';
        put_string(out, a[i]);
      }
      out += "]}";
      return;
    }
    default: put_string(out, kind_name(v.kind())); return;
  }
}

/// A tiny writer for objects whose keys the caller gives in sorted order.
class object_writer {
 public:
  explicit object_writer(std::string& out) : out_(out) { out_ += '{'; }
  ~object_writer() { out_ += '}'; }
  std::string& key(std::string_view k) {
    if (!first_) out_ += ',';
    first_ = false;
    put_string(out_, k);
    out_ += ':';
    return out_;
  }
  void str(std::string_view k, std::string_view v) { put_string(key(k), v); }
  void val(std::string_view k, const value& v) { put_value(key(k), v); }
  void strings(std::string_view k, const std::vector<std::string>& v) {
    std::string& o = key(k);
    o += '[';
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (i) o += ',';
      put_string(o, v[i]);
    }
    o += ']';
  }
  void date_or_null(std::string_view k, const std::optional<date>& d) {
    if (d) str(k, d->to_string());
    else key(k) += "null";
  }
  void pairs(std::string_view k, const std::vector<std::pair<std::string, value>>& kv) {
    // As an object with sorted keys.
    std::vector<const std::pair<std::string, value>*> sorted;
    for (const auto& p : kv) sorted.push_back(&p);
    std::sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->first < b->first; });
    std::string& o = key(k);
    object_writer w(o);
    for (auto* p : sorted) w.val(p->first, p->second);
  }

 private:
  std::string& out_;
  bool first_ = true;
};

template <class T, class F>
void array(std::string& out, const std::vector<T>& items, F&& each) {
  out += '[';
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    each(out, items[i]);
  }
  out += ']';
}

}  // namespace detail

/// The canonical JSON of a decision (one line, no trailing newline).
inline std::string to_json(const decision& d) {
  using detail::object_writer;
  std::string out;
  out.reserve(4096);
  {
    object_writer w(out);
    w.str("application", d.application_digest);
    w.str("application_id", d.application_id);
    w.str("as_of", d.as_of.to_string());
    detail::array(w.key("conditions"), d.conditions, [](std::string& o, const rule_result& r) {
      object_writer c(o);
      if (!r.detail.empty()) c.str("detail", r.detail);
      c.str("id", r.id);
      if (!r.needs.empty()) c.strings("needs", r.needs);
      c.pairs("read", r.read);
      c.str("result", r.result);
    });
    w.str("engine", d.engine);
    detail::array(w.key("fees"), d.fees, [](std::string& o, const named_value& f) {
      object_writer c(o);
      if (f.amount) c.val("amount", *f.amount);
      if (!f.detail.empty()) c.str("detail", f.detail);
      c.str("id", f.id);
      c.str("status", f.status);
    });
    {
      std::string& o = w.key("item");
      object_writer c(o);
      c.str("code", d.item);
      c.str("digest", d.item_digest);
      c.str("version", d.item_version);
    }
    {
      std::string& o = w.key("materials");
      object_writer c(o);
      detail::array(c.key("rules"), d.materials, [](std::string& o2, const material_result& m) {
        object_writer e(o2);
        e.str("id", m.id);
        if (!m.needs.empty()) e.strings("needs", m.needs);
        if (!m.reason.empty()) e.str("reason", m.reason);
        e.str("status", m.status);
      });
      c.strings("unexpected", d.unexpected_materials);
    }
    detail::array(w.key("notice"), d.notice, [](std::string& o, const notice_entry& n) {
      object_writer e(o);
      e.strings("basis", n.basis);
      if (n.due) e.str("due", n.due->to_string());
      e.str("id", n.id);
      e.str("kind", n.kind);
      if (!n.reason.empty()) e.str("reason", n.reason);
      e.str("text", n.text);
    });
    w.str("outcome", d.outcome);
    detail::array(w.key("outputs"), d.outputs, [](std::string& o, const output_result& r) {
      object_writer e(o);
      e.str("id", r.id);
      e.str("status", r.status);
      e.pairs("values", r.values);
    });
    {
      std::string& o = w.key("ruleset");
      object_writer c(o);
      c.str("digest", d.ruleset_digest);
      c.str("id", d.ruleset_id);
    }
    {
      const auto& s = d.schedule;
      std::string& o = w.key("schedule");
      object_writer c(o);
      c.str("accepted_on", s.accepted_on.to_string());
      c.strings("critical_path", s.critical_path);
      {
        std::string& o2 = c.key("due");
        object_writer due(o2);
        due.date_or_null("control_line", s.control_line);
        due.date_or_null("legal", s.legal);
        due.date_or_null("promised", s.promised);
      }
      c.strings("errors", s.errors);
      detail::array(c.key("steps"), s.steps, [](std::string& o2, const scheduled_step& st) {
        object_writer e(o2);
        e.str("applies", st.applies);
        e.key("counted") += st.counted ? "true" : "false";
        e.date_or_null("due", st.due);
        e.str("id", st.id);
      });
    }
    w.str("stage", d.stage);
    detail::array(w.key("tables"), d.tables, [](std::string& o, const table_result& t) {
      object_writer e(o);
      if (!t.detail.empty()) e.str("detail", t.detail);
      e.str("id", t.id);
      if (!t.needs.empty()) e.strings("needs", t.needs);
      e.pairs("outputs", t.outputs);
      e.str("result", t.result);
      std::string& rows = e.key("rows");
      detail::array(rows, t.rows, [](std::string& o2, std::size_t n) { o2 += std::to_string(n); });
    });
  }
  return out;
}

}  // namespace evenhand::eval
