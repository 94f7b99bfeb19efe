// Expressions in words, as guides and diagrams show a condition: `agent.appointed` → 委托代理人办理,
// `applicant.kind == "individual"` → 「申请人类型」为“个人”. Only shapes whose reading is certain
// are put into words; anything else is left to the caller to show as written.
#pragma once

#include <evenhand/expr.hpp>
#include <evenhand/standard/model.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace evenhand::standard {

namespace detail {

class explainer {
 public:
  explainer(const item& item, const expr::ast& tree, int depth = 0) : item_(item), tree_(tree), depth_(depth) {}

  std::optional<std::string> explain(expr::node_id id, bool negated = false) const {
    using expr::node_kind;
    const auto& n = tree_.at(id);
    switch (n.kind) {
      case node_kind::ident:
      case node_kind::select: return truth(id, negated);
      case node_kind::unary:
        if (n.op.unary == expr::unary_op::logical_not) return explain(n.args[0], !negated);
        return std::nullopt;
      case node_kind::binary: return binary(n, negated);
      case node_kind::comprehension: return exists(n, negated);
      default: return std::nullopt;
    }
  }

 private:
  const item& item_;
  const expr::ast& tree_;
  int depth_;

  /// The dotted name a chain of idents and selects spells, e.g. "agent.appointed".
  std::optional<std::string> path(expr::node_id id) const {
    const auto& n = tree_.at(id);
    if (n.kind == expr::node_kind::ident) return n.name;
    if (n.kind == expr::node_kind::select && !n.test_only) {
      auto base = path(n.args[0]);
      if (base) return *base + "." + n.name;
    }
    return std::nullopt;
  }
  const field* labelled(expr::node_id id) const {
    auto p = path(id);
    const field* f = p ? item_.find_field(*p) : nullptr;
    return f && !f->label.empty() ? f : nullptr;
  }
  static std::string quoted(std::string_view label) { return "「" + std::string(label) + "」"; }
  static std::string option_label(const field& f, const std::string& value) {
    for (const auto& o : f.options)
      if (o.value == value && !o.label.empty()) return o.label;
    return value;
  }
  const std::string* string_literal(expr::node_id id) const {
    const auto& n = tree_.at(id);
    return n.kind == expr::node_kind::literal ? std::get_if<std::string>(&n.lit) : nullptr;
  }
  std::optional<std::vector<std::string>> string_list(expr::node_id id) const {
    const auto& n = tree_.at(id);
    if (n.kind != expr::node_kind::list || n.args.empty()) return std::nullopt;
    std::vector<std::string> out;
    for (auto a : n.args) {
      const auto* s = string_literal(a);
      if (!s) return std::nullopt;
      out.push_back(*s);
    }
    return out;
  }
  std::string alternatives(const field& f, const std::vector<std::string>& values, std::string_view join) const {
    std::string s;
    for (std::size_t i = 0; i < values.size(); ++i)
      s += (i ? std::string(join) : "") + "“" + option_label(f, values[i]) + "”";
    return s;
  }

  /// A boolean field or a derived fact, read as a statement.
  std::optional<std::string> truth(expr::node_id id, bool negated) const {
    auto p = path(id);
    if (!p) return std::nullopt;
    if (const auto* f = item_.find_field(*p)) {
      if (f->label.empty() || f->type_text != "bool") return std::nullopt;
      std::string_view label = f->label;
      if (label.starts_with("是否")) {  // 是否委托代理人办理 → 委托代理人办理 / 不委托代理人办理
        auto rest = label.substr(std::string_view("是否").size());
        return (negated ? "不" : "") + std::string(rest);
      }
      return quoted(label) + (negated ? "为“否”" : "为“是”");
    }
    if (depth_ >= 4) return std::nullopt;  // facts defined through facts: a few levels suffice
    for (const auto& d : item_.derive)
      if (d.name == *p && d.value.program) {
        const auto& t = d.value.program->tree();
        return explainer(item_, t, depth_ + 1).explain(t.root, negated);
      }
    return std::nullopt;
  }

  std::optional<std::string> binary(const expr::node& n, bool negated) const {
    using expr::binary_op;
    switch (n.op.binary) {
      case binary_op::logical_and:
      case binary_op::logical_or: {
        auto a = explain(n.args[0], negated), b = explain(n.args[1], negated);
        if (!a || !b) return std::nullopt;
        bool conjunction = (n.op.binary == binary_op::logical_and) != negated;  // De Morgan
        return *a + (conjunction ? "，且" : "，或者") + *b;
      }
      case binary_op::eq:
      case binary_op::ne: {
        bool equal = (n.op.binary == binary_op::eq) != negated;
        expr::node_id field_side = n.args[0], value_side = n.args[1];
        if (string_literal(field_side)) std::swap(field_side, value_side);
        const auto* f = labelled(field_side);
        const auto* v = string_literal(value_side);
        if (!f || !v) return std::nullopt;
        return quoted(f->label) + (equal ? "为" : "不为") + "“" + option_label(*f, *v) + "”";
      }
      case binary_op::in: {
        if (const auto* f = labelled(n.args[0])) {  // field in ["a", "b"]
          auto values = string_list(n.args[1]);
          if (!values) return std::nullopt;
          if (values->size() == 1) return quoted(f->label) + (negated ? "不为" : "为") + alternatives(*f, *values, "");
          return quoted(f->label) + (negated ? "不为" + alternatives(*f, *values, "、") + "中的任何一项"
                                             : "为" + alternatives(*f, *values, "或"));
        }
        const auto* v = string_literal(n.args[0]);  // "a" in list_field
        const auto* f = labelled(n.args[1]);
        if (!v || !f) return std::nullopt;
        return quoted(f->label) + (negated ? "不包含" : "包含") + "“" + option_label(*f, *v) + "”";
      }
      case binary_op::lt:
      case binary_op::le:
      case binary_op::gt:
      case binary_op::ge: {
        const auto* f = labelled(n.args[0]);
        const auto& lit = tree_.at(n.args[1]);
        if (!f || lit.kind != expr::node_kind::literal || std::holds_alternative<std::string>(lit.lit) ||
            std::holds_alternative<bool>(lit.lit))
          return std::nullopt;
        auto op = n.op.binary;
        if (negated)
          op = op == binary_op::lt ? binary_op::ge : op == binary_op::le ? binary_op::gt : op == binary_op::gt ? binary_op::le : binary_op::lt;
        std::string_view words = op == binary_op::lt ? "小于" : op == binary_op::le ? "不大于" : op == binary_op::gt ? "大于" : "不小于";
        return quoted(f->label) + std::string(words) + std::string(tree_.text(n.args[1]));
      }
      default: return std::nullopt;
    }
  }

  /// list_field.exists(x, x in [...]) or list_field.exists(x, x == "v").
  std::optional<std::string> exists(const expr::node& n, bool negated) const {
    if (n.op.macro != expr::macro_kind::exists || n.args.size() != 2) return std::nullopt;
    const auto* f = labelled(n.args[0]);
    const auto& pred = tree_.at(n.args[1]);
    if (!f || pred.kind != expr::node_kind::binary) return std::nullopt;
    const auto& var = tree_.at(pred.args[0]);
    if (var.kind != expr::node_kind::ident || var.name != n.name) return std::nullopt;
    std::vector<std::string> values;
    if (pred.op.binary == expr::binary_op::in) {
      auto l = string_list(pred.args[1]);
      if (!l) return std::nullopt;
      values = *l;
    } else if (pred.op.binary == expr::binary_op::eq && string_literal(pred.args[1])) {
      values.push_back(*string_literal(pred.args[1]));
    } else {
      return std::nullopt;
    }
    if (values.size() == 1) return quoted(f->label) + (negated ? "不包含" : "包含") + alternatives(*f, values, "");
    return quoted(f->label) + (negated ? "不包含" : "包含") + alternatives(*f, values, "、") + (negated ? "中的任何一项" : "中的一项或者多项");
  }
};

}  // namespace detail

/// The condition `r` in words ("委托代理人办理"), or nullopt when only its source says it.
inline std::optional<std::string> explain(const item& item, const rule& r) {
  if (!r.program) return std::nullopt;
  const auto& tree = r.program->tree();
  if (tree.root == expr::no_node) return std::nullopt;
  return detail::explainer(item, tree).explain(tree.root);
}

}  // namespace evenhand::standard
