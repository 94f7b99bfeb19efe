// YAML → checked model. Compiled (not header-only) because yaml-cpp is a compiled library and
// loading is not on any hot path.
//
// Shape of the code: one `item_reader` walks an item file section by section, reporting into
// one diagnostics list and carrying on after each problem, so an editor sees every problem of
// a file in one run. Expressions are compiled against the item's environment as soon as the
// fields and derived facts are known; their diagnostics are moved from expression offsets
// into the file through the scalar's quoting (detail/yaml_scalar.hpp).
#include <evenhand/calendar_loader.hpp>
#include <evenhand/detail/utf8.hpp>
#include <evenhand/digest.hpp>
#include <evenhand/standard/detail/yaml_scalar.hpp>
#include <evenhand/standard/loader.hpp>
#include <evenhand/standard/table.hpp>
#include <evenhand/standard/text.hpp>

#include "../yaml_guard.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <thread>
#include <functional>
#include <set>
#include <sstream>

namespace evenhand::standard {
namespace {

namespace fs = std::filesystem;

// ---------------------------------------------------------------------------------------------
// Files and locations

bool valid_utf8(std::string_view s, std::size_t& bad_at) {
  bad_at = evenhand::detail::first_invalid_utf8(s);
  return bad_at == std::string_view::npos;
}

/// Reporting into one file's diagnostics, with locations from yaml-cpp marks.
class reporter {
 public:
  reporter(std::string file, std::string_view text, diagnostics& out) : file_(std::move(file)), text_(text), out_(out) {
    // Every node's location is asked for; a line table keeps that O(log lines), not O(bytes).
    line_starts_.push_back(0);
    for (std::size_t i = 0; i < text_.size(); ++i)
      if (text_[i] == '\n') line_starts_.push_back(i + 1);
  }

  const std::string& file() const noexcept { return file_; }
  std::string_view text() const noexcept { return text_; }
  std::size_t errors() const noexcept { return errors_; }

  source_location at_offset(std::size_t offset, std::size_t length = 1) const {
    line_column lc = locate_fast(offset);
    source_location w;
    w.file = file_;
    w.line = lc.line;
    w.column = lc.column;
    std::size_t line_end = static_cast<std::size_t>(lc.line_text.data() - text_.data()) + lc.line_text.size();
    std::size_t end = std::min(offset + std::max<std::size_t>(length, 1), std::max(line_end, offset + 1));
    end = std::min(end, text_.size());
    w.length = std::max<std::uint32_t>(1, evenhand::detail::count_code_points(text_.substr(std::min(offset, text_.size()), end - std::min(offset, text_.size()))));
    return w;
  }
  source_location at(const YAML::Node& n) const {
    if (!n.IsDefined() || n.Mark().is_null()) return at_offset(0);
    std::size_t length = n.IsScalar() ? scalar_length(n) : 1;
    return at_offset(static_cast<std::size_t>(n.Mark().pos), length);
  }

  void report(severity level, const source_location& where, std::string code, std::string message,
              std::string hint = {}) {
    if (level == severity::error) ++errors_;
    if (!out_.has_room(file_)) return out_.omit(file_, code, level);  // past the cap: counted only
    diagnostic d;
    d.level = level;
    d.code = std::move(code);
    d.message = std::move(message);
    d.hint = std::move(hint);
    d.where = where;
    if (where.line) set_source_line(d, where.line);
    out_.push_back(std::move(d));
  }
  void error(const YAML::Node& n, std::string code, std::string message, std::string hint = {}) {
    report(severity::error, at(n), std::move(code), std::move(message), std::move(hint));
  }
  void error_at(const source_location& w, std::string code, std::string message, std::string hint = {}) {
    report(severity::error, w, std::move(code), std::move(message), std::move(hint));
  }

  /// Moves an expression diagnostic (offsets into `value`) to the file.
  void adopt_expression_diagnostic(diagnostic d, const YAML::Node& n, const std::string& value) {
    if (!n.IsDefined() || n.Mark().is_null()) {
      d.where = at_offset(0);
    } else {
      auto map = detail::map_scalar(text_, static_cast<std::size_t>(n.Mark().pos), value);
      std::size_t begin = map.to_file(d.span.begin);
      std::size_t last = map.to_file(d.span.end > d.span.begin ? d.span.end - 1 : d.span.begin);
      d.where = at_offset(begin, last >= begin ? last - begin + 1 : 1);
      if (!map.exact)
        d.message += " (the column is that of the expression's start: YAML folding hides the exact position)";
    }
    d.where.file = file_;
    set_source_line(d, d.where.line);
    if (d.level == severity::error) ++errors_;
    out_.push_back(std::move(d));
  }

 private:
  std::size_t scalar_length(const YAML::Node& n) const {
    std::size_t pos = static_cast<std::size_t>(n.Mark().pos);
    std::size_t end = text_.find('\n', pos);
    if (end == std::string_view::npos) end = text_.size();
    std::string_view rest = text_.substr(pos, end - pos);
    // A scalar inside a flow collection ends at ',' '}' or ']'; quoted scalars at their quote.
    if (!rest.empty() && (rest[0] == '"' || rest[0] == '\'')) {
      std::size_t close = rest.find(rest[0], 1);
      return close == std::string_view::npos ? rest.size() : close + 1;
    }
    std::size_t stop = rest.find_first_of(",}]#");
    if (stop != std::string_view::npos) rest = rest.substr(0, stop);
    while (!rest.empty() && rest.back() == ' ') rest.remove_suffix(1);
    return std::max<std::size_t>(rest.size(), 1);
  }
  /// The window of line `line` around the diagnostic's column.
  void set_source_line(diagnostic& d, std::uint32_t line) const {
    const std::string_view text = line_text(line);
    evenhand::set_source_line(d, text, evenhand::detail::offset_of_column(text, d.where.column));
  }
  /// locate() from diagnostics.hpp, through the line table.
  line_column locate_fast(std::size_t offset) const {
    offset = std::min(offset, text_.size());
    auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
    std::size_t line = static_cast<std::size_t>(it - line_starts_.begin());  // 1-based
    line_column lc;
    lc.line = static_cast<std::uint32_t>(line);
    std::size_t start = line_starts_[line - 1];
    lc.column = evenhand::detail::count_code_points(text_.substr(start, offset - start)) + 1;
    lc.line_text = line_text(lc.line);
    return lc;
  }
  std::string_view line_text(std::uint32_t line) const {
    if (line == 0 || line > line_starts_.size()) return {};
    std::size_t start = line_starts_[line - 1];
    std::size_t end = line < line_starts_.size() ? line_starts_[line] - 1 : text_.size();
    std::string_view t = text_.substr(start, end - start);
    if (!t.empty() && t.back() == '\r') t.remove_suffix(1);
    return t;
  }

  std::string file_;
  std::string_view text_;
  diagnostics& out_;
  std::vector<std::size_t> line_starts_;
  std::size_t errors_ = 0;
};

std::string quoted_list(const std::vector<std::string_view>& names) {
  std::string s;
  for (std::size_t i = 0; i < names.size(); ++i) s += (i ? ", " : "") + std::string(names[i]);
  return s;
}

/// Checks a map's keys against the known ones and gives access to its entries.
class map_view {
 public:
  map_view(reporter& r, const YAML::Node& n, std::string what, std::vector<std::string_view> known)
      : r_(r), node_(n), what_(std::move(what)), known_(std::move(known)) {
    if (!n.IsMap()) {
      if (n.IsDefined() && !n.IsNull())
        r_.error(n, "E304", what_ + " must be a map (key: value lines)");
      ok_ = false;
      return;
    }
    std::set<std::string> seen;
    for (const auto& kv : n) {
      if (!kv.first.IsScalar()) {
        r_.error(kv.first, "E304", "keys of " + what_ + " must be plain names");
        continue;
      }
      const std::string& key = kv.first.Scalar();
      if (!seen.insert(key).second) r_.error(kv.first, "E306", "key '" + key + "' appears twice in " + what_);
      if (std::find(known_.begin(), known_.end(), key) == known_.end()) {
        std::string near = closest_match(key, known_);
        r_.error(kv.first, "E302", "unknown key '" + key + "' in " + what_,
                 near.empty() ? "known keys: " + quoted_list(known_) : "did you mean '" + near + "'?");
      }
    }
  }
  bool ok() const noexcept { return ok_; }
  /// The value of `key`, or an undefined node. (yaml-cpp's operator[] yields a "zombie" node for
  /// a missing key, which throws on the next question asked of it.)
  YAML::Node get(const std::string& key) const {
    if (ok_)
      for (const auto& kv : node_)
        if (kv.first.IsScalar() && kv.first.Scalar() == key) return kv.second;
    return YAML::Node(YAML::NodeType::Undefined);
  }
  bool has(const std::string& key) const {
    YAML::Node v = get(key);
    return v.IsDefined() && !v.IsNull();
  }
  /// Like get(), but a missing or empty value is reported here, once, and yields an undefined
  /// node that later readers pass over silently.
  YAML::Node required(const std::string& key) const {
    if (!ok_) return YAML::Node(YAML::NodeType::Undefined);
    YAML::Node v = get(key);
    if (!v.IsDefined() || v.IsNull()) {
      r_.error(v.IsDefined() ? v : node_, "E303", what_ + " lacks the required key '" + key + "'");
      return YAML::Node(YAML::NodeType::Undefined);
    }
    return v;
  }
  const YAML::Node& node() const noexcept { return node_; }

 private:
  reporter& r_;
  YAML::Node node_;
  std::string what_;
  std::vector<std::string_view> known_;
  bool ok_ = true;
};

/// A map entry without yaml-cpp's zombie nodes (see map_view::get).
YAML::Node lookup(const YAML::Node& map, std::string_view key) {
  if (map.IsMap())
    for (const auto& kv : map)
      if (kv.first.IsScalar() && kv.first.Scalar() == key) return kv.second;
  return YAML::Node(YAML::NodeType::Undefined);
}

std::optional<std::string> scalar(reporter& r, const YAML::Node& n, const std::string& what) {
  if (!n.IsDefined()) return std::nullopt;
  if (!n.IsScalar()) {
    r.error(n, "E304", what + " must be a single value, not a " + (n.IsMap() ? "map" : n.IsSequence() ? "list" : "null"));
    return std::nullopt;
  }
  return n.Scalar();
}

std::optional<std::string> nonempty_text(reporter& r, const YAML::Node& n, const std::string& what) {
  auto s = scalar(r, n, what);
  if (s && s->empty()) {
    r.error(n, "E305", what + " is empty");
    return std::nullopt;
  }
  return s;
}

std::optional<bool> boolean(reporter& r, const YAML::Node& n, const std::string& what) {
  auto s = scalar(r, n, what);
  if (!s) return std::nullopt;
  if (*s == "true") return true;
  if (*s == "false") return false;
  r.error(n, "E305", what + " must be true or false, not '" + *s + "'");
  return std::nullopt;
}

std::optional<std::int64_t> integer(reporter& r, const YAML::Node& n, const std::string& what, std::int64_t min,
                                    std::int64_t max) {
  auto s = scalar(r, n, what);
  if (!s) return std::nullopt;
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(s->data(), s->data() + s->size(), v);
  if (ec != std::errc() || p != s->data() + s->size() || v < min || v > max) {
    r.error(n, "E305", what + " must be a whole number from " + std::to_string(min) + " to " + std::to_string(max));
    return std::nullopt;
  }
  return v;
}

/// One basis entry's value: a citation as written, or a structured entry (title, number,
/// article, text, excerpt, note), which `structured` receives. Returns the citation that guides
/// and notices show (never the note).
std::optional<std::string> read_basis_value(reporter& r, const YAML::Node& n, const std::string& id,
                                            std::optional<basis_entry>& structured) {
  structured.reset();
  const std::string what = "basis '" + id + "'";
  if (!n.IsMap()) return nonempty_text(r, n, what);
  map_view m(r, n, what, {"title", "number", "article", "text", "excerpt", "note"});
  if (!m.ok()) return std::nullopt;
  basis_entry b;
  auto title = nonempty_text(r, m.required("title"), what + " title");
  auto text = [&](const char* key, std::string& out) {
    if (m.get(key).IsDefined())
      if (auto s = nonempty_text(r, m.get(key), what + " " + key)) out = *s;
  };
  text("number", b.number);
  text("article", b.article);
  text("text", b.text);
  text("note", b.note);
  if (m.get("excerpt").IsDefined()) b.excerpt = boolean(r, m.get("excerpt"), what + " excerpt").value_or(false);
  if (b.excerpt && b.text.empty()) {
    r.error(m.get("excerpt"), "E305", what + " is marked excerpt (节录) but gives no text",
            "add text: the article's words, or drop excerpt: true");
    return std::nullopt;
  }
  if (!title) return std::nullopt;
  b.title = *title;
  structured = b;
  return citation(b);
}

/// A `service:` section (ruleset.yaml's or an item's): the keys written replace those in `into`.
void read_service(reporter& r, const YAML::Node& n, const std::string& what, service_info& into) {
  map_view m(r, n, what, {"place", "hours", "consultation", "complaints", "delivery", "visits"});
  if (!m.ok()) return;
  auto text = [&](const char* key, std::string& out) {
    if (m.get(key).IsDefined())
      if (auto s = nonempty_text(r, m.get(key), "service." + std::string(key))) out = *s;
  };
  text("place", into.place);
  text("hours", into.hours);
  text("consultation", into.consultation);
  text("complaints", into.complaints);
  text("delivery", into.delivery);
  if (m.get("visits").IsDefined())
    if (auto v = integer(r, m.get("visits"), "service.visits", 0, 10)) into.visits = v;
}

std::optional<date> date_value(reporter& r, const YAML::Node& n, const std::string& what) {
  auto s = scalar(r, n, what);
  if (!s) return std::nullopt;
  if (auto d = date::parse(*s)) return d;
  r.error(n, "E305", what + " must be a date YYYY-MM-DD, not '" + *s + "'");
  return std::nullopt;
}

/// `office_hours: { closes: "17:30" }`: when the hall closes, HH:MM in the ruleset's time zone.
std::optional<office_hours> office_hours_value(reporter& r, const YAML::Node& n, const std::string& what) {
  map_view m(r, n, "'" + what + "'", {"closes"});
  if (!m.ok()) return std::nullopt;
  auto s = scalar(r, m.required("closes"), what + ".closes");
  if (!s) return std::nullopt;
  int h = 0, mi = 0;
  if (s->size() != 5 || (*s)[2] != ':' || !evenhand::detail::read_fixed_digits(*s, 0, 2, h) ||
      !evenhand::detail::read_fixed_digits(*s, 3, 2, mi) || h > 23 || mi > 59) {
    r.error(m.get("closes"), "E305", what + ".closes must be a time of day HH:MM such as \"17:30\", not '" + *s + "'");
    return std::nullopt;
  }
  office_hours o;
  o.closes = h * 3600 + mi * 60;
  o.text = *s;
  o.where = r.at(m.get("closes"));
  return o;
}

/// "20 workdays", "1 workday", "30 days" (natural days, where a law counts them).
std::optional<period> period_value(reporter& r, const YAML::Node& n, const std::string& what) {
  auto s = scalar(r, n, what);
  if (!s) return std::nullopt;
  std::istringstream in(*s);
  std::int64_t amount = -1;
  std::string unit, rest;
  in >> amount >> unit;
  bool tail = static_cast<bool>(in >> rest);
  period p;
  p.amount = amount;
  p.where = r.at(n);
  if (unit == "workdays" || unit == "workday") p.in = period::unit::workdays;
  else if (unit == "days" || unit == "day") p.in = period::unit::days;
  else amount = -1;
  if (amount < 0 || amount > 100000 || tail) {
    r.error(n, "E305", what + " must be a period such as '20 workdays' or '30 days', not '" + *s + "'",
            "working days (工作日) are 'workdays'; natural days, where a law says so, are 'days'");
    return std::nullopt;
  }
  return p;
}

template <class Enum>
std::optional<Enum> choice(reporter& r, const YAML::Node& n, const std::string& what,
                           std::initializer_list<std::pair<std::string_view, Enum>> options) {
  auto s = scalar(r, n, what);
  if (!s) return std::nullopt;
  std::vector<std::string_view> names;
  for (const auto& [name, e] : options) {
    if (*s == name) return e;
    names.push_back(name);
  }
  std::string near = closest_match(*s, names);
  r.error(n, "E305", what + " must be one of " + quoted_list(names) + ", not '" + *s + "'",
          near.empty() ? std::string() : "did you mean '" + near + "'?");
  return std::nullopt;
}

/// A YAML node where an expression belongs: a scalar, or a diagnostic explaining the quoting.
std::optional<std::string> expression_text(reporter& r, const YAML::Node& n, const std::string& what) {
  if (!n.IsDefined()) return std::nullopt;  // missing: reported where it was required
  if (n.IsNull()) {
    r.error(n, "E303", what + " is empty: write an expression");
    return std::nullopt;
  }
  std::string raw;
  if (!n.Mark().is_null()) {
    std::size_t pos = static_cast<std::size_t>(n.Mark().pos);
    std::size_t end = r.text().find('\n', pos);
    raw = std::string(r.text().substr(pos, (end == std::string_view::npos ? r.text().size() : end) - pos));
  }
  if (!n.IsScalar() || (n.Tag() != "?" && n.Tag() != "!" && !n.Tag().empty())) {
    std::string kind = !n.IsScalar() ? (n.IsMap() ? "a map" : "a list") : "a tag '" + n.Tag() + "'";
    for (std::size_t i = 0; i < raw.size(); ++i)
      if (raw[i] == '\'') raw.insert(i++, 1, '\'');
    r.error(n, "E314", what + " should be an expression, but YAML read " + kind +
                           " (an expression starting with ! * & [ { or containing ': ' must be quoted)",
            "quote it: '" + raw + "'");
    return std::nullopt;
  }
  return n.Scalar();
}

std::vector<std::string> string_list(reporter& r, const YAML::Node& n, const std::string& what) {
  std::vector<std::string> out;
  if (!n.IsDefined() || n.IsNull()) return out;
  if (n.IsScalar()) {
    out.push_back(n.Scalar());
    return out;
  }
  if (!n.IsSequence()) {
    r.error(n, "E304", what + " must be a list such as [a, b]");
    return out;
  }
  for (const auto& e : n)
    if (auto s = scalar(r, e, what + " entries")) out.push_back(*s);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Items

struct pending_reference {
  std::string name;
  YAML::Node where;
};

/// ruleset.yaml's shared fields and materials as written: items compile them against their own
/// environment (a compiled program is tied to its environment's slots).
struct shared_yaml {
  std::string text;
  YAML::Node fields;
  std::map<std::string, YAML::Node> materials;
};

class item_reader {
 public:
  item_reader(reporter& r, const item_context& ctx, const load_limits& limits, const shared_yaml* shared = nullptr)
      : r_(r), ctx_(ctx), limits_(limits), shared_(shared) {}

  /// Reads ruleset.yaml's shared fields and materials, reporting their problems once.
  void read_shared(const YAML::Node& fields, const YAML::Node& materials, std::vector<field>& out_fields,
                   std::vector<material>& out_materials) {
    env_ = std::make_shared<expr::environment>();
    env_->calendar = ctx_.calendar.get();
    env_->file = r_.get().file();
    declare_builtin_facts();
    read_fields(fields);
    read_materials(materials);
    lint_texts();
    out_fields = std::move(it_.fields);
    out_materials = std::move(it_.materials);
  }

  std::optional<item> read(const YAML::Node& root) {
    map_view top(r_.get(), root, "an item standard",
                 {"item", "basis", "fields", "facts", "derive", "conditions", "materials", "tolerance", "deadlines",
                  "workflow", "tables", "fees", "outputs", "service"});
    if (!top.ok()) return std::nullopt;  // map_view said why
    it_.file = r_.get().file();
    it_.basis = ctx_.basis;
    it_.basis_entries = ctx_.basis_entries;
    read_identity(top.required("item"));
    read_basis(top.get("basis"));
    it_.service = ctx_.service;
    if (top.get("service").IsDefined()) read_service(r_.get(), top.get("service"), "'service'", it_.service);
    service_node_ = top.get("service").IsDefined() ? top.get("service") : top.get("item");
    env_ = std::make_shared<expr::environment>();
    env_->calendar = ctx_.calendar.get();
    env_->file = r_.get().file();
    declare_builtin_facts();
    declare_shared_fields();
    read_fields(top.get("fields"));
    read_fields(top.get("facts"), /*facts=*/true);
    read_derive(top.get("derive"));
    read_tables(top.get("tables"));
    read_conditions(top.get("conditions"));
    read_materials(top.get("materials"));
    read_tolerance(top.get("tolerance"));
    read_deadlines(top.required("deadlines"));
    read_workflow(top.get("workflow"));
    check_fact_steps();
    read_fees(top.get("fees"));
    read_outputs(top.get("outputs"));
    check_basis_references();
    check_deadline_order();
    lint_texts();
    lint_unused_fields();
    lint_control_line();
    lint_service();
    if (r_.get().errors()) return std::nullopt;
    resolve_slots();
    it_.environment = env_;
    return std::move(it_);
  }

 private:
  /// Finds once, at load, the slots evaluation sets and reads by name.
  void resolve_slots() {
    auto slot = [&](std::string_view name) { return env_->slot_of(name).value_or(no_slot); };
    it_.as_of_slot = slot("as_of");
    it_.accepted_on_slot = slot("accepted_on");
    it_.field_slots.clear();
    for (const auto& f : it_.fields) it_.field_slots.push_back(slot(f.name));
    it_.field_paths = field_index(it_.fields.size(), [&](std::uint32_t i) { return std::string_view(it_.fields[i].name); });
    for (auto& d : it_.derive) d.slot = slot(d.name);

    for (auto& t : it_.tables) {
      t.input_slots.clear();
      t.output_slots.clear();
      for (const auto& name : t.inputs) t.input_slots.push_back(slot(name));
      for (const auto& name : t.outputs) t.output_slots.push_back(slot("table." + t.id + "." + name));
    }
  }

  /// Facts every application has: the evaluation date and the date of acceptance.
  void declare_builtin_facts() {
    env_->declare("as_of", expr::type::date());
    env_->declare("accepted_on", expr::type::date());
  }

  /// The ruleset's shared fields, read again here (their problems were reported for
  /// ruleset.yaml already, so this pass reports nothing).
  void declare_shared_fields() {
    if (!shared_ || !shared_->fields.IsMap()) return;
    diagnostics ignored;
    reporter quiet("ruleset.yaml", shared_->text, ignored);
    reporter* saved = &r_.get();
    r_ = std::ref(quiet);
    read_fields(shared_->fields);
    r_ = std::ref(*saved);
    for (const auto& f : it_.fields) shared_field_names_.insert(f.name);
  }

  // --- item: identity and validity -------------------------------------------------------
  void read_identity(const YAML::Node& n) {
    map_view m(r_.get(), n, "'item'", {"code", "name", "version", "kind", "effective", "authority", "handling", "joint",
                                        "office_hours"});
    if (!m.ok()) return;
    if (auto s = nonempty_text(r_.get(), m.required("code"), "item.code")) it_.code = *s;
    if (auto s = nonempty_text(r_.get(), m.required("name"), "item.name")) {
      it_.name = *s;
      texts_.push_back({*s, m.get("name"), "item name", allow_ ? allow_->allow : std::vector<std::string>{}});
    }
    if (auto s = nonempty_text(r_.get(), m.required("version"), "item.version")) it_.version = *s;
    if (m.has("kind")) it_.kind = scalar(r_.get(), m.get("kind"), "item.kind").value_or("");
    if (auto s = nonempty_text(r_.get(), m.required("authority"), "item.authority")) it_.authority = *s;
    if (auto h = choice<handling>(r_.get(), m.required("handling"), "item.handling",
                                  {{"immediate", handling::immediate}, {"promised", handling::promised}}))
      it_.handling = *h;
    if (m.has("joint")) it_.joint = boolean(r_.get(), m.get("joint"), "item.joint").value_or(false);
    if (m.has("office_hours")) it_.office_hours = office_hours_value(r_.get(), m.get("office_hours"), "item.office_hours");
    map_view e(r_.get(), m.required("effective"), "'item.effective'", {"from", "to"});
    if (m.has("effective")) it_.effective_where = r_.get().at(m.get("effective"));
    if (e.ok()) {
      if (auto d = date_value(r_.get(), e.required("from"), "effective.from")) it_.effective_from = *d;
      if (e.has("to")) {
        it_.effective_to = date_value(r_.get(), e.get("to"), "effective.to");
        if (it_.effective_to && *it_.effective_to < it_.effective_from)
          r_.get().error(e.get("to"), "E305", "effective.to is before effective.from");
      }
    }
  }

  void read_basis(const YAML::Node& n) {
    if (!n.IsDefined() || n.IsNull()) return;
    if (!n.IsMap()) {
      r_.get().error(n, "E304", "'basis' must map ids to citations, e.g. XKF-42: 《中华人民共和国行政许可法》第四十二条");
      return;
    }
    for (const auto& kv : n) {
      auto id = scalar(r_.get(), kv.first, "a basis id");
      std::optional<basis_entry> structured;
      auto text = read_basis_value(r_.get(), kv.second, id.value_or(""), structured);
      if (id && text) {
        it_.basis[*id] = *text;
        if (structured) it_.basis_entries[*id] = std::move(*structured);
        else it_.basis_entries.erase(*id);
      }
    }
  }

  // --- fields ----------------------------------------------------------------------------
  std::optional<expr::type> field_type(field& f, const YAML::Node& type_node, const YAML::Node& spec) {
    static const std::vector<std::string_view> scalars = {"bool", "int", "decimal", "string", "date", "timestamp", "enum", "record"};
    std::string t = f.type_text;
    bool is_list = false;
    if (t.rfind("list<", 0) == 0 && t.size() > 6 && t.back() == '>') {
      is_list = true;
      t = t.substr(5, t.size() - 6);
    }
    if (std::find(scalars.begin(), scalars.end(), t) == scalars.end()) {
      std::string near = closest_match(t, scalars);
      r_.get().error(type_node, "E305", "unknown field type '" + f.type_text + "'",
               near.empty() ? "types: bool, int, decimal, string, date, timestamp, enum, record, list<…>"
                            : "did you mean '" + (is_list ? "list<" + near + ">" : near) + "'?");
      return std::nullopt;
    }
    expr::type base = expr::type::dyn();
    if (t == "bool") base = expr::type::bool_();
    else if (t == "int") base = expr::type::int_();
    else if (t == "decimal") base = expr::type::decimal();
    else if (t == "string") base = expr::type::string();
    else if (t == "date") base = expr::type::date();
    else if (t == "timestamp") base = expr::type::timestamp();
    else if (t == "enum") {
      YAML::Node values = lookup(spec, "values");
      if (!values.IsDefined()) {
        r_.get().error(type_node, "E303", "enum field '" + f.name + "' lacks 'values'",
                 "values: { enterprise: 企业, individual: 个体工商户 } or [a, b]");
        return std::nullopt;
      }
      if (values.IsMap()) {
        for (const auto& kv : values)
          f.options.push_back({scalar(r_.get(), kv.first, "an enum value").value_or(""),
                               scalar(r_.get(), kv.second, "an enum label").value_or("")});
      } else if (values.IsSequence()) {
        for (const auto& v : values) {
          auto s = scalar(r_.get(), v, "an enum value").value_or("");
          f.options.push_back({s, s});
        }
      } else {
        r_.get().error(values, "E304", "'values' must be a list or a map of value: label");
      }
      std::vector<std::string> names;
      std::set<std::string> seen;
      for (const auto& o : f.options) {
        if (!seen.insert(o.value).second) r_.get().error(values, "E306", "enum value '" + o.value + "' appears twice");
        names.push_back(o.value);
      }
      if (names.empty()) r_.get().error(values, "E305", "enum field '" + f.name + "' has no values");
      base = expr::type::enum_of(names);
    } else if (t == "record") {
      YAML::Node members = lookup(spec, "fields");
      if (!members.IsMap()) {
        r_.get().error(type_node, "E303", "record field '" + f.name + "' needs 'fields' describing its members");
        return std::nullopt;
      }
      expr::type::field_list list;
      for (const auto& kv : members) {
        auto name = scalar(r_.get(), kv.first, "a member name");
        if (!name) continue;
        if (auto sub = read_field(f.name + "." + *name, kv.first, kv.second, /*depth=*/1)) {
          sub->name = *name;
          list.emplace_back(*name, sub->type);
          f.fields.push_back(std::move(*sub));
        }
      }
      f.member_order.resize(f.fields.size());
      for (std::uint32_t i = 0; i < f.member_order.size(); ++i) f.member_order[i] = i;
      std::stable_sort(f.member_order.begin(), f.member_order.end(),
                       [&](std::uint32_t a, std::uint32_t b) { return f.fields[a].name < f.fields[b].name; });
      base = expr::type::record(f.name, std::move(list));
    }
    return is_list ? expr::type::list_of(base) : base;
  }

  std::optional<field> read_field(const std::string& name, const YAML::Node& key, const YAML::Node& spec, int depth,
                                  bool fact = false) {
    map_view m = fact ? map_view(r_.get(), spec, "fact '" + name + "'",
                                 {"type", "label", "values", "fields", "personal", "description", "step"})
                      : map_view(r_.get(), spec, "field '" + name + "'", {"type", "label", "values", "fields", "personal", "description"});
    if (!m.ok()) {
      if (!spec.IsMap()) r_.get().error(key, "E304", "field '" + name + "' must be a map such as { type: string, label: 名称 }");
      return std::nullopt;
    }
    if (depth > 4) {
      r_.get().error(key, "E305", "records nest more than four levels deep in '" + name + "'");
      return std::nullopt;
    }
    field f;
    f.name = name;
    f.where = r_.get().at(key);
    auto type_text = nonempty_text(r_.get(), m.required("type"), "the type of '" + name + "'");
    if (auto label = nonempty_text(r_.get(), m.required("label"), "the label of '" + name + "'")) {
      f.label = *label;
      texts_.push_back({*label, m.get("label"), "field label", allow_ ? allow_->allow : std::vector<std::string>{}});
    }
    if (m.has("personal")) f.personal = boolean(r_.get(), m.get("personal"), "personal").value_or(false);
    if (m.has("description")) f.description = scalar(r_.get(), m.get("description"), "description").value_or("");
    if (fact) {
      if (auto step = nonempty_text(r_.get(), m.required("step"), "the step that records '" + name + "'")) {
        f.step = *step;
        fact_steps_.push_back({*step, m.get("step")});
      }
    }
    if (!type_text) return std::nullopt;
    f.type_text = *type_text;
    if (m.has("values") && f.type_text.find("enum") == std::string::npos)
      r_.get().error(m.get("values"), "E305", "'values' belongs to enum fields, and '" + name + "' is " + f.type_text);
    auto t = field_type(f, m.get("type"), spec);
    if (!t) return std::nullopt;
    f.type = *t;
    return f;
  }

  /// `fields:` (the applicant's) or, with `facts`, `facts:` (the hall's, each naming its step).
  void read_fields(const YAML::Node& n, bool facts = false) {
    if (!n.IsDefined() || n.IsNull()) return;
    if (!n.IsMap()) {
      r_.get().error(n, "E304", facts ? "'facts' must map fact names to their definitions"
                                      : "'fields' must map field names to their definitions");
      return;
    }
    for (const auto& kv : n) {
      auto name = scalar(r_.get(), kv.first, "a field name");
      if (!name) continue;
      if (!valid_path(*name)) {
        r_.get().error(kv.first, "E305", "field name '" + *name + "' must be dotted lowercase words such as applicant.kind");
        continue;
      }
      if (env_->find(*name)) {
        r_.get().error(kv.first, "E306", "field '" + *name + "' is defined twice (or clashes with a built-in fact)");
        continue;
      }
      if (auto f = read_field(*name, kv.first, kv.second, 0, facts)) {
        if (facts) it_.has_facts = true;
        env_->declare(f->name, f->type);
        it_.fields.push_back(std::move(*f));
      } else {
        env_->declare(*name, expr::type::dyn());  // already reported: spare its users a second error
      }
    }
    std::sort(it_.fields.begin(), it_.fields.end(), [](const field& a, const field& b) { return a.name < b.name; });
  }

  static bool valid_path(std::string_view s) {
    if (s.empty() || s.front() == '.' || s.back() == '.') return false;
    for (std::size_t i = 0; i < s.size(); ++i) {
      char c = s[i];
      bool ok = (c >= 'a' && c <= 'z') || c == '_' || (c >= '0' && c <= '9' && i > 0 && s[i - 1] != '.') ||
                (c == '.' && s[i - 1] != '.');
      if (!ok) return false;
    }
    return true;
  }

  // --- expressions -----------------------------------------------------------------------
  std::optional<rule> compile(const YAML::Node& n, const std::string& what, std::optional<expr::type> expected,
                              std::optional<expr::type> placeholder = std::nullopt,
                              std::optional<std::string> source_override = std::nullopt) {
    auto text = source_override ? source_override : expression_text(r_.get(), n, what);
    if (!text) return std::nullopt;
    diagnostics problems;
    env_->expected_result = expected;
    std::optional<expr::program> p;
    expr::parse_options po;
    po.limits = env_->limits;
    po.allow_placeholder = placeholder.has_value();
    po.file = r_.get().file();
    auto parsed = expr::parse(*text, po);
    if (parsed.tree) p = expr::compile(std::move(*parsed.tree), *env_, problems, placeholder);
    else problems = std::move(parsed.problems);
    env_->expected_result.reset();
    for (auto& d : problems) {
      if (!d.message.empty() && what.size()) d.message = what + ": " + d.message;
      // A cell's text was rewritten ("? >= 100"): point at the cell, not into it.
      if (source_override) d.span = {0, 0};
      r_.get().adopt_expression_diagnostic(std::move(d), n, source_override ? std::string() : *text);
    }
    if (!p) return std::nullopt;
    rule out;
    out.source = *text;
    out.where = r_.get().at(n);
    out.program = std::make_shared<const expr::program>(std::move(*p));
    return out;
  }

  // --- derived facts ---------------------------------------------------------------------
  void read_derive(const YAML::Node& n) {
    if (!n.IsDefined() || n.IsNull()) return;
    if (!n.IsMap()) {
      r_.get().error(n, "E304", "'derive' must map fact names to expressions");
      return;
    }
    struct entry {
      std::string name;
      YAML::Node key, value;
      std::set<std::string> uses;
    };
    std::vector<entry> entries;
    std::set<std::string> names;
    for (const auto& kv : n) {
      auto name = scalar(r_.get(), kv.first, "a fact name");
      if (!name) continue;
      if (!valid_path(*name)) {
        r_.get().error(kv.first, "E305", "fact name '" + *name + "' must be lowercase words such as catering");
        continue;
      }
      if (env_->find(*name) || !names.insert(*name).second) {
        r_.get().error(kv.first, "E306", "'" + *name + "' is already a field or a fact");
        continue;
      }
      entries.push_back({*name, kv.first, kv.second, {}});
    }
    // Dependencies between facts, from the names each expression mentions.
    for (auto& e : entries) {
      if (!e.value.IsScalar()) continue;
      auto parsed = expr::parse(e.value.Scalar());
      if (!parsed.tree) continue;
      for (const auto& node : parsed.tree->nodes) {
        if (node.kind != expr::node_kind::ident && node.kind != expr::node_kind::select) continue;
        std::string path = dotted(*parsed.tree, node);
        for (const auto& other : names)
          if (path == other || path.rfind(other + ".", 0) == 0) e.uses.insert(other);
      }
    }
    // Kahn's algorithm in written order; what remains is on a cycle.
    std::vector<bool> done(entries.size(), false);
    std::set<std::string> declared;
    std::map<std::string, std::uint32_t, std::less<>> levels;  // each fact's, with the facts it uses
    for (bool progress = true; progress;) {
      progress = false;
      for (std::size_t i = 0; i < entries.size(); ++i) {
        if (done[i]) continue;
        bool ready = std::all_of(entries[i].uses.begin(), entries[i].uses.end(),
                                 [&](const std::string& u) { return declared.count(u) || u == entries[i].name ? declared.count(u) > 0 : false; });
        if (!ready) continue;
        done[i] = true;
        progress = true;
        declared.insert(entries[i].name);
        auto rule = compile(entries[i].value, "fact '" + entries[i].name + "'", std::nullopt);
        if (!rule) {
          env_->declare(entries[i].name, expr::type::dyn());  // keeps later errors meaningful
          continue;
        }
        if (!within_nesting_limit(entries[i].name, entries[i].value, *rule, entries[i].uses, levels)) {
          env_->declare(entries[i].name, expr::type::dyn());  // reported, once: facts using it are not
          continue;
        }
        env_->declare(entries[i].name, rule->program->result_type());
        it_.derive.push_back({entries[i].name, std::move(*rule)});
      }
    }
    std::vector<std::string> cycle;
    for (std::size_t i = 0; i < entries.size(); ++i)
      if (!done[i]) {
        cycle.push_back(entries[i].name);
        env_->declare(entries[i].name, expr::type::dyn());  // reported below, once
      }
    if (!cycle.empty()) {
      std::string names_text;
      for (const auto& c : cycle) names_text += (names_text.empty() ? "" : " → ") + c;
      for (std::size_t i = 0; i < entries.size(); ++i)
        if (!done[i]) {
          r_.get().error(entries[i].key, "E308", "derived facts depend on each other in a cycle: " + names_text + " → " + cycle.front(),
                   "a fact may use fields and facts that do not, in turn, use it");
          break;
        }
    }
  }

  /// Whether fact `name`, with the facts it uses counted in at their own depth, stays within
  /// the expression nesting limit. A fact is evaluated once, into a variable, but its value
  /// nests inside the values of the facts that use it (`[fact]`), and the guide explains a
  /// fact through the facts it names: a chain of facts goes as deep as one expression written
  /// out would. So the one limit on nesting holds for that expression: beyond it, E105 at the
  /// use of the fact that takes it there. `levels` gets this fact's when it is within.
  bool within_nesting_limit(const std::string& name, const YAML::Node& value, const rule& r,
                            const std::set<std::string>& uses, std::map<std::string, std::uint32_t, std::less<>>& levels) {
    const expr::ast& t = r.program->tree();
    if (t.root == expr::no_node) return true;
    // Levels from each node down, a use of a fact counting as that fact's levels. The nodes
    // come children first.
    std::vector<std::uint32_t> height(t.nodes.size(), 1);
    std::vector<bool> uses_fact(t.nodes.size(), false);
    for (expr::node_id id = 0; id < t.nodes.size(); ++id) {
      const expr::node& n = t.at(id);
      for (auto c : n.args) height[id] = std::max(height[id], height[c] + 1);
      if ((n.kind != expr::node_kind::ident && n.kind != expr::node_kind::select) || uses.empty()) continue;
      const std::string path = dotted(t, n);
      for (const auto& u : uses)
        if (auto at = levels.find(u); at != levels.end() && (path == u || path.starts_with(u + "."))) {
          height[id] = std::max(height[id], at->second);
          uses_fact[id] = true;
        }
    }
    const std::size_t limit = env_->limits.max_depth;
    if (height[t.root] <= limit) {
      levels[name] = height[t.root];
      return true;
    }
    // Down from the root to the first use of a fact on the way beyond the limit.
    expr::node_id at = t.root;
    for (std::size_t level = 1; !uses_fact[at] && level <= limit; ++level)
      for (auto c : t.at(at).args)
        if (std::size_t{height[c]} + level > limit) {
          at = c;
          break;
        }
    diagnostic d;
    d.code = "E105";
    d.message = "fact '" + name + "': " + expr::detail::nested_too_deeply(limit) + " with the facts it uses, through '" +
                dotted(t, t.at(at)) + "'";
    d.hint = std::string(expr::detail::nested_too_deeply_hint) + "; or use fewer facts in a row";
    d.span = t.at(at).span;
    r_.get().adopt_expression_diagnostic(std::move(d), value, r.source);
    return false;
  }

  static std::string dotted(const expr::ast& t, const expr::node& n) {
    if (n.kind == expr::node_kind::ident) return n.name;
    if (n.kind == expr::node_kind::select && !n.args.empty()) return dotted(t, t.at(n.args[0])) + "." + n.name;
    return {};
  }

  // --- basis and lint allowances -----------------------------------------------------------
  std::vector<std::string> read_basis_refs(const YAML::Node& n) {
    std::vector<std::string> ids = string_list(r_.get(), n, "basis");
    if (n.IsDefined()) {
      if (n.IsSequence()) {
        std::size_t i = 0;
        for (const auto& e : n)
          if (i++ < ids.size()) basis_refs_.push_back({ids[i - 1], e});
      } else if (n.IsScalar()) {
        basis_refs_.push_back({ids.front(), n});
      }
    }
    return ids;
  }

  lint_allowance read_lint(const YAML::Node& n) {
    lint_allowance a;
    map_view m(r_.get(), n, "'lint'", {"allow", "reason"});
    if (!m.ok()) return a;
    a.allow = string_list(r_.get(), m.required("allow"), "lint.allow");
    if (auto reason = nonempty_text(r_.get(), m.required("reason"), "lint.reason")) a.reason = *reason;
    for (const auto& code : a.allow)
      if (code.size() != 4 || code[0] != 'W')
        r_.get().error(m.get("allow"), "E305", "lint.allow lists warning codes such as W401, not '" + code + "'",
                 "errors cannot be allowed");
    return a;
  }

  std::string unique_id(const YAML::Node& n, const std::string& kind, std::set<std::string>& ids) {
    auto id = nonempty_text(r_.get(), n, kind + " id");
    if (!id) return {};
    bool ok = std::all_of(id->begin(), id->end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    });
    if (!ok || !((*id)[0] >= 'a' && (*id)[0] <= 'z'))
      r_.get().error(n, "E305", kind + " id '" + *id + "' must be lowercase words joined by '-', e.g. uscc-valid");
    if (!ids.insert(*id).second) r_.get().error(n, "E306", "duplicate " + kind + " id '" + *id + "'");
    return *id;
  }

  template <class F>
  void each(const YAML::Node& n, const std::string& section, F&& f) {
    if (!n.IsDefined() || n.IsNull()) return;
    if (!n.IsSequence()) {
      r_.get().error(n, "E304", "'" + section + "' must be a list (lines starting with '- ')");
      return;
    }
    if (n.size() > limits_.max_items_per_section) {
      r_.get().error(n, "E305", "'" + section + "' has " + std::to_string(n.size()) + " entries; the limit is " +
                              std::to_string(limits_.max_items_per_section));
      return;
    }
    for (const auto& e : n) f(e);
  }

  // --- conditions ------------------------------------------------------------------------
  void read_conditions(const YAML::Node& n) {
    std::set<std::string> ids;
    each(n, "conditions", [&](const YAML::Node& e) {
      map_view m(r_.get(), e, "a condition", {"id", "stage", "when", "require", "on_fail", "statement", "message", "basis", "lint"});
      if (!m.ok()) return;
      condition c;
      if (m.has("lint")) c.lint = read_lint(m.get("lint"));
      allow_ = &c.lint;
      c.id = unique_id(m.required("id"), "condition", ids);
      c.where = r_.get().at(m.get("id"));
      if (auto s = choice<stage>(r_.get(), m.required("stage"), "stage",
                                 {{"acceptance", stage::acceptance}, {"decision", stage::decision}}))
        c.stage = *s;
      if (auto f = choice<failure>(r_.get(), m.required("on_fail"), "on_fail",
                                   {{"correct", failure::correct}, {"reject", failure::reject}, {"deny", failure::deny}}))
        c.on_fail = *f;
      if (c.stage == stage::acceptance && c.on_fail == failure::deny)
        r_.get().error(m.get("on_fail"), "E305", "an acceptance condition cannot deny: acceptance corrects or rejects",
                 "use stage: decision for 不予许可, or on_fail: reject for 不予受理");
      if (c.stage == stage::decision && c.on_fail == failure::reject)
        r_.get().error(m.get("on_fail"), "E305", "a decision condition cannot reject: rejection (不予受理) happens at acceptance",
                 "use on_fail: deny for 不予许可");
      if (m.get("statement").IsDefined())
        if (auto st = nonempty_text(r_.get(), m.get("statement"), "statement")) {
          c.statement = *st;
          texts_.push_back({*st, m.get("statement"), "statement of condition '" + c.id + "'", allow_ ? allow_->allow : std::vector<std::string>{}});
        }
      if (auto msg = nonempty_text(r_.get(), m.required("message"), "message")) {
        c.message = *msg;
        texts_.push_back({*msg, m.get("message"), "message of condition '" + c.id + "'", allow_ ? allow_->allow : std::vector<std::string>{}});
      }
      if (m.has("when")) c.when = compile(m.get("when"), "when", expr::type::bool_());
      if (auto req = compile(m.required("require"), "require", expr::type::bool_())) c.require = std::move(*req);
      c.basis = read_basis_refs(m.get("basis"));
      allow_ = nullptr;
      if (c.basis.empty() && !allowed(c.lint, "W402"))
        warn(c.where, "W402", "condition '" + c.id + "' cites no legal basis", "add basis: [<id>] naming the article it applies");
      if (c.statement.empty() && !allowed(c.lint, "W405"))
        warn(c.where, "W405",
             "condition '" + c.id + "' has no statement: the service guide prints its failure message instead"
             "（条件缺少正面表述，办事指南的受理条件、审批条件暂以不符合时的提示代替）",
             "add statement: the condition as the guide states it, e.g. 申请人持有有效的营业执照");
      it_.conditions.push_back(std::move(c));
    });
  }

  // --- materials -------------------------------------------------------------------------
  void read_materials(const YAML::Node& n) {
    std::set<std::string> ids;
    each(n, "materials", [&](const YAML::Node& written) {
      // An entry naming a shared material (ruleset.yaml) starts from it; keys written here win.
      YAML::Node e = written;
      bool from_shared = false;
      if (shared_ && written.IsMap()) {
        YAML::Node id = lookup(written, "id");
        if (id.IsScalar())
          if (auto it = shared_->materials.find(id.Scalar()); it != shared_->materials.end()) {
            e = YAML::Clone(it->second);
            for (const auto& kv : written) e[kv.first.Scalar()] = kv.second;
            from_shared = true;
          }
      }
      (void)from_shared;
      map_view m(r_.get(), e, "a material",
                 {"id", "name", "required_when", "form", "copies", "tolerable", "source", "commitment", "carries",
                  "note", "basis", "lint"});
      if (!m.ok()) return;
      material mat;
      if (m.has("lint")) mat.lint = read_lint(m.get("lint"));
      allow_ = &mat.lint;
      mat.id = unique_id(m.required("id"), "material", ids);
      mat.where = r_.get().at(m.get("id"));
      if (auto s = nonempty_text(r_.get(), m.required("name"), "material name")) {
        mat.name = *s;
        texts_.push_back({*s, m.get("name"), "material '" + mat.id + "'", allow_ ? allow_->allow : std::vector<std::string>{}});
      }
      if (m.has("required_when")) mat.required_when = compile(m.get("required_when"), "required_when", expr::type::bool_());
      if (m.has("form"))
        if (auto f = choice<material_form>(r_.get(), m.get("form"), "form",
                                           {{"original", material_form::original}, {"copy", material_form::copy},
                                            {"electronic", material_form::electronic}}))
          mat.form = *f;
      if (m.has("copies")) mat.copies = integer(r_.get(), m.get("copies"), "copies", 1, 100).value_or(1);
      if (m.has("tolerable")) read_tolerable(m.get("tolerable"), mat);
      if (m.has("commitment")) mat.commitment = boolean(r_.get(), m.get("commitment"), "commitment").value_or(false);
      if (m.has("source"))
        mat.shared = choice<bool>(r_.get(), m.get("source"), "source", {{"applicant", false}, {"shared", true}}).value_or(false);
      mat.carries = string_list(r_.get(), m.get("carries"), "carries");
      for (const auto& f : mat.carries)
        if (!env_->find(f)) unresolved(m.get("carries"), "field", f, field_names());
      if (m.has("note")) mat.note = scalar(r_.get(), m.get("note"), "note").value_or("");
      mat.basis = read_basis_refs(m.get("basis"));
      allow_ = nullptr;
      if (mat.basis.empty() && !allowed(mat.lint, "W402"))
        warn(mat.where, "W402", "material '" + mat.id + "' cites no legal basis", "add basis: [<id>]");
      it_.materials.push_back(std::move(mat));
    });
  }

  /// `tolerable: true`, or a map giving the material its own `due` and `on_expiry`.
  void read_tolerable(const YAML::Node& n, material& mat) {
    if (!n.IsMap()) {
      mat.tolerable = boolean(r_.get(), n, "tolerable").value_or(false);
      return;
    }
    map_view m(r_.get(), n, "'tolerable'", {"due", "on_expiry"});
    if (!m.ok()) return;
    mat.tolerable = true;
    if (m.has("due")) mat.tolerance_due = period_value(r_.get(), m.get("due"), "tolerable.due");
    if (m.has("on_expiry")) mat.on_expiry = expiry_value(m.get("on_expiry"), "tolerable.on_expiry");
  }

  std::optional<expiry> expiry_value(const YAML::Node& n, const std::string& what) {
    return choice<expiry>(r_.get(), n, what, {{"overdue", expiry::overdue}, {"withdrawn", expiry::withdrawn}});
  }

  void read_tolerance(const YAML::Node& n) {
    if (!n.IsDefined() || n.IsNull()) return;
    map_view m(r_.get(), n, "'tolerance'", {"due", "on_expiry"});
    if (!m.ok()) return;
    it_.tolerance_due = period_value(r_.get(), m.required("due"), "tolerance.due");
    if (m.has("on_expiry")) it_.tolerance_on_expiry = expiry_value(m.get("on_expiry"), "tolerance.on_expiry").value_or(expiry::overdue);
  }

  // --- deadlines -------------------------------------------------------------------------
  void read_deadlines(const YAML::Node& n) {
    map_view m(r_.get(), n, "'deadlines'", {"legal", "promised", "control_line", "extension", "basis"});
    if (!m.ok()) return;
    deadlines_node_ = n;
    auto& d = it_.deadlines;
    d.where = r_.get().at(n);
    if (auto p = period_value(r_.get(), m.required("legal"), "deadlines.legal")) d.legal = *p, have_legal_ = true;
    if (auto p = period_value(r_.get(), m.required("promised"), "deadlines.promised")) d.promised = *p, have_promised_ = true;
    if (auto p = period_value(r_.get(), m.required("control_line"), "deadlines.control_line")) d.control_line = *p, have_control_ = true;
    if (m.has("extension")) {
      map_view x(r_.get(), m.get("extension"), "'deadlines.extension'", {"max"});
      if (x.ok()) d.extension = period_value(r_.get(), x.required("max"), "deadlines.extension.max");
    }
    d.basis = read_basis_refs(m.get("basis"));
  }

  void check_deadline_order() {
    if (!have_legal_ || !have_promised_ || !have_control_) return;
    const auto& d = it_.deadlines;
    auto comparable = [](const period& a, const period& b) { return a.in == b.in; };
    if (comparable(d.promised, d.legal) && d.promised.amount > d.legal.amount)
      r_.get().error_at(d.promised.where, "E320",
                  "the promised deadline (" + d.promised.to_string() + ") is longer than the legal one (" + d.legal.to_string() + ")",
                  "a promise (承诺时限) may only shorten the legal limit (法定时限)");
    if (comparable(d.control_line, d.promised) && d.control_line.amount > d.promised.amount)
      r_.get().error_at(d.control_line.where, "E320",
                  "the control line (" + d.control_line.to_string() + ") is longer than the promised deadline (" +
                      d.promised.to_string() + ")",
                  "the internal control line (内控线) must come before the promise");
  }

  // --- workflow --------------------------------------------------------------------------
  void read_workflow(const YAML::Node& n) {
    std::vector<workflow::step_spec> specs;
    std::set<std::string> ids;
    each(n, "workflow", [&](const YAML::Node& e) {
      map_view m(r_.get(), e, "a workflow step", {"id", "name", "after", "when", "limit", "counted", "role", "basis", "lint"});
      if (!m.ok()) return;
      step s;
      if (m.has("lint")) s.lint = read_lint(m.get("lint"));
      allow_ = &s.lint;
      YAML::Node id_node = m.required("id");
      auto id = nonempty_text(r_.get(), id_node, "step id");
      if (!id) return;
      s.id = *id;  // duplicates are reported by the graph analysis (E313)
      s.where = r_.get().at(id_node);
      if (auto name = nonempty_text(r_.get(), m.required("name"), "step name")) {
        s.name = *name;
        texts_.push_back({*name, m.get("name"), "step '" + s.id + "'", allow_ ? allow_->allow : std::vector<std::string>{}});
      }
      s.after = string_list(r_.get(), m.get("after"), "after");
      if (m.has("when")) s.when = compile(m.get("when"), "when", expr::type::bool_());
      if (auto p = period_value(r_.get(), m.required("limit"), "limit")) s.limit = *p;
      if (m.has("counted")) s.counted = boolean(r_.get(), m.get("counted"), "counted").value_or(true);
      if (m.has("role")) s.role = scalar(r_.get(), m.get("role"), "role").value_or("");
      s.basis = read_basis_refs(m.get("basis"));
      allow_ = nullptr;
      workflow::step_spec spec;
      spec.id = s.id;
      spec.after = s.after;
      spec.limit = s.limit.amount;
      spec.counted = s.counted;
      spec.where = s.where;
      YAML::Node after = m.get("after");
      if (after.IsSequence())
        for (const auto& a : after) spec.after_where.push_back(r_.get().at(a));
      specs.push_back(std::move(spec));
      it_.workflow.push_back(std::move(s));
    });
    if (specs.empty()) return;
    it_.workflow_analysis = workflow::analyze(specs);
    for (auto d : it_.workflow_analysis.problems) {
      r_.get().report(d.level, d.where, d.code, d.message, d.hint);
    }
    if (it_.workflow_analysis.ok() && have_control_ && it_.deadlines.control_line.in == period::unit::workdays &&
        it_.workflow_analysis.critical_days > it_.deadlines.control_line.amount) {
      std::string path;
      for (auto i : it_.workflow_analysis.critical_path) path += (path.empty() ? "" : " → ") + it_.workflow[i].id;
      r_.get().error_at(it_.deadlines.control_line.where, "E321",
                  "the critical path takes " + std::to_string(it_.workflow_analysis.critical_days) +
                      " counted working days (" + path + "), more than the control line of " +
                      it_.deadlines.control_line.to_string(),
                  "shorten step limits on that path, or run steps in parallel");
    }
  }

  /// Each fact names the step that records it: the step must exist.
  void check_fact_steps() {
    std::vector<std::string> ids;
    for (const auto& s : it_.workflow) ids.push_back(s.id);
    for (const auto& ref : fact_steps_)
      if (std::find(ids.begin(), ids.end(), ref.name) == ids.end()) unresolved(ref.where, "workflow step", ref.name, ids);
  }

  // --- decision tables -------------------------------------------------------------------
  void read_tables(const YAML::Node& n) {
    std::set<std::string> ids;
    each(n, "tables", [&](const YAML::Node& e) {
      map_view m(r_.get(), e, "a decision table", {"id", "name", "hit", "inputs", "outputs", "rows", "basis", "lint"});
      if (!m.ok()) return;
      decision_table t;
      t.id = unique_id(m.required("id"), "table", ids);
      // Expressions name a table's outputs as table.<id>.<output>: a '-' there would subtract.
      if (t.id.find('-') != std::string::npos)
        r_.get().error(m.get("id"), "E305", "table id '" + t.id + "' may not contain '-': rules name it as table." + t.id + ".…",
                       "use '_' instead, e.g. " + [&] { std::string u = t.id; std::replace(u.begin(), u.end(), '-', '_'); return u; }());
      t.where = r_.get().at(m.get("id"));
      if (m.has("name")) t.name = scalar(r_.get(), m.get("name"), "table name").value_or("");
      if (auto h = choice<hit_policy>(r_.get(), m.required("hit"), "hit",
                                      {{"unique", hit_policy::unique}, {"first", hit_policy::first}, {"collect", hit_policy::collect}}))
        t.hit = *h;
      t.inputs = string_list(r_.get(), m.required("inputs"), "inputs");
      t.outputs = string_list(r_.get(), m.required("outputs"), "outputs");
      std::vector<expr::type> input_types;
      bool inputs_ok = true;
      for (const auto& in : t.inputs) {
        const auto* decl = env_->find(in);
        if (!decl) {
          unresolved(m.get("inputs"), "field or fact", in, field_names());
          inputs_ok = false;
          input_types.push_back(expr::type::dyn());
        } else {
          input_types.push_back(decl->decl_type);
        }
      }
      YAML::Node rows = m.required("rows");
      std::size_t number = 0;
      std::vector<tables::table_row> analysed;
      each(rows, "rows", [&](const YAML::Node& row_node) {
        ++number;
        if (!row_node.IsSequence()) {
          r_.get().error(row_node, "E304", "a table row must be a list of cells: [input cells…, output values…]");
          return;
        }
        if (row_node.size() != t.inputs.size() + t.outputs.size()) {
          r_.get().error(row_node, "E330",
                   "row " + std::to_string(number) + " has " + std::to_string(row_node.size()) + " cells; the table has " +
                       std::to_string(t.inputs.size()) + " inputs and " + std::to_string(t.outputs.size()) + " outputs");
          return;
        }
        table_row row;
        row.number = number;
        row.where = r_.get().at(row_node);
        tables::table_row ar;
        ar.number = number;
        bool row_ok = true;
        for (std::size_t i = 0; i < row_node.size(); ++i) {
          YAML::Node cell_node = row_node[i];
          table_cell cell;
          cell.where = r_.get().at(cell_node);
          auto text = scalar(r_.get(), cell_node, "a table cell");
          if (!text) {
            row_ok = false;
            continue;
          }
          cell.text = *text;
          if (i < t.inputs.size()) {
            tables::table_cell ac;
            ac.text = *text;
            if (auto src = tables::unary_test_source(*text)) {
              auto rewritten = *src == *text ? std::nullopt : std::optional<std::string>(*src);
              cell.test = compile(cell_node, "row " + std::to_string(number) + ", " + t.inputs[i], expr::type::bool_(),
                                  input_types[i], rewritten);
              if (cell.test) ac.test = *cell.test->program;
              else row_ok = false;
            }
            ar.cells.push_back(std::move(ac));
            row.inputs.push_back(std::move(cell));
          } else {
            cell.output = output_value(*text, cell_node);
            row.outputs.push_back(std::move(cell));
          }
        }
        if (row_ok) analysed.push_back(std::move(ar));
        t.rows.push_back(std::move(row));
      });
      t.basis = read_basis_refs(m.get("basis"));
      if (m.has("lint")) t.lint = read_lint(m.get("lint"));
      // Output types: the join of the cells' kinds, declared as table.<id>.<output>.
      for (std::size_t o = 0; o < t.outputs.size(); ++o) {
        std::optional<expr::type> ty;
        for (const auto& row : t.rows)
          if (o < row.outputs.size()) {
            expr::type cell_type = expr::type_of(row.outputs[o].output);
            ty = ty ? expr::join(*ty, cell_type) : cell_type;
          }
        env_->declare("table." + t.id + "." + t.outputs[o], ty.value_or(expr::type::dyn()));
      }
      if (inputs_ok && analysed.size() == t.rows.size() && !t.rows.empty()) analyse_table(t, input_types, analysed);
      it_.tables.push_back(std::move(t));
    });
  }

  value output_value(const std::string& text, const YAML::Node& n) {
    // A CEL string literal written in a cell ('"five years"') is that string, without quotes.
    if (text.size() >= 2 && text.front() == '"' && text.back() == '"' &&
        text.find('"', 1) == text.size() - 1)
      return value(text.substr(1, text.size() - 2));
    if (n.Tag() == "!") return value(text);  // quoted YAML: a string
    std::int64_t i = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), i);
    if (ec == std::errc() && p == text.data() + text.size()) return value(i);
    if (auto d = decimal::parse(text)) return value(*d);
    if (text == "true" || text == "false") return value(text == "true");
    return value(text);
  }

  void analyse_table(const decision_table& t, const std::vector<expr::type>& types,
                     const std::vector<tables::table_row>& rows) {
    std::vector<tables::table_input> inputs;
    for (std::size_t i = 0; i < t.inputs.size(); ++i) {
      tables::table_input in;
      in.name = t.inputs[i];
      in.type = types[i];
      if (const field* f = find_field(t.inputs[i]))
        for (const auto& o : f->options) in.values.push_back(value(o.value));
      inputs.push_back(std::move(in));
    }
    auto result = tables::analyze_table(static_cast<tables::hit_policy>(t.hit), inputs, rows, *env_);
    for (const auto& f : result.findings) {
      source_location where = t.where;
      if (!f.rows.empty() && f.rows.front() >= 1 && f.rows.front() <= t.rows.size()) where = t.rows[f.rows.front() - 1].where;
      switch (f.what) {
        case tables::table_finding::kind::overlap:
          r_.get().error_at(where, "E331", "table '" + t.id + "' (hit: unique): " + f.message,
                      "make the rows exclusive, or use hit: first if order decides");
          break;
        case tables::table_finding::kind::masked:
          r_.get().report(severity::warning, where, "W332", "table '" + t.id + "' (hit: first): " + f.message,
                    "remove the row or move it above the rows that catch its inputs");
          break;
        case tables::table_finding::kind::gap:
          r_.get().report(severity::warning, where, "W333", "table '" + t.id + "': " + f.message,
                    "add a row for these inputs, or a last row of '-' cells");
          break;
      }
    }
  }

  const field* find_field(std::string_view name) const {
    for (const auto& f : it_.fields)
      if (f.name == name) return &f;
    return nullptr;
  }

  // --- fees and outputs ------------------------------------------------------------------
  void read_fees(const YAML::Node& n) {
    std::set<std::string> ids;
    each(n, "fees", [&](const YAML::Node& e) {
      map_view m(r_.get(), e, "a fee", {"id", "name", "amount", "when", "basis", "lint"});
      if (!m.ok()) return;
      fee f;
      if (m.has("lint")) f.lint = read_lint(m.get("lint"));
      allow_ = &f.lint;
      f.id = unique_id(m.required("id"), "fee", ids);
      f.where = r_.get().at(m.get("id"));
      if (auto s = nonempty_text(r_.get(), m.required("name"), "fee name")) {
        f.name = *s;
        texts_.push_back({*s, m.get("name"), "fee '" + f.id + "'", allow_ ? allow_->allow : std::vector<std::string>{}});
      }
      YAML::Node amount = m.required("amount");
      if (amount.IsScalar() && decimal::parse(amount.Scalar())) {
        // A plain amount is exact: read it as a decimal, never as a double.
        f.amount = compile(amount, "amount", std::nullopt, std::nullopt, "decimal(\"" + amount.Scalar() + "\")").value_or(rule{});
        f.amount.source = amount.Scalar();
      } else if (amount.IsDefined()) {
        if (auto r = compile(amount, "amount", std::nullopt)) {
          auto k = r->program->result_type().kind();
          if (k != expr::type_kind::decimal && k != expr::type_kind::int_ && k != expr::type_kind::dyn)
            r_.get().error(amount, "E206", "a fee amount must be a decimal number of yuan, but this is " +
                                         r->program->result_type().to_string());
          f.amount = std::move(*r);
        }
      }
      if (m.has("when")) f.when = compile(m.get("when"), "when", expr::type::bool_());
      f.basis = read_basis_refs(m.get("basis"));
      allow_ = nullptr;
      if (f.basis.empty() && !allowed(f.lint, "W402"))
        warn(f.where, "W402", "fee '" + f.id + "' cites no legal basis", "a fee, even of 0, needs its basis");
      it_.fees.push_back(std::move(f));
    });
  }

  void read_outputs(const YAML::Node& n) {
    if (!n.IsDefined() || n.IsNull()) return;
    if (!n.IsMap()) {
      r_.get().error(n, "E304", "'outputs' must map output ids to { name, when, values }");
      return;
    }
    for (const auto& kv : n) {
      output o;
      o.id = scalar(r_.get(), kv.first, "an output id").value_or("");
      o.where = r_.get().at(kv.first);
      map_view m(r_.get(), kv.second, "output '" + o.id + "'", {"name", "when", "values"});
      if (!m.ok()) {
        if (!kv.second.IsMap())
          r_.get().error(kv.second, "E304", "output '" + o.id + "' must be a map such as { name: 食品经营许可证, values: { validity_years: 5 } }");
        continue;
      }
      if (auto name = nonempty_text(r_.get(), m.required("name"), "output name")) {
        o.name = *name;
        texts_.push_back({*name, m.get("name"), "output '" + o.id + "'", std::vector<std::string>{}});
      }
      if (m.has("when")) o.when = compile(m.get("when"), "when", expr::type::bool_());
      YAML::Node values = m.get("values");
      if (values.IsMap()) {
        for (const auto& entry : values) {
          auto key = scalar(r_.get(), entry.first, "an output value name");
          if (!key) continue;
          if (auto r = compile(entry.second, "output '" + o.id + "." + *key + "'", std::nullopt))
            o.values.emplace_back(*key, std::move(*r));
        }
      } else if (values.IsDefined() && !values.IsNull()) {
        r_.get().error(values, "E304", "'values' of output '" + o.id + "' must map names to expressions");
      }
      it_.outputs.push_back(std::move(o));
    }
  }

  // --- references ------------------------------------------------------------------------
  std::vector<std::string> field_names() const {
    std::vector<std::string> names;
    for (const auto& d : env_->declarations()) names.push_back(d.name);
    return names;
  }

  void unresolved(const YAML::Node& where, const std::string& kind, const std::string& name,
                  const std::vector<std::string>& candidates) {
    std::string near = closest_match(name, candidates);
    r_.get().error(where, "E307", "no " + kind + " named '" + name + "'",
             near.empty() ? std::string() : "did you mean '" + near + "'?");
  }

  void check_basis_references() {
    std::vector<std::string> ids;
    for (const auto& [id, text] : it_.basis) ids.push_back(id);
    for (const auto& ref : basis_refs_)
      if (!it_.basis.count(ref.name)) unresolved(ref.where, "basis entry", ref.name, ids);
  }

 public:
  /// Texts an editor wrote, for the vague-word lint (text, node, what it is).
  struct text_entry {
    std::string text;
    YAML::Node node;
    std::string what;
    std::vector<std::string> allow = {};
  };
  std::vector<text_entry> texts_;

 private:
  static bool allowed(const lint_allowance& a, std::string_view code) {
    return std::find(a.allow.begin(), a.allow.end(), code) != a.allow.end();
  }
  void warn(const source_location& where, std::string code, std::string message, std::string hint = {}) {
    r_.get().report(severity::warning, where, std::move(code), std::move(message), std::move(hint));
  }

  /// W401: catch-all words (其他, 等, 相关, 有关, 必要的, 其它) make a standard negotiable; the
  /// title of a law or standard inside 《》 is exempt. Each word is reported, at the word.
  void lint_texts() {
    static constexpr std::string_view vague[] = {"其他", "其它", "相关", "有关", "必要的", "等"};
    for (const auto& t : texts_) {
      if (std::find(t.allow.begin(), t.allow.end(), "W401") != t.allow.end()) continue;
      const std::string_view text = t.text;
      int depth = 0;
      for (std::size_t i = 0; i < text.size(); ++i) {
        const std::string_view rest = text.substr(i);
        if (rest.starts_with("《")) {
          ++depth;
          continue;
        }
        if (rest.starts_with("》") && depth) {
          --depth;
          continue;
        }
        if (depth) continue;
        auto word = std::find_if(std::begin(vague), std::end(vague), [&](std::string_view w) { return rest.starts_with(w); });
        if (word == std::end(vague)) continue;
        // 等 also ends 等级/等待/相等/同等: only the catch-all use ("……等") is flagged.
        if (*word == "等") {
          const std::string_view after = rest.substr(word->size()), before = text.substr(0, i);
          const bool compound = after.starts_with("级") || after.starts_with("待") || after.starts_with("候") ||
                                after.starts_with("同") || after.starts_with("于") || before.ends_with("相") ||
                                before.ends_with("同") || before.ends_with("平") || before.ends_with("均");
          if (compound) continue;
        }
        warn(vague_word_at(t, i, word->size()), "W401",
             "vague word '" + std::string(*word) + "' in the " + t.what + ": \"" + t.text + "\"",
             "name each thing exactly: a catch-all clause lets two windows answer differently");
        i += word->size() - 1;
      }
    }
  }
  /// Where bytes [at, at + size) of a text an editor wrote are in the file, through the
  /// scalar's quoting; the whole scalar when YAML folding hides the place.
  source_location vague_word_at(const text_entry& t, std::size_t at, std::size_t size) const {
    const reporter& r = r_.get();
    if (!t.node.IsDefined() || t.node.Mark().is_null()) return r.at(t.node);
    const auto map = detail::map_scalar(r.text(), static_cast<std::size_t>(t.node.Mark().pos), t.text);
    if (!map.exact) return r.at(t.node);
    const std::size_t begin = map.to_file(at), last = map.to_file(at + size - 1);
    return r.at_offset(begin, last >= begin ? last - begin + 1 : 1);
  }

  /// W403: a declared field no rule, material, table or output reads.
  void lint_unused_fields() {
    std::set<std::string> used;
    auto note = [&](const std::optional<rule>& r) {
      if (!r || !r->program) return;
      for (auto slot : r->program->slots_read()) used.insert(env_->declarations()[slot].name);
    };
    for (const auto& d : it_.derive) note(d.value);
    for (const auto& c : it_.conditions) note(c.when), note(c.require);
    for (const auto& m : it_.materials) {
      note(m.required_when);
      used.insert(m.carries.begin(), m.carries.end());
    }
    for (const auto& s : it_.workflow) note(s.when);
    for (const auto& t : it_.tables) used.insert(t.inputs.begin(), t.inputs.end());
    for (const auto& f : it_.fees) note(f.when), note(f.amount);
    for (const auto& o : it_.outputs) {
      note(o.when);
      for (const auto& [k, r] : o.values) note(r);
    }
    for (const auto& f : it_.fields)
      if (!used.count(f.name) && !shared_field_names_.count(f.name))
        warn(f.where, "W403", "field '" + f.name + "' is declared but no rule, material, table or output uses it",
             "remove it, or name it in a material's carries: if a material evidences it");
  }

  /// W404: the internal control line should be at least a third shorter than the legal limit.
  void lint_control_line() {
    if (!have_legal_ || !have_control_) return;
    const auto& d = it_.deadlines;
    if (d.legal.in != d.control_line.in) return;
    if (d.control_line.amount * 3 > d.legal.amount * 2)
      warn(d.control_line.where, "W404",
           "the control line (" + d.control_line.to_string() + ") is not a third shorter than the legal limit (" +
               d.legal.to_string() + ")",
           "内控线 is usually at most two thirds of 法定时限: here at most " +
               std::to_string(d.legal.amount * 2 / 3) + (d.legal.in == period::unit::workdays ? " workdays" : " days"));
  }

  /// W406: a version in force (no effective.to) whose guide would lack 监督投诉渠道 or 咨询方式,
  /// which provincial standardisation rules require of every published guide.
  void lint_service() {
    if (it_.effective_to) return;
    std::vector<std::string> missing;
    if (it_.service.complaints.empty()) missing.push_back("complaints (监督投诉渠道)");
    if (it_.service.consultation.empty()) missing.push_back("consultation (咨询方式)");
    if (missing.empty() || !service_node_.IsDefined()) return;
    std::string list;
    for (const auto& m : missing) list += (list.empty() ? "" : " and ") + m;
    warn(r_.get().at(service_node_), "W406",
         "item " + it_.code + " " + it_.version + " has no " + list + " in its service elements or ruleset.yaml's"
         "（办事指南缺少" + std::string(it_.service.complaints.empty() ? "监督投诉渠道" : "") +
             (it_.service.complaints.empty() && it_.service.consultation.empty() ? "、" : "") +
             (it_.service.consultation.empty() ? "咨询方式" : "") + "）",
         "add them under service: in ruleset.yaml, or in the item to override it");
  }

  YAML::Node service_node_;
  const lint_allowance* allow_ = nullptr;
  std::reference_wrapper<reporter> r_;
  const item_context& ctx_;
  const load_limits& limits_;
  const shared_yaml* shared_ = nullptr;
  std::set<std::string> shared_field_names_;
  item it_;
  std::shared_ptr<expr::environment> env_;
  std::vector<pending_reference> basis_refs_;
  std::vector<pending_reference> fact_steps_;  ///< each fact's `step`, resolved after the workflow
  YAML::Node deadlines_node_;
  bool have_legal_ = false, have_promised_ = false, have_control_ = false;
};

// ---------------------------------------------------------------------------------------------
// Parsing a file's text

/// Depth of YAML nesting, measured on the text before yaml-cpp sees it (yaml-cpp recurses).
bool nesting_too_deep(std::string_view text, std::size_t limit, std::size_t& at) {
  std::size_t depth = 0;
  char quote = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quote) {
      if (c == quote) quote = 0;
      continue;
    }
    if (c == '"' || c == '\'') quote = c;
    else if (c == '#') {
      while (i < text.size() && text[i] != '\n') ++i;
    } else if (c == '[' || c == '{') {
      if (++depth > limit) return at = i, true;
    } else if ((c == ']' || c == '}') && depth) {
      --depth;
    }
  }
  // Block nesting: indentation beyond 2 × limit columns.
  std::size_t line_start = 0;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == '\n') {
      std::size_t indent = 0;
      while (line_start + indent < i && (text[line_start + indent] == ' ' || text[line_start + indent] == '-')) ++indent;
      if (indent > 4 * limit) return at = line_start, true;
      line_start = i + 1;
    }
  }
  return false;
}

std::optional<YAML::Node> parse_yaml(reporter& r, const load_limits& limits) {
  std::string_view text = r.text();
  if (text.size() > limits.max_file_bytes) {
    r.error_at(r.at_offset(0), "E301",
               "file is " + std::to_string(text.size()) + " bytes; the limit is " + std::to_string(limits.max_file_bytes),
               "a standard is a few kilobytes: is this the right file?");
    return std::nullopt;
  }
  std::size_t bad = 0;
  if (!valid_utf8(text, bad)) {
    r.error_at(r.at_offset(bad), "E301", "invalid UTF-8 at byte " + std::to_string(bad),
               "save the file as UTF-8 (not GBK)");
    return std::nullopt;
  }
  // YAML streams are printable text: C0 controls other than tab and line breaks, and DEL, are
  // not (YAML 1.2 §5.1). Refusing them also keeps yaml-cpp 0.7 out of loops they can cause.
  for (std::size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "0x%02X", c);
      r.error_at(r.at_offset(i), "E301", std::string("control character ") + hex + " in the file",
                 "a standard is plain UTF-8 text");
      return std::nullopt;
    }
  }
  for (std::size_t i = 0, line_start = 0; i < text.size(); ++i) {
    if (text[i] == '\n') line_start = i + 1;
    else if (text[i] == '\t' && text.substr(line_start, i - line_start).find_first_not_of(' ') == std::string_view::npos) {
      r.error_at(r.at_offset(i), "E300", "a tab in indentation", "YAML indents with spaces only");
      return std::nullopt;
    }
  }
  std::size_t deep_at = 0;
  if (nesting_too_deep(text, limits.max_yaml_depth, deep_at)) {
    r.error_at(r.at_offset(deep_at), "E300", "YAML nested more than " + std::to_string(limits.max_yaml_depth) + " levels deep");
    return std::nullopt;
  }
  if (auto bad = evenhand::detail::check_yaml_syntax(text)) {
    r.error_at(r.at_offset(std::min(bad->offset, text.size())), "E300", "YAML syntax: " + bad->message);
    return std::nullopt;
  }
  try {
    std::vector<YAML::Node> docs = YAML::LoadAll(std::string(text));
    if (docs.size() > 1) {
      r.error_at(r.at_offset(0), "E300", "a standard file holds one YAML document, this one holds " + std::to_string(docs.size()));
      return std::nullopt;
    }
    if (docs.empty() || docs[0].IsNull()) {
      r.error_at(r.at_offset(0), "E303", "the file is empty");
      return std::nullopt;
    }
    return docs[0];
  } catch (const YAML::Exception& e) {
    std::size_t pos = e.mark.is_null() ? 0 : static_cast<std::size_t>(std::max(0, e.mark.pos));
    r.error_at(r.at_offset(std::min(pos, text.size())), "E300", "YAML syntax: " + e.msg);
    return std::nullopt;
  }
}

std::optional<std::string> read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream s;
  s << in.rdbuf();
  return std::move(s).str();
}

}  // namespace

namespace {
std::optional<item> load_item(std::string_view text, const std::string& file, const item_context& context,
                              diagnostics& problems, const load_limits& limits, const shared_yaml* shared) {
  reporter r(file, text, problems);
  auto root = parse_yaml(r, limits);
  if (!root) return std::nullopt;
  try {
    item_reader reader(r, context, limits, shared);
    auto it = reader.read(*root);
    if (it) it->digest = sha256_digest(text);
    return it;
  } catch (const YAML::Exception& e) {
    // yaml-cpp throws on some malformed accesses; report rather than escape.
    r.error_at(r.at_offset(0), "E300", std::string("YAML: ") + e.what());
    return std::nullopt;
  }
}
}  // namespace

std::optional<item> load_item_text(std::string_view text, const std::string& file, const item_context& context,
                                   diagnostics& problems, const load_limits& limits) {
  return load_item(text, file, context, problems, limits, nullptr);
}

load_result load_ruleset(const fs::path& root, const load_limits& limits) {
  load_result result;
  auto rules = std::make_shared<ruleset>();
  rules->root = root.string();
  const fs::path ruleset_file = root / "ruleset.yaml";
  auto text = read_file(ruleset_file);
  if (!fs::is_directory(root) || !text) {
    diagnostic d;
    d.code = "E301";
    d.message = "cannot read " + ruleset_file.string();
    d.hint = "a ruleset is a directory with ruleset.yaml, calendars/ and items/";
    d.where.file = "ruleset.yaml";  // relative to the ruleset, as every diagnostic of the loader
    result.problems.push_back(std::move(d));
    result.unreadable = true;
    return result;
  }
  item_context context;
  shared_yaml shared;
  shared.text = *text;
  {
    reporter r("ruleset.yaml", shared.text, result.problems);
    if (auto doc = parse_yaml(r, limits)) {
      map_view top(r, *doc, "ruleset.yaml", {"ruleset", "supervision", "journal", "service", "basis", "fields", "materials"});
      if (top.ok()) {
        map_view m(r, top.required("ruleset"), "'ruleset'", {"id", "name", "timezone", "calendar", "office_hours"});
        if (m.ok()) {
          rules->id = nonempty_text(r, m.required("id"), "ruleset.id").value_or("");
          rules->name = nonempty_text(r, m.required("name"), "ruleset.name").value_or("");
          if (auto tz = nonempty_text(r, m.required("timezone"), "ruleset.timezone")) {
            rules->timezone = *tz;
            if (!to_civil(timestamp{}, *tz))
              r.error(m.get("timezone"), "E305", "unknown time zone '" + *tz + "'", "halls in mainland China use Asia/Shanghai");
          }
          if (m.has("office_hours")) rules->office_hours = office_hours_value(r, m.get("office_hours"), "ruleset.office_hours");
          if (auto cal = nonempty_text(r, m.required("calendar"), "ruleset.calendar")) {
            rules->calendar_name = *cal;
            rules->calendar_where = r.at(m.get("calendar"));
            std::vector<calendar_load_error> errors;
            fs::path dir = ruleset_layout::calendar_directory(root, *cal);
            if (cal->find('/') != std::string::npos || cal->find("..") != std::string::npos || !fs::is_directory(dir)) {
              r.error(m.get("calendar"), "E307", "no calendar directory calendars/" + *cal,
                      "calendars live in calendars/<name>/<year>.yaml");
            } else if (auto c = load_calendar_directory(dir, *cal, errors); c && errors.empty()) {
              rules->calendar = std::make_shared<const workday_calendar>(std::move(*c));
            } else {
              for (const auto& e : errors) {
                diagnostic d;
                d.code = "E315";
                d.message = e.message;
                d.where.file = fs::path(e.file).lexically_relative(root).generic_string();
                d.where.line = e.line;
                d.where.column = e.column;
                result.problems.push_back(std::move(d));
              }
              if (errors.empty()) r.error(m.get("calendar"), "E315", "cannot read the calendar in calendars/" + *cal);
            }
          }
        }
        if (top.has("supervision")) {
          map_view sv(r, top.get("supervision"), "'supervision'", {"warning"});
          if (sv.ok() && sv.has("warning")) rules->supervision.warning = period_value(r, sv.get("warning"), "supervision.warning");
        }
        if (top.has("journal")) {
          map_view j(r, top.get("journal"), "'journal'", {"personal", "salt"});
          if (j.ok()) {
            if (j.has("personal"))
              rules->journal.personal = choice<journal_settings::personal_data>(
                                            r, j.get("personal"), "journal.personal",
                                            {{"digest", journal_settings::personal_data::digest},
                                             {"drop", journal_settings::personal_data::drop}})
                                            .value_or(journal_settings::personal_data::digest);
            if (j.has("salt")) rules->journal.salt = scalar(r, j.get("salt"), "journal.salt").value_or("");
          }
        }
        if (top.get("service").IsDefined()) read_service(r, top.get("service"), "'service'", rules->service);
        context.service = rules->service;
        YAML::Node basis = top.get("basis");
        if (basis.IsMap()) {
          for (const auto& kv : basis) {
            auto id = scalar(r, kv.first, "a basis id");
            std::optional<basis_entry> structured;
            auto cite = read_basis_value(r, kv.second, id.value_or(""), structured);
            if (id && cite) {
              rules->basis[*id] = *cite;
              if (structured) rules->basis_entries[*id] = std::move(*structured);
            }
          }
        } else if (basis.IsDefined() && !basis.IsNull()) {
          r.error(basis, "E304", "'basis' must map ids to citations");
        }
        context.basis = rules->basis;
        context.basis_entries = rules->basis_entries;
        context.calendar = rules->calendar;
        shared.fields = top.get("fields");
        YAML::Node materials = top.get("materials");
        if (materials.IsSequence())
          for (const auto& mat : materials) {
            YAML::Node id = lookup(mat, "id");
            if (id.IsScalar()) shared.materials.emplace(id.Scalar(), mat);
          }
        item_reader shared_reader(r, context, limits);
        shared_reader.read_shared(shared.fields, materials, rules->fields, rules->materials);
      }
    }
  }
  context.fields = rules->fields;
  context.materials = rules->materials;

  std::error_code ec;
  std::vector<fs::path> item_files = ruleset_layout::item_files(root, ec);
  // Items are independent: load them on several threads, each with its own parse of the shared
  // YAML (yaml-cpp nodes are not safe to share between threads), and merge the results in file
  // order, so the outcome is the same whatever the thread count.
  struct item_outcome {
    std::optional<item> loaded;
    diagnostics problems;
  };
  std::vector<item_outcome> outcomes(item_files.size());
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    shared_yaml local;
    local.text = shared.text;
    try {
      YAML::Node doc = YAML::Load(local.text);
      local.fields = lookup(doc, "fields");
      YAML::Node materials = lookup(doc, "materials");
      if (materials.IsSequence())
        for (const auto& mat : materials)
          if (YAML::Node id = lookup(mat, "id"); id.IsScalar()) local.materials.emplace(id.Scalar(), mat);
    } catch (const YAML::Exception&) {
      // ruleset.yaml's own problems were reported above; items then see no shared definitions.
    }
    for (std::size_t i; (i = next.fetch_add(1)) < item_files.size();) {
      const fs::path& p = item_files[i];
      std::string rel = p.lexically_relative(root).generic_string();
      auto item_text = read_file(p);
      if (!item_text) {
        diagnostic d;
        d.code = "E301";
        d.message = "cannot read " + rel;
        d.where.file = rel;
        outcomes[i].problems.push_back(std::move(d));
        continue;
      }
      outcomes[i].loaded = load_item(*item_text, rel, context, outcomes[i].problems, limits, &local);
    }
  };
  std::size_t threads = limits.threads ? limits.threads : std::max(1u, std::thread::hardware_concurrency());
  threads = std::min(threads, std::max<std::size_t>(1, item_files.size() / 4));
  {
    std::vector<std::thread> pool;
    for (std::size_t t = 1; t < threads; ++t) pool.emplace_back(worker);
    worker();
    for (auto& t : pool) t.join();
  }
  for (auto& o : outcomes) {
    result.problems.append(std::move(o.problems));
    if (o.loaded) rules->items.push_back(std::move(*o.loaded));
  }
  std::stable_sort(rules->items.begin(), rules->items.end(), [](const item& a, const item& b) {
    return a.code != b.code ? a.code < b.code : a.effective_from < b.effective_from;
  });
  // Versions of one item must not overlap in time: a date selects exactly one.
  for (std::size_t i = 1; i < rules->items.size(); ++i) {
    const item& a = rules->items[i - 1];
    const item& b = rules->items[i];
    if (a.code == b.code && (!a.effective_to || *a.effective_to >= b.effective_from)) {
      diagnostic d;
      d.code = "E309";
      d.message = "versions " + a.version + " (" + a.file + ") and " + b.version + " of item " + a.code +
                  " are both in force on " + b.effective_from.to_string();
      d.hint = "end the earlier version with effective.to before the later one starts";
      d.where.file = b.file;
      d.where.line = 1;
      d.where.column = 1;
      result.problems.push_back(std::move(d));
    }
  }
  std::string digest_error;
  if (auto files = read_ruleset_files(root, rules->calendar_name, digest_error)) rules->digest = ruleset_digest(std::move(*files));
  if (!has_errors(result.problems)) result.rules = std::move(rules);
  return result;
}

void name_files_from(diagnostics& problems, const fs::path& root) {
  for (auto& d : problems)
    if (!d.where.file.empty() && fs::path(d.where.file).is_relative()) d.where.file = (root / d.where.file).string();
}

}  // namespace evenhand::standard
