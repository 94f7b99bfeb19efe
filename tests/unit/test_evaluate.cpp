#include <evenhand/detail/utf8.hpp>
#include <evenhand/eval/decision_json.hpp>
#include <evenhand/eval/ruleset_tests.hpp>
#include <evenhand/standard/loader.hpp>

#include <doctest/doctest.h>

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

using namespace evenhand;
namespace fs = std::filesystem;

namespace {

const fs::path demo = fs::path(EVENHAND_SOURCE_DIR) / "rulesets/cn-demo";

/// Every application of the demo ruleset's tests, as text.
std::vector<std::string> demo_applications() {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(demo / "tests")) {
    YAML::Node doc = YAML::LoadFile(e.path().string());
    for (const auto& c : doc["cases"]) {
      YAML::Emitter em;
      em << c["application"];
      out.push_back(em.c_str());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> decide_all(const standard::ruleset& rules, const std::vector<std::string>& apps) {
  std::vector<std::string> out;
  for (const auto& text : apps) {
    diagnostics problems;
    auto app = eval::read_application(text, "app.yaml", rules, problems);
    REQUIRE(app);
    out.push_back(eval::to_json(eval::evaluate(rules, *app)));
  }
  return out;
}

}  // namespace

TEST_CASE("evaluate: the demo ruleset's own tests pass") {
  auto loaded = standard::load_ruleset(demo);
  REQUIRE(loaded.rules);
  auto run = eval::run_ruleset_tests(*loaded.rules, demo);
  CHECK(run.problems.empty());
  CHECK(run.cases.size() >= 12);
  for (const auto& c : run.cases) {
    INFO(c.file << " " << c.id);
    for (const auto& d : c.differences) INFO(d);
    CHECK(c.passed());
  }
}

TEST_CASE("evaluate: same bytes twice, on two threads, and after a reload") {
  auto apps = demo_applications();
  REQUIRE(apps.size() >= 12);
  auto first = standard::load_ruleset(demo);
  REQUIRE(first.rules);
  auto once = decide_all(*first.rules, apps);
  CHECK(decide_all(*first.rules, apps) == once);
  std::vector<std::string> a, b;
  std::thread t1([&] { a = decide_all(*first.rules, apps); });
  std::thread t2([&] { b = decide_all(*first.rules, apps); });
  t1.join();
  t2.join();
  CHECK(a == once);
  CHECK(b == once);
  auto reloaded = standard::load_ruleset(demo);
  REQUIRE(reloaded.rules);
  CHECK(decide_all(*reloaded.rules, apps) == once);
  for (const auto& json : once) {
    CHECK(json.find('\n') == std::string::npos);
    CHECK(json.rfind("{\"application\":\"sha256:", 0) == 0);
  }
}

TEST_CASE("evaluate: a missing field is unknown, never passed silently") {
  auto loaded = standard::load_ruleset(demo);
  REQUIRE(loaded.rules);
  const char* text = R"(
item: SCJG-XK-001
submitted_at: 2026-02-10T09:30:00+08:00
fields:
  applicant: { kind: enterprise }
)";
  diagnostics problems;
  auto app = eval::read_application(text, "app.yaml", *loaded.rules, problems);
  REQUIRE(app);
  auto d = eval::evaluate(*loaded.rules, *app);
  CHECK(d.outcome == eval::outcome::correct);
  bool asks_for_fields = std::any_of(d.notice.begin(), d.notice.end(), [](const auto& n) { return n.kind == eval::notice_kind::field; });
  CHECK(asks_for_fields);
  bool unknown = std::any_of(d.conditions.begin(), d.conditions.end(), [](const auto& c) { return c.result == eval::rule_status::unknown; });
  CHECK(unknown);
}

TEST_CASE("evaluate: application errors are located and stop evaluation") {
  auto loaded = standard::load_ruleset(demo);
  REQUIRE(loaded.rules);
  auto errors_of = [&](const char* text) {
    diagnostics problems;
    auto app = eval::read_application(text, "app.yaml", *loaded.rules, problems);
    CHECK_FALSE(app);
    return problems;
  };
  auto p = errors_of("item: SCJG-XK-001\nsubmitted_at: 2026-02-10T09:30:00+08:00\nfields:\n  applicant: { kind: firm }\n");
  REQUIRE_FALSE(p.empty());
  CHECK(p[0].code == "E403");
  CHECK(p[0].where.line == 4);
  p = errors_of("item: SCJG-XK-001\nsubmitted_at: 2026-02-10T09:30:00+08:00\nfields:\n  premises: { area: 10 }\n");
  REQUIRE_FALSE(p.empty());
  CHECK(p[0].code == "E401");
  p = errors_of("item: SCJG-XK-001\nsubmitted_at: 2026-02-10T09:30:00+08:00\nfields:\n  premises: { area_m2: big }\n");
  REQUIRE_FALSE(p.empty());
  CHECK(p[0].code == "E402");
  p = errors_of("item: SCJG-XK-009\nsubmitted_at: 2026-02-10T09:30:00+08:00\n");
  REQUIRE_FALSE(p.empty());
  CHECK(p[0].code == "E404");
  p = errors_of("item: SCJG-XK-001\nsubmitted_at: yesterday\n");
  REQUIRE_FALSE(p.empty());
  CHECK(p[0].code == "E402");
  p = errors_of("{ item: [");
  REQUIRE_FALSE(p.empty());
  CHECK(p[0].code == "E400");
}

TEST_CASE("evaluate: an application's YAML syntax error after Chinese text is located where it is") {
  auto loaded = standard::load_ruleset(demo);
  REQUIRE(loaded.rules);
  // JSON read as YAML (a .yaml file written in JSON's style): a comma left out after a name.
  const std::string json_style =
      "{\"item\": \"SCJG-XK-001\", \"submitted_at\": \"2026-02-10T09:30:00+08:00\",\n"
      " \"fields\": {\"applicant\": {\"name\": \"某市好味道餐饮管理有限公司\" \"kind\": \"enterprise\"}}}\n";
  // Block YAML: an unknown escape after Chinese text, a line below more of it.
  const std::string block =
      "item: SCJG-XK-001\n"
      "submitted_at: 2026-02-10T09:30:00+08:00\n"
      "fields:\n"
      "  applicant: { kind: enterprise, name: 某市好味道餐饮管理有限公司 }\n"
      "  premises: { address: \"某市某区北京路\\q50号首层\" }\n";
  struct case_t {
    const std::string* text;
    std::uint32_t line, column;
  };
  for (const case_t& c : {case_t{&json_style, 2, 51}, case_t{&block, 5, 32}}) {
    INFO(*c.text);
    diagnostics problems;
    CHECK_FALSE(eval::read_application(*c.text, "app.yaml", *loaded.rules, problems, input_format::yaml));
    REQUIRE(problems.size() == 1);
    CHECK(problems[0].code == "E400");
    CHECK(problems[0].where.line == c.line);
    CHECK(problems[0].where.column == c.column);
  }
}

TEST_CASE("evaluate: a key left empty (YAML's bare '?') under a record is an unknown member, located") {
  // Found by fuzz_application: the empty key has no text at all, and the reader copied its
  // (null) characters with memcpy, undefined even for none (UBSan stops the test binary).
  auto loaded = standard::load_ruleset(demo);
  REQUIRE(loaded.rules);
  for (const char* text : {"item: SCJG-XK-001\nsubmitted_at: 2026-02-10T09:30:00+08:00\nfields:\n  applicant: { ? : x }\n",
                           "item: SCJG-XK-001\nsubmitted_at: 2026-02-10T09:30:00+08:00\nfields:\n  applicant:\n    ?\n    : x\n"}) {
    INFO(text);
    diagnostics problems;
    CHECK_FALSE(eval::read_application(text, "app.yaml", *loaded.rules, problems));
    REQUIRE(problems.size() == 1);
    CHECK(problems[0].code == "E401");
    CHECK(problems[0].where.line >= 4);
    CHECK(problems[0].message.find("has no field 'applicant.'") != std::string::npos);
  }
}

TEST_CASE("evaluate: YAML's escapes \\N and \\_ in an application are the characters they stand for") {
  // yaml-cpp decodes them to the single bytes 0x85 and 0xA0 (see fuzz_case's finding in
  // test_supervise.cpp): the application's id went into its canonical form and decision as
  // invalid UTF-8.
  auto loaded = standard::load_ruleset(demo);
  REQUIRE(loaded.rules);
  diagnostics problems;
  auto app = eval::read_application("id: \"A\\N1\\_2\"\nitem: SCJG-XK-001\nsubmitted_at: 2026-02-10T09:30:00+08:00\n", "app.yaml",
                                    *loaded.rules, problems);
  INFO(render_text(problems));
  REQUIRE(app);
  CHECK(app->id == "A\u0085" "1\u00A0" "2");
  CHECK(evenhand::detail::first_invalid_utf8(eval::canonical_form(*app)) == std::string_view::npos);
  CHECK(evenhand::detail::first_invalid_utf8(eval::to_json(eval::evaluate(*loaded.rules, *app))) == std::string_view::npos);
}

TEST_CASE("evaluate: golden decisions for the demo ruleset's test applications, byte for byte") {
  // Regenerate after an intended change: EVENHAND_UPDATE_GOLDENS=1 build/tests/evenhand_unit_tests
  //   -tc="evaluate: golden*", then review the diff: every changed byte is a changed decision.
  const fs::path golden_dir = fs::path(EVENHAND_SOURCE_DIR) / "tests/golden";
  const bool update = std::getenv("EVENHAND_UPDATE_GOLDENS") != nullptr;
  auto loaded = standard::load_ruleset(demo);
  REQUIRE(loaded.rules);
  std::size_t compared = 0;
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(demo / "tests")) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const auto& file : files) {
    YAML::Node doc = YAML::LoadFile(file.string());
    for (const auto& c : doc["cases"]) {
      YAML::Emitter em;
      em << c["application"];
      diagnostics problems;
      auto app = eval::read_application(em.c_str(), "app.yaml", *loaded.rules, problems);
      REQUIRE(app);
      std::optional<timestamp> as_of;
      if (c["as_of"].IsScalar()) as_of = timestamp::parse(c["as_of"].Scalar());
      std::string json = eval::to_json(eval::evaluate(*loaded.rules, *app, as_of)) + "\n";
      fs::path golden = golden_dir / file.stem() / (c["id"].Scalar() + ".json");
      if (update) {
        fs::create_directories(golden.parent_path());
        std::ofstream(golden, std::ios::binary) << json;
      }
      std::ifstream in(golden, std::ios::binary);
      std::string want((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      INFO(golden.string());
      CHECK(json == want);
      ++compared;
    }
  }
  CHECK(compared >= 12);
}

TEST_CASE("evaluate: a JSON application reads as the same application written in YAML") {
  auto loaded = standard::load_ruleset(demo);
  REQUIRE(loaded.rules);
  const auto& rules = *loaded.rules;
  std::ifstream in(fs::path(EVENHAND_SOURCE_DIR) / "examples/applications/food-business-restaurant.json", std::ios::binary);
  std::string json(std::istreambuf_iterator<char>(in), {});
  YAML::Node tests = YAML::LoadFile((demo / "tests/food-business-licence.yaml").string());
  YAML::Emitter em;
  em << tests["cases"][0]["application"];
  diagnostics problems;
  auto from_json = eval::read_application(json, "app.json", rules, problems);
  auto from_yaml = eval::read_application(em.c_str(), "app.yaml", rules, problems);
  REQUIRE(from_json);
  REQUIRE(from_yaml);
  CHECK(problems.empty());
  CHECK(from_json->digest == from_yaml->digest);
  CHECK(from_json->fields.size() == from_yaml->fields.size());
  CHECK(eval::to_json(eval::evaluate(rules, *from_json)) == eval::to_json(eval::evaluate(rules, *from_yaml)));
  // Numbers keep their exact text: 35.5 is the decimal 35.5, not the nearest double.
  auto area = std::find_if(from_json->fields.begin(), from_json->fields.end(), [](const auto& f) { return f.first == "premises.area_m2"; });
  REQUIRE(area != from_json->fields.end());
  CHECK(area->second.as_decimal().to_string() == "35.5");
}

TEST_CASE("evaluate: fields read the same nested, as flat dotted keys, or mixed") {
  auto loaded = standard::load_ruleset(demo);
  REQUIRE(loaded.rules);
  const auto& rules = *loaded.rules;
  const std::string head = "{\"item\": \"SCJG-XK-001\", \"submitted_at\": \"2026-02-10T09:30:00+08:00\", \"fields\": ";
  auto read = [&](const std::string& fields, diagnostics& problems) {
    return eval::read_application(head + fields + "}", "app.json", rules, problems);
  };
  diagnostics problems;
  auto nested = read(R"({"legal_rep": {"name": "刘某某", "id_no": "440106198503121237"}, "premises": {"area_m2": 35.5}})", problems);
  auto flat = read(R"({"premises.area_m2": 35.5, "legal_rep.id_no": "440106198503121237", "legal_rep.name": "刘某某"})", problems);
  auto mixed = read(R"({"legal_rep": {"id_no": "440106198503121237"}, "legal_rep.name": "刘某某", "premises": {"area_m2": 35.5}})", problems);
  REQUIRE(nested);
  REQUIRE(flat);
  REQUIRE(mixed);
  CHECK(problems.empty());
  CHECK(nested->digest == flat->digest);
  CHECK(nested->digest == mixed->digest);
  REQUIRE(nested->fields.size() == 3);
  CHECK(nested->fields[0].first == "legal_rep.id_no");
  CHECK(nested->fields[1].first == "legal_rep.name");
  CHECK(nested->fields[2].first == "premises.area_m2");
  CHECK(nested->slots == flat->slots);

  auto errors_of = [&](const std::string& fields) {
    diagnostics p;
    CHECK_FALSE(read(fields, p));
    return p;
  };
  // A member that does not exist is named by its whole path, nested or flat.
  auto p = errors_of(R"({"premises": {"area": 10}})");
  REQUIRE(p.size() == 1);
  CHECK(p[0].code == "E401");
  CHECK(p[0].message.find("'premises.area'") != std::string::npos);
  CHECK(p[0].hint.find("premises.area_m2") != std::string::npos);
  // A start of a name is not a record: "legal" is neither a field nor the head of one.
  p = errors_of(R"({"legal": {"rep": {"name": "x"}}})");
  REQUIRE(p.size() == 1);
  CHECK(p[0].code == "E401");
  // A record written as a single value, and a field given twice (nested and flat).
  p = errors_of(R"({"premises": 3})");
  REQUIRE(p.size() == 1);
  CHECK(p[0].code == "E402");
  CHECK(p[0].message.find("'premises'") != std::string::npos);
  p = errors_of(R"({"premises": {"area_m2": 35.5}, "premises.area_m2": 36})");
  REQUIRE(p.size() == 1);
  CHECK(p[0].code == "E405");
  // A record's member given twice is the application's error, located at the second one; it
  // never reaches evaluation as an error value.
  p = errors_of(R"({"staff": [{"name": "Li", "role": "worker", "name": "Wang"}]})");
  REQUIRE(p.size() == 1);
  CHECK(p[0].code == "E405");
  CHECK(p[0].message.starts_with("key 'name' is given twice; the first is on line 1"));
  CHECK(p[0].where.column == 1 + head.size() + std::string(R"({"staff": [{"name": "Li", "role": "worker", )").size());
}

TEST_CASE("evaluate: fields are found the same through the loader's path index as by searching the sorted names") {
  auto loaded = standard::load_ruleset(demo);
  REQUIRE(loaded.rules);
  // The same ruleset with no index and no record member order: the reader falls back to its
  // search of the sorted names, and to finding each record member by name.
  standard::ruleset unindexed = *loaded.rules;
  std::size_t records = 0;
  auto forget_member_order = [&](auto&& self, std::vector<standard::field>& fields) -> void {
    for (auto& f : fields) {
      if (!f.fields.empty()) {
        REQUIRE(f.member_order.size() == f.fields.size());
        f.member_order.clear();
        ++records;
      }
      self(self, f.fields);
    }
  };
  for (auto& item : unindexed.items) {
    REQUIRE(item.field_paths.size() == item.fields.size());
    item.field_paths = standard::field_index();
    forget_member_order(forget_member_order, item.fields);
  }
  CHECK(records > 0);
  const std::string head = "{\"item\": \"SCJG-XK-001\", \"submitted_at\": \"2026-02-10T09:30:00+08:00\", \"fields\": ";
  std::vector<std::string> texts = demo_applications();
  for (const char* fields : {
           R"({"legal_rep": {"name": "刘某某", "id_no": "440106198503121237"}, "premises": {"area_m2": 35.5}})",
           R"({"premises.area_m2": 35.5, "legal_rep.id_no": "440106198503121237", "legal_rep.name": "刘某某"})",
           R"({"legal_rep": {"id_no": "440106198503121237"}, "legal_rep.name": "刘某某", "premises": {"area_m2": 35.5}})",
           R"({"premises": {"area": 10}})", R"({"legal": {"rep": {"name": "x"}}})", R"({"premises": 3})",
           R"({"premises": {"area_m2": 35.5}, "premises.area_m2": 36})", R"({"legal_rep.": 1, "": 2})",
           R"({"staff": [{"name": "Li", "role": "worker", "name": "Wang"}]})",
           R"({"staff": [{"role": "worker", "name": "Li", "handles_food": true, "id_no": "440106199007152311"}]})",
           R"({"staff": [{"role": "worker", "nmae": "Li"}]})"})
    texts.push_back(head + fields + "}");
  texts.push_back(head + "{\"" + std::string(300, 'x') + "\": 1, \"premises\": {\"" + std::string(200, 'y') + "\": 2}}}");
  for (const auto& text : texts) {
    INFO(text);
    diagnostics with_index, without;
    auto a = eval::read_application(text, "app", *loaded.rules, with_index);
    auto b = eval::read_application(text, "app", unindexed, without);
    REQUIRE(a.has_value() == b.has_value());
    CHECK(render_json(with_index) == render_json(without));
    if (a) {
      CHECK(eval::canonical_form(*a) == eval::canonical_form(*b));
      CHECK(a->slots == b->slots);
    }
  }
}

TEST_CASE("evaluate: record members are read into maps in key order, whatever order they are written in") {
  auto loaded = standard::load_ruleset(demo);
  REQUIRE(loaded.rules);
  const std::string head = "{\"item\": \"SCJG-XK-001\", \"submitted_at\": \"2026-02-10T09:30:00+08:00\", \"fields\": ";
  diagnostics problems;
  auto a = eval::read_application(head + R"({"staff": [{"role": "worker", "name": "甲", "handles_food": true, "id_no": "440106199007152311"}]}})",
                                  "a.json", *loaded.rules, problems);
  auto b = eval::read_application(head + R"({"staff": [{"id_no": "440106199007152311", "handles_food": true, "name": "甲", "role": "worker"}]}})",
                                  "b.json", *loaded.rules, problems);
  REQUIRE(a);
  REQUIRE(b);
  CHECK(a->digest == b->digest);
  const auto& staff = a->fields.at(0).second.as_list().at(0).as_map();
  std::vector<std::string> keys;
  for (const auto& [k, v] : staff) keys.emplace_back(k.as_string());
  CHECK(keys == std::vector<std::string>{"handles_food", "id_no", "name", "role"});
  CHECK(a->fields.at(0).second.as_list().at(0).find(std::string_view("name"))->as_string() == "甲");
}

TEST_CASE("evaluate: errors in a JSON application are located exactly") {
  auto loaded = standard::load_ruleset(demo);
  REQUIRE(loaded.rules);
  auto errors_of = [&](const char* text) {
    diagnostics problems;
    CHECK_FALSE(eval::read_application(text, "app.json", *loaded.rules, problems));
    return problems;
  };
  auto p = errors_of("{\n  \"item\": \"SCJG-XK-001\",\n  \"submitted_at\": \"2026-02-10T09:30:00+08:00\",\n"
                     "  \"fields\": {\n    \"applicant\": { \"kind\": \"firm\" }\n  }\n}\n");
  REQUIRE(p.size() == 1);
  CHECK(p[0].code == "E403");
  CHECK(p[0].where.line == 5);
  CHECK(p[0].where.column == 28);  // the opening quote of "firm"
  p = errors_of("{\"item\": \"SCJG-XK-001\", \"submitted_at\": \"2026-02-10T09:30:00+08:00\",\n"
                " \"materials\": [{\"id\": \"application-form\", \"commitment\": \"yes\"}]}");
  REQUIRE(p.size() == 1);
  CHECK(p[0].code == "E402");
  CHECK(p[0].where.line == 2);
  p = errors_of("{\"item\": \"SCJG-XK-001\", \"submitted_at\": ");
  REQUIRE_FALSE(p.empty());
  CHECK(p[0].code == "E400");
}

TEST_CASE("evaluate: a reused decision gives the same bytes as a fresh one") {
  auto loaded = standard::load_ruleset(demo);
  REQUIRE(loaded.rules);
  auto apps = demo_applications();
  eval::decision reused;
  // Forward and backward, so each decision overwrites one of a different shape.
  for (int pass = 0; pass < 2; ++pass) {
    for (std::size_t k = 0; k < apps.size(); ++k) {
      const auto& text = apps[pass == 0 ? k : apps.size() - 1 - k];
      diagnostics problems;
      auto app = eval::read_application(text, "app.yaml", *loaded.rules, problems);
      REQUIRE(app);
      eval::evaluate_into(reused, *loaded.rules, *app);
      CHECK(eval::to_json(reused) == eval::to_json(eval::evaluate(*loaded.rules, *app)));
    }
  }
}

namespace {

/// Recorded results that change nothing but evaluate another application each time they are
/// asked: an evaluation nested in one that is under way, on the same thread.
class nesting_results final : public eval::recorded_results {
 public:
  nesting_results(const standard::ruleset& rules, const eval::application& inner) : rules_(rules), inner_(inner) {}
  void condition(std::size_t, eval::rule_result&) const override { inner_json.push_back(eval::to_json(eval::evaluate(rules_, inner_))); }
  void material(std::size_t, eval::material_result&) const override { inner_json.push_back(eval::to_json(eval::evaluate(rules_, inner_))); }
  mutable std::vector<std::string> inner_json;

 private:
  const standard::ruleset& rules_;
  const eval::application& inner_;
};

}  // namespace

TEST_CASE("evaluate: an evaluation nested in another on the same thread leaves the outer one's facts alone") {
  // Each thread keeps one activation for its evaluations; a nested one must not take it from
  // the evaluation under way, which goes on reading its facts after the recorded results.
  auto loaded = standard::load_ruleset(demo);
  REQUIRE(loaded.rules);
  auto apps = demo_applications();
  std::vector<eval::application> read;
  for (const auto& text : apps) {
    diagnostics problems;
    auto app = eval::read_application(text, "app.yaml", *loaded.rules, problems);
    REQUIRE(app);
    read.push_back(std::move(*app));
  }
  std::size_t nested = 0;
  for (std::size_t k = 0; k < read.size(); ++k) {
    const auto& outer = read[k];
    const auto& inner = read[(k + read.size() / 2) % read.size()];  // another item, mostly
    std::string inner_alone = eval::to_json(eval::evaluate(*loaded.rules, inner));
    std::string outer_alone = eval::to_json(eval::evaluate(*loaded.rules, outer));
    nesting_results rec(*loaded.rules, inner);
    eval::decision d;
    eval::evaluate_into(d, *loaded.rules, outer, std::nullopt, &rec);
    CHECK(eval::to_json(d) == outer_alone);
    for (const auto& json : rec.inner_json) CHECK(json == inner_alone);
    nested += rec.inner_json.size();
  }
  CHECK(nested > read.size());
}

TEST_CASE("evaluate: a thread reads each JSON application as a fresh thread does, whatever it read before") {
  // Each thread keeps the node buffer of the last JSON document it read; what it read before
  // (larger, smaller, malformed, a giant whose buffer is not kept) must not show.
  auto loaded = standard::load_ruleset(demo);
  REQUIRE(loaded.rules);
  const std::string head = "{\"item\": \"SCJG-XK-001\", \"submitted_at\": \"2026-02-10T09:30:00+08:00\", \"fields\": ";
  const std::string small = head + R"({"legal_rep": {"name": "刘某某", "id_no": "440106198503121237"}, "premises": {"area_m2": 35.5}})" + "}";
  std::string giant = head + "{\"premises\": {\"area_m2\": 35.5}, \"staff\": [";
  for (int i = 0; i < 5000; ++i) giant += std::string(i ? "," : "") + R"({"name": "员工)" + std::to_string(i) + R"(", "role": "worker"})";
  giant += "]}}";
  std::ifstream in(fs::path(EVENHAND_SOURCE_DIR) / "examples/applications/food-business-restaurant.json", std::ios::binary);
  const std::string typical(std::istreambuf_iterator<char>(in), {});
  const std::vector<std::string> texts = {small, typical, small, giant, small, head + "{\"premises\": ", typical, giant, typical};
  auto read = [&](const std::string& text) {
    diagnostics problems;
    auto app = eval::read_application(text, "app.json", *loaded.rules, problems);
    return std::pair(app ? eval::canonical_form(*app) : std::string("(none)"), render_json(problems));
  };
  for (const auto& text : texts) {
    INFO(text.substr(0, 120));
    auto warm = read(text);
    std::pair<std::string, std::string> fresh;
    std::thread([&] { fresh = read(text); }).join();
    CHECK(warm == fresh);
  }
  CHECK(read(giant).first.size() > 100'000);  // the giant was read, not refused
}

TEST_CASE("evaluate: an application read into a reused one is the one read fresh, whatever it held before") {
  // read_application_into keeps the vectors' and strings' room of what it held: none of what
  // it held may show. Every example application, in turns, with ones that do not read (and
  // leave it half written) and ones with fewer or no materials in between.
  auto loaded = standard::load_ruleset(demo);
  REQUIRE(loaded.rules);
  const auto& rules = *loaded.rules;
  std::vector<std::string> texts;
  for (const auto& entry : fs::directory_iterator(fs::path(EVENHAND_SOURCE_DIR) / "examples/applications")) {
    std::ifstream in(entry.path(), std::ios::binary);
    texts.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  std::sort(texts.begin(), texts.end());
  REQUIRE(texts.size() >= 10);
  const std::string head = "{\"item\": \"SCJG-XK-001\", \"submitted_at\": \"2026-02-10T09:30:00+08:00\"";
  texts.insert(texts.begin() + 3, head + ", \"fields\": {\"premises\": {\"area_m2\": 35.5}}}");  // no materials
  texts.insert(texts.begin() + 5, head + ", \"materials\": [{\"id\": \"x\"}]}");                  // one, short
  texts.insert(texts.begin() + 7, head + ", \"materials\": [{\"id\": \"facilities\", \"copies\": -1}]}");  // does not read
  texts.insert(texts.begin() + 9, head + ", \"fields\": {\"scope\": [\"hot\", \"nope\"]}}");            // does not read
  texts.insert(texts.begin() + 11, "{\"item\": \"NO-SUCH-ITEM\", \"submitted_at\": \"2026-02-10T09:30:00+08:00\"}");
  auto same = [&](const eval::application& a, const eval::application& b) {
    CHECK(eval::canonical_form(a) == eval::canonical_form(b));
    CHECK(a.digest == b.digest);
    CHECK(a.standard == b.standard);
    CHECK(a.slots == b.slots);
    REQUIRE(a.materials.size() == b.materials.size());
    for (std::size_t i = 0; i < a.materials.size(); ++i) {
      CHECK(a.materials[i].id == b.materials[i].id);
      CHECK(a.materials[i].copies == b.materials[i].copies);
      CHECK(a.materials[i].form == b.materials[i].form);
      CHECK(a.materials[i].commitment == b.materials[i].commitment);
      CHECK(a.materials[i].valid_until == b.materials[i].valid_until);
    }
    CHECK(eval::to_json(eval::evaluate(rules, a)) == eval::to_json(eval::evaluate(rules, b)));
  };
  eval::application reused;
  std::size_t read = 0, refused = 0;
  for (int round = 0; round < 2; ++round)
    for (const auto& text : texts) {
      INFO(text.substr(0, 100));
      diagnostics into_problems, fresh_problems;
      const bool ok = eval::read_application_into(reused, text, "app.json", rules, into_problems);
      auto fresh = eval::read_application(text, "app.json", rules, fresh_problems);
      REQUIRE(ok == fresh.has_value());
      CHECK(render_json(into_problems) == render_json(fresh_problems));
      if (!ok) {
        ++refused;
        continue;
      }
      ++read;
      same(reused, *fresh);
    }
  CHECK(read >= 2 * 12);
  CHECK(refused == 2 * 3);
}

TEST_CASE("evaluate: a JSON application with bytes that are not UTF-8 is refused, located") {
  auto loaded = standard::load_ruleset(demo);
  REQUIRE(loaded.rules);
  const std::string head = "{\"item\": \"SCJG-XK-001\", \"submitted_at\": \"2026-02-10T09:30:00+08:00\",\n";
  for (const std::string bad : {"\xff", "\xc0\xaf", "\xed\xa0\x80", "\xe5\xa5"}) {
    INFO(bad.size());
    diagnostics problems;
    const std::string text = head + " \"fields\": {\"applicant\": {\"name\": \"某市" + bad + "公司\"}}}";
    CHECK_FALSE(eval::read_application(text, "app.json", *loaded.rules, problems));
    REQUIRE_FALSE(problems.empty());
    CHECK(problems[0].code == "E400");
    CHECK(problems[0].where.line == 2);
    CHECK(problems[0].where.column == 38);  // the first byte that is not UTF-8, after 某市
  }
  // The same text with good UTF-8 reads.
  diagnostics problems;
  CHECK(eval::read_application(head + " \"fields\": {\"applicant\": {\"name\": \"某市好味道公司\"}}}", "app.json",
                               *loaded.rules, problems));
  CHECK(problems.empty());
}

TEST_CASE("evaluate: an application of 10,000 unknown keys on one line costs a hundred short diagnostics") {
  auto loaded = standard::load_ruleset(demo);
  REQUIRE(loaded.rules);
  std::string text = R"({"item": "SCJG-XK-001", "submitted_at": "2026-02-10T09:30:00+08:00", "fields": {)";
  for (int i = 0; i < 10'000; ++i) text += (i ? ", \"" : "\"") + std::string("unknown_") + std::to_string(i) + "\": 1";
  text += "}, \"stray\": 1}";
  diagnostics problems;
  CHECK_FALSE(eval::read_application(text, "app.json", *loaded.rules, problems));
  REQUIRE(problems.size() == max_diagnostics + 1);
  for (std::size_t i = 0; i < max_diagnostics; ++i) {
    CHECK(problems[i].code == "E401");
    CHECK(problems[i].where.line == 1);
    CHECK(problems[i].source_line.size() <= max_excerpt_bytes);
  }
  // The top level is read first, then the fields.
  CHECK(problems[0].message == "unknown key 'stray' in the application");
  CHECK(problems[1].message == "item SCJG-XK-001 has no field 'unknown_0'");
  CHECK(problems[1].where.column == text.find("\"unknown_0\"") + 1);
  // The hundredth shows its key far into the line, in a window of it.
  const std::string out = render_text(problems[99]);
  CHECK(out.find("…\"unknown_98\": 1") == std::string::npos);  // not cut right before the key
  CHECK(out.find("\"unknown_98\": 1") != std::string::npos);
  CHECK(problems[99].source_line.starts_with("…"));
  CHECK(problems.back().message == "and 9901 more of the same kinds: E401 ×9901（另有9901条同类问题未列出）");
  CHECK(problems.back().level == severity::error);
}

namespace {

const std::string good_head = R"({"item": "SCJG-XK-001", "submitted_at": "2026-02-10T09:30:00+08:00", )";

diagnostics problems_of(const standard::ruleset& rules, const std::string& text, input_format format = input_format::detect,
                        const char* file = "app.json") {
  diagnostics problems;
  CHECK_FALSE(eval::read_application(text, file, rules, problems, format));
  return problems;
}

}  // namespace

TEST_CASE("evaluate: an application larger than 4 MiB is refused unread, located") {
  auto loaded = standard::load_ruleset(demo);
  REQUIRE(loaded.rules);
  std::string text = good_head + R"("id": ")" + std::string(max_input_bytes, 'x') + "\"}";
  auto p = problems_of(*loaded.rules, text);
  REQUIRE(p.size() == 1);
  CHECK(p[0].code == "E406");
  CHECK(p[0].where.line == 1);
  CHECK(p[0].where.column == 1);
  CHECK(p[0].message == "the application is larger than 4 MiB (4194304 bytes), the limit（超过大小上限）");
  CHECK_FALSE(p[0].hint.empty());
  CHECK(p[0].source_line.size() <= max_excerpt_bytes);
  // The limit is the caller's to lower; the text at it reads.
  eval::read_options small;
  small.max_bytes = 100;
  diagnostics problems;
  CHECK_FALSE(eval::read_application(good_head + R"("id": ")" + std::string(100, 'x') + "\"}", "app.json", *loaded.rules,
                                     problems, small));
  REQUIRE(problems.size() == 1);
  CHECK(problems[0].message == "the application is larger than 100 bytes, the limit（超过大小上限）");
  problems.clear();
  small.max_bytes = max_input_bytes;
  CHECK(eval::read_application(good_head + R"("id": "A-1"})", "app.json", *loaded.rules, problems, small));
}

TEST_CASE("evaluate: a key given twice anywhere is an error at the second, naming the first's line") {
  auto loaded = standard::load_ruleset(demo);
  REQUIRE(loaded.rules);
  const auto& rules = *loaded.rules;
  // The top level: the first submitted_at used to win silently.
  auto p = problems_of(rules, "{\"item\": \"SCJG-XK-001\",\n \"submitted_at\": \"2026-02-10T09:30:00+08:00\",\n"
                              " \"submitted_at\": \"2026-01-01T09:30:00+08:00\"}");
  REQUIRE(p.size() == 1);
  CHECK(p[0].code == "E405");
  CHECK(p[0].where.line == 3);
  CHECK(p[0].where.column == 2);
  CHECK(p[0].message == "key 'submitted_at' is given twice; the first is on line 2（键重复）");
  // The same in YAML.
  p = problems_of(rules, "item: SCJG-XK-001\nsubmitted_at: 2026-02-10T09:30:00+08:00\nsubmitted_at: 2026-01-01T09:30:00+08:00\n",
                  input_format::detect, "app.yaml");
  REQUIRE(p.size() == 1);
  CHECK(p[0].code == "E405");
  CHECK(p[0].where.line == 3);
  CHECK(p[0].where.column == 1);
  // A member of a record nested in fields, in JSON and in YAML.
  p = problems_of(rules, good_head + "\n\"fields\": {\"applicant\": {\"kind\": \"enterprise\",\n \"kind\": \"individual\"}}}");
  REQUIRE(p.size() == 1);
  CHECK(p[0].code == "E405");
  CHECK(p[0].where.line == 3);
  CHECK(p[0].message.find("first is on line 2") != std::string::npos);
  p = problems_of(rules,
                  "item: SCJG-XK-001\nsubmitted_at: 2026-02-10T09:30:00+08:00\nfields:\n  applicant:\n    kind: enterprise\n"
                  "    name: 甲\n    kind: individual\n",
                  input_format::yaml, "app.yaml");
  REQUIRE(p.size() == 1);
  CHECK(p[0].where.line == 7);
  CHECK(p[0].where.column == 5);
  // A material's own key, and a key of a list item's record.
  p = problems_of(rules, good_head + R"("materials": [{"id": "application-form", "copies": 1, "copies": 2}]})");
  REQUIRE(p.size() == 1);
  CHECK(p[0].code == "E405");
  CHECK(p[0].where.column == good_head.size() + std::string(R"("materials": [{"id": "application-form", "copies": 1, )").size() + 1);
  // One field written nested and again as a dotted key: located at the second.
  p = problems_of(rules, good_head + "\"fields\": {\"applicant\": {\"kind\": \"enterprise\"},\n \"applicant.kind\": \"individual\"}}");
  REQUIRE(p.size() == 1);
  CHECK(p[0].code == "E405");
  CHECK(p[0].where.line == 2);
  CHECK(p[0].where.column == 2);
  CHECK(p[0].message == "field 'applicant.kind' is given twice; the first is on line 1（字段重复）");
}

TEST_CASE("evaluate: the reader is chosen by the declared format, never by which parser accepts the text") {
  auto loaded = standard::load_ruleset(demo);
  REQUIRE(loaded.rules);
  const auto& rules = *loaded.rules;
  // A trailing comma: YAML would take it, JSON does not.
  const std::string trailing = good_head + "\"id\": \"A-1\",\n}";
  for (input_format f : {input_format::detect, input_format::json}) {
    auto p = problems_of(rules, trailing, f);
    REQUIRE(p.size() == 1);
    CHECK(p[0].code == "E400");
    CHECK(p[0].where.line == 1);
    CHECK(p[0].where.column == good_head.size() + std::string("\"id\": \"A-1\"").size() + 1);  // the comma
    CHECK(p[0].message == "the application is not valid JSON: a comma before '}'（不是有效的JSON）");
    CHECK_FALSE(p[0].hint.empty());
  }
  diagnostics problems;
  CHECK(eval::read_application(trailing, "app.yaml", rules, problems, input_format::yaml));  // declared YAML: YAML's rules
  CHECK(problems.empty());
  // A trailing comma in a list, and JSON cut short.
  auto p = problems_of(rules, good_head + "\"materials\": [{\"id\": \"application-form\"},]}");
  REQUIRE(p.size() == 1);
  CHECK(p[0].message == "the application is not valid JSON: a comma before ']'（不是有效的JSON）");
  p = problems_of(rules, good_head + "\"fields\": {");
  REQUIRE(p.size() == 1);
  CHECK(p[0].code == "E400");
  CHECK(p[0].message.find("not valid JSON") != std::string::npos);
  // YAML flow style is not JSON: read as YAML only when declared.
  const std::string flow = "{item: SCJG-XK-001, submitted_at: 2026-02-10T09:30:00+08:00}";
  p = problems_of(rules, flow);
  REQUIRE(p.size() == 1);
  CHECK(p[0].code == "E400");
  CHECK(p[0].message.find("not valid JSON") != std::string::npos);
  problems.clear();
  CHECK(eval::read_application(flow, "app.yaml", rules, problems, input_format::yaml));
  // Block YAML declared as JSON is not JSON.
  p = problems_of(rules, "item: SCJG-XK-001\nsubmitted_at: 2026-02-10T09:30:00+08:00\n", input_format::json);
  REQUIRE(p.size() == 1);
  CHECK(p[0].code == "E400");
  // Undeclared, not starting with '{': YAML, as ever.
  problems.clear();
  CHECK(eval::read_application("\n  item: SCJG-XK-001\n  submitted_at: 2026-02-10T09:30:00+08:00\n", "-", rules, problems));
  // The format a file's name declares.
  CHECK(format_of_path("a/app.json") == input_format::json);
  CHECK(format_of_path("app.yml") == input_format::yaml);
  CHECK(format_of_path("app.YAML") == input_format::detect);
  CHECK(format_of_path("-") == input_format::detect);
  CHECK(format_of_path("dir.json/app") == input_format::detect);
}

TEST_CASE("evaluate: errors in JSON are located exactly in every kind of node") {
  auto loaded = standard::load_ruleset(demo);
  REQUIRE(loaded.rules);
  // A list where a single value belongs, true where a number does, null where a map does.
  auto p = problems_of(*loaded.rules, good_head + "\"fields\": {\"premises\": {\"area_m2\": [1]}, \"commitment\": 7,\n"
                                                  " \"applicant\": {\"kind\": true}}, \"materials\": {}}");
  REQUIRE(p.size() == 4);
  CHECK(p[0].where.column == good_head.size() + std::string("\"fields\": {\"premises\": {\"area_m2\": ").size() + 1);
  CHECK(p[1].where.column == good_head.size() + std::string("\"fields\": {\"premises\": {\"area_m2\": [1]}, \"commitment\": ").size() + 1);
  CHECK(p[2].where.line == 2);
  CHECK(p[2].where.column == std::string(" \"applicant\": {\"kind\": ").size() + 1);
  CHECK(p[3].where.line == 2);
  CHECK(p[3].where.column == std::string(" \"applicant\": {\"kind\": true}}, \"materials\": ").size() + 1);
}
