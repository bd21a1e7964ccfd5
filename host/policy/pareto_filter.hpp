// The non-dominated points of a set (its Pareto front under "no larger in every coordinate"),
// for the oracle's dynamic programme, whose states per expert group run to the hundred
// thousand on three-way layers: comparing each state with every kept one took 94 % of a
// 64-expert layer's search (tens of seconds), this takes a small part of it.
//
// The dominators of a point all lie in the box below it, so a k-d tree over all the points,
// whose nodes carry their points' lower and upper corners, answers "is anything else in the
// box" by visiting only the nodes that reach into it: a node entirely inside the box answers at
// once, a node that does not reach it is skipped. Domination is transitive, so a point
// dominated by anyone is dominated by a non-dominated one: the answer for every point is
// independent of the others' answers, and the tree is built once over all of them.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <utility>
#include <vector>

namespace monde::policy {

// keep[i] is true when no other point of `keys` is <= keys[i] in every coordinate, except that
// of equal points the first (lowest index) is kept. The same answer as comparing every pair.
template <std::size_t N>
std::vector<bool> non_dominated(const std::vector<std::array<double, N>>& keys) {
  using Key = std::array<double, N>;
  const std::size_t n = keys.size();
  std::vector<bool> keep(n, false);
  if (n == 0) return keep;

  // Equal points: only the first takes part (the tree then holds distinct points, so any other
  // point <= one is strictly below it somewhere).
  std::vector<std::uint32_t> order(n);
  for (std::size_t i = 0; i < n; ++i) order[i] = static_cast<std::uint32_t>(i);
  std::stable_sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) { return keys[a] < keys[b]; });
  std::vector<std::uint32_t> points;
  points.reserve(n);
  for (std::size_t k = 0; k < n; ++k) {
    if (k == 0 || keys[order[k]] != keys[order[k - 1]]) points.push_back(order[k]);
  }

  // Few points: compare each with the kept ones before it in key order (only those can dominate
  // it); cheaper than building a tree.
  constexpr std::size_t kPairwiseMax = 1024;
  if (points.size() <= kPairwiseMax) {
    std::vector<std::uint32_t> kept;
    for (const std::uint32_t i : points) {
      const Key& q = keys[i];
      const bool dominated = std::any_of(kept.begin(), kept.end(), [&](std::uint32_t k) {
        for (std::size_t d = 0; d < N; ++d) {
          if (keys[k][d] > q[d]) return false;
        }
        return true;
      });
      if (!dominated) {
        kept.push_back(i);
        keep[i] = true;
      }
    }
    return keep;
  }

  struct TreeNode {
    Key lo, hi;                    // corners of the node's points
    std::uint32_t begin, end;      // its points: points[begin, end)
    std::uint32_t left = 0, right = 0;  // children (0: a leaf; node 0 is the root)
  };
  constexpr std::uint32_t kLeafSize = 16;
  std::vector<TreeNode> tree;
  tree.reserve(2 * (points.size() / kLeafSize + 1));

  // Builds the node over points[begin, end) and returns its index.
  auto build = [&](auto& self, std::uint32_t begin, std::uint32_t end) -> std::uint32_t {
    TreeNode node;
    node.lo = keys[points[begin]];
    node.hi = node.lo;
    for (std::uint32_t k = begin + 1; k < end; ++k) {
      const Key& p = keys[points[k]];
      for (std::size_t d = 0; d < N; ++d) {
        node.lo[d] = std::min(node.lo[d], p[d]);
        node.hi[d] = std::max(node.hi[d], p[d]);
      }
    }
    node.begin = begin;
    node.end = end;
    const auto at = static_cast<std::uint32_t>(tree.size());
    tree.push_back(node);
    if (end - begin <= kLeafSize) return at;
    // Split at the median of the coordinate that spreads most relative to its magnitude (the
    // coordinates are times of different sizes, and 0/1 flags).
    std::size_t dim = N;
    double best = 0.0;
    for (std::size_t d = 0; d < N; ++d) {
      const double span = node.hi[d] - node.lo[d];
      const double scale = std::max(std::abs(node.hi[d]), std::abs(node.lo[d]));
      const double spread = scale > 0.0 ? span / scale : 0.0;
      if (spread > best) {
        best = spread;
        dim = d;
      }
    }
    if (dim == N) return at;  // all points equal in every coordinate: cannot happen, kept as a leaf
    const std::uint32_t mid = begin + (end - begin) / 2;
    std::nth_element(points.begin() + begin, points.begin() + mid, points.begin() + end,
                     [&](std::uint32_t a, std::uint32_t b) { return keys[a][dim] < keys[b][dim]; });
    const std::uint32_t left = self(self, begin, mid);
    const std::uint32_t right = self(self, mid, end);
    tree[at].left = left;
    tree[at].right = right;
    return at;
  };
  build(build, 0, static_cast<std::uint32_t>(points.size()));

  // Is a point other than `self` (distinct from it) <= q in every coordinate?
  std::vector<std::uint32_t> stack;
  auto dominated = [&](std::uint32_t self) {
    const Key& q = keys[self];
    stack.assign(1, 0);
    while (!stack.empty()) {
      const TreeNode& node = tree[stack.back()];
      stack.pop_back();
      bool reaches = true;
      bool inside = true;
      for (std::size_t d = 0; d < N; ++d) {
        reaches = reaches && node.lo[d] <= q[d];
        inside = inside && node.hi[d] <= q[d];
      }
      if (!reaches) continue;
      if (inside && (node.end - node.begin > 1 || points[node.begin] != self)) return true;
      if (node.left == 0) {
        for (std::uint32_t k = node.begin; k < node.end; ++k) {
          const std::uint32_t other = points[k];
          if (other == self) continue;
          const Key& p = keys[other];
          bool below = true;
          for (std::size_t d = 0; d < N && below; ++d) below = p[d] <= q[d];
          if (below) return true;
        }
        continue;
      }
      // The lower half first: its points are the likelier dominators.
      stack.push_back(node.right);
      stack.push_back(node.left);
    }
    return false;
  };
  for (const std::uint32_t i : points) keep[i] = !dominated(i);
  return keep;
}

// non_dominated(keys) for keys whose coordinates marked in `in_class` only ever compare equal
// between a point and any point it could dominate (the caller knows why: e.g. a value v stored as
// v and -v, or counts that sum to a value held by another such coordinate): points of different
// classes (different values there) never dominate each other, so each class is filtered alone on
// the other R coordinates, the same answer in fewer dimensions over smaller sets. Up to `whole`
// points go to non_dominated() as they are (sorting into classes costs more than it saves there).
// std::invalid_argument when `in_class` does not leave exactly R coordinates.
template <std::size_t R, std::size_t N>
std::vector<bool> non_dominated_within_classes(const std::vector<std::array<double, N>>& keys,
                                               const std::array<bool, N>& in_class, std::size_t whole = 1024) {
  std::size_t rest_size = 0;
  for (const bool c : in_class) rest_size += c ? 0 : 1;
  if (rest_size != R) {
    throw std::invalid_argument("non_dominated_within_classes: the classes leave other than R coordinates");
  }
  if (keys.size() <= whole) return non_dominated(keys);
  using Class = std::array<double, N - R>;
  using Rest = std::array<double, R>;
  std::vector<std::pair<Class, std::uint32_t>> order(keys.size());
  for (std::size_t i = 0; i < keys.size(); ++i) {
    Class c{};
    for (std::size_t k = 0, j = 0; k < N; ++k) {
      if (in_class[k]) c[j++] = keys[i][k];
    }
    order[i] = {c, static_cast<std::uint32_t>(i)};
  }
  // By class, and within a class by index: of equal points the first is still the one kept.
  std::sort(order.begin(), order.end());
  std::vector<bool> keep(keys.size(), false);
  std::vector<Rest> rest;
  for (std::size_t begin = 0; begin < order.size();) {
    std::size_t end = begin + 1;
    while (end < order.size() && order[end].first == order[begin].first) ++end;
    rest.clear();
    for (std::size_t m = begin; m < end; ++m) {
      Rest r{};
      for (std::size_t k = 0, j = 0; k < N; ++k) {
        if (!in_class[k]) r[j++] = keys[order[m].second][k];
      }
      rest.push_back(r);
    }
    const std::vector<bool> kept = non_dominated(rest);
    for (std::size_t m = begin; m < end; ++m) keep[order[m].second] = kept[m - begin];
    begin = end;
  }
  return keep;
}

}  // namespace monde::policy
