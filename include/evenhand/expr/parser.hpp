// Parsing expressions (CEL syntax plus the `?` placeholder of decision-table cells).
#pragma once

#include <evenhand/diagnostics.hpp>
#include <evenhand/expr/ast.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace evenhand::expr {

/// Limits keep hostile input from exhausting the stack or memory. Defaults exceed CEL's
/// required minimums (12 nested levels, 32 repetitions) with room to spare.
struct parse_limits {
  std::size_t max_source_bytes = 100'000;  ///< CEL's expression size limit (code points ≤ bytes)
  /// The one bound on nesting: how deep the parser may descend (each bracket, call, operand
  /// and ?: is a level, a parenthesis two), and how many levels the finished tree may have
  /// (`!!x` has three). Every pass that recurses over a tree — checker, compiler, evaluator,
  /// the guide's explainer, the values an expression builds, derived facts that use derived
  /// facts — goes at most about this deep, so 64 keeps each of them within a quarter to a half
  /// of a 256 KB thread stack (README, "Limits"). Taller trees are refused with E105.
  std::size_t max_depth = 64;
  std::size_t max_repetitions = 1'000;     ///< list elements, map entries, call arguments, chained ops
};

namespace detail {

/// E105's words, the same wherever the nesting limit is met.
inline std::string nested_too_deeply(std::size_t max_depth) {
  return "expression nested too deeply (表达式嵌套过深): more than " + std::to_string(max_depth) + " levels";
}
inline constexpr std::string_view nested_too_deeply_hint =
    "name an inner part as a derived fact under 'derive' (将内层部分定义为派生事实)";

}  // namespace detail

struct parse_options {
  parse_limits limits;
  bool enable_macros = true;      ///< has/all/exists/exists_one/map/filter become macro nodes
  bool allow_placeholder = false; ///< `?` as a primary (decision-table cells)
  std::string file;               ///< names the source in diagnostics
};

/// The tree on success; otherwise no tree and at least one located error
/// (code E1xx, line/column relative to `source`, `span` in bytes, `source_line` filled).
struct parse_result {
  std::optional<ast> tree;
  diagnostics problems;
  explicit operator bool() const noexcept { return tree.has_value(); }
};

/// Parses one expression. Never throws for bad input (only std::bad_alloc).
parse_result parse(std::string_view source, const parse_options& options = {});

}  // namespace evenhand::expr
