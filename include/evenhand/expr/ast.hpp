// The syntax tree of an expression: nodes in one vector, children by index, every node with
// the byte span of the source it came from.
#pragma once

#include <evenhand/diagnostics.hpp>

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace evenhand::expr {

using node_id = std::uint32_t;
inline constexpr node_id no_node = static_cast<node_id>(-1);

enum class node_kind : std::uint8_t {
  literal,        ///< constant: `lit`
  ident,          ///< a name: `name` (may start with '.' for a root-scoped name)
  select,         ///< `args[0].name`; `test_only` when it stems from has()
  call,           ///< `name(args...)`, or `args[0].name(args[1..])` when `receiver_call`
  list,           ///< `[args...]`
  map,            ///< `{args[0]: args[1], args[2]: args[3], ...}`
  message,        ///< `name{field: value, ...}`: `fields[i]` names args[i] (protobuf; unsupported)
  unary,          ///< `op args[0]`
  binary,         ///< `args[0] op args[1]`
  conditional,    ///< `args[0] ? args[1] : args[2]`
  index,          ///< `args[0][args[1]]`
  comprehension,  ///< a macro: `args[0].macro(name, args[1] [, args[2]])`
  placeholder,    ///< `?` in a decision-table cell: the column's input value
};

enum class unary_op : std::uint8_t { logical_not, negate };

enum class binary_op : std::uint8_t {
  logical_or,
  logical_and,
  eq,
  ne,
  lt,
  le,
  gt,
  ge,
  in,
  add,
  sub,
  mul,
  div,
  mod,
};

/// CEL macros kept as one node each (rather than expanded to a generic comprehension) so
/// that diagnostics and traces speak of the macro the author wrote.
enum class macro_kind : std::uint8_t {
  all,         ///< range.all(x, pred)
  exists,      ///< range.exists(x, pred)
  exists_one,  ///< range.exists_one(x, pred)
  map,         ///< range.map(x, transform)          args = [range, transform]
  map_filter,  ///< range.map(x, filter, transform)  args = [range, filter, transform]
  filter,      ///< range.filter(x, pred)
};

constexpr std::string_view to_string(binary_op op) noexcept {
  switch (op) {
    case binary_op::logical_or: return "||";
    case binary_op::logical_and: return "&&";
    case binary_op::eq: return "==";
    case binary_op::ne: return "!=";
    case binary_op::lt: return "<";
    case binary_op::le: return "<=";
    case binary_op::gt: return ">";
    case binary_op::ge: return ">=";
    case binary_op::in: return "in";
    case binary_op::add: return "+";
    case binary_op::sub: return "-";
    case binary_op::mul: return "*";
    case binary_op::div: return "/";
    case binary_op::mod: return "%";
  }
  return "?";
}

constexpr std::string_view to_string(macro_kind m) noexcept {
  switch (m) {
    case macro_kind::all: return "all";
    case macro_kind::exists: return "exists";
    case macro_kind::exists_one: return "exists_one";
    case macro_kind::map:
    case macro_kind::map_filter: return "map";
    case macro_kind::filter: return "filter";
  }
  return "?";
}

/// A literal as written. Doubles keep their source text in the node's span, so that a
/// fraction combined with a decimal can be re-read exactly (DESIGN §4).
struct bytes_literal {
  std::string data;
  friend bool operator==(const bytes_literal&, const bytes_literal&) = default;
};
using literal_value = std::variant<std::monostate /*null*/, bool, std::int64_t, std::uint64_t,
                                   double, std::string, bytes_literal>;

struct node {
  node_kind kind = node_kind::literal;
  source_span span;
  literal_value lit;             ///< literal
  std::string name;              ///< ident, select field, call function, message type, macro variable
  std::vector<node_id> args;     ///< children, meaning by kind (see node_kind)
  std::vector<std::string> fields;  ///< message field names
  union {
    unary_op unary;
    binary_op binary;
    macro_kind macro;
  } op{unary_op::logical_not};
  bool test_only = false;       ///< select: from has()
  bool receiver_call = false;   ///< call: `target.f(...)`
};

/// A parsed expression. Owns its source text; spans index into it.
struct ast {
  std::string source;
  std::vector<node> nodes;
  node_id root = no_node;

  const node& at(node_id id) const noexcept { return nodes[id]; }
  std::string_view text(source_span s) const noexcept {
    return std::string_view(source).substr(s.begin, s.end - s.begin);
  }
  std::string_view text(node_id id) const noexcept { return text(nodes[id].span); }
};

}  // namespace evenhand::expr
