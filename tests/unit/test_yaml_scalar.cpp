#include <evenhand/standard/detail/yaml_scalar.hpp>

#include <doctest/doctest.h>
#include <yaml-cpp/yaml.h>

using evenhand::standard::detail::map_scalar;
using evenhand::standard::detail::scalar_style;

namespace {

// The file text at the mapped position of the first occurrence of `needle` in the value.
std::string at(const std::string& text, const char* key, std::string_view needle) {
  YAML::Node doc = YAML::Load(text);
  YAML::Node n = doc[key];
  std::string value = n.as<std::string>();
  auto m = map_scalar(text, static_cast<std::size_t>(n.Mark().pos), value);
  REQUIRE(m.exact);
  std::size_t i = value.find(needle);
  REQUIRE(i != std::string::npos);
  return text.substr(m.to_file(i), needle.size());
}

scalar_style style_of(const std::string& text, const char* key) {
  YAML::Node n = YAML::Load(text)[key];
  return map_scalar(text, static_cast<std::size_t>(n.Mark().pos), n.as<std::string>()).style;
}

}  // namespace

TEST_CASE("plain scalars map one to one") {
  std::string t = "id: x\nrequire: is_uscc(applicant.uscc) && 食品 == kind\n";
  CHECK(at(t, "require", "applicant") == "applicant");
  CHECK(at(t, "require", "kind") == "kind");
  CHECK(style_of(t, "require") == scalar_style::plain);
}

TEST_CASE("single quotes: doubled quotes are one character") {
  std::string t = "when: '\"catering\" in scope && name == ''张三'' && bad'\n";
  CHECK(at(t, "when", "scope") == "scope");
  CHECK(at(t, "when", "bad") == "bad");
  CHECK(style_of(t, "when") == scalar_style::single_quoted);
}

TEST_CASE("double quotes: escapes are decoded") {
  std::string t = "when: \"\\\"catering\\\" in scope\\t&& \\u4e2d == x && bad\"\n";
  CHECK(at(t, "when", "scope") == "scope");
  CHECK(at(t, "when", "bad") == "bad");
  CHECK(at(t, "when", "\"catering").substr(0, 2) == "\\\"");  // points at the escape
}

TEST_CASE("literal and folded blocks") {
  std::string lit = "require: |\n  a &&\n    b\n  && bad\nnext: 1\n";
  CHECK(at(lit, "require", "bad") == "bad");
  CHECK(at(lit, "require", "b\n") == "b\n");
  CHECK(style_of(lit, "require") == scalar_style::literal);
  std::string folded = "require: >\n  a &&\n  b &&\n  bad\nnext: 1\n";
  CHECK(at(folded, "require", "bad") == "bad");
  CHECK(style_of(folded, "require") == scalar_style::folded);
}

TEST_CASE("multi-line plain and quoted scalars fold breaks") {
  std::string plain = "require: a &&\n  b && bad\nnext: 1\n";
  CHECK(at(plain, "require", "bad") == "bad");
  std::string quoted = "require: 'a &&\n  b && bad'\n";
  CHECK(at(quoted, "require", "bad") == "bad");
}

TEST_CASE("an unverifiable map falls back to the start") {
  std::string t = "x: 'abc'\n";
  auto m = map_scalar(t, t.find('\''), "something else");
  CHECK_FALSE(m.exact);
  CHECK(m.to_file(5) == m.start);
}
