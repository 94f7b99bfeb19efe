// The decision as canonical JSON (DESIGN §5): keys in a fixed (sorted) order, no insignificant
// whitespace, numbers in their exact decimal text, UTF-8 as is. Same decision → same bytes.
#pragma once

#include <evenhand/detail/value_json.hpp>
#include <evenhand/diagnostics.hpp>
#include <evenhand/eval/evaluate.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <span>
#include <string>

namespace evenhand::eval {

namespace detail {

using evenhand::detail::json_out;

inline void put_string(json_out& out, std::string_view s) { out.escaped(s); }

template <class Int>
void append_integer(json_out& out, Int i) {
  out.integer(i);
}
template <class Int>
void append_integer(std::string& out, Int i) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, i);
  out.append(buf, end);
}

using evenhand::detail::put_date;
using evenhand::detail::put_value;

/// A tiny writer for objects whose keys the caller gives in sorted order.
class object_writer {
 public:
  explicit object_writer(json_out& out) : out_(out) { out_ += '{'; }
  ~object_writer() { out_ += '}'; }
  object_writer(const object_writer&) = delete;
  object_writer& operator=(const object_writer&) = delete;
  /// `k` is one of the format's own keys (plain ASCII) or a declared variable name (a dotted
  /// identifier): neither needs escaping.
  json_out& key(std::string_view k) {
    char* p = out_.reserve(k.size() + 4);
    if (!first_) *p++ = ',';
    first_ = false;
    *p++ = '"';
    std::memcpy(p, k.data(), k.size());
    p += k.size();
    *p++ = '"';
    *p++ = ':';
    out_.advance(p);
    return out_;
  }
  /// A key from the ruleset's text (output names, variable names): escaped like any string.
  json_out& escaped_key(std::string_view k) {
    if (!first_) out_ += ',';
    first_ = false;
    put_string(out_, k);
    out_ += ':';
    return out_;
  }
  void str(std::string_view k, std::string_view v) { put_string(key(k), v); }
  void val(std::string_view k, const value& v) { put_value(key(k), v); }
  template <class String>
  void strings(std::string_view k, const std::vector<String>& v) { strings(k, std::span<const String>(v)); }
  template <class String>
  void strings(std::string_view k, std::span<const String> v) {
    json_out& o = key(k);
    o += '[';
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (i) o += ',';
      put_string(o, v[i]);
    }
    o += ']';
  }
  void date_or_null(std::string_view k, const std::optional<date>& d) {
    if (d) put_date(key(k), *d);
    else key(k) += "null";
  }
  /// Name–value pairs as an object with sorted keys.
  void pairs(std::string_view k, const std::vector<std::pair<std::string_view, value>>& kv) {
    sorted_object(k, kv.size(), [&](std::size_t i) { return std::pair<std::string_view, const value*>(kv[i].first, &kv[i].second); });
  }
  /// The facts a rule read, by name.
  void reads(std::string_view k, std::span<const std::uint32_t> slots, const decision& d) {
    std::array<std::pair<std::string_view, const value*>, 32> small;
    std::vector<std::pair<std::string_view, const value*>> big;
    std::size_t n = 0;
    auto* buf = small.data();
    if (slots.size() > small.size()) {
      big.resize(slots.size());
      buf = big.data();
    }
    for (auto slot : slots)
      if (const fact* f = find_fact(d, slot)) buf[n++] = {f->name, &f->v};
    // The evaluator gives them in name order already; a span from elsewhere may not be.
    if (!std::is_sorted(buf, buf + n)) std::sort(buf, buf + n);
    json_out& o = key(k);
    object_writer w(o);
    for (std::size_t i = 0; i < n; ++i) put_value(w.escaped_key(buf[i].first), *buf[i].second);
  }

 private:
  template <class Get>
  void sorted_object(std::string_view k, std::size_t count, Get get) {
    std::array<std::pair<std::string_view, const value*>, 32> small;
    std::vector<std::pair<std::string_view, const value*>> big;
    auto* buf = small.data();
    if (count > small.size()) {
      big.resize(count);
      buf = big.data();
    }
    for (std::size_t i = 0; i < count; ++i) buf[i] = get(i);
    std::sort(buf, buf + count);
    json_out& o = key(k);
    object_writer w(o);
    for (std::size_t i = 0; i < count; ++i) put_value(w.escaped_key(buf[i].first), *buf[i].second);
  }
  static const fact* find_fact(const decision& d, std::uint32_t slot) noexcept {
    auto it = std::lower_bound(d.facts.begin(), d.facts.end(), slot, [](const fact& f, std::uint32_t s) { return f.slot < s; });
    return it != d.facts.end() && it->slot == slot ? &*it : nullptr;
  }

  json_out& out_;
  bool first_ = true;
};

template <class T, class F>
void array(json_out& out, const std::vector<T>& items, F&& each) {
  out += '[';
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    each(out, items[i]);
  }
  out += ']';
}

}  // namespace detail

/// Appends the canonical JSON of a decision (one line, no trailing newline) to `out`: a caller
/// that writes decision after decision clears one string and keeps its room.
inline void append_json(std::string& out, const decision& d) {
  using detail::object_writer;
  {
    detail::json_out sink(out);
    object_writer w(sink);
    w.str("application", d.application_digest);
    w.str("application_id", d.application_id);
    w.str("as_of", d.as_of.to_string());
    detail::array(w.key("conditions"), d.conditions, [&d](detail::json_out& o, const rule_result& r) {
      object_writer c(o);
      if (!r.detail.empty()) c.str("detail", r.detail);
      c.str("id", r.id);
      if (!r.needs.empty()) c.strings("needs", r.needs);
      c.reads("read", r.read, d);
      c.str("result", to_string(r.result));
    });
    w.str("engine", d.engine);
    detail::array(w.key("fees"), d.fees, [](detail::json_out& o, const fee_result& f) {
      object_writer c(o);
      if (f.amount) c.val("amount", *f.amount);
      if (!f.detail.empty()) c.str("detail", f.detail);
      c.str("id", f.id);
      c.str("status", to_string(f.status));
    });
    {
      detail::json_out& o = w.key("item");
      object_writer c(o);
      c.str("code", d.item);
      c.str("digest", d.item_digest);
      c.str("version", d.item_version);
    }
    {
      detail::json_out& o = w.key("materials");
      object_writer c(o);
      detail::array(c.key("rules"), d.materials, [](detail::json_out& o2, const material_result& m) {
        object_writer e(o2);
        const bool tolerated = m.status == material_status::tolerated;
        if (tolerated) e.date_or_null("due", m.due);
        e.str("id", m.id);
        if (!m.needs.empty()) e.strings("needs", m.needs);
        if (tolerated) e.str("on_expiry", standard::to_string(m.on_expiry));
        if (m.reason != shortfall::none) e.str("reason", to_string(m.reason));
        e.str("status", to_string(m.status));
      });
      c.strings("unexpected", d.unexpected_materials);
    }
    detail::array(w.key("notice"), d.notice, [](detail::json_out& o, const notice_entry& n) {
      object_writer e(o);
      e.strings("basis", n.basis);
      if (n.due) put_date(e.key("due"), *n.due);
      e.str("id", n.id);
      e.str("kind", to_string(n.kind));
      if (n.reason != shortfall::none) e.str("reason", to_string(n.reason));
      e.str("text", n.text);
    });
    w.str("outcome", to_string(d.outcome));
    detail::array(w.key("outputs"), d.outputs, [](detail::json_out& o, const output_result& r) {
      object_writer e(o);
      e.str("id", r.id);
      e.str("status", to_string(r.status));
      e.pairs("values", r.values);
    });
    {
      detail::json_out& o = w.key("ruleset");
      object_writer c(o);
      c.str("digest", d.ruleset_digest);
      c.str("id", d.ruleset_id);
    }
    {
      const auto& s = d.schedule;
      detail::json_out& o = w.key("schedule");
      object_writer c(o);
      c.date_or_null("accepted_on", s.accepted_on);
      c.str("accepted_on_reason", to_string(s.accepted_on_reason));
      detail::array(c.key("calendar_not_covered"), s.calendar_not_covered,
                    [](detail::json_out& o2, int year) { detail::append_integer(o2, year); });
      c.strings("critical_path", s.critical_path);
      {
        detail::json_out& o2 = c.key("due");
        object_writer due(o2);
        due.date_or_null("control_line", s.control_line);
        due.date_or_null("legal", s.legal);
        due.date_or_null("promised", s.promised);
      }
      c.strings("errors", s.errors);
      detail::array(c.key("steps"), s.steps, [](detail::json_out& o2, const scheduled_step& st) {
        object_writer e(o2);
        e.str("applies", to_string(st.applies));
        e.key("counted") += st.counted ? "true" : "false";
        e.date_or_null("due", st.due);
        e.str("id", st.id);
      });
      put_date(c.key("submitted_on"), s.submitted_on);
    }
    w.str("stage", to_string(d.stage));
    {
      detail::json_out& o = w.key("stages");
      object_writer c(o);
      c.str("acceptance", to_string(d.acceptance));
      if (d.decided) c.str("decision", to_string(*d.decided));
      else c.key("decision") += "null";
    }
    detail::array(w.key("tables"), d.tables, [](detail::json_out& o, const table_result& t) {
      object_writer e(o);
      if (!t.detail.empty()) e.str("detail", t.detail);
      e.str("id", t.id);
      if (!t.needs.empty()) e.strings("needs", t.needs);
      e.pairs("outputs", t.outputs);
      e.str("result", to_string(t.result));
      detail::json_out& rows = e.key("rows");
      detail::array(rows, t.rows, [](detail::json_out& o2, std::size_t n) { detail::append_integer(o2, n); });
    });
  }
}

/// The canonical JSON of a decision (one line, no trailing newline).
inline std::string to_json(const decision& d) {
  std::string out;
  out.reserve(4096);
  append_json(out, d);
  return out;
}

}  // namespace evenhand::eval
