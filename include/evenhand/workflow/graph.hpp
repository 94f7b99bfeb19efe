// The workflow of an item as a DAG (Boost.Graph): steps are vertices, `after` gives edges from
// each prerequisite to the step. Checked once at load time: unknown prerequisites, cycles
// (named step by step, in order), steps unreachable from the first step; then the
// topological order and the critical path (the longest chain of counted working days).
#pragma once

#include <evenhand/diagnostics.hpp>

#include <boost/container/small_vector.hpp>
#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/breadth_first_search.hpp>
#include <boost/graph/depth_first_search.hpp>
#include <boost/graph/topological_sort.hpp>

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace evenhand::workflow {

/// One step as the standard declares it, with where it was declared.
struct step_spec {
  std::string id;
  std::vector<std::string> after;
  std::int64_t limit = 0;  ///< the step's own limit, in the workflow's unit (working days)
  bool counted = true;     ///< false: a special procedure (行政许可法 art. 45), not counted
  source_location where;                    ///< the step's `id`
  std::vector<source_location> after_where;  ///< each `after` entry (may be empty: use `where`)
};

using vertex_graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS>;

/// The checked shape of a workflow. Indices refer to the `steps` vector it was built from.
struct analysis {
  std::vector<std::size_t> topological_order;  ///< empty when the graph has a cycle
  std::vector<std::size_t> critical_path;      ///< first step to last, counted days maximal
  std::int64_t critical_days = 0;              ///< counted days along the critical path
  std::vector<std::vector<std::size_t>> predecessors;  ///< resolved `after`, per step, ascending
  std::vector<std::int64_t> counted_days;  ///< per step: its limit when counted, else 0
  diagnostics problems;
  bool ok() const noexcept { return !has_errors(problems); }
};

namespace detail {

struct tree_edge_recorder : boost::default_dfs_visitor {
  std::vector<std::size_t>* parent;
  std::vector<std::pair<std::size_t, std::size_t>>* back_edges;
  template <class Edge, class Graph>
  void tree_edge(Edge e, const Graph& g) {
    (*parent)[boost::target(e, g)] = boost::source(e, g);
  }
  template <class Edge, class Graph>
  void back_edge(Edge e, const Graph& g) {
    back_edges->emplace_back(boost::source(e, g), boost::target(e, g));
  }
};

}  // namespace detail

/// Longest path over the steps for which `on(i)`, weighting each step by its limit when
/// counted and 0 otherwise, written into `path` (cleared first; anything with `push_back`);
/// returns its length. A step that does not apply passes its prerequisites' finish through at
/// no cost (an `after` naming it is satisfied) and is left off the path. Ties go to the
/// earlier-declared step, so the same workflow always yields the same path. `order` must be a
/// topological order. Allocates nothing for workflows of up to 32 steps beyond `path`'s room.
template <class Path, class Applies>
std::int64_t longest_path_into(Path& path, const std::vector<std::int64_t>& counted_days,
                               const std::vector<std::vector<std::size_t>>& preds, const std::vector<std::size_t>& order,
                               Applies on) {
  const std::size_t n = counted_days.size();
  path.clear();
  boost::container::small_vector<std::int64_t, 32> finish(n, 0);
  boost::container::small_vector<std::size_t, 32> via(n, n);
  for (std::size_t v : order) {
    std::int64_t start = -1;
    for (std::size_t u : preds[v]) {  // ascending: ties go to the earlier step
      if (finish[u] > start) {
        start = finish[u];
        via[v] = u;
      }
    }
    if (start < 0) start = 0;
    finish[v] = start + (on(v) ? counted_days[v] : 0);
  }
  // The path ends where the work ends: the latest finish, and among equal finishes a step
  // nothing comes after (steps of 0 days, as in an immediate item, all finish together).
  boost::container::small_vector<bool, 32> followed(n, false);
  for (std::size_t v = 0; v < n; ++v)
    for (std::size_t u : preds[v]) followed[u] = true;
  std::size_t end = n;
  for (std::size_t v = 0; v < n; ++v)
    if (on(v) && (end == n || finish[v] > finish[end] || (finish[v] == finish[end] && followed[end] && !followed[v]))) end = v;
  if (end == n) return 0;
  for (std::size_t v = end; v != n; v = via[v])
    if (on(v)) path.push_back(v);
  std::reverse(path.begin(), path.end());
  return finish[end];
}

/// The same for the steps with `applies[i]` (all when empty), as a new vector.
inline std::pair<std::vector<std::size_t>, std::int64_t> longest_path(
    const std::vector<std::int64_t>& counted_days, const std::vector<std::vector<std::size_t>>& preds,
    const std::vector<std::size_t>& order, const std::vector<bool>& applies = {}) {
  std::vector<std::size_t> path;
  path.reserve(counted_days.size());
  const std::int64_t days = longest_path_into(path, counted_days, preds, order,
                                              [&](std::size_t i) { return applies.empty() || applies[i]; });
  return {std::move(path), days};
}

/// Each step's weight on the critical path: its limit when counted, 0 otherwise.
inline std::vector<std::int64_t> counted_days(const std::vector<step_spec>& steps) {
  std::vector<std::int64_t> out;
  out.reserve(steps.size());
  for (const auto& s : steps) out.push_back(s.counted ? s.limit : 0);
  return out;
}

/// `predecessors` must list each step's predecessors in ascending order (as `analyze` does).
inline std::pair<std::vector<std::size_t>, std::int64_t> longest_path(
    const std::vector<step_spec>& steps, const std::vector<std::vector<std::size_t>>& preds,
    const std::vector<std::size_t>& order, const std::vector<bool>& applies = {}) {
  return longest_path(counted_days(steps), preds, order, applies);
}

/// Builds and checks the step graph. Never throws for what the steps say.
inline analysis analyze(const std::vector<step_spec>& steps) {
  analysis out;
  const std::size_t n = steps.size();
  out.predecessors.resize(n);
  std::map<std::string, std::size_t> index;
  // Steps already reported (duplicate, or after an unknown step) are not reported again as
  // unreachable: one mistake, one diagnostic.
  std::vector<bool> reported(n, false);
  for (std::size_t i = 0; i < n; ++i) {
    auto [it, inserted] = index.emplace(steps[i].id, i);
    if (!inserted) {
      reported[i] = true;
      diagnostic d;
      d.code = "E313";
      d.message = "duplicate step id '" + steps[i].id + "'";
      d.where = steps[i].where;
      d.hint = "first declared at line " + std::to_string(steps[it->second].where.line);
      out.problems.push_back(std::move(d));
    }
  }
  std::vector<std::string> known;
  for (const auto& [id, i] : index) known.push_back(id);

  vertex_graph g(n);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t k = 0; k < steps[i].after.size(); ++k) {
      const std::string& name = steps[i].after[k];
      auto it = index.find(name);
      if (it == index.end()) {
        reported[i] = true;
        diagnostic d;
        d.code = "E310";
        d.message = "step '" + steps[i].id + "' comes after '" + name + "', which is no step";
        d.where = k < steps[i].after_where.size() ? steps[i].after_where[k] : steps[i].where;
        if (auto m = closest_match(name, known); !m.empty()) d.hint = "did you mean '" + m + "'?";
        out.problems.push_back(std::move(d));
        continue;
      }
      if (std::find(out.predecessors[i].begin(), out.predecessors[i].end(), it->second) ==
          out.predecessors[i].end()) {
        out.predecessors[i].push_back(it->second);
        boost::add_edge(it->second, i, g);
      }
    }
  }

  // Cycles: each back edge of a depth-first search closes one; walk the tree back to name it.
  std::vector<std::size_t> parent(n, n);
  std::vector<std::pair<std::size_t, std::size_t>> back_edges;
  if (n > 0) {
    detail::tree_edge_recorder vis;
    vis.parent = &parent;
    vis.back_edges = &back_edges;
    std::vector<boost::default_color_type> color(n);
    boost::depth_first_search(
        g, boost::visitor(vis).color_map(boost::make_iterator_property_map(
               color.begin(), boost::get(boost::vertex_index, g))));
  }
  for (auto [from, to] : back_edges) {
    std::vector<std::size_t> cycle;
    for (std::size_t v = from; v != to && v != n; v = parent[v]) cycle.push_back(v);
    cycle.push_back(to);
    std::reverse(cycle.begin(), cycle.end());
    std::string names;
    for (std::size_t v : cycle) names += "'" + steps[v].id + "' -> ";
    names += "'" + steps[to].id + "'";
    diagnostic d;
    d.code = "E311";
    d.message = "the workflow has a cycle: " + names;
    d.where = steps[to].where;
    d.hint = "a step cannot wait, directly or through others, for itself; remove one `after`";
    out.problems.push_back(std::move(d));
  }
  if (!back_edges.empty() || n == 0) return out;

  // Reachability from the first step: a step no path leads to would never be started.
  std::vector<boost::default_color_type> color(n, boost::white_color);
  boost::breadth_first_search(g, boost::vertex(0, g),
                              boost::color_map(boost::make_iterator_property_map(
                                  color.begin(), boost::get(boost::vertex_index, g))));
  for (std::size_t i = 1; i < n; ++i) {
    if (color[i] != boost::white_color || reported[i]) continue;
    diagnostic d;
    d.code = "E312";
    d.message = "step '" + steps[i].id + "' cannot be reached from the first step '" + steps[0].id + "'";
    d.where = steps[i].where;
    d.hint = "give it an `after` that leads back to '" + steps[0].id + "'";
    out.problems.push_back(std::move(d));
  }

  for (auto& p : out.predecessors) std::sort(p.begin(), p.end());
  out.counted_days = counted_days(steps);
  std::vector<std::size_t> reversed;
  boost::topological_sort(g, std::back_inserter(reversed));
  out.topological_order.assign(reversed.rbegin(), reversed.rend());
  std::tie(out.critical_path, out.critical_days) =
      longest_path(out.counted_days, out.predecessors, out.topological_order);
  return out;
}

}  // namespace evenhand::workflow
