// Compiled expressions and their evaluator: an interpreter over a compact form with variables
// resolved to slots and constants pre-built. Evaluation borrows values from slots and
// constants instead of copying them, so scalar expressions do not allocate.
#pragma once

#include <evenhand/expr/ast.hpp>
#include <evenhand/expr/checker.hpp>
#include <evenhand/expr/detail/builtins.hpp>
#include <evenhand/expr/environment.hpp>
#include <evenhand/expr/parser.hpp>
#include <evenhand/expr/types.hpp>
#include <evenhand/value.hpp>

#include <algorithm>
#include <array>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace evenhand::expr {

/// Values of the variables for one evaluation, by slot. A slot never set is unknown, with the
/// variable's name as its attribute.
///
/// `set` keeps its own copy of the value; `bind` borrows one the caller keeps alive for the
/// activation's lifetime (an application's fields, a table's constants), so starting an
/// evaluation copies no values and touches no shared reference counts.
class activation {
 public:
  explicit activation(const environment& env) : env_(&env), refs_(env.unknowns().size()) { clear_refs(); }
  activation(const activation&) = delete;  // it may point into its own storage
  activation& operator=(const activation&) = delete;

  void set(std::uint32_t slot, value v) {
    if (slot >= refs_.size()) return;
    const value* held = refs_[slot];
    std::less<const value*> before;
    if (!owned_.empty() && !before(held, owned_.data()) && before(held, owned_.data() + owned_.size())) {
      owned_[static_cast<std::size_t>(held - owned_.data())] = std::move(v);
      return;
    }
    // Room for one value per slot, reserved once, so the elements never move; only the slots
    // set are built.
    if (owned_.capacity() < refs_.size()) owned_.reserve(refs_.size());
    if (owned_.size() < owned_.capacity()) {
      owned_.push_back(std::move(v));
      refs_[slot] = &owned_.back();
      return;
    }
    // Full, yet a slot that was set and then bound left its value unread: reuse one such.
    // (More values than slots cannot all be read, so there is one.)
    std::vector<bool> read(owned_.size(), false);
    for (const value* r : refs_)
      if (!before(r, owned_.data()) && before(r, owned_.data() + owned_.size()))
        read[static_cast<std::size_t>(r - owned_.data())] = true;
    for (std::size_t k = 0; k < owned_.size(); ++k)
      if (!read[k]) {
        owned_[k] = std::move(v);
        refs_[slot] = &owned_[k];
        return;
      }
  }
  /// Borrows `v`, which must outlive this activation.
  void bind(std::uint32_t slot, const value& v) noexcept {
    if (slot < refs_.size()) refs_[slot] = &v;
  }
  void bind(std::uint32_t slot, value&&) = delete;  // would dangle
  /// Sets a declared variable by name; false when the environment does not declare it.
  bool set(std::string_view name, value v) {
    auto slot = env_->slot_of(name);
    if (!slot) return false;
    set(*slot, std::move(v));
    return true;
  }
  /// Makes every variable unknown again.
  void clear() {
    clear_refs();
    owned_.clear();
  }
  /// Makes this an activation of `env`, every variable unknown, keeping the room its vectors
  /// have: a caller that evaluates item after item reuses one.
  void reset(const environment& env) {
    owned_.clear();
    env_ = &env;
    refs_.resize(env.unknowns().size());
    clear_refs();
  }
  /// Whether the slot holds a value set or bound here (not the environment's unknown).
  bool is_set(std::uint32_t slot) const noexcept {
    return slot < refs_.size() && refs_[slot] != &env_->unknowns()[slot];
  }
  const value& get(std::uint32_t slot) const noexcept {
    if (slot < refs_.size()) [[likely]] return *refs_[slot];
    return out_of_range();
  }
  const environment& env() const noexcept { return *env_; }

 private:
  // Apart, so that `get` inlines without the guard of a function-local static.
  [[gnu::cold, gnu::noinline]] static const value& out_of_range() noexcept {
    static const value missing = value::make_error("variable slot out of range for this activation");
    return missing;
  }
  void clear_refs() noexcept {
    const auto& u = env_->unknowns();
    for (std::size_t i = 0; i < u.size(); ++i) refs_[i] = &u[i];
  }

  const environment* env_;
  std::vector<const value*> refs_;  // each slot's value: the environment's unknown until set
  std::vector<value> owned_;        // reserved once, on the first `set`: its elements never move
};

class program;
/// Same as `compile(source, ...)` from an already parsed tree (decision-table cells: the
/// placeholder `?` typed by `placeholder_type`).
std::optional<program> compile(ast tree, const environment& env, diagnostics& out,
                               std::optional<type> placeholder_type = std::nullopt);

namespace detail {

enum class opcode : std::uint8_t {
  constant,
  slot,
  has_slot,
  local,
  placeholder,
  unresolved,
  select,
  test_select,
  index,
  make_list,
  make_map,
  logical_not,
  negate,
  logical_and,
  logical_or,
  conditional,
  eq,
  ne,
  lt,
  le,
  gt,
  ge,
  in,
  arith,
  call,
  comprehension,
  cmp_slot_const,  ///< hot path: `slot OP constant` (sub = the comparison, a = slot, b = constant)
  unsupported,
};

struct inst {
  opcode op = opcode::unsupported;
  char arith_op = 0;
  builtin fn = builtin::unknown_function;
  macro_kind macro = macro_kind::all;
  std::uint32_t a = 0;             ///< slot, local or constant index
  std::uint32_t b = 0;             ///< constant index (cmp_slot_const)
  opcode sub = opcode::unsupported;  ///< the comparison of cmp_slot_const
  std::vector<std::uint32_t> args;  ///< child instructions
  std::string name;                 ///< field name, unresolved name, function name
  std::shared_ptr<const re2::RE2> re;  ///< matches() with a literal pattern, compiled by the checker
};

struct frame {
  const activation* act;
  const value* placeholder;
  const value** locals;
  std::uint64_t iterations;
};

}  // namespace detail

/// A compiled expression: immutable, `evaluate` is const and thread-safe.
class program {
 public:
  /// Evaluates; never throws for data problems (errors and unknowns are values).
  value evaluate(const activation& act) const { return run(act, nullptr); }
  /// Evaluates a program compiled with a placeholder (`?`) bound to `placeholder`.
  value evaluate(const activation& act, const value& placeholder) const { return run(act, &placeholder); }

  const type& result_type() const noexcept { return result_; }
  const ast& tree() const noexcept { return tree_; }
  /// The variables (slots) the expression reads, ascending.
  const std::vector<std::uint32_t>& slots_read() const noexcept { return slots_read_; }
  /// The same slots in the order of their variables' names (byte order): the order a
  /// decision's trace shows what a rule read in.
  const std::vector<std::uint32_t>& slots_read_by_name() const noexcept { return slots_by_name_; }

 private:
  friend std::optional<program> compile(ast, const environment&, diagnostics&, std::optional<type>);
  using inst = detail::inst;
  using opcode = detail::opcode;
  using frame = detail::frame;

  value run(const activation& act, const value* placeholder) const {
    std::array<const value*, 16> small;  // written before read
    std::vector<const value*> big;
    frame f{&act, placeholder, small.data(), 0};
    if (max_locals_ > small.size()) {
      big.assign(max_locals_, nullptr);
      f.locals = big.data();
    }
    value tmp;
    const value& r = eval(root_, f, tmp);
    if (&r == &tmp) return tmp;
    return r;
  }

  static const value& give(value& out, value v) {
    out = std::move(v);
    return out;
  }

  /// Returns `r`, moving it into `out` when it lives in the caller's temporary `tmp`.
  static const value& keep(const value& r, value& tmp, value& out) {
    if (&r == &tmp) {
      out = std::move(tmp);
      return out;
    }
    return r;
  }

  // The recursion: `eval` answers constants, variables and the hot comparison of a variable
  // with a constant itself, and hands every other instruction to a function of its own, whose
  // frame holds only that instruction's temporaries. Every level of an expression then costs
  // two small frames, also unoptimised (Debug, sanitizers): see parse_limits::max_depth.
  const value& eval(std::uint32_t i, frame& f, value& out) const {
    const inst& in = code_[i];
    switch (in.op) {
      case opcode::constant: return consts_[in.a];
      case opcode::slot: return f.act->get(in.a);
      case opcode::local: return *f.locals[in.a];
      case opcode::cmp_slot_const: {
        const value& a = f.act->get(in.a);
        if (a.is_exceptional()) return a;
        int r = compare_bool(in.sub, a, consts_[in.b]);
        if (r >= 0) return give(out, value(r == 1));
        return give(out, compare_op(in.sub, a, consts_[in.b]));
      }
      case opcode::select:
      case opcode::test_select: return eval_select(in, f, out);
      case opcode::index: return eval_index(in, f, out);
      case opcode::make_list: return eval_make_list(in, f, out);
      case opcode::make_map: return eval_make_map(in, f, out);
      case opcode::logical_not:
      case opcode::negate: return eval_unary(in, f, out);
      case opcode::logical_and:
      case opcode::logical_or: return eval_logic(in, f, out);
      case opcode::conditional: return eval_conditional(in, f, out);
      case opcode::eq:
      case opcode::ne:
      case opcode::lt:
      case opcode::le:
      case opcode::gt:
      case opcode::ge:
      case opcode::in: return eval_compare(in, f, out);
      case opcode::arith: return eval_arith(in, f, out);
      case opcode::call: return eval_call(in, f, out);
      case opcode::comprehension: return eval_comprehension(in, f, out);
      case opcode::has_slot:
      case opcode::placeholder:
      case opcode::unresolved:
      case opcode::unsupported: break;
    }
    return eval_leaf(in, f, out);
  }

  const value& eval_leaf(const inst& in, frame& f, value& out) const {
    switch (in.op) {
      case opcode::has_slot: return give(out, value(f.act->is_set(in.a)));
      case opcode::placeholder:
        if (f.placeholder) return *f.placeholder;
        return give(out, value::make_error("no value for the placeholder '?'"));
      case opcode::unresolved: return give(out, value::make_error("undeclared reference to '" + in.name + "'"));
      case opcode::unsupported: return give(out, value::make_error("unsupported expression: " + in.name));
      default: return give(out, value::make_error("internal error: bad instruction"));
    }
  }

  const value& eval_select(const inst& in, frame& f, value& out) const {
    value tmp;
    const value& o = eval(in.args[0], f, tmp);
    if (o.is_exceptional()) return keep(o, tmp, out);
    if (o.kind() != value_kind::map_value)
      return give(out, value::make_error("no such field '" + in.name + "' on a value of type " +
                                         std::string(kind_name(o.kind()))));
    const value* p = o.find(std::string_view(in.name));
    if (in.op == opcode::test_select) return give(out, value(p != nullptr));
    if (!p) return give(out, value::make_error("no such key: '" + in.name + "'"));
    if (&o == &tmp) return give(out, *p);
    return *p;
  }

  const value& eval_make_list(const inst& in, frame& f, value& out) const {
    list l;
    l.reserve(in.args.size());
    detail::exceptional_acc ex;
    for (auto c : in.args) {
      value tmp;
      const value& v = eval(c, f, tmp);
      ex.add(v);
      l.push_back(&v == &tmp ? std::move(tmp) : v);
    }
    if (ex.any) return give(out, std::move(ex.acc));
    return give(out, value(std::move(l)));
  }

  const value& eval_make_map(const inst& in, frame& f, value& out) const {
    map_entries m;
    detail::exceptional_acc ex;
    for (std::size_t k = 0; k + 1 < in.args.size(); k += 2) {
      value t1, t2;
      const value& key = eval(in.args[k], f, t1);
      const value& val = eval(in.args[k + 1], f, t2);
      ex.add(key);
      ex.add(val);
      m.emplace_back(key, val);
    }
    if (ex.any) return give(out, std::move(ex.acc));
    return give(out, value::make_map(std::move(m)));
  }

  const value& eval_unary(const inst& in, frame& f, value& out) const {
    value tmp;
    const value& v = eval(in.args[0], f, tmp);
    if (in.op == opcode::logical_not && v.is_bool()) return give(out, value(!v.as_bool()));
    if (v.is_exceptional()) return keep(v, tmp, out);
    if (in.op == opcode::logical_not) return give(out, detail::no_overload("!_", v));
    return give(out, detail::negate_value(v));
  }

  const value& eval_conditional(const inst& in, frame& f, value& out) const {
    value tmp;
    const value& c = eval(in.args[0], f, tmp);
    if (c.is_bool()) {
      value t2;
      const value& r = eval(in.args[c.as_bool() ? 1 : 2], f, t2);
      return keep(r, t2, out);
    }
    if (c.is_exceptional()) return keep(c, tmp, out);
    return give(out, detail::no_overload("_?_:_", c));
  }

  const value& eval_compare(const inst& in, frame& f, value& out) const {
    value t1, t2;
    const value& a = eval(in.args[0], f, t1);
    if (const inst& rhs = code_[in.args[1]];
        rhs.op == opcode::constant && !a.is_exceptional() && !consts_[rhs.a].is_exceptional()) {
      // Hot path: a member, a local or a placeholder against a constant (`s.role in [...]`).
      const value& c = consts_[rhs.a];
      int r = compare_bool(in.op, a, c);
      return give(out, r >= 0 ? value(r == 1) : compare_op(in.op, a, c));
    }
    const value& b = eval(in.args[1], f, t2);
    if (a.is_exceptional() || b.is_exceptional()) {
      if (a.is_exceptional() && b.is_exceptional()) return give(out, detail::merge_exceptional(a, b));
      return a.is_exceptional() ? keep(a, t1, out) : keep(b, t2, out);
    }
    return give(out, compare_op(in.op, a, b));
  }

  const value& eval_arith(const inst& in, frame& f, value& out) const {
    value t1, t2;
    const value& a = eval(in.args[0], f, t1);
    const value& b = eval(in.args[1], f, t2);
    if (a.is_exceptional() || b.is_exceptional()) {
      if (a.is_exceptional() && b.is_exceptional()) return give(out, detail::merge_exceptional(a, b));
      return a.is_exceptional() ? keep(a, t1, out) : keep(b, t2, out);
    }
    return give(out, detail::arith(in.arith_op, a, b));
  }

  /// The comparison as 0/1, or -1 when its result is not a bool (the general path decides).
  static int compare_bool(opcode op, const value& a, const value& b) noexcept {
    switch (op) {
      case opcode::eq: return cel_equal(a, b) ? 1 : 0;
      case opcode::ne: return cel_equal(a, b) ? 0 : 1;
      case opcode::lt:
      case opcode::le:
      case opcode::gt:
      case opcode::ge: {
        auto o = cel_compare(a, b);
        if (!o) return -1;
        if (op == opcode::lt) return *o == std::partial_ordering::less;
        if (op == opcode::gt) return *o == std::partial_ordering::greater;
        if (op == opcode::le) return *o == std::partial_ordering::less || *o == std::partial_ordering::equivalent;
        return *o == std::partial_ordering::greater || *o == std::partial_ordering::equivalent;
      }
      case opcode::in:
        if (b.kind() == value_kind::list_value) {
          for (const auto& e : b.as_list())
            if (cel_equal(a, e)) return 1;
          return 0;
        }
        return -1;
      default: return -1;
    }
  }

  [[gnu::noinline]] static value compare_op(opcode op, const value& a, const value& b) {
    switch (op) {
      case opcode::eq: return value(cel_equal(a, b));
      case opcode::ne: return value(!cel_equal(a, b));
      case opcode::in: {
        if (b.kind() == value_kind::list_value) {
          for (const auto& e : b.as_list())
            if (cel_equal(a, e)) return value(true);
          return value(false);
        }
        if (b.kind() == value_kind::map_value) {
          if (!is_map_key_kind(a.kind()) && a.kind() != value_kind::double_value &&
              a.kind() != value_kind::decimal_value)
            return value(false);
          return value(b.find(a) != nullptr);
        }
        return detail::no_overload("@in", a, b);
      }
      default: break;
    }
    auto o = cel_compare(a, b);
    const char* name = op == opcode::lt ? "_<_" : op == opcode::le ? "_<=_" : op == opcode::gt ? "_>_" : "_>=_";
    if (!o) return detail::no_overload(name, a, b);
    switch (op) {
      case opcode::lt: return value(*o == std::partial_ordering::less);
      case opcode::le:
        return value(*o == std::partial_ordering::less || *o == std::partial_ordering::equivalent);
      case opcode::gt: return value(*o == std::partial_ordering::greater);
      default: return value(*o == std::partial_ordering::greater || *o == std::partial_ordering::equivalent);
    }
  }

  /// `&&`/`||` over a flattened chain, commutative: a deciding operand wins over errors and
  /// unknowns; unknowns win over errors.
  [[gnu::noinline]] const value& eval_logic(const inst& in, frame& f, value& out) const {
    bool is_and = in.op == opcode::logical_and;
    value pending;  // first error or merged unknowns
    bool have_pending = false;
    for (auto c : in.args) {
      const inst& ci = code_[c];
      if (ci.op == opcode::cmp_slot_const) {  // hot path: no value built
        const value& a = f.act->get(ci.a);
        if (!a.is_exceptional()) {
          int r = compare_bool(ci.sub, a, consts_[ci.b]);
          if (r >= 0) {
            if ((r == 1) != is_and) return give(out, value(!is_and));
            continue;
          }
        }
      }
      value tmp;
      const value& v = eval(c, f, tmp);
      if (v.is_bool()) {
        if (v.as_bool() != is_and) return give(out, value(!is_and));
        continue;
      }
      value problem = v.is_exceptional() ? (&v == &tmp ? std::move(tmp) : v)
                                         : detail::no_overload(is_and ? "_&&_" : "_||_", v);
      if (!have_pending) {
        pending = std::move(problem);
        have_pending = true;
      } else if (problem.is_unknown() || pending.is_unknown()) {
        if (problem.is_unknown() || !pending.is_unknown())
          pending = detail::merge_exceptional(pending, problem);
      }
    }
    if (have_pending) return give(out, std::move(pending));
    return give(out, value(is_and));
  }

  [[gnu::noinline]] const value& eval_index(const inst& in, frame& f, value& out) const {
    value t1, t2;
    const value& a = eval(in.args[0], f, t1);
    const value& k = eval(in.args[1], f, t2);
    if (a.is_exceptional() || k.is_exceptional()) {
      if (a.is_exceptional() && k.is_exceptional()) return give(out, detail::merge_exceptional(a, k));
      return a.is_exceptional() ? keep(a, t1, out) : keep(k, t2, out);
    }
    if (a.kind() == value_kind::list_value) {
      const auto& l = a.as_list();
      std::int64_t i = 0;
      switch (k.kind()) {
        case value_kind::int_value: i = k.as_int(); break;
        case value_kind::uint_value:
          i = k.as_uint() > static_cast<std::uint64_t>(l.size()) ? -1 : static_cast<std::int64_t>(k.as_uint());
          break;
        case value_kind::double_value: {
          double d = k.as_double();
          if (d != std::trunc(d) || !(d > -1e18 && d < 1e18))
            return give(out, value::make_error("invalid_argument: list index " + detail::format_double(d) +
                                               " is not an integer"));
          i = static_cast<std::int64_t>(d);
          break;
        }
        default: return give(out, detail::no_overload("_[_]", a, k));
      }
      if (i < 0 || static_cast<std::uint64_t>(i) >= l.size())
        return give(out, value::make_error("invalid_argument: index out of range: " + std::to_string(i)));
      if (&a == &t1) return give(out, l[static_cast<std::size_t>(i)]);
      return l[static_cast<std::size_t>(i)];
    }
    if (a.kind() == value_kind::map_value) {
      if (!is_map_key_kind(k.kind()) && k.kind() != value_kind::double_value &&
          k.kind() != value_kind::decimal_value)
        return give(out, detail::no_overload("_[_]", a, k));
      const value* p = a.find(k);
      if (!p) {
        std::string ks = k.kind() == value_kind::string_value ? std::string(k.as_string())
                         : detail::to_string_value(k).is_error()       ? std::string("?")
                                                                       : std::string(detail::to_string_value(k).as_string());
        return give(out, value::make_error("no such key: " + ks));
      }
      if (&a == &t1) return give(out, *p);
      return *p;
    }
    return give(out, detail::no_overload("_[_]", a, k));
  }

  [[gnu::noinline]] const value& eval_call(const inst& in, frame& f, value& out) const {
    using detail::builtin;
    constexpr std::size_t max_args = 4;
    std::size_t n = in.args.size();
    if (n > max_args || n == 0)
      return give(out, value::make_error("wrong number of arguments to '" + in.name + "'"));
    std::array<value, max_args> tmps;
    std::array<const value*, max_args> av{};
    detail::exceptional_acc ex;
    for (std::size_t k = 0; k < n; ++k) {
      av[k] = &eval(in.args[k], f, tmps[k]);
      ex.add(*av[k]);
    }
    if (ex.any) return give(out, std::move(ex.acc));
    return apply_call(in, n, av, tmps, out);
  }

  /// A call's function on its arguments' values (apart from eval_call: off the recursion).
  [[gnu::noinline]] const value& apply_call(const inst& in, std::size_t n, const std::array<const value*, 4>& av,
                                            std::array<value, 4>& tmps, value& out) const {
    using detail::builtin;
    const value& a = *av[0];
    auto arity = [&](std::size_t lo, std::size_t hi) { return n >= lo && n <= hi; };
    auto bad_arity = [&]() -> const value& {
      return give(out, value::make_error("wrong number of arguments to '" + in.name + "'"));
    };
    auto strings2 = [&](std::string_view op) -> const value* {
      if (n != 2) return nullptr;
      if (a.kind() != value_kind::string_value || av[1]->kind() != value_kind::string_value) {
        give(out, detail::no_overload(op, a, *av[1]));
        return &out;
      }
      return nullptr;
    };
    switch (in.fn) {
      case builtin::size:
        if (!arity(1, 1)) return bad_arity();
        return give(out, detail::size_of(a));
      case builtin::matches: {
        if (!arity(2, 2)) return bad_arity();
        if (auto* e = strings2("matches")) return *e;
        if (in.re) return give(out, detail::regex_matches(a.as_string(), *in.re));
        return give(out, detail::regex_matches(a.as_string(), av[1]->as_string()));
      }
      case builtin::starts_with:
      case builtin::ends_with:
      case builtin::contains: {
        if (!arity(2, 2)) return bad_arity();
        if (auto* e = strings2(in.name)) return *e;
        std::string_view s = a.as_string(), p = av[1]->as_string();
        bool r = in.fn == builtin::starts_with ? s.starts_with(p)
                 : in.fn == builtin::ends_with ? s.ends_with(p)
                                               : s.find(p) != std::string_view::npos;
        return give(out, value(r));
      }
      case builtin::to_int: return arity(1, 1) ? give(out, detail::to_int(a)) : bad_arity();
      case builtin::to_uint: return arity(1, 1) ? give(out, detail::to_uint(a)) : bad_arity();
      case builtin::to_double: return arity(1, 1) ? give(out, detail::to_double(a)) : bad_arity();
      case builtin::to_string: return arity(1, 1) ? give(out, detail::to_string_value(a)) : bad_arity();
      case builtin::to_bytes: return arity(1, 1) ? give(out, detail::to_bytes(a)) : bad_arity();
      case builtin::to_bool: return arity(1, 1) ? give(out, detail::to_bool(a)) : bad_arity();
      case builtin::to_type: return arity(1, 1) ? give(out, detail::type_value_of(a)) : bad_arity();
      case builtin::to_dyn:
        if (!arity(1, 1)) return bad_arity();
        return keep(a, tmps[0], out);
      case builtin::to_timestamp: return arity(1, 1) ? give(out, detail::to_timestamp(a)) : bad_arity();
      case builtin::to_duration: return arity(1, 1) ? give(out, detail::to_duration(a)) : bad_arity();
      case builtin::to_decimal: return arity(1, 1) ? give(out, detail::to_decimal(a)) : bad_arity();
      case builtin::to_date:
        if (n == 1) return give(out, detail::to_date(a));
        if (n == 3) return give(out, detail::make_date(a, *av[1], *av[2]));
        return bad_arity();
      case builtin::get_full_year:
      case builtin::get_month:
      case builtin::get_date:
      case builtin::get_day_of_month:
      case builtin::get_day_of_week:
      case builtin::get_day_of_year:
      case builtin::get_hours:
      case builtin::get_minutes:
      case builtin::get_seconds:
      case builtin::get_milliseconds: {
        if (!arity(1, 2)) return bad_arity();
        if (n == 2) {
          if (av[1]->kind() != value_kind::string_value || a.kind() != value_kind::timestamp_value)
            return give(out, detail::no_overload(in.name, a, *av[1]));
          return give(out, detail::timestamp_getter(in.fn, a, av[1]->as_string()));
        }
        return give(out, detail::timestamp_getter(in.fn, a, ""));
      }
      case builtin::is_workday:
        if (!arity(1, 1)) return bad_arity();
        return give(out, detail::calendar_call(in.fn, calendar_, a, nullptr));
      case builtin::add_workdays:
      case builtin::workdays_between:
        if (!arity(2, 2)) return bad_arity();
        return give(out, detail::calendar_call(in.fn, calendar_, a, av[1]));
      case builtin::add_days:
      case builtin::days_between:
        if (!arity(2, 2)) return bad_arity();
        return give(out, detail::natural_days_call(in.fn, a, *av[1]));
      case builtin::is_uscc:
      case builtin::is_cn_id:
      case builtin::birth_date:
        if (!arity(1, 1)) return bad_arity();
        return give(out, detail::identity_call(in.fn, a, nullptr));
      case builtin::age_on:
        if (!arity(2, 2)) return bad_arity();
        return give(out, detail::identity_call(in.fn, a, av[1]));
      case builtin::unknown_function: break;
    }
    return give(out, value::make_error("no such function: '" + in.name + "'"));
  }

  [[gnu::noinline]] const value& eval_comprehension(const inst& in, frame& f, value& out) const {
    value rtmp;
    const value& range = eval(in.args[0], f, rtmp);
    if (range.is_exceptional()) return keep(range, rtmp, out);
    const value* begin = nullptr;
    std::size_t count = 0;
    bool is_map = false;
    if (range.kind() == value_kind::list_value) {
      begin = range.as_list().data();
      count = range.as_list().size();
    } else if (range.kind() == value_kind::map_value) {
      is_map = true;
      count = range.as_map().size();
    } else {
      return give(out, detail::no_overload(to_string(in.macro), range));
    }
    auto element = [&](std::size_t k) -> const value& {
      return is_map ? range.as_map()[k].first : begin[k];
    };
    const macro_kind m = in.macro;
    bool quantifier = m == macro_kind::all || m == macro_kind::exists;
    bool decisive = m == macro_kind::exists;  // the value that decides the result
    value pending;
    bool have_pending = false;
    std::int64_t matches = 0;
    list results;
    for (std::size_t k = 0; k < count; ++k) {
      if (++f.iterations > max_iterations_)
        return give(out, value::make_error("iteration limit exceeded"));
      f.locals[in.a] = &element(k);
      value tmp;
      const value& v = eval(in.args[1], f, tmp);
      if (quantifier) {
        if (v.is_bool()) {
          if (v.as_bool() == decisive) return give(out, value(decisive));
          continue;
        }
        value problem = v.is_exceptional() ? v : detail::no_overload(to_string(m), v);
        if (!have_pending) {
          pending = std::move(problem);
          have_pending = true;
        } else if (problem.is_unknown()) {
          pending = detail::merge_exceptional(pending, problem);
        }
        continue;
      }
      if (v.is_exceptional()) return keep(v, tmp, out);
      switch (m) {
        case macro_kind::exists_one:
          if (!v.is_bool()) return give(out, detail::no_overload("exists_one", v));
          if (v.as_bool()) ++matches;
          break;
        case macro_kind::map: results.push_back(&v == &tmp ? std::move(tmp) : v); break;
        case macro_kind::filter:
          if (!v.is_bool()) return give(out, detail::no_overload("filter", v));
          if (v.as_bool()) results.push_back(element(k));
          break;
        case macro_kind::map_filter: {
          if (!v.is_bool()) return give(out, detail::no_overload("map", v));
          if (!v.as_bool()) break;
          value t2;
          const value& w = eval(in.args[2], f, t2);
          if (w.is_exceptional()) return keep(w, t2, out);
          results.push_back(&w == &t2 ? std::move(t2) : w);
          break;
        }
        default: break;
      }
    }
    if (quantifier) {
      if (have_pending) return give(out, std::move(pending));
      return give(out, value(!decisive));
    }
    if (m == macro_kind::exists_one) return give(out, value(matches == 1));
    return give(out, value(std::move(results)));
  }

  ast tree_;
  type result_;
  std::vector<inst> code_;
  std::vector<value> consts_;
  std::vector<std::uint32_t> slots_read_;
  std::vector<std::uint32_t> slots_by_name_;
  std::uint32_t root_ = 0;
  std::uint32_t max_locals_ = 0;
  std::uint64_t max_iterations_ = 1'000'000;
  const workday_calendar* calendar_ = nullptr;
};

namespace detail {

inline value literal_to_value(const literal_value& lit) {
  switch (lit.index()) {
    case 0: return value();
    case 1: return value(std::get<bool>(lit));
    case 2: return value(std::get<std::int64_t>(lit));
    case 3: return value(std::get<std::uint64_t>(lit));
    case 4: return value(std::get<double>(lit));
    case 5: return value(std::get<std::string>(lit));
    case 6: return value(bytes{std::get<bytes_literal>(lit).data});
  }
  return value();
}

}  // namespace detail

inline std::optional<program> compile(ast tree, const environment& env, diagnostics& out,
                                      std::optional<type> placeholder_type) {
  using detail::opcode;
  std::size_t errors = 0;
  check_result cr = check(tree, env, out, placeholder_type, &errors);
  if (errors) return std::nullopt;
  program p;
  p.result_ = cr.result;
  p.max_locals_ = cr.max_locals;
  p.max_iterations_ = env.max_iterations;
  p.calendar_ = env.calendar;
  p.code_.resize(tree.nodes.size());
  std::vector<std::uint32_t> slots;
  auto add_const = [&](value v) {
    p.consts_.push_back(std::move(v));
    return static_cast<std::uint32_t>(p.consts_.size() - 1);
  };
  // Flattens a chain of one logical operator into its operands.
  auto flatten = [&](auto&& self, node_id id, binary_op op, std::vector<std::uint32_t>& outv) -> void {
    const node& n = tree.at(id);
    if (n.kind == node_kind::binary && n.op.binary == op) {
      self(self, n.args[0], op, outv);
      self(self, n.args[1], op, outv);
    } else {
      outv.push_back(id);
    }
  };
  for (node_id id = 0; id < tree.nodes.size(); ++id) {
    const node& n = tree.at(id);
    detail::inst& in = p.code_[id];
    in.args.assign(n.args.begin(), n.args.end());
    const reference& ref = cr.refs[id];
    if (ref.kind == reference::kind_t::slot) {
      in.args.clear();
      in.a = ref.index;
      in.op = (n.kind == node_kind::select && n.test_only) ? opcode::has_slot : opcode::slot;
      slots.push_back(ref.index);
      continue;
    }
    if (ref.kind == reference::kind_t::local) {
      in.args.clear();
      in.op = opcode::local;
      in.a = ref.index;
      continue;
    }
    if (ref.kind == reference::kind_t::type_value) {
      in.args.clear();
      in.op = opcode::constant;
      in.a = add_const(value(type_name{ref.name}));
      continue;
    }
    if (ref.kind == reference::kind_t::unresolved) {
      in.args.clear();
      in.op = opcode::unresolved;
      in.name = ref.name;
      continue;
    }
    if (cr.constants[id]) {
      in.args.clear();
      in.op = opcode::constant;
      in.a = add_const(*cr.constants[id]);
      continue;
    }
    switch (n.kind) {
      case node_kind::literal:
        in.op = opcode::constant;
        in.a = add_const(detail::literal_to_value(n.lit));
        break;
      case node_kind::ident:
        in.op = opcode::unresolved;
        in.name = n.name;
        break;
      case node_kind::select:
        in.op = n.test_only ? opcode::test_select : opcode::select;
        in.name = n.name;
        break;
      case node_kind::call:
        in.op = opcode::call;
        in.fn = detail::find_builtin(n.name);
        in.name = n.name;
        if (in.fn == detail::builtin::matches)
          for (const auto& [call, re] : cr.patterns)
            if (call == id) in.re = re;
        break;
      case node_kind::list: in.op = opcode::make_list; break;
      case node_kind::map: in.op = opcode::make_map; break;
      case node_kind::message:
        in.op = opcode::unsupported;
        in.name = "message construction " + n.name;
        break;
      case node_kind::unary:
        in.op = n.op.unary == unary_op::logical_not ? opcode::logical_not : opcode::negate;
        break;
      case node_kind::binary:
        switch (n.op.binary) {
          case binary_op::logical_and:
          case binary_op::logical_or:
            in.op = n.op.binary == binary_op::logical_and ? opcode::logical_and : opcode::logical_or;
            in.args.clear();
            flatten(flatten, n.args[0], n.op.binary, in.args);
            flatten(flatten, n.args[1], n.op.binary, in.args);
            break;
          case binary_op::eq: in.op = opcode::eq; break;
          case binary_op::ne: in.op = opcode::ne; break;
          case binary_op::lt: in.op = opcode::lt; break;
          case binary_op::le: in.op = opcode::le; break;
          case binary_op::gt: in.op = opcode::gt; break;
          case binary_op::ge: in.op = opcode::ge; break;
          case binary_op::in: in.op = opcode::in; break;
          case binary_op::add: in.op = opcode::arith, in.arith_op = '+'; break;
          case binary_op::sub: in.op = opcode::arith, in.arith_op = '-'; break;
          case binary_op::mul: in.op = opcode::arith, in.arith_op = '*'; break;
          case binary_op::div: in.op = opcode::arith, in.arith_op = '/'; break;
          case binary_op::mod: in.op = opcode::arith, in.arith_op = '%'; break;
        }
        break;
      case node_kind::conditional: in.op = opcode::conditional; break;
      case node_kind::index: in.op = opcode::index; break;
      case node_kind::comprehension:
        in.op = opcode::comprehension;
        in.macro = n.op.macro;
        in.a = cr.locals[id];
        break;
      case node_kind::placeholder: in.op = opcode::placeholder; break;
    }
  }
  // Lists and maps written with constants only (`s in ["hot", "cold"]`) are built once, here,
  // not on every evaluation (inside a comprehension: on every iteration). A map with a repeated
  // key stays as written, so evaluation reports it as before.
  std::vector<bool> folded(p.code_.size(), false);
  auto fold = [&](auto&& self, std::uint32_t i) -> void {
    if (i >= folded.size() || folded[i]) return;
    folded[i] = true;
    for (auto c : p.code_[i].args) self(self, c);
    detail::inst& in = p.code_[i];
    if (in.op != opcode::make_list && in.op != opcode::make_map) return;
    for (auto c : in.args)
      if (p.code_[c].op != opcode::constant) return;
    value built;
    if (in.op == opcode::make_list) {
      list items;
      items.reserve(in.args.size());
      for (auto c : in.args) items.push_back(p.consts_[p.code_[c].a]);
      built = value(std::move(items));
    } else {
      if (in.args.size() % 2) return;
      map_entries entries;
      for (std::size_t k = 0; k + 1 < in.args.size(); k += 2)
        entries.emplace_back(p.consts_[p.code_[in.args[k]].a], p.consts_[p.code_[in.args[k + 1]].a]);
      built = value::make_map(std::move(entries));
      if (built.is_exceptional()) return;
    }
    in.op = opcode::constant;
    in.a = add_const(std::move(built));
    in.args.clear();
  };
  for (std::uint32_t i = 0; i < p.code_.size(); ++i) fold(fold, i);
  // Hot path: a comparison of a variable with a constant.
  for (auto& in : p.code_) {
    bool cmp = in.op == opcode::eq || in.op == opcode::ne || in.op == opcode::lt || in.op == opcode::le ||
               in.op == opcode::gt || in.op == opcode::ge || in.op == opcode::in;
    if (!cmp || in.args.size() != 2) continue;
    const auto& x = p.code_[in.args[0]];
    const auto& y = p.code_[in.args[1]];
    opcode op = in.op;
    if (x.op == opcode::slot && y.op == opcode::constant) {
      in.a = x.a;
      in.b = y.a;
    } else if (x.op == opcode::constant && y.op == opcode::slot && op != opcode::in) {
      in.a = y.a;
      in.b = x.a;
      op = op == opcode::lt ? opcode::gt : op == opcode::gt ? opcode::lt
           : op == opcode::le ? opcode::ge : op == opcode::ge ? opcode::le : op;
    } else {
      continue;
    }
    in.sub = op;
    in.op = opcode::cmp_slot_const;
  }
  std::sort(slots.begin(), slots.end());
  slots.erase(std::unique(slots.begin(), slots.end()), slots.end());
  p.slots_by_name_ = slots;
  std::sort(p.slots_by_name_.begin(), p.slots_by_name_.end(), [&](std::uint32_t a, std::uint32_t b) {
    const auto& decls = env.declarations();
    return a < decls.size() && b < decls.size() ? decls[a].name < decls[b].name : a < b;
  });
  p.slots_read_ = std::move(slots);
  p.root_ = tree.root == no_node ? 0 : tree.root;
  if (tree.root == no_node) {
    p.code_.push_back(detail::inst{});
    p.code_.back().op = opcode::unsupported;
    p.root_ = static_cast<std::uint32_t>(p.code_.size() - 1);
  }
  p.tree_ = std::move(tree);
  return p;
}

/// Parses, checks and compiles. On failure returns nullopt and appends located diagnostics
/// (parse errors E1xx from the parser; type errors E2xx).
inline std::optional<program> compile(std::string_view source, const environment& env, diagnostics& out) {
  parse_options po;
  po.limits = env.limits;
  po.enable_macros = env.enable_macros;
  po.file = env.file;
  auto pr = parse(source, po);
  if (!pr.tree) {
    out.insert(out.end(), pr.problems.begin(), pr.problems.end());
    if (pr.problems.empty()) {
      diagnostic d;
      d.code = "E100";
      d.message = "the expression could not be parsed";
      d.where.file = env.file;
      out.push_back(std::move(d));
    }
    return std::nullopt;
  }
  return compile(std::move(*pr.tree), env, out, std::nullopt);
}

}  // namespace evenhand::expr
