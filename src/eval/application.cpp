// Reading applications (YAML or JSON) against an item's declared fields.
#include <evenhand/detail/value_json.hpp>
#include <evenhand/digest.hpp>
#include <evenhand/eval/application.hpp>
#include <evenhand/expr/parser.hpp>

#include "../yaml_guard.hpp"
#include "document.hpp"

#include <boost/container/small_vector.hpp>

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <map>
#include <span>

namespace evenhand::eval {
namespace {

using detail::document;
using node = document::node;

/// A field's dotted path, built as text only when an error names it.
struct path_ref {
  const path_ref* parent = nullptr;
  std::string_view name;
  std::string str() const { return parent ? parent->str() + "." + std::string(name) : std::string(name); }
};

class app_reader {
 public:
  app_reader(std::string_view text, std::string file, const document& doc, diagnostics& out)
      : text_(text), file_(std::move(file)), doc_(doc), out_(out) {}

  void error(const node& n, std::string code, std::string message, std::string hint = {}) {
    if (!reporting()) return count_error(code);
    ++errors_;
    out_.push_back(detail::located(text_, file_, n.offset, std::move(code), std::move(message), std::move(hint)));
  }
  /// Whether an error reported now is kept: in the quiet pass, or past the cap on diagnostics,
  /// it is only counted (`count_error`), and its message need not be built.
  bool reporting() { return !quiet_ && out_.has_room(file_); }
  void count_error(std::string_view code) {
    ++errors_;
    if (!quiet_) out_.omit(file_, code, severity::error);
  }
  std::size_t errors() const { return errors_; }
  /// Counts errors without reporting them (a first, fast pass whose positions are inexact).
  void set_quiet(bool quiet) { quiet_ = quiet; }

  std::optional<value> convert(const node& n, const expr::type& t, const standard::field& f, const path_ref& path) {
    using expr::type_kind;
    // A journal's copy: a personal value was replaced by its digest, whatever its type.
    if (masked_personal_ && f.personal && n.is_scalar()) return value(n.text);
    auto bad = [&](std::string_view what) -> std::optional<value> {
      if (!reporting()) count_error("E402");
      else error(n, "E402", "field '" + path.str() + "' (" + f.label + ") must be " + std::string(what));
      return std::nullopt;
    };
    if (t.kind() == type_kind::list) {
      if (!n.is_sequence()) return bad("a list, such as [a, b]");
      list items;
      items.reserve(doc_.count(n));
      bool ok = true;
      doc_.each(n, [&](const node& e) {
        if (!ok) return;
        auto v = convert(e, t.elem(), f, path);
        if (!v) ok = false;
        else items.push_back(std::move(*v));
      });
      if (!ok) return std::nullopt;
      return value(std::move(items));
    }
    if (t.kind() == type_kind::record) {
      if (!n.is_map()) return bad("a map of its members");
      // Each member's value is put at its rank in the record type's member order (sorted by
      // name), then the entries are made in that order: the map is built without comparing
      // keys or moving entries around, however the members were written.
      const auto& ranked = t.fields();
      boost::container::small_vector<value, 16> at_rank(ranked.size());
      boost::container::small_vector<bool, 32> given(ranked.size(), false);
      const bool ordered = f.member_order.size() == f.fields.size() && ranked.size() == f.fields.size();
      bool ok = true;
      doc_.each(n, [&](const node& key) {
        if (!ok) return;
        auto rank = std::lower_bound(ranked.begin(), ranked.end(), key.text,
                                     [](const auto& m, std::string_view k) { return m.first < k; });
        const bool named = rank != ranked.end() && rank->first == key.text;
        // The member's declaration: by the loader's name order, or (an item built by hand) by name.
        auto member = !named ? f.fields.end()
                      : ordered ? f.fields.begin() + f.member_order[static_cast<std::size_t>(rank - ranked.begin())]
                                : std::find_if(f.fields.begin(), f.fields.end(), [&](const standard::field& m) { return m.name == key.text; });
        if (member == f.fields.end()) {
          ok = false;
          if (!reporting()) return count_error("E401");
          std::vector<std::string> names;
          for (const auto& m : f.fields) names.push_back(m.name);
          std::string near = closest_match(key.text, names);
          error(key, "E401", "'" + path.str() + "' has no member '" + std::string(key.text) + "'",
                near.empty() ? std::string() : "did you mean '" + near + "'?");
          return;
        }
        auto r = static_cast<std::uint32_t>(rank - ranked.begin());
        if (given[r]) {
          error(key, "E405", "member '" + member->name + "' of '" + path.str() + "' is given twice");
          ok = false;
          return;
        }
        given[r] = true;
        auto v = convert(doc_.at(key.value), member->type, *member, path_ref{&path, member->name});
        if (!v) {
          ok = false;
          return;
        }
        at_rank[r] = std::move(*v);
      });
      if (!ok) return std::nullopt;
      map_entries entries;
      entries.reserve(doc_.count(n));
      for (std::size_t r = 0; r < ranked.size(); ++r)
        if (given[r]) entries.emplace_back(value(ranked[r].first), std::move(at_rank[r]));
      return value(std::make_shared<const map_entries>(std::move(entries)));
    }
    if (!n.is_scalar()) return bad("a single value");
    std::string_view s = n.text;
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
        for (const auto& o : f.options)
          if (o.value == s) return value(o.value);
        if (!reporting()) {
          count_error("E403");
          return std::nullopt;
        }
        std::vector<std::string> values;
        for (const auto& o : f.options) values.push_back(o.value);
        std::string near = closest_match(s, values);
        std::string all;
        for (const auto& o : f.options) all += (all.empty() ? "" : ", ") + o.value + "（" + o.label + "）";
        error(n, "E403", "'" + std::string(s) + "' is not a value of '" + path.str() + "' (" + f.label + ")",
              near.empty() ? "values: " + all : "did you mean '" + near + "'?");
        return std::nullopt;
      }
      default: return value(s);
    }
  }

  /// Walks nested maps, matching dotted paths against the item's fields. `fields` holds the
  /// declarations under `prefix` (all of them at the top), sorted by name; each name's part
  /// after the prefix and its dot starts at `skip`. No path is built as a string unless an
  /// error names it.
  void read_fields(const node& n, std::string_view prefix, std::span<const standard::field> fields, std::size_t skip,
                   const standard::item& item, std::vector<std::pair<std::string_view, value>>& out) {
    if (!n.is_map()) {
      error(n, "E402", "'" + (prefix.empty() ? std::string("fields") : std::string(prefix)) + "' must be a map");
      return;
    }
    doc_.each(n, [&](const node& key) {
      std::string_view k = key.text;
      const node& v = doc_.at(key.value);
      standard::field_index::entry found;
      if (!find_path(prefix, k, fields, skip, item, found)) {
        if (!reporting()) return count_error("E401");
        std::string path = prefix.empty() ? std::string(k) : std::string(prefix) + "." + std::string(k);
        std::vector<std::string> names;
        for (const auto& f : item.fields) names.push_back(f.name);
        std::string near = closest_match(path, names);
        error(key, "E401", "item " + item.code + " has no field '" + path + "'",
              near.empty() ? std::string() : "did you mean '" + near + "'?");
        return;
      }
      if (found.exact != standard::field_index::none) {
        // The same field twice, written once nested and once as a dotted key (a key written
        // twice in one map is found with the document's duplicate keys).
        std::size_t& first = first_key_[found.exact];
        if (first != no_key) {
          if (!reporting()) return count_error("E405");
          error(key, "E405", "field '" + item.fields[found.exact].name + "' is given twice; the first is on line " +
                                 std::to_string(locate(text_, first).line) + "（字段重复）",
                "give it once, nested or as a dotted key");
          return;
        }
        first = key.offset;
        const standard::field& f = item.fields[found.exact];
        if (f.is_fact() != in_facts_) {
          // The applicant's fields and the hall's facts are told apart: the notice asks for the
          // one, the other leaves a decision pending. Given in the wrong section, it is refused.
          if (!reporting()) return count_error("E407");
          if (f.is_fact())
            error(key, "E407", "'" + f.name + "' is a fact the hall records (step " + f.step + "), not an applicant's field（事实应写在 facts 中）",
                  "give it under facts:");
          else
            error(key, "E407", "'" + f.name + "' is an applicant's field, not a fact the hall records（申请人字段应写在 fields 中）",
                  "give it under fields:");
          return;
        }
        if (v.is_null()) return;  // given as empty: the same as absent
        if (auto converted = convert(v, f.type, f, path_ref{nullptr, f.name})) {
          out.emplace_back(f.name, std::move(*converted));
          field_order_.push_back(found.exact);
        }
        return;
      }
      // A record written nested: the fields under prefix.k, read with that as their prefix.
      const std::size_t path_length = skip + k.size();
      read_fields(v, std::string_view(item.fields[found.first].name).substr(0, path_length),
                  {item.fields.data() + found.first, found.last - found.first}, path_length + 1, item, out);
    });
  }

  /// What the path `prefix.k` names among `fields` (those under `prefix`, see read_fields):
  /// a field, or fields under it (`found.first`, `found.last` index the item's fields). False
  /// when it names neither.
  static bool find_path(std::string_view prefix, std::string_view k, std::span<const standard::field> fields,
                        std::size_t skip, const standard::item& item, standard::field_index::entry& found) {
    using standard::field_index;
    // The loader's index: one probe for the whole path, built here when it is short enough.
    char buffer[160];
    if (item.field_paths.size() == item.fields.size() && prefix.size() + 1 + k.size() <= sizeof buffer) {
      std::string_view path = k;
      if (!prefix.empty()) {
        std::memcpy(buffer, prefix.data(), prefix.size());
        buffer[prefix.size()] = '.';
        // An empty key (YAML's bare `?`) may have no characters at all: memcpy from null is
        // undefined even for none.
        if (!k.empty()) std::memcpy(buffer + prefix.size() + 1, k.data(), k.size());
        path = {buffer, prefix.size() + 1 + k.size()};
      }
      const field_index::entry* e = item.find_path(path);
      if (!e) return false;
      found = *e;
      return true;
    }
    // Without the index (an item not built by the loader, a very long path): a search of the
    // sorted names by the rest of the name after the prefix.
    auto rest = [skip](const standard::field& f) { return std::string_view(f.name).substr(skip); };
    auto index_of = [&](std::span<const standard::field>::iterator it) {
      return static_cast<std::uint32_t>(&*it - item.fields.data());
    };
    found = field_index::entry{};
    auto at = std::lower_bound(fields.begin(), fields.end(), k,
                               [&](const standard::field& f, std::string_view x) { return rest(f) < x; });
    if (at != fields.end() && rest(*at) == k) {
      found.exact = index_of(at);
      return true;
    }
    // The names that go on with k and a dot sort together (any name between two of them
    // shares their start), from the first name not below k + "." (compared without building
    // it); `at` is no later than that.
    auto below = [&](const standard::field& f) {
      std::string_view head = rest(f).substr(0, k.size());
      if (head != k) return head < k;
      return rest(f).size() == k.size() || rest(f)[k.size()] < '.';
    };
    auto under = [&](const standard::field& f) {
      std::string_view r = rest(f);
      return r.size() > k.size() && r.starts_with(k) && r[k.size()] == '.';
    };
    auto group = std::partition_point(at, fields.end(), below);
    auto group_end = std::find_if_not(group, fields.end(), under);
    if (group == group_end) return false;
    found.first = index_of(group);
    found.last = found.first + static_cast<std::uint32_t>(group_end - group);
    return true;
  }

  /// Reads into `a`, replacing what it held (keeping its vectors' and strings' room).
  bool read_into(application& a, const standard::ruleset& rules);

 private:
  std::string_view text_;
  std::string file_;
  const document& doc_;
  diagnostics& out_;
  std::size_t errors_ = 0;
  bool quiet_ = false;

 public:
  /// Each field read, its declaration's index: the item's fields are sorted by path, so this
  /// orders the fields read without comparing their paths.
  boost::container::small_vector<std::uint32_t, 64> field_order_;
  /// Each declared field's key, by the offset of the key that gave it (`no_key`: not given).
  static constexpr std::size_t no_key = static_cast<std::size_t>(-1);
  boost::container::small_vector<std::size_t, 64> first_key_;
  bool masked_personal_ = false;
  bool digest_ = true;
  bool in_facts_ = false;  ///< reading the application's facts: section
};

/// The application's materials: a list of { id, form, copies, commitment, valid_until }. `out`
/// may hold an earlier application's materials: their strings are written over, keeping their
/// room.
void read_materials(const document& doc, const node& mats, app_reader& r, std::vector<submitted_material>& out) {
  if (!mats.is_sequence()) {
    r.error(mats, "E402", "materials must be a list of { id, form, copies }");
    out.clear();
    return;
  }
  out.reserve(doc.count(mats));
  std::size_t used = 0;
  doc.each(mats, [&](const node& m) {
    const node* id = doc.find(m, "id");
    if (!id || !id->is_scalar()) {
      r.error(m, "E402", "a submitted material needs its id");
      return;
    }
    if (used == out.size()) out.emplace_back();
    submitted_material& s = out[used++];
    s.id.assign(id->text);
    s.form = standard::material_form::original;
    s.copies = 1;
    s.commitment = false;
    s.valid_until.reset();
    doc.each(m, [&](const node& key) {
      std::string_view k = key.text;
      const node& val = doc.at(key.value);
      std::string_view v = val.is_scalar() ? val.text : std::string_view();
      if (k == "id") return;
      if (k == "form") {
        if (v == "original") s.form = standard::material_form::original;
        else if (v == "copy") s.form = standard::material_form::copy;
        else if (v == "electronic") s.form = standard::material_form::electronic;
        else r.error(val, "E402", "form must be original, copy or electronic");
      } else if (k == "copies") {
        auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), s.copies);
        if (ec != std::errc() || p != v.data() + v.size() || s.copies < 0) r.error(val, "E402", "copies must be a whole number");
      } else if (k == "commitment") {
        if (v == "true") s.commitment = true;
        else if (v == "false") s.commitment = false;
        else r.error(val, "E402", "commitment must be true or false");
      } else if (k == "valid_until") {
        s.valid_until = date::parse(v);
        if (!s.valid_until) r.error(val, "E402", "valid_until must be a date YYYY-MM-DD");
      } else {
        r.error(key, "E401", "unknown key '" + std::string(k) + "' in a submitted material",
                "keys: id, form, copies, commitment, valid_until");
      }
    });
  });
  out.resize(used);
}

/// Sorts fields by path, given each one's position in the item's (sorted) declarations, moving
/// each field once along its cycle of the permutation (64 bytes each, not worth moving twice).
template <class Indexes>
void sort_by_path(std::vector<std::pair<std::string_view, value>>& fields, Indexes& declared_at) {
  if (std::is_sorted(declared_at.begin(), declared_at.end())) return;
  std::vector<std::uint32_t> order(fields.size());
  for (std::uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::uint32_t x, std::uint32_t y) { return declared_at[x] < declared_at[y]; });
  // fields[i] becomes the old fields[order[i]]; order[i] = i marks a place filled.
  for (std::uint32_t i = 0; i < order.size(); ++i) {
    if (order[i] == i) continue;
    auto held = std::move(fields[i]);
    std::uint32_t j = i;
    while (order[j] != i) {
      std::uint32_t from = order[j];
      fields[j] = std::move(fields[from]);
      order[j] = j;
      j = from;
    }
    fields[j] = std::move(held);
    order[j] = j;
  }
  std::sort(declared_at.begin(), declared_at.end());
}

bool app_reader::read_into(application& a, const standard::ruleset& rules) {
  const node& top = doc_.root();
  if (!top.is_map()) {
    error(top, "E402", "an application is a map with item, submitted_at, fields, materials");
    return false;
  }
  a.id.clear();
  a.item.clear();
  a.standard = nullptr;
  a.fields.clear();
  a.slots.clear();
  a.digest.clear();
  // One pass over the top level: each key's value (a key given twice is refused before the
  // reader runs), and every unknown key reported.
  static constexpr std::array<std::string_view, 6> keys = {"id", "item", "submitted_at", "fields", "materials", "facts"};
  std::array<const node*, keys.size()> section{};
  doc_.each(top, [&](const node& key) {
    auto known = std::find(keys.begin(), keys.end(), key.text);
    if (known == keys.end()) {
      if (!reporting()) return count_error("E401");
      std::string near = closest_match(key.text, keys);
      error(key, "E401", "unknown key '" + std::string(key.text) + "' in the application",
            near.empty() ? "keys: id, item, submitted_at, fields, materials, facts" : "did you mean '" + near + "'?");
      return;
    }
    const node*& first = section[static_cast<std::size_t>(known - keys.begin())];
    if (!first) first = &doc_.at(key.value);
  });
  const node* const id = section[0];
  const node* const item_node = section[1];
  const node* const when = section[2];
  if (id && id->is_scalar()) a.id.assign(id->text);
  if (!item_node || !item_node->is_scalar()) error(top, "E402", "the application names no item (item: <事项编码>)");
  else a.item.assign(item_node->text);
  std::optional<timestamp> submitted = when && when->is_scalar() ? timestamp::parse(when->text) : std::nullopt;
  if (!submitted) {
    error(when ? *when : top, "E402", "submitted_at must be a time with its zone, such as 2026-03-02T09:30:00+08:00");
    return false;
  }
  a.submitted_at = *submitted;
  if (a.item.empty()) return false;
  auto civil = to_civil(a.submitted_at, rules.timezone);
  date day = civil ? *date::from_ymd(static_cast<int>(civil->year), civil->month, civil->day) : a.submitted_at.to_date(0);
  a.standard = rules.find_item(a.item, day);
  if (!a.standard) {
    std::vector<std::string> codes;
    for (const auto& i : rules.items) codes.push_back(i.code);
    std::string near = closest_match(a.item, codes);
    error(*item_node, "E404", "no version of item '" + a.item + "' is in force on " + day.to_string(),
          near.empty() ? std::string() : "did you mean '" + near + "'?");
    return false;
  }
  a.fields.reserve(a.standard->fields.size());
  field_order_.reserve(a.standard->fields.size());
  first_key_.assign(a.standard->fields.size(), no_key);
  for (const node* n : {section[3], section[5]}) {  // fields, then facts
    in_facts_ = n == section[5];
    if (n && !n->is_null()) read_fields(*n, {}, a.standard->fields, 0, *a.standard, a.fields);
  }
  in_facts_ = false;
  sort_by_path(a.fields, field_order_);
  const node* const mats = section[4];
  if (mats && !mats->is_null()) read_materials(doc_, *mats, *this, a.materials);
  else a.materials.clear();
  if (errors_) return false;
  a.slots.reserve(a.fields.size());
  const auto& field_slots = a.standard->field_slots;
  for (std::size_t i = 0; i < a.fields.size(); ++i)
    a.slots.push_back(field_slots.size() == a.standard->fields.size()
                          ? field_slots[field_order_[i]]  // found by the loader
                          : a.standard->environment->slot_of(a.fields[i].first).value_or(standard::no_slot));
  if (digest_) {
    // The canonical form is only hashed: each thread writes it into one string of its own
    // (kept unless a giant application made it large).
    static thread_local std::string canonical;
    canonical.clear();
    append_canonical_form(canonical, a);
    assign_sha256_digest(a.digest, {canonical});
    if (canonical.capacity() > (std::size_t{1} << 16)) canonical = std::string();
  }
  return true;
}

/// How deep the text may nest: the one nesting limit (expr::parse_limits::max_depth), which
/// keeps yaml-cpp's recursion and the reader's within a hall thread's stack.
constexpr std::size_t max_depth = expr::parse_limits{}.max_depth;

}  // namespace

std::optional<application> read_application(std::string_view text, const std::string& file,
                                            const standard::ruleset& rules, diagnostics& problems) {
  return read_application(text, file, rules, problems, read_options{});
}

std::optional<application> read_application(std::string_view text, const std::string& file,
                                            const standard::ruleset& rules, diagnostics& problems,
                                            input_format format) {
  read_options options;
  options.format = format;
  return read_application(text, file, rules, problems, options);
}

std::optional<application> read_application(std::string_view text, const std::string& file,
                                            const standard::ruleset& rules, diagnostics& problems,
                                            const read_options& options) {
  std::optional<application> a(std::in_place);
  if (!read_application_into(*a, text, file, rules, problems, options)) a.reset();
  return a;
}

bool read_application_into(application& out, std::string_view text, const std::string& file,
                           const standard::ruleset& rules, diagnostics& problems, const read_options& options) {
  const detail::document_kind kind{"the application", "E400", "E406", "E405", max_depth,
                                   "an application is a few kilobytes: is this the right file?", options.max_bytes};
  return detail::read_document(text, file, options.format, kind, 1, problems,
                               [&](const document& doc, bool quiet) {
                                     app_reader r(text, file, doc, problems);
                                     r.set_quiet(quiet);
                                     r.masked_personal_ = options.masked_personal;
                                     r.digest_ = options.digest;
                                     return r.read_into(out, rules);
                                   });
}

namespace {

using evenhand::detail::json_out;
using evenhand::detail::put_value;

}  // namespace

std::string canonical_form(const application& a) {
  std::string text;
  text.reserve(512 + 64 * (a.fields.size() + a.materials.size()));  // enough for most: one allocation
  append_canonical_form(text, a);
  return text;
}

void append_canonical_form(std::string& text, const application& a) {
  {  // the writer gives the string its size back when it closes
    json_out out(text);
    // The hall's facts apart from the applicant's fields, as the application gives them (an
    // application without facts has no "facts" key, so its digest is what it always was).
    auto is_fact = [&](std::string_view name) { return a.standard && a.standard->is_fact(name); };
    auto section = [&](bool facts) {
      bool first = true;
      for (const auto& [name, v] : a.fields) {
        if (is_fact(name) != facts) continue;
        if (!first) out += ',';
        first = false;
        out.escaped(name);
        out += ':';
        put_value(out, v);
      }
    };
    bool any_fact = std::any_of(a.fields.begin(), a.fields.end(), [&](const auto& f) { return is_fact(f.first); });
    if (any_fact) {
      out += "{\"facts\":{";
      section(true);
      out += "},\"fields\":{";
    } else {
      out += "{\"fields\":{";
    }
    section(false);
    out += "},\"id\":";
    out.escaped(a.id);
    out += ",\"item\":";
    out.escaped(a.item);
    out += ",\"materials\":[";
    for (std::size_t i = 0; i < a.materials.size(); ++i) {
      const auto& m = a.materials[i];
      if (i) out += ',';
      out += m.commitment ? "{\"commitment\":true,\"copies\":" : "{\"commitment\":false,\"copies\":";
      out.integer(m.copies);
      out += ",\"form\":\"";
      out += standard::to_string(m.form);
      out += "\",\"id\":";
      out.escaped(m.id);
      if (m.valid_until) {
        out += ",\"valid_until\":";
        evenhand::detail::put_date(out, *m.valid_until);
      }
      out += '}';
    }
    out += "],\"submitted_at\":";
    out.escaped(a.submitted_at.to_string());
    out += '}';
  }
}

}  // namespace evenhand::eval
