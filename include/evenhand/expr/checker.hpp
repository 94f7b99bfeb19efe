// The type checker: resolves names (CEL name resolution, dotted declarations by longest
// prefix), infers types, and reports every located type error of an expression (E2xx).
#pragma once

#include <evenhand/diagnostics.hpp>
#include <evenhand/expr/ast.hpp>
#include <evenhand/expr/detail/builtins.hpp>
#include <evenhand/expr/environment.hpp>
#include <evenhand/expr/types.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace evenhand::expr {

/// What a name (an ident or a select chain) refers to.
struct reference {
  enum class kind_t : std::uint8_t { none, slot, local, type_value, unresolved };
  kind_t kind = kind_t::none;
  std::uint32_t index = 0;  ///< slot or local index
  std::string name;         ///< resolved qualified name (type name for type_value)
};

/// The checker's annotations, indexed by node id.
struct check_result {
  std::vector<type> types;
  std::vector<reference> refs;                 ///< on the ident/select that names a variable
  std::vector<std::optional<value>> constants; ///< literal replacements (exact decimals)
  std::vector<std::uint32_t> locals;           ///< comprehension node -> its variable's local index
  /// matches() calls with a literal pattern, by call node: the pattern compiled once, here.
  std::vector<std::pair<node_id, std::shared_ptr<const re2::RE2>>> patterns;
  std::uint32_t max_locals = 0;
  type result;
};

namespace detail {

inline std::optional<type> builtin_type_named(std::string_view n) {
  static const char* names[] = {"int", "uint", "double", "bool", "string", "bytes", "null_type",
                                "type", "list", "map", "google.protobuf.Timestamp",
                                "google.protobuf.Duration", "decimal", "date"};
  for (const char* x : names)
    if (n == x) return type::parse(n);
  return std::nullopt;
}

class checker {
 public:
  checker(const ast& tree, const environment& env, diagnostics& out, std::optional<type> placeholder)
      : tree_(tree), env_(env), out_(out), placeholder_(std::move(placeholder)) {
    std::size_t n = tree.nodes.size();
    r_.types.assign(n, type::dyn());
    r_.refs.assign(n, reference{});
    r_.constants.assign(n, std::nullopt);
    r_.locals.assign(n, 0);
    check_ = env.check_types;
  }

  check_result run() {
    if (tree_.root == no_node) return std::move(r_);
    // The parser refuses trees too tall for the passes that recurse over them; a tree built by
    // hand is held to the same limit here, before the first of those passes.
    if (node_id deep = first_node_beyond(tree_, env_.limits.max_depth); deep != no_node) {
      bool checking = check_;
      check_ = true;  // reported in every checking mode: it is not a type error
      report(deep, "E105", detail::nested_too_deeply(env_.limits.max_depth), std::string(detail::nested_too_deeply_hint));
      check_ = checking;
      r_.result = type::error();
      return std::move(r_);
    }
    r_.result = visit(tree_.root);
    if (check_ && env_.expected_result && !is_assignable(*env_.expected_result, r_.result))
      report(tree_.root, "E206",
             "expression must be " + env_.expected_result->to_string() + ", but it is " +
                 r_.result.to_string());
    return std::move(r_);
  }

  std::size_t errors = 0;

 private:
  struct scope_var {
    std::string name;
    type t;
    std::uint32_t local;
  };

  void report(node_id id, std::string code, std::string message, std::string hint = {}) {
    if (!check_) return;
    const node& n = tree_.at(id);
    diagnostic d;
    d.code = std::move(code);
    d.message = std::move(message);
    d.hint = std::move(hint);
    auto lc = locate(tree_.source, n.span.begin);
    d.where.file = env_.file;
    d.where.line = lc.line;
    d.where.column = lc.column;
    d.where.length = std::max<std::uint32_t>(1, evenhand::detail::count_code_points(tree_.text(n.span)));
    d.source_line = std::string(lc.line_text);
    d.span = n.span;
    out_.push_back(std::move(d));
    ++errors;
  }

  type set(node_id id, type t) {
    r_.types[id] = t;
    return t;
  }

  const scope_var* find_local(std::string_view name) const {
    for (auto it = scope_.rbegin(); it != scope_.rend(); ++it)
      if (it->name == name) return &*it;
    return nullptr;
  }

  /// Resolves a qualified name against the container; nullopt when nothing matches.
  std::optional<reference> resolve(std::string_view qn) const {
    std::vector<std::string> candidates;
    if (!qn.empty() && qn[0] == '.') {
      candidates.emplace_back(qn.substr(1));
    } else {
      std::string c = env_.container;
      while (!c.empty()) {
        candidates.push_back(c + "." + std::string(qn));
        auto dot = c.rfind('.');
        c = dot == std::string::npos ? std::string() : c.substr(0, dot);
      }
      candidates.emplace_back(qn);
    }
    for (const auto& cand : candidates) {
      if (const auto* d = env_.find(cand))
        return reference{reference::kind_t::slot, d->slot, cand};
    }
    for (const auto& cand : candidates)
      if (builtin_type_named(cand)) return reference{reference::kind_t::type_value, 0, cand};
    return std::nullopt;
  }

  type type_of_ref(const reference& ref) const {
    if (ref.kind == reference::kind_t::slot)
      return check_ ? env_.declarations()[ref.index].decl_type : type::dyn();
    if (ref.kind == reference::kind_t::type_value)
      return type::type_of_type(*builtin_type_named(ref.name));
    return type::dyn();
  }

  std::string did_you_mean(std::string_view name) const {
    std::vector<std::string> cands;
    for (const auto& d : env_.declarations()) cands.push_back(d.name);
    for (const auto& s : scope_) cands.push_back(s.name);
    std::string best = closest_match(name, cands);
    if (best.empty()) return {};
    return "did you mean '" + best + "'?";
  }

  // The recursion: `visit` dispatches, and each visit_* keeps only its children's types on the
  // stack while it visits them; what it then works out with them (the rules, the messages, their
  // strings) is in a function of its own, off the recursive path. Every level of a tree costs
  // two small frames, also unoptimised (Debug, sanitizers): see parse_limits::max_depth.
  type visit(node_id id) {
    switch (tree_.at(id).kind) {
      case node_kind::literal: return visit_leaf(id);
      case node_kind::ident: return visit_leaf(id);
      case node_kind::select: return visit_select(id);
      case node_kind::call: return visit_call(id);
      case node_kind::list: return visit_list(id);
      case node_kind::map: return visit_list(id);
      case node_kind::message: return visit_list(id);
      case node_kind::unary: return visit_unary(id);
      case node_kind::binary: return visit_binary(id);
      case node_kind::conditional: return visit_conditional(id);
      case node_kind::index: return visit_index(id);
      case node_kind::comprehension: return visit_comprehension(id);
      case node_kind::placeholder: return visit_leaf(id);
    }
    return visit_leaf(id);
  }

  [[gnu::noinline]] type visit_leaf(node_id id) {
    const node& n = tree_.at(id);
    switch (n.kind) {
      case node_kind::literal: return set(id, literal_type(n));
      case node_kind::ident: return visit_name(id, {id});
      case node_kind::placeholder: return set(id, placeholder_ ? *placeholder_ : type::dyn());
      default: return set(id, type::dyn());
    }
  }

  /// Lists, maps and messages: their items' types, then the collection's.
  [[gnu::noinline]] type visit_list(node_id id) {
    std::vector<type> items;
    items.reserve(tree_.at(id).args.size());
    for (node_id a : tree_.at(id).args) items.push_back(visit(a));
    return collection_type(id, items);
  }

  [[gnu::noinline]] type collection_type(node_id id, const std::vector<type>& items) {
    const node& n = tree_.at(id);
    if (n.kind == node_kind::list) {
      std::optional<type> elem;
      for (const type& t : items) elem = elem ? join(*elem, t) : t;
      return set(id, type::list_of(elem ? *elem : type::dyn()));
    }
    if (n.kind == node_kind::map) {
      std::optional<type> k, v;
      for (std::size_t i = 0; i + 1 < items.size(); i += 2) {
        const type& kt = items[i];
        const type& vt = items[i + 1];
        if (check_ && !kt.is_dyn() && kt.kind() != type_kind::error &&
            !(kt.kind() == type_kind::int_ || kt.kind() == type_kind::uint_ || kt.kind() == type_kind::bool_ ||
              kt.is_stringish()))
          report(n.args[i], "E202", "a map key must be int, uint, bool or string, not " + kt.to_string());
        k = k ? join(*k, kt) : kt;
        v = v ? join(*v, vt) : vt;
      }
      return set(id, type::map_of(k ? *k : type::dyn(), v ? *v : type::dyn()));
    }
    report(id, "E202", "message construction '" + n.name + "' is not supported");
    return set(id, type::error());
  }

  [[gnu::noinline]] type visit_conditional(node_id id) {
    const node& n = tree_.at(id);
    type c = visit(n.args[0]);
    type a = visit(n.args[1]);
    type b = visit(n.args[2]);
    return conditional_type(id, c, a, b);
  }

  [[gnu::noinline]] type conditional_type(node_id id, const type& c, const type& a, const type& b) {
    require_bool(tree_.at(id).args[0], c, "the condition of ?:");
    if (check_ && !is_assignable(a, b) && !is_assignable(b, a) && !(a.is_numeric() && b.is_numeric())) {
      report(id, "E204", "the branches of ?: have different types: " + a.to_string() + " and " + b.to_string());
      return set(id, type::error());
    }
    return set(id, join(a, b));
  }

  static type literal_type(const node& n) {
    switch (n.lit.index()) {
      case 0: return type::null_type();
      case 1: return type::bool_();
      case 2: return type::int_();
      case 3: return type::uint_();
      case 4: return type::double_();
      case 5: return type::string();
      case 6: return type::bytes();
    }
    return type::dyn();
  }

  void require_bool(node_id id, const type& t, std::string_view what) {
    if (!check_ || t.is_dyn() || t.kind() == type_kind::bool_ || t.kind() == type_kind::error) return;
    report(id, "E206", std::string(what) + " must be bool, but it is " + t.to_string());
  }

  /// The qualified name of an ident/select chain (nullopt when the chain has another root).
  std::optional<std::string> qualified_name(node_id id) const {
    const node& n = tree_.at(id);
    if (n.kind == node_kind::ident) return n.name;
    if (n.kind == node_kind::select && !n.test_only) {
      auto q = qualified_name(n.args[0]);
      if (!q) return std::nullopt;
      return *q + "." + n.name;
    }
    return std::nullopt;
  }

  /// Resolves an ident or a select chain `chain` (top first, root ident last) by the
  /// longest-prefix rule; types the selects above the resolved prefix.
  [[gnu::noinline]] type visit_name(node_id top, std::vector<node_id> chain) {
    node_id root = chain.back();
    const node& rn = tree_.at(root);
    // Comprehension variables shadow declarations (unqualified names only).
    if (rn.name.empty() || rn.name[0] != '.') {
      if (const scope_var* v = find_local(rn.name)) {
        r_.refs[root] = reference{reference::kind_t::local, v->local, rn.name};
        set(root, v->t);
        return type_selects(chain, chain.size() - 1);
      }
    }
    for (std::size_t i = 0; i < chain.size(); ++i) {
      auto qn = qualified_name(chain[i]);
      if (!qn) continue;
      if (auto ref = resolve(*qn)) {
        set(chain[i], type_of_ref(*ref));
        r_.refs[chain[i]] = std::move(*ref);
        return type_selects(chain, i);
      }
    }
    auto qn = qualified_name(top).value_or(rn.name);
    r_.refs[top] = reference{reference::kind_t::unresolved, 0, qn};
    report(top, "E201", "undeclared reference to '" + qn + "'", did_you_mean(qn));
    for (node_id c : chain) set(c, type::error());
    if (!check_) return set(top, type::dyn());
    return type::error();
  }

  /// Types chain[i-1], ..., chain[0] as field selections on the typed chain[i].
  type type_selects(const std::vector<node_id>& chain, std::size_t i) {
    while (i > 0) {
      --i;
      set(chain[i], select_type(chain[i], r_.types[chain[i + 1]]));
    }
    return r_.types[chain[0]];
  }

  type select_type(node_id id, const type& operand) {
    const node& n = tree_.at(id);
    type result = type::dyn();
    switch (operand.kind()) {
      case type_kind::dyn:
      case type_kind::type_param:
      case type_kind::error: result = operand.kind() == type_kind::error ? type::error() : type::dyn(); break;
      case type_kind::map:
        if (check_ && !operand.key().is_dyn() && !operand.key().is_stringish()) {
          report(id, "E202", "field selection '." + n.name + "' needs string keys, not " +
                                 operand.key().to_string());
          result = type::error();
        } else {
          result = operand.val();
        }
        break;
      case type_kind::record:
        if (auto f = operand.field(n.name)) {
          result = *f;
        } else {
          std::vector<std::string> names;
          for (const auto& [fname, ft] : operand.fields()) names.push_back(fname);
          std::string best = closest_match(n.name, names);
          report(id, "E201", "'" + operand.to_string() + "' has no field '" + n.name + "'",
                 best.empty() ? std::string() : "did you mean '" + best + "'?");
          result = type::error();
        }
        break;
      default:
        report(id, "E202", "type '" + operand.to_string() + "' has no field '" + n.name + "'");
        result = type::error();
    }
    if (n.test_only) return type::bool_();
    return check_ ? result : type::dyn();
  }

  [[gnu::noinline]] type visit_select(node_id id) {
    if (tree_.at(id).test_only) {
      if (resolve_has(id)) return set(id, type::bool_());
      type op = visit(tree_.at(id).args[0]);
      return test_select_type(id, op);
    }
    std::vector<node_id> chain = select_chain(id);
    if (tree_.at(chain.back()).kind == node_kind::ident) return visit_name(id, std::move(chain));
    type operand = visit(chain.back());
    return chain_type(chain, operand);
  }

  /// has(a.b.c): a declared dotted name "a.b.c" tests its presence.
  [[gnu::noinline]] bool resolve_has(node_id id) {
    const node& n = tree_.at(id);
    if (auto qn = qualified_name(n.args[0])) {
      std::string full = *qn + "." + n.name;
      bool shadowed = find_local(tree_.at(chain_root(n.args[0])).name) != nullptr;
      if (!shadowed)
        if (auto ref = resolve(full); ref && ref->kind == reference::kind_t::slot) {
          r_.refs[id] = std::move(*ref);
          return true;
        }
    }
    return false;
  }

  [[gnu::noinline]] type test_select_type(node_id id, const type& operand) {
    select_type(id, operand);
    return set(id, type::bool_());
  }

  /// The selects from `id` down (top first), then the node they select from.
  [[gnu::noinline]] std::vector<node_id> select_chain(node_id id) const {
    std::vector<node_id> chain{id};
    node_id cur = tree_.at(id).args[0];
    while (tree_.at(cur).kind == node_kind::select && !tree_.at(cur).test_only) {
      chain.push_back(cur);
      cur = tree_.at(cur).args[0];
    }
    chain.push_back(cur);
    return chain;
  }

  [[gnu::noinline]] type chain_type(const std::vector<node_id>& chain, const type& operand) {
    set(chain.back(), operand);
    return type_selects(chain, chain.size() - 1);
  }

  node_id chain_root(node_id id) const {
    while (tree_.at(id).kind == node_kind::select) id = tree_.at(id).args[0];
    return id;
  }

  [[gnu::noinline]] type visit_unary(node_id id) {
    type t = visit(tree_.at(id).args[0]);
    return unary_type(id, t);
  }

  [[gnu::noinline]] type unary_type(node_id id, const type& t) {
    const node& n = tree_.at(id);
    if (!check_) return set(id, type::dyn());
    if (n.op.unary == unary_op::logical_not) {
      if (!t.is_dyn() && t.kind() != type_kind::bool_ && t.kind() != type_kind::error)
        report(id, "E202", "no matching overload for '!' applied to " + t.to_string());
      return set(id, type::bool_());
    }
    if (t.is_dyn() || t.kind() == type_kind::error) return set(id, t);
    if (t.kind() == type_kind::int_ || t.kind() == type_kind::double_ || t.kind() == type_kind::decimal ||
        t.kind() == type_kind::duration)
      return set(id, t);
    report(id, "E202", "no matching overload for '-' applied to " + t.to_string());
    return set(id, type::error());
  }

  bool is_double_literal(node_id id) const {
    const node& n = tree_.at(id);
    if (n.kind == node_kind::literal) return n.lit.index() == 4 || n.lit.index() == 2;
    if (n.kind == node_kind::unary && n.op.unary == unary_op::negate)
      return is_double_literal(n.args[0]);
    return false;
  }

  /// A numeric literal combined with a decimal becomes an exact decimal constant, read from
  /// its source text (DESIGN §4).
  void decimalize(node_id lit, const type& other) {
    if (other.kind() != type_kind::decimal || !is_double_literal(lit)) return;
    const node& n = tree_.at(lit);
    std::string text(tree_.text(lit));
    std::string cleaned;
    for (char c : text)
      if (c != ' ' && c != '(' && c != ')') cleaned += c;
    if (!cleaned.empty() && (cleaned.back() == 'u' || cleaned.back() == 'U')) return;
    if (auto d = decimal::parse(cleaned)) {
      r_.constants[lit] = value(*d);
      set(lit, type::decimal());
      return;
    }
    if (n.kind == node_kind::literal && n.lit.index() == 2)
      r_.constants[lit] = value(decimal::from_int(std::get<std::int64_t>(n.lit)));
  }

  void check_enum_literal(node_id lit, const type& enum_type) {
    if (!check_ || enum_type.kind() != type_kind::enum_) return;
    const node& n = tree_.at(lit);
    if (n.kind != node_kind::literal || n.lit.index() != 5) return;
    const auto& s = std::get<std::string>(n.lit);
    const auto& vals = enum_type.enum_values();
    if (std::find(vals.begin(), vals.end(), s) != vals.end()) return;
    std::string list;
    for (std::size_t i = 0; i < vals.size(); ++i) list += (i ? ", \"" : "\"") + vals[i] + "\"";
    std::string best = closest_match(s, vals);
    report(lit, "E205", "\"" + s + "\" is not a value of this enum",
           (best.empty() ? std::string() : "did you mean \"" + best + "\"? ") + "the values are " + list);
  }

  static bool comparable_kind(type_kind k) {
    return k == type_kind::string || k == type_kind::enum_ || k == type_kind::bytes ||
           k == type_kind::bool_ || k == type_kind::date || k == type_kind::timestamp ||
           k == type_kind::duration;
  }

  type no_overload(node_id id, std::string_view op, const type& a, const type& b) {
    report(id, "E202", "no matching overload for '" + std::string(op) + "' applied to (" +
                           a.to_string() + ", " + b.to_string() + ")");
    return set(id, type::error());
  }

  [[gnu::noinline]] type visit_binary(node_id id) {
    type a = visit(tree_.at(id).args[0]);
    type b = visit(tree_.at(id).args[1]);
    return binary_type(id, std::move(a), std::move(b));
  }

  [[gnu::noinline]] type binary_type(node_id id, type a, type b) {
    const node& n = tree_.at(id);
    binary_op op = n.op.binary;
    if (op == binary_op::logical_and || op == binary_op::logical_or) {
      std::string what = "an operand of " + std::string(to_string(op));
      require_bool(n.args[0], a, what);
      require_bool(n.args[1], b, what);
      return set(id, type::bool_());
    }
    // Exact decimals for literals beside a decimal, whatever the checking mode.
    if (op != binary_op::in) {
      decimalize(n.args[0], b);
      decimalize(n.args[1], a);
      a = r_.types[n.args[0]];
      b = r_.types[n.args[1]];
    }
    if (!check_) return set(id, (op >= binary_op::eq && op <= binary_op::in) ? type::bool_() : type::dyn());
    bool dyn = a.is_dyn() || b.is_dyn() || a.kind() == type_kind::error || b.kind() == type_kind::error;
    switch (op) {
      case binary_op::eq:
      case binary_op::ne:
        check_enum_literal(n.args[1], a);
        check_enum_literal(n.args[0], b);
        if (dyn || is_assignable(a, b) || is_assignable(b, a) || (a.is_numeric() && b.is_numeric()) ||
            a.kind() == type_kind::null_type || b.kind() == type_kind::null_type)
          return set(id, type::bool_());
        return no_overload(id, to_string(op), a, b);
      case binary_op::lt:
      case binary_op::le:
      case binary_op::gt:
      case binary_op::ge:
        if (dyn || (a.is_numeric() && b.is_numeric()) ||
            (comparable_kind(a.kind()) && (a.kind() == b.kind() || (a.is_stringish() && b.is_stringish()))))
          return set(id, type::bool_());
        return no_overload(id, to_string(op), a, b);
      case binary_op::in: {
        if (b.kind() == type_kind::list) {
          if (a.kind() == type_kind::enum_ && tree_.at(n.args[1]).kind == node_kind::list)
            for (node_id e : tree_.at(n.args[1]).args) check_enum_literal(e, a);
          type e = b.elem();
          if (dyn || e.is_dyn() || is_assignable(e, a) || is_assignable(a, e) ||
              (a.is_numeric() && e.is_numeric()))
            return set(id, type::bool_());
          return no_overload(id, "in", a, b);
        }
        if (b.kind() == type_kind::map || b.kind() == type_kind::record) {
          type k = b.kind() == type_kind::map ? b.key() : type::string();
          if (dyn || k.is_dyn() || is_assignable(k, a) || (a.is_numeric() && k.is_numeric()))
            return set(id, type::bool_());
          return no_overload(id, "in", a, b);
        }
        if (b.is_dyn() || b.kind() == type_kind::error) return set(id, type::bool_());
        return no_overload(id, "in", a, b);
      }
      default: break;
    }
    // Arithmetic.
    if (dyn) {
      if (a.kind() == type_kind::decimal || b.kind() == type_kind::decimal) return set(id, type::dyn());
      return set(id, type::dyn());
    }
    auto k = [](const type& t) { return t.kind(); };
    bool numeric_same = a.is_numeric() && k(a) == k(b);
    bool with_decimal = a.is_numeric() && b.is_numeric() &&
                        (k(a) == type_kind::decimal || k(b) == type_kind::decimal);
    switch (op) {
      case binary_op::add:
        if (numeric_same) return set(id, a);
        if (with_decimal) return set(id, type::decimal());
        if (a.is_stringish() && b.is_stringish()) return set(id, type::string());
        if (k(a) == type_kind::bytes && k(b) == type_kind::bytes) return set(id, a);
        if (k(a) == type_kind::list && k(b) == type_kind::list) return set(id, join(a, b));
        if (k(a) == type_kind::timestamp && k(b) == type_kind::duration) return set(id, a);
        if (k(a) == type_kind::duration && k(b) == type_kind::timestamp) return set(id, b);
        if (k(a) == type_kind::duration && k(b) == type_kind::duration) return set(id, a);
        break;
      case binary_op::sub:
        if (numeric_same) return set(id, a);
        if (with_decimal) return set(id, type::decimal());
        if (k(a) == type_kind::timestamp && k(b) == type_kind::timestamp) return set(id, type::duration());
        if (k(a) == type_kind::timestamp && k(b) == type_kind::duration) return set(id, a);
        if (k(a) == type_kind::duration && k(b) == type_kind::duration) return set(id, a);
        break;
      case binary_op::mul:
      case binary_op::div:
        if (numeric_same) return set(id, a);
        if (with_decimal) return set(id, type::decimal());
        break;
      case binary_op::mod:
        if (numeric_same && k(a) != type_kind::double_) return set(id, a);
        if (with_decimal) return set(id, type::decimal());
        break;
      default: break;
    }
    return no_overload(id, to_string(op), a, b);
  }

  [[gnu::noinline]] type visit_index(node_id id) {
    type a = visit(tree_.at(id).args[0]);
    type i = visit(tree_.at(id).args[1]);
    return index_type(id, a, i);
  }

  [[gnu::noinline]] type index_type(node_id id, const type& a, const type& i) {
    if (!check_) return set(id, type::dyn());
    if (a.kind() == type_kind::error || i.kind() == type_kind::error) return set(id, type::error());
    if (a.is_dyn()) return set(id, type::dyn());
    if (a.kind() == type_kind::list) {
      if (i.is_dyn() || i.kind() == type_kind::int_ || i.kind() == type_kind::uint_) return set(id, a.elem());
      return no_overload(id, "_[_]", a, i);
    }
    if (a.kind() == type_kind::map) {
      if (i.is_dyn() || a.key().is_dyn() || is_assignable(a.key(), i) || (i.is_numeric() && a.key().is_numeric()))
        return set(id, a.val());
      return no_overload(id, "_[_]", a, i);
    }
    if (a.kind() == type_kind::record) {
      if (i.is_dyn() || i.is_stringish()) return set(id, type::dyn());
      return no_overload(id, "_[_]", a, i);
    }
    return no_overload(id, "_[_]", a, i);
  }

  [[gnu::noinline]] type visit_comprehension(node_id id) {
    type range = visit(tree_.at(id).args[0]);
    type var = open_scope(id, range);
    std::vector<type> ts;
    ts.reserve(tree_.at(id).args.size());
    for (std::size_t i = 1; i < tree_.at(id).args.size(); ++i) ts.push_back(visit(tree_.at(id).args[i]));
    scope_.pop_back();
    return comprehension_type(id, range, var, ts);
  }

  /// The comprehension's variable, in scope: its type from the range's.
  [[gnu::noinline]] type open_scope(node_id id, const type& range) {
    const node& n = tree_.at(id);
    type var = type::dyn();
    if (range.kind() == type_kind::list) var = range.elem();
    else if (range.kind() == type_kind::map) var = range.key();
    else if (range.kind() == type_kind::record) var = type::string();
    else if (!range.is_dyn() && range.kind() != type_kind::error && check_)
      report(n.args[0], "E202", "'" + std::string(to_string(n.op.macro)) + "' needs a list or a map, not " +
                                    range.to_string());
    auto local = static_cast<std::uint32_t>(scope_.size());
    r_.locals[id] = local;
    r_.max_locals = std::max(r_.max_locals, local + 1);
    scope_.push_back(scope_var{n.name, var, local});
    return var;
  }

  [[gnu::noinline]] type comprehension_type(node_id id, const type& range, const type& var, const std::vector<type>& ts) {
    const node& n = tree_.at(id);
    std::string what = "the predicate of " + std::string(to_string(n.op.macro));
    switch (n.op.macro) {
      case macro_kind::all:
      case macro_kind::exists:
      case macro_kind::exists_one:
        require_bool(n.args[1], ts[0], what);
        return set(id, type::bool_());
      case macro_kind::map: return set(id, type::list_of(check_ ? ts[0] : type::dyn()));
      case macro_kind::map_filter:
        require_bool(n.args[1], ts[0], what);
        return set(id, type::list_of(check_ ? ts[1] : type::dyn()));
      case macro_kind::filter:
        require_bool(n.args[1], ts[0], what);
        return set(id, check_ ? (range.kind() == type_kind::list ? range : type::list_of(var)) : type::dyn());
    }
    return set(id, type::dyn());
  }

  /// One overload: receiver style or global, parameter types (dyn = any), result.
  struct overload {
    bool receiver;
    std::vector<type> params;
    type result;
  };

  static const std::vector<overload>& overloads(builtin fn) {
    using T = type;
    static const auto table = [] {
      std::vector<std::vector<overload>> t(static_cast<std::size_t>(builtin::unknown_function) + 1);
      auto add = [&](builtin f, bool recv, std::vector<type> ps, type r) {
        t[static_cast<std::size_t>(f)].push_back(overload{recv, std::move(ps), std::move(r)});
      };
      for (bool recv : {false, true}) {
        for (auto a : {T::string(), T::bytes(), T::list_of(T::dyn()), T::map_of(T::dyn(), T::dyn())})
          add(builtin::size, recv, {a}, T::int_());
        add(builtin::matches, recv, {T::string(), T::string()}, T::bool_());
      }
      add(builtin::size, false, {T::type_param("R")}, T::int_());  // record
      for (auto f : {builtin::starts_with, builtin::ends_with, builtin::contains})
        add(f, true, {T::string(), T::string()}, T::bool_());
      for (auto a : {T::int_(), T::uint_(), T::double_(), T::decimal(), T::string(), T::timestamp()})
        add(builtin::to_int, false, {a}, T::int_());
      for (auto a : {T::int_(), T::uint_(), T::double_(), T::decimal(), T::string()})
        add(builtin::to_uint, false, {a}, T::uint_());
      for (auto a : {T::int_(), T::uint_(), T::double_(), T::decimal(), T::string()})
        add(builtin::to_double, false, {a}, T::double_());
      for (auto a : {T::int_(), T::uint_(), T::double_(), T::decimal(), T::string(), T::bytes(), T::bool_(),
                     T::date(), T::timestamp(), T::duration()})
        add(builtin::to_string, false, {a}, T::string());
      for (auto a : {T::string(), T::bytes()}) add(builtin::to_bytes, false, {a}, T::bytes());
      for (auto a : {T::string(), T::bool_()}) add(builtin::to_bool, false, {a}, T::bool_());
      add(builtin::to_type, false, {T::dyn()}, T(type_kind::type));
      add(builtin::to_dyn, false, {T::dyn()}, T::dyn());
      for (auto a : {T::string(), T::int_(), T::timestamp()}) add(builtin::to_timestamp, false, {a}, T::timestamp());
      for (auto a : {T::string(), T::duration()}) add(builtin::to_duration, false, {a}, T::duration());
      for (auto a : {T::string(), T::int_(), T::uint_(), T::double_(), T::decimal()})
        add(builtin::to_decimal, false, {a}, T::decimal());
      for (auto a : {T::string(), T::date()}) add(builtin::to_date, false, {a}, T::date());
      add(builtin::to_date, false, {T::int_(), T::int_(), T::int_()}, T::date());
      for (auto f : {builtin::get_full_year, builtin::get_month, builtin::get_date, builtin::get_day_of_month,
                     builtin::get_day_of_week, builtin::get_day_of_year, builtin::get_hours,
                     builtin::get_minutes, builtin::get_seconds, builtin::get_milliseconds}) {
        add(f, true, {T::timestamp()}, T::int_());
        add(f, true, {T::timestamp(), T::string()}, T::int_());
      }
      for (auto f : {builtin::get_hours, builtin::get_minutes, builtin::get_seconds, builtin::get_milliseconds})
        add(f, true, {T::duration()}, T::int_());
      add(builtin::is_workday, false, {T::date()}, T::bool_());
      add(builtin::add_workdays, false, {T::date(), T::int_()}, T::date());
      add(builtin::workdays_between, false, {T::date(), T::date()}, T::int_());
      add(builtin::add_days, false, {T::date(), T::int_()}, T::date());
      add(builtin::days_between, false, {T::date(), T::date()}, T::int_());
      add(builtin::is_uscc, false, {T::string()}, T::bool_());
      add(builtin::is_cn_id, false, {T::string()}, T::bool_());
      add(builtin::birth_date, false, {T::string()}, T::date());
      add(builtin::age_on, false, {T::string(), T::date()}, T::int_());
      add(builtin::age_on, false, {T::date(), T::date()}, T::int_());
      return t;
    }();
    return table[static_cast<std::size_t>(fn)];
  }

  static bool param_accepts(const type& p, const type& a) {
    if (p.kind() == type_kind::type_param) return a.kind() == type_kind::record || a.is_dyn();
    return is_assignable(p, a);
  }

  [[gnu::noinline]] type visit_call(node_id id) {
    std::vector<type> ts;
    ts.reserve(tree_.at(id).args.size());
    for (node_id a : tree_.at(id).args) ts.push_back(visit(a));
    return call_type(id, ts);
  }

  [[gnu::noinline]] type call_type(node_id id, const std::vector<type>& ts) {
    const node& n = tree_.at(id);
    builtin fn = find_builtin(n.name);
    if (fn == builtin::unknown_function) {
      std::vector<std::string> names;
      for (const auto& b : builtin_names) names.emplace_back(b.name);
      std::string best = closest_match(n.name, names);
      report(id, "E201", "undeclared reference to function '" + n.name + "'",
             best.empty() ? std::string() : "did you mean '" + best + "'?");
      return set(id, check_ ? type::error() : type::dyn());
    }
    if (fn == builtin::matches && n.args.size() == 2) check_pattern(id, n.args[1]);
    const auto& ovs = overloads(fn);
    bool arity_ok = false;
    std::optional<type> result;
    for (const auto& o : ovs) {
      if (o.receiver != n.receiver_call || o.params.size() != ts.size()) continue;
      arity_ok = true;
      bool ok = true;
      for (std::size_t i = 0; i < ts.size() && ok; ++i) ok = param_accepts(o.params[i], ts[i]);
      if (ok) {
        result = result ? join(*result, o.result) : o.result;
      }
    }
    if (!check_) {
      if (!arity_ok) {
        // Arity is syntax: still an error without type checks.
        check_ = true;
        report(id, "E203", "wrong number of arguments to '" + n.name + "'");
        check_ = false;
      }
      return set(id, type::dyn());
    }
    if (!arity_ok) {
      std::string expected;
      for (const auto& o : ovs) {
        if (o.receiver != n.receiver_call) continue;
        auto c = std::to_string(o.params.size() - (o.receiver ? 1 : 0));
        if (expected.find(c) == std::string::npos) expected += (expected.empty() ? "" : " or ") + c;
      }
      std::size_t given = ts.size() - (n.receiver_call ? 1 : 0);
      if (expected.empty())
        report(id, "E203", "'" + n.name + "' cannot be called " +
                               (n.receiver_call ? std::string("as a method") : std::string("as a function")));
      else
        report(id, "E203", "'" + n.name + "' takes " + expected + " argument(s), " + std::to_string(given) +
                               " given");
      return set(id, type::error());
    }
    if (!result) {
      bool has_error = false;
      for (const auto& t : ts) has_error |= t.kind() == type_kind::error;
      if (!has_error) {
        std::string list;
        for (std::size_t i = 0; i < ts.size(); ++i) list += (i ? ", " : "") + ts[i].to_string();
        report(id, "E202", "no matching overload for '" + n.name + "' applied to (" + list + ")");
      }
      return set(id, type::error());
    }
    if (fn == builtin::to_type && !ts.empty()) return set(id, type::type_of_type(ts[0]));
    if (fn == builtin::to_dyn) return set(id, type::dyn());
    return set(id, *result);
  }

  /// A literal matches() pattern, compiled once for the program; one RE2 rejects is E207, at
  /// the literal, in every checking mode (it is not a type error).
  void check_pattern(node_id call, node_id pattern) {
    const node& p = tree_.at(pattern);
    if (p.kind != node_kind::literal || !std::holds_alternative<std::string>(p.lit)) return;
    const std::string& text = std::get<std::string>(p.lit);
    std::string why;
    if (auto re = compile_regex(text, why)) {
      r_.patterns.emplace_back(call, std::move(re));
      return;
    }
    const bool checking = check_;
    check_ = true;
    report(pattern, "E207", "invalid regular expression '" + text + "': " + why + "（正则表达式无效）",
           "matches() takes RE2 syntax, as CEL does: r'^\\p{Han}{2,4}$' is two to four Chinese characters, "
           "(?i) ignores case; in a raw string r'…' a backslash makes ( ) [ ] . * + ? | ^ $ match themselves");
    check_ = checking;
  }

  const ast& tree_;
  const environment& env_;
  diagnostics& out_;
  std::optional<type> placeholder_;
  check_result r_;
  std::vector<scope_var> scope_;
  bool check_ = true;
};

}  // namespace detail

/// Checks a parsed expression; appends located E2xx diagnostics to `out`. Returns the
/// annotations (meaningful for compilation only when no error was reported).
inline check_result check(const ast& tree, const environment& env, diagnostics& out,
                          std::optional<type> placeholder_type = std::nullopt, std::size_t* errors = nullptr) {
  detail::checker c(tree, env, out, std::move(placeholder_type));
  auto r = c.run();
  if (errors) *errors = c.errors;
  return r;
}

}  // namespace evenhand::expr
