// Types: spelling, parsing, assignability, type_of.
#include <evenhand/expr/types.hpp>

#include <doctest/doctest.h>

using namespace evenhand;
using evenhand::expr::type;

TEST_CASE("types: CEL spelling round-trips") {
  for (const char* s : {"int", "uint", "double", "bool", "string", "bytes", "null_type", "dyn", "decimal",
                        "date", "list(string)", "map(string, dyn)", "type(int)",
                        "google.protobuf.Timestamp", "google.protobuf.Duration",
                        "list(map(int, list(bool)))"}) {
    auto t = type::parse(s);
    REQUIRE(t);
    CHECK(t->to_string() == s);
  }
  CHECK(type::parse("list<string>")->to_string() == "list(string)");
  CHECK(type::parse("map<string, int>")->to_string() == "map(string, int)");
  CHECK(type::parse("timestamp")->to_string() == "google.protobuf.Timestamp");
  CHECK(!type::parse("list(int"));
  CHECK(!type::parse("map(int)"));
  CHECK(!type::parse(""));
  CHECK(type::parse("google.protobuf.Struct")->kind() == expr::type_kind::opaque);
}

TEST_CASE("types: assignability and join") {
  CHECK(expr::is_assignable(type::dyn(), type::int_()));
  CHECK(expr::is_assignable(type::int_(), type::dyn()));
  CHECK(!expr::is_assignable(type::int_(), type::string()));
  CHECK(expr::is_assignable(type::string(), type::enum_of({"a", "b"})));
  CHECK(expr::is_assignable(type::list_of(type::dyn()), type::list_of(type::int_())));
  CHECK(!expr::is_assignable(type::list_of(type::int_()), type::list_of(type::string())));
  CHECK(expr::join(type::int_(), type::int_()) == type::int_());
  CHECK(expr::join(type::int_(), type::string()) == type::dyn());
  auto staff = type::record("staff", {{"name", type::string()}, {"health_cert", type::bool_()}});
  CHECK(staff.field("health_cert") == type::bool_());
  CHECK(!staff.field("health"));
  CHECK(staff.to_string() == "staff");
}

TEST_CASE("types: type_of runtime values") {
  CHECK(expr::type_of(value(1)) == type::int_());
  CHECK(expr::type_of(value("x")) == type::string());
  CHECK(expr::type_of(value(list{value(1), value(2)})).to_string() == "list(int)");
  CHECK(expr::type_of(value(list{value(1), value("a")})).to_string() == "list(dyn)");
  CHECK(expr::type_of(value(list{})).to_string() == "list(dyn)");
  map_entries m;
  m.emplace_back(value("a"), value(1.5));
  CHECK(expr::type_of(value::make_map(std::move(m))).to_string() == "map(string, double)");
}
