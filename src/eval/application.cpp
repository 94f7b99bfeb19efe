// Reading applications (YAML or JSON) against an item's declared fields.
#include <evenhand/digest.hpp>
#include <evenhand/eval/application.hpp>

#include "../yaml_guard.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <map>

namespace evenhand::eval {
namespace {

class app_reader {
 public:
  app_reader(std::string_view text, std::string file, diagnostics& out) : text_(text), file_(std::move(file)), out_(out) {}

  void error(const YAML::Node& n, std::string code, std::string message, std::string hint = {}) {
    diagnostic d;
    d.code = std::move(code);
    d.message = std::move(message);
    d.hint = std::move(hint);
    d.where.file = file_;
    std::size_t offset = n.IsDefined() && !n.Mark().is_null() ? static_cast<std::size_t>(n.Mark().pos) : 0;
    line_column lc = locate(text_, offset);
    d.where.line = lc.line;
    d.where.column = lc.column;
    d.where.length = 1;
    d.source_line = std::string(lc.line_text);
    out_.push_back(std::move(d));
    ++errors_;
  }
  std::size_t errors() const { return errors_; }

  static YAML::Node lookup(const YAML::Node& map, std::string_view key) {
    if (map.IsMap())
      for (const auto& kv : map)
        if (kv.first.IsScalar() && kv.first.Scalar() == key) return kv.second;
    return YAML::Node(YAML::NodeType::Undefined);
  }

  std::optional<value> convert(const YAML::Node& n, const expr::type& t, const standard::field& f,
                               const std::string& path) {
    using expr::type_kind;
    auto bad = [&](std::string what) -> std::optional<value> {
      error(n, "E402", "field '" + path + "' (" + f.label + ") must be " + what);
      return std::nullopt;
    };
    if (t.kind() == type_kind::list) {
      if (!n.IsSequence()) return bad("a list, such as [a, b]");
      list items;
      for (const auto& e : n) {
        auto v = convert(e, t.elem(), f, path);
        if (!v) return std::nullopt;
        items.push_back(std::move(*v));
      }
      return value(std::move(items));
    }
    if (t.kind() == type_kind::record) {
      if (!n.IsMap()) return bad("a map of its members");
      map_entries entries;
      for (const auto& kv : n) {
        std::string key = kv.first.IsScalar() ? kv.first.Scalar() : std::string();
        auto member = std::find_if(f.fields.begin(), f.fields.end(), [&](const standard::field& m) { return m.name == key; });
        if (member == f.fields.end()) {
          std::vector<std::string> names;
          for (const auto& m : f.fields) names.push_back(m.name);
          std::string near = closest_match(key, names);
          error(kv.first, "E401", "'" + path + "' has no member '" + key + "'",
                near.empty() ? std::string() : "did you mean '" + near + "'?");
          return std::nullopt;
        }
        auto v = convert(kv.second, member->type, *member, path + "." + key);
        if (!v) return std::nullopt;
        entries.emplace_back(value(key), std::move(*v));
      }
      return value::make_map(std::move(entries));
    }
    if (!n.IsScalar()) return bad("a single value");
    const std::string& s = n.Scalar();
    switch (t.kind()) {
      case type_kind::bool_:
        if (s == "true") return value(true);
        if (s == "false") return value(false);
        return bad("true or false");
      case type_kind::int_: {
        std::int64_t i = 0;
        auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), i);
        if (ec != std::errc() || p != s.data() + s.size()) return bad("a whole number");
        return value(i);
      }
      case type_kind::decimal:
        if (auto d = decimal::parse(s)) return value(*d);
        return bad("a decimal number such as 35.5");
      case type_kind::date:
        if (auto d = date::parse(s)) return value(*d);
        return bad("a date YYYY-MM-DD");
      case type_kind::timestamp:
        if (auto ts = timestamp::parse(s)) return value(*ts);
        return bad("a time such as 2026-03-02T09:30:00+08:00");
      case type_kind::enum_: {
        std::vector<std::string> values;
        for (const auto& o : f.options) values.push_back(o.value);
        if (std::find(values.begin(), values.end(), s) != values.end()) return value(s);
        std::string near = closest_match(s, values);
        std::string all;
        for (const auto& o : f.options) all += (all.empty() ? "" : ", ") + o.value + "（" + o.label + "）";
        error(n, "E403", "'" + s + "' is not a value of '" + path + "' (" + f.label + ")",
              near.empty() ? "values: " + all : "did you mean '" + near + "'?");
        return std::nullopt;
      }
      default: return value(s);
    }
  }

  /// Walks nested maps, matching dotted paths against the declared fields.
  void read_fields(const YAML::Node& n, const std::string& prefix, const standard::item& item,
                   const std::map<std::string, const standard::field*>& declared,
                   std::vector<std::pair<std::string, value>>& out) {
    if (!n.IsMap()) {
      error(n, "E402", "'" + (prefix.empty() ? std::string("fields") : prefix) + "' must be a map");
      return;
    }
    for (const auto& kv : n) {
      if (!kv.first.IsScalar()) {
        error(kv.first, "E402", "field names must be plain names");
        continue;
      }
      std::string path = prefix.empty() ? kv.first.Scalar() : prefix + "." + kv.first.Scalar();
      if (auto it = declared.find(path); it != declared.end()) {
        if (kv.second.IsNull()) continue;  // given as empty: the same as absent
        if (auto v = convert(kv.second, it->second->type, *it->second, path)) out.emplace_back(path, std::move(*v));
        continue;
      }
      auto below = declared.lower_bound(path + ".");
      if (below != declared.end() && below->first.rfind(path + ".", 0) == 0) {
        read_fields(kv.second, path, item, declared, out);
        continue;
      }
      std::vector<std::string> names;
      for (const auto& [name, f] : declared) names.push_back(name);
      std::string near = closest_match(path, names);
      error(kv.first, "E401", "item " + item.code + " has no field '" + path + "'",
            near.empty() ? std::string() : "did you mean '" + near + "'?");
    }
  }

 private:
  std::string_view text_;
  std::string file_;
  diagnostics& out_;
  std::size_t errors_ = 0;
};

/// The canonical bytes an application's digest is taken over: fields sorted, values typed.
std::string canonical_form(const application& a);

}  // namespace

std::optional<application> read_application(std::string_view text, const std::string& file,
                                            const standard::ruleset& rules, diagnostics& problems) {
  app_reader r(text, file, problems);
  YAML::Node doc;
  if (auto bad = detail::check_yaml_syntax(text)) {
    diagnostic d;
    d.code = "E400";
    d.message = "the application is not valid YAML or JSON: " + bad->message;
    d.where.file = file;
    line_column lc = locate(text, bad->offset);
    d.where.line = lc.line;
    d.where.column = lc.column;
    d.source_line = std::string(lc.line_text);
    problems.push_back(std::move(d));
    return std::nullopt;
  }
  try {
    doc = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    diagnostic d;
    d.code = "E400";
    d.message = "the application is not valid YAML or JSON: " + e.msg;
    d.where.file = file;
    d.where.line = e.mark.is_null() ? 1 : static_cast<std::uint32_t>(e.mark.line + 1);
    d.where.column = e.mark.is_null() ? 1 : static_cast<std::uint32_t>(e.mark.column + 1);
    problems.push_back(std::move(d));
    return std::nullopt;
  }
  if (!doc.IsMap()) {
    r.error(doc, "E402", "an application is a map with item, submitted_at, fields, materials");
    return std::nullopt;
  }
  application a;
  static const std::vector<std::string_view> keys = {"id", "item", "submitted_at", "fields", "materials", "facts"};
  for (const auto& kv : doc) {
    std::string key = kv.first.IsScalar() ? kv.first.Scalar() : std::string();
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
      std::string near = closest_match(key, keys);
      r.error(kv.first, "E401", "unknown key '" + key + "' in the application",
              near.empty() ? "keys: id, item, submitted_at, fields, materials, facts" : "did you mean '" + near + "'?");
    }
  }
  if (auto id = app_reader::lookup(doc, "id"); id.IsScalar()) a.id = id.Scalar();
  YAML::Node item_node = app_reader::lookup(doc, "item");
  YAML::Node when = app_reader::lookup(doc, "submitted_at");
  if (!item_node.IsScalar()) r.error(doc, "E402", "the application names no item (item: <事项编码>)");
  else a.item = item_node.Scalar();
  std::optional<timestamp> submitted = when.IsScalar() ? timestamp::parse(when.Scalar()) : std::nullopt;
  if (!submitted) {
    r.error(when.IsDefined() ? when : doc, "E402", "submitted_at must be a time with its zone, such as 2026-03-02T09:30:00+08:00");
    return std::nullopt;
  }
  a.submitted_at = *submitted;
  if (a.item.empty()) return std::nullopt;
  auto civil = to_civil(a.submitted_at, rules.timezone);
  date day = civil ? *date::from_ymd(static_cast<int>(civil->year), civil->month, civil->day) : a.submitted_at.to_date(0);
  a.standard = rules.find_item(a.item, day);
  if (!a.standard) {
    std::vector<std::string> codes;
    for (const auto& i : rules.items) codes.push_back(i.code);
    std::string near = closest_match(a.item, codes);
    r.error(item_node, "E404", "no version of item '" + a.item + "' is in force on " + day.to_string(),
            near.empty() ? std::string() : "did you mean '" + near + "'?");
    return std::nullopt;
  }
  std::map<std::string, const standard::field*> declared;
  for (const auto& f : a.standard->fields) declared.emplace(f.name, &f);
  for (const auto& f : rules.fields) declared.emplace(f.name, &f);
  for (const char* section : {"fields", "facts"}) {
    YAML::Node n = app_reader::lookup(doc, section);
    if (n.IsDefined() && !n.IsNull()) r.read_fields(n, "", *a.standard, declared, a.fields);
  }
  std::sort(a.fields.begin(), a.fields.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
  for (std::size_t i = 1; i < a.fields.size(); ++i)
    if (a.fields[i].first == a.fields[i - 1].first)
      r.error(doc, "E405", "field '" + a.fields[i].first + "' is given twice");
  YAML::Node mats = app_reader::lookup(doc, "materials");
  if (mats.IsDefined() && !mats.IsNull()) {
    if (!mats.IsSequence()) {
      r.error(mats, "E402", "materials must be a list of { id, form, copies }");
    } else {
      for (const auto& m : mats) {
        submitted_material s;
        YAML::Node id = app_reader::lookup(m, "id");
        if (!id.IsScalar()) {
          r.error(m, "E402", "a submitted material needs its id");
          continue;
        }
        s.id = id.Scalar();
        for (const auto& kv : m) {
          std::string k = kv.first.IsScalar() ? kv.first.Scalar() : "";
          const std::string v = kv.second.IsScalar() ? kv.second.Scalar() : "";
          if (k == "id") continue;
          if (k == "form") {
            if (v == "original") s.form = standard::material_form::original;
            else if (v == "copy") s.form = standard::material_form::copy;
            else if (v == "electronic") s.form = standard::material_form::electronic;
            else r.error(kv.second, "E402", "form must be original, copy or electronic");
          } else if (k == "copies") {
            auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), s.copies);
            if (ec != std::errc() || p != v.data() + v.size() || s.copies < 0) r.error(kv.second, "E402", "copies must be a whole number");
          } else if (k == "commitment") {
            s.commitment = v == "true";
          } else if (k == "valid_until") {
            s.valid_until = date::parse(v);
            if (!s.valid_until) r.error(kv.second, "E402", "valid_until must be a date YYYY-MM-DD");
          } else {
            r.error(kv.first, "E401", "unknown key '" + k + "' in a submitted material", "keys: id, form, copies, commitment, valid_until");
          }
        }
        a.materials.push_back(std::move(s));
      }
    }
  }
  if (r.errors()) return std::nullopt;
  for (const auto& [name, v] : a.fields)
    a.slots.push_back(a.standard->environment->slot_of(name).value_or(static_cast<std::uint32_t>(-1)));
  a.digest = sha256_digest(canonical_form(a));
  return a;
}

namespace {

void append_value(std::string& out, const value& v);

void append_string(std::string& out, std::string_view s) { detail::append_json_string(out, s); }

void append_value(std::string& out, const value& v) {
  switch (v.kind()) {
    case value_kind::null_value: out += "null"; return;
    case value_kind::bool_value: out += v.as_bool() ? "true" : "false"; return;
    case value_kind::int_value: out += std::to_string(v.as_int()); return;
    case value_kind::uint_value: out += std::to_string(v.as_uint()); return;
    case value_kind::decimal_value: out += v.as_decimal().to_string(); return;
    case value_kind::date_value: append_string(out, v.as_date().to_string()); return;
    case value_kind::timestamp_value: append_string(out, v.as_timestamp().to_string()); return;
    case value_kind::list_value: {
      out += '[';
      bool first = true;
      for (const auto& e : v.as_list()) {
        if (!first) out += ',';
        first = false;
        append_value(out, e);
      }
      out += ']';
      return;
    }
    case value_kind::map_value: {
      out += '{';
      bool first = true;
      for (const auto& [k, e] : v.as_map()) {
        if (!first) out += ',';
        first = false;
        append_string(out, k.kind() == value_kind::string_value ? k.as_string() : std::string("?"));
        out += ':';
        append_value(out, e);
      }
      out += '}';
      return;
    }
    default: append_string(out, v.kind() == value_kind::string_value ? v.as_string() : std::string(kind_name(v.kind())));
  }
}

std::string canonical_form(const application& a) {
  std::string out = "{\"fields\":{";
  for (std::size_t i = 0; i < a.fields.size(); ++i) {
    if (i) out += ',';
    append_string(out, a.fields[i].first);
    out += ':';
    append_value(out, a.fields[i].second);
  }
  out += "},\"id\":";
  append_string(out, a.id);
  out += ",\"item\":";
  append_string(out, a.item);
  out += ",\"materials\":[";
  for (std::size_t i = 0; i < a.materials.size(); ++i) {
    const auto& m = a.materials[i];
    if (i) out += ',';
    out += "{\"commitment\":" + std::string(m.commitment ? "true" : "false") + ",\"copies\":" + std::to_string(m.copies) +
           ",\"form\":\"" + std::string(standard::to_string(m.form)) + "\",\"id\":";
    append_string(out, m.id);
    if (m.valid_until) out += ",\"valid_until\":\"" + m.valid_until->to_string() + "\"";
    out += '}';
  }
  out += "],\"submitted_at\":";
  append_string(out, a.submitted_at.to_string());
  out += '}';
  return out;
}

}  // namespace

}  // namespace evenhand::eval
