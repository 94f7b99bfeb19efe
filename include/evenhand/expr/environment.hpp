// What an expression may refer to: declared variables (with slots) and evaluation options.
#pragma once

#include <evenhand/calendar.hpp>
#include <evenhand/expr/parser.hpp>
#include <evenhand/expr/types.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace evenhand::expr {

/// One declared variable: its (possibly dotted) name, type and slot.
struct declaration {
  std::string name;
  type decl_type;
  std::uint32_t slot = 0;
};

/// Declarations and options for compiling expressions. Variables get slots in declaration order.
struct environment {
  /// Declares (or redeclares, keeping the slot) a variable; `name` may be dotted
  /// ("applicant.kind"), resolved by CEL's longest-prefix rule.
  environment& declare(std::string name, type t) {
    if (auto it = index_.find(name); it != index_.end()) {
      decls_[it->second].decl_type = std::move(t);
      return *this;
    }
    auto slot = static_cast<std::uint32_t>(decls_.size());
    index_.emplace(name, slot);
    unknowns_.push_back(value::make_unknown({name}));
    decls_.push_back(declaration{std::move(name), std::move(t), slot});
    return *this;
  }
  /// Each variable's value before an activation sets it: unknown, naming the variable. Made
  /// once here, so that starting an evaluation allocates nothing per variable.
  const std::vector<value>& unknowns() const noexcept { return unknowns_; }
  std::optional<std::uint32_t> slot_of(std::string_view name) const {
    auto it = index_.find(name);
    if (it == index_.end()) return std::nullopt;
    return it->second;
  }
  std::size_t slot_count() const noexcept { return decls_.size(); }
  const std::vector<declaration>& declarations() const noexcept { return decls_; }
  const declaration* find(std::string_view name) const {
    auto it = index_.find(name);
    return it == index_.end() ? nullptr : &decls_[it->second];
  }

  std::string container;        ///< CEL namespace for name resolution
  bool check_types = true;      ///< false: everything dyn; names still resolve to slots when declared
  bool enable_macros = true;
  const workday_calendar* calendar = nullptr;  ///< for is_workday/add_workdays/workdays_between
  parse_limits limits;
  std::string file;                      ///< names the source in diagnostics
  std::optional<type> expected_result;   ///< e.g. bool for conditions (E206 otherwise)
  std::uint64_t max_iterations = 1'000'000;  ///< comprehension iterations per evaluation

 private:
  std::vector<declaration> decls_;
  std::vector<value> unknowns_;
  std::map<std::string, std::uint32_t, std::less<>> index_;
};

}  // namespace evenhand::expr
