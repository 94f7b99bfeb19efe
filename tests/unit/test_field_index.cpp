#include <evenhand/standard/field_index.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

using evenhand::standard::field_index;

TEST_CASE("field_index: finds a field by its path, and the fields under a path, in sorted order") {
  // Sorted as an item's fields are; "agent" is a field and the head of others, "legal" is the
  // start of a name but no path, "a-b" sorts between "a" and "a.x".
  const std::vector<std::string> names = {"a",         "a-b",           "a.x",           "a.y.z",          "agent",
                                          "agent.appointed", "legal_rep.id_no", "legal_rep.name", "premises.area_m2"};
  auto name_of = [&](std::uint32_t i) { return std::string_view(names[i]); };
  const field_index index(names.size(), name_of);
  CHECK(index.size() == names.size());

  auto check = [&](std::string_view path, std::uint32_t exact, std::uint32_t first, std::uint32_t last) {
    INFO(path);
    const auto* e = index.find(path, name_of);
    REQUIRE(e);
    CHECK(e->exact == exact);
    CHECK(e->last - e->first == last - first);
    if (first != last) {
      CHECK(e->first == first);
      CHECK(e->last == last);
    }
  };
  const auto none = field_index::none;
  check("a", 0, 2, 4);  // a field, and the head of a.x and a.y.z (not of a-b)
  check("a-b", 1, 0, 0);
  check("a.x", 2, 0, 0);
  check("a.y", none, 3, 4);
  check("a.y.z", 3, 0, 0);
  check("agent", 4, 5, 6);
  check("agent.appointed", 5, 0, 0);
  check("legal_rep", none, 6, 8);
  check("premises", none, 8, 9);
  check("premises.area_m2", 8, 0, 0);
  for (std::string_view missing : {"", "legal", "legal_rep.", "a.y.z.w", "premises.area", "b", "agent.appointed.x"}) {
    INFO(missing);
    CHECK(index.find(missing, name_of) == nullptr);
  }

  // Nothing indexed: nothing found, and no names are asked for.
  const field_index empty;
  CHECK(empty.size() == 0);
  CHECK(empty.find("a", [](std::uint32_t) -> std::string_view { FAIL("no names"); return {}; }) == nullptr);
}

TEST_CASE("field_index: many names, each found, none confused with another of the same hash bucket") {
  std::vector<std::string> names;
  for (int group = 0; group < 40; ++group)
    for (int member = 0; member < 25; ++member)
      names.push_back("g" + std::to_string(1000 + group) + ".m" + std::to_string(1000 + member));
  auto name_of = [&](std::uint32_t i) { return std::string_view(names[i]); };
  const field_index index(names.size(), name_of);
  for (std::uint32_t i = 0; i < names.size(); ++i) {
    const auto* e = index.find(names[i], name_of);
    REQUIRE(e);
    CHECK(e->exact == i);
  }
  for (int group = 0; group < 40; ++group) {
    const auto* e = index.find("g" + std::to_string(1000 + group), name_of);
    REQUIRE(e);
    CHECK(e->exact == field_index::none);
    CHECK(e->first == static_cast<std::uint32_t>(group * 25));
    CHECK(e->last == static_cast<std::uint32_t>(group * 25 + 25));
  }
  CHECK(index.find("g1040", name_of) == nullptr);
  CHECK(index.find("g1000.m1025", name_of) == nullptr);
}

TEST_CASE("field_index: names of every length up to 40, and paths one byte off each, at every place") {
  // The hash reads a path in words (and a short one in overlapping halves): every length and
  // every byte of it must count, and nothing outside it.
  std::vector<std::string> names;
  for (std::size_t length = 1; length <= 40; ++length) {
    std::string name;
    for (std::size_t i = 0; i < length; ++i) name += static_cast<char>('a' + (i * 7 + length) % 26);
    names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  auto name_of = [&](std::uint32_t i) { return std::string_view(names[i]); };
  const field_index index(names.size(), name_of);
  for (std::uint32_t i = 0; i < names.size(); ++i) {
    INFO(names[i]);
    const std::string buffer = names[i] + "~~~~~~~~";  // bytes after the path that must not count
    const auto* e = index.find(std::string_view(buffer).substr(0, names[i].size()), name_of);
    REQUIRE(e);
    CHECK(e->exact == i);
    for (std::size_t at = 0; at < names[i].size(); ++at) {
      std::string off = names[i];
      off[at] = '_';
      CHECK(index.find(off, name_of) == nullptr);
    }
    CHECK(index.find(names[i] + "x", name_of) == nullptr);
  }
}
