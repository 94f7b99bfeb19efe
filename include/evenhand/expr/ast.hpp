// The syntax tree of an expression: nodes in one vector, children by index, every node with
// the byte span of the source it came from.
#pragma once

#include <evenhand/diagnostics.hpp>

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
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

/// The first node, on the way down from the root, that lies deeper than `max_depth` levels
/// (the root is level 1); `no_node` when the whole tree is within them. Every pass that
/// recurses over a tree (checker, compiler, evaluator, the guide's explainer) goes as deep as
/// the tree is tall, so the parser and the checker refuse a tree taller than their limit
/// (parse_limits::max_depth) here, before any of those passes runs, and report this node:
/// leftmost among those beyond the limit. Iterative, linear in the nodes; a node reachable
/// from itself (a tree built by hand) counts as infinitely deep.
inline node_id first_node_beyond(const ast& tree, std::size_t max_depth) {
  const std::size_t count = tree.nodes.size();
  if (tree.root >= count) return no_node;
  constexpr std::uint32_t endless = static_cast<std::uint32_t>(-1);
  enum : std::uint8_t { unseen, open, done };
  std::vector<std::uint32_t> height(count, 0);  // levels from a node down to its deepest leaf
  std::vector<std::uint8_t> state(count, unseen);
  auto height_of = [&](node_id c) -> std::uint32_t { return c >= count ? 0 : state[c] == open ? endless : height[c]; };
  std::vector<std::pair<node_id, std::size_t>> work{{tree.root, 0}};
  state[tree.root] = open;
  while (!work.empty()) {
    auto& [id, next] = work.back();
    const node& n = tree.nodes[id];
    if (next < n.args.size()) {
      node_id c = n.args[next++];
      if (c < count && state[c] == unseen) {
        state[c] = open;
        work.emplace_back(c, 0);
      }
      continue;
    }
    std::uint32_t h = 1;
    for (node_id c : n.args) h = std::max(h, height_of(c) == endless ? endless : height_of(c) + 1);
    height[id] = h;
    state[id] = done;
    work.pop_back();
  }
  if (height[tree.root] <= max_depth) return no_node;
  // Down from the root, always into the leftmost child that still leads beyond the limit.
  node_id at = tree.root;
  for (std::size_t level = 1; level <= max_depth; ++level) {
    const node& n = tree.nodes[at];
    for (node_id c : n.args)
      if (std::uint64_t{height_of(c)} + level > max_depth) {
        at = c;
        break;
      }
  }
  return at;
}

}  // namespace evenhand::expr
