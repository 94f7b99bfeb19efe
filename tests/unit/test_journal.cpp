#include <evenhand/journal/journal.hpp>
#include <evenhand/journal/replay.hpp>  // read_recorded
#include <evenhand/standard/loader.hpp>

#include <doctest/doctest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

using namespace evenhand;
namespace fs = std::filesystem;

namespace {

struct demo {
  std::shared_ptr<const standard::ruleset> rules;
  eval::application app;

  demo() {
    auto loaded = standard::load_ruleset(fs::path(EVENHAND_SOURCE_DIR) / "rulesets/cn-demo");
    REQUIRE(loaded.rules);
    rules = loaded.rules;
    std::ifstream in(fs::path(EVENHAND_SOURCE_DIR) / "examples/applications/food-business-restaurant.json", std::ios::binary);
    std::string text(std::istreambuf_iterator<char>(in), {});
    diagnostics problems;
    auto a = eval::read_application(text, "app.json", *rules, problems);
    REQUIRE(a);
    app = std::move(*a);
  }
};

/// This process's scratch directory, removed when the tests end.
struct scratch_dir {
  fs::path path = fs::temp_directory_path() / ("evenhand-journal-test-" + std::to_string(::getpid()));
  pid_t owner = ::getpid();
  ~scratch_dir() {
    std::error_code ec;
    if (::getpid() == owner) fs::remove_all(path, ec);  // not from a forked writer
  }
};

/// A fresh path in the scratch directory.
fs::path scratch(const std::string& name) {
  static scratch_dir dir_holder;
  const fs::path& dir = dir_holder.path;
  fs::create_directories(dir);
  fs::path p = dir / name;
  fs::remove(p);
  fs::remove(p.string() + ".bak");
  return p;
}

std::string slurp(const fs::path& p) { return journal::read_whole_file(p); }

void spit(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::size_t at = 0;
  while (at < text.size()) {
    auto nl = text.find('\n', at);
    out.push_back(text.substr(at, nl - at + 1));
    at = nl + 1;
  }
  return out;
}

}  // namespace

TEST_CASE("journal: records chain from genesis and verify") {
  demo d;
  auto path = scratch("chain.jsonl");
  auto decision = eval::evaluate(*d.rules, d.app);
  {
    journal::writer j(path, *d.rules);
    CHECK(j.append(d.app, decision) == 1);
    CHECK(j.append(d.app, decision, journal::durability::synced) == 2);
    CHECK(j.append(d.app, decision) == 3);
  }
  auto v = journal::verify(path);
  CHECK(v.ok());
  CHECK(v.records == 3);
  auto lines = lines_of(slurp(path));
  REQUIRE(lines.size() == 3);
  auto first = journal::parse_record(lines[0].substr(0, lines[0].size() - 1));
  REQUIRE(first);
  CHECK(first->prev == journal::genesis);
  CHECK(first->seq == 1);
  CHECK(first->hash_ok);
  // The decision as recorded is the decision's canonical JSON, masked: same structure, and
  // the same outcome.
  CHECK(first->decision.find("\"outcome\":\"grant\"") != std::string::npos);

  // Reopening continues the chain.
  {
    journal::writer j(path, *d.rules);
    CHECK(j.records() == 3);
    CHECK(j.append(d.app, decision) == 4);
  }
  CHECK(journal::verify(path).records == 4);
}

TEST_CASE("journal: a parsed record knows where its decision's members are") {
  demo d;
  auto decision = eval::evaluate(*d.rules, d.app);
  auto made = journal::make_record(1, journal::genesis, journal::mask(journal::masking::of(*d.rules), d.app, decision));
  auto r = journal::parse_record(made.line);
  REQUIRE(r);
  CHECK(r->hash_ok);
  // Each member found by offsets is the member a full reading of the decision finds.
  std::vector<std::string> keys;
  CHECK(journal::detail::each_member(r->decision, [&](std::string_view k, std::string_view v) {
    std::string key(k.substr(1, k.size() - 2));
    keys.push_back(key);
    auto found = r->decision_member(key);
    REQUIRE(found);
    CHECK(*found == v);
    return true;
  }));
  CHECK(keys.size() == r->decision_members.size());
  CHECK(*r->decision_member("outcome") == "\"grant\"");
  CHECK_FALSE(r->decision_member("no-such-member"));
  // A copy reads its own text: the index is offsets, not views.
  journal::parsed_record copy = *r;
  r->decision.assign(r->decision.size(), ' ');
  CHECK(*copy.decision_member("outcome") == "\"grant\"");

  // The replay's shortcut reads what the full reading reads.
  auto fast = journal::read_recorded(copy);
  auto full = journal::read_recorded(std::string_view(copy.decision));
  REQUIRE(fast);
  REQUIRE(full);
  CHECK(fast->ruleset_digest == full->ruleset_digest);
  CHECK(fast->item == full->item);
  CHECK(fast->application_digest == full->application_digest);
  CHECK(fast->as_of == full->as_of);

  // Bytes after the record's closing brace make the line something else than a record.
  std::string why;
  CHECK_FALSE(journal::parse_record(made.line + "}", &why));
  CHECK_FALSE(why.empty());
  CHECK_FALSE(journal::parse_record(made.line.substr(0, made.line.size() - 1), &why));
}

TEST_CASE("journal: a record parsed into a reused one reads as the same record parsed afresh") {
  demo d;
  auto decision = eval::evaluate(*d.rules, d.app);
  auto masked = journal::mask(journal::masking::of(*d.rules), d.app, decision);
  auto first = journal::make_record(1, journal::genesis, masked);
  auto second = journal::make_record(2, first.hash, masked);
  // A shorter record: every string and vector of the reused one must shrink to it.
  journal::masked_pair bare = masked;
  bare.masked.clear();
  bare.application = "{}";
  auto third = journal::make_record(3, second.hash, bare);
  std::vector<std::string> lines = {first.line, second.line, "{\"application\":{}}", third.line, first.line};
  journal::parsed_record reused;
  for (const auto& line : lines) {
    INFO(line.substr(0, 60));
    std::string why_fresh, why_reused;
    auto fresh = journal::parse_record(line, &why_fresh);
    bool parsed = journal::parse_record_into(reused, line, &why_reused);
    REQUIRE(parsed == fresh.has_value());
    CHECK(why_reused == why_fresh);
    if (!parsed) continue;
    CHECK(reused.seq == fresh->seq);
    CHECK(reused.prev == fresh->prev);
    CHECK(reused.hash == fresh->hash);
    CHECK(reused.hash_ok == fresh->hash_ok);
    CHECK(reused.hash_ok);
    CHECK(reused.application == fresh->application);
    CHECK(reused.decision == fresh->decision);
    CHECK(reused.masked == fresh->masked);
    REQUIRE(reused.decision_members.size() == fresh->decision_members.size());
    for (std::size_t i = 0; i < reused.decision_members.size(); ++i) {
      CHECK(reused.decision_members[i].key_at == fresh->decision_members[i].key_at);
      CHECK(reused.decision_members[i].value_length == fresh->decision_members[i].value_length);
    }
  }
}

TEST_CASE("journal: walking canonical JSON without a tree") {
  using journal::detail::each_object;
  std::vector<std::string> seen;
  CHECK(each_object(
      R"([{"id":"a","x":[1,{"y":"]"}]},{"id":"b\"c"},{}])",
      [&](std::string_view k, std::string_view v) { seen.push_back(std::string(k) + "=" + std::string(v)); },
      [&] { seen.push_back("|"); }));
  CHECK(seen == std::vector<std::string>{R"("id"="a")", R"("x"=[1,{"y":"]"}])", "|", R"("id"="b\"c")", "|", "|"});
  CHECK(each_object("[]", [](auto, auto) {}, [] {}));
  CHECK_FALSE(each_object("[1]", [](auto, auto) {}, [] {}));        // not an object
  CHECK_FALSE(each_object(R"([{"a":1})", [](auto, auto) {}, [] {}));  // unterminated
  // A long string with escaped quotes, past the short scan.
  std::string long_key = R"({")" + std::string(40, 'k') + R"(\"q":"v"})";
  std::vector<std::string> members;
  CHECK(journal::detail::each_member(long_key, [&](std::string_view k, std::string_view v) {
    members.push_back(std::string(k) + "=" + std::string(v));
    return true;
  }));
  CHECK(members == std::vector<std::string>{R"(")" + std::string(40, 'k') + R"(\"q"="v")"});
}

TEST_CASE("journal: skipping nested JSON by 64-byte blocks agrees with a byte-by-byte walk") {
  // The plain walk: strings and their escapes followed one byte at a time.
  auto reference = [](std::string_view t, std::size_t at) -> std::size_t {
    int depth = 0;
    bool in_string = false;
    for (std::size_t i = at; i < t.size(); ++i) {
      char c = t[i];
      if (in_string) {
        if (c == '\\') ++i;
        else if (c == '"') in_string = false;
      } else if (c == '"') {
        in_string = true;
      } else if (c == '{' || c == '[') {
        ++depth;
      } else if ((c == '}' || c == ']') && --depth == 0) {
        return i + 1;
      }
    }
    return std::string_view::npos;
  };
  // Texts dense with what matters: brackets inside and outside strings, quotes, runs of
  // backslashes, multi-byte UTF-8, and lengths that cross 64-byte blocks at every offset.
  const std::vector<std::string> pieces = {"{", "}", "[", "]", "\"", "\\", "\\\\", "\\\"", "a", ",", ":", "中",
                                           "\"id\":\"x\"", std::string(70, 'k'), "\"{[\"", "1"};
  std::uint64_t state = 20261203;
  auto next = [&state] {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<std::size_t>(state >> 33);
  };
  std::size_t compared = 0;
  for (int round = 0; round < 3000; ++round) {
    std::string text = next() % 2 ? "{" : "[";
    std::size_t parts = next() % 80;
    for (std::size_t p = 0; p < parts; ++p) text += pieces[next() % pieces.size()];
    if (next() % 2) text += "}]}]}]";
    for (std::size_t at = 0; at < text.size(); ++at) {
      if (text[at] != '{' && text[at] != '[') continue;
      REQUIRE_MESSAGE(journal::detail::skip_value(text, at) == reference(text, at), text, " at ", at);
      ++compared;
    }
  }
  CHECK(compared > 10000);
  // A real record line: every bracket in it ends where the plain walk says.
  auto loaded = standard::load_ruleset(fs::path(EVENHAND_SOURCE_DIR) / "rulesets/cn-demo");
  REQUIRE(loaded.rules);
  std::ifstream in(fs::path(EVENHAND_SOURCE_DIR) / "examples/applications/food-business-restaurant.json", std::ios::binary);
  std::string json(std::istreambuf_iterator<char>(in), {});
  diagnostics problems;
  auto app = eval::read_application(json, "app.json", *loaded.rules, problems);
  REQUIRE(app);
  auto record = journal::make_record(1, journal::genesis, journal::mask(journal::masking::of(*loaded.rules), *app,
                                                                         eval::evaluate(*loaded.rules, *app)));
  const std::string& line = record.line;
  CHECK(journal::detail::skip_value(line, 0) == line.size());
  for (std::size_t at = 0; at < line.size(); ++at)
    if (line[at] == '{' || line[at] == '[') CHECK(journal::detail::skip_value(line, at) == reference(line, at));
}

TEST_CASE("journal: personal data never reaches the file") {
  demo d;
  auto path = scratch("personal.jsonl");
  auto decision = eval::evaluate(*d.rules, d.app);
  // The decision itself names the legal representative's identity number in its trace.
  REQUIRE(eval::to_json(decision).find("440106198503121237") != std::string::npos);
  {
    journal::writer j(path, *d.rules);
    j.append(d.app, decision);
  }
  std::string text = slurp(path);
  for (const char* personal : {"440106198503121237", "440106199007152311", "刘某某", "陈某某", "13800000021"}) {
    INFO(personal);
    CHECK(text.find(personal) == std::string::npos);
  }
  CHECK(text.find("某市好味道餐饮管理有限公司") != std::string::npos);  // not personal: kept
  auto r = journal::parse_record(text.substr(0, text.size() - 1));
  REQUIRE(r);
  CHECK(r->masked == std::vector<std::string>{"legal_rep.id_no", "legal_rep.name", "legal_rep.phone", "staff"});

  // Dropped instead of digested, when the ruleset says so.
  journal::masking drop{standard::journal_settings::personal_data::drop, "salt"};
  auto p = journal::mask(drop, d.app, decision);
  CHECK(p.application.find("legal_rep.id_no") == std::string::npos);
  CHECK(p.application.find("440106") == std::string::npos);
  CHECK(p.decision.find("440106") == std::string::npos);
  // A digest depends on the salt: without the hall's secret salt, a number cannot be tried.
  journal::masking other{standard::journal_settings::personal_data::digest, "another salt"};
  CHECK(journal::mask(other, d.app, decision).application != journal::mask(journal::masking::of(*d.rules), d.app, decision).application);
}

TEST_CASE("journal: verify names the first bad record and what is wrong") {
  demo d;
  auto path = scratch("tamper.jsonl");
  auto decision = eval::evaluate(*d.rules, d.app);
  {
    journal::writer j(path, *d.rules);
    for (int i = 0; i < 5; ++i) j.append(d.app, decision);
  }
  const std::string good = slurp(path);
  const auto lines = lines_of(good);
  REQUIRE(lines.size() == 5);
  auto check = [&](const std::string& text, journal::verification::problem p, std::uint64_t line, std::uint64_t sound) {
    auto bad = scratch("tampered.jsonl");
    spit(bad, text);
    auto v = journal::verify(bad);
    CHECK(v.found == p);
    CHECK(v.line == line);
    CHECK(v.records == sound);
  };
  SUBCASE("edited") {
    std::string edited = lines[2];
    edited.replace(edited.find("\"grant\""), 7, "\"deny\"");
    check(lines[0] + lines[1] + edited + lines[3] + lines[4], journal::verification::problem::edited, 3, 2);
  }
  SUBCASE("removed") { check(lines[0] + lines[1] + lines[3] + lines[4], journal::verification::problem::removed_or_reordered, 3, 2); }
  SUBCASE("reordered") {
    check(lines[0] + lines[2] + lines[1] + lines[3] + lines[4], journal::verification::problem::removed_or_reordered, 2, 1);
  }
  SUBCASE("torn") {
    std::string torn = good.substr(0, good.size() - 37);
    check(torn, journal::verification::problem::torn_tail, 5, 4);
    // The writer refuses to extend it; repair removes only the torn line, keeping a backup.
    auto bad = scratch("torn.jsonl");
    spit(bad, torn);
    CHECK_THROWS_AS(journal::writer(bad, *d.rules), std::runtime_error);
    journal::verification v;
    CHECK(journal::repair(bad, bad.string() + ".bak", v));
    CHECK(slurp(bad) == lines[0] + lines[1] + lines[2] + lines[3]);
    CHECK(slurp(bad.string() + ".bak") == torn);
    CHECK(journal::verify(bad).ok());
    journal::writer again(bad, *d.rules);
    CHECK(again.append(d.app, decision) == 5);
  }
  SUBCASE("garbage in the middle is not repaired") {
    auto bad = scratch("garbage.jsonl");
    spit(bad, lines[0] + "not a record\n" + lines[1]);
    journal::verification v;
    CHECK_FALSE(journal::repair(bad, bad.string() + ".bak", v));
    CHECK(v.found == journal::verification::problem::malformed);
    CHECK(v.line == 2);
  }
}

TEST_CASE("journal: appends from many threads, synced in groups, make one sound chain") {
  demo d;
  auto path = scratch("threads.jsonl");
  auto decision = eval::evaluate(*d.rules, d.app);
  {
    journal::writer j(path, *d.rules);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
      threads.emplace_back([&] {
        for (int i = 0; i < 100; ++i) j.append(d.app, decision, i % 2 ? journal::durability::synced : journal::durability::buffered);
      });
    for (auto& t : threads) t.join();
    j.sync();
  }
  auto v = journal::verify(path);
  CHECK(v.ok());
  CHECK(v.records == 400);
}

TEST_CASE("journal: a writer killed at random moments loses at most its torn last line") {
  demo d;
  auto path = scratch("crash.jsonl");
  auto decision = eval::evaluate(*d.rules, d.app);
  std::uint64_t seed = 0x5eed;
  auto next = [&] {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return seed >> 33;
  };
  std::uint64_t before = 0;
  int torn = 0;
  const int kills = 40;
  for (int k = 0; k < kills; ++k) {
    // The writer tells the test after each record, so every round kills it while it is
    // writing, however slow the build (sanitizers): no timing is assumed.
    int progress[2];
    REQUIRE(::pipe(progress) == 0);
    pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      // The writer: append until killed.
      ::close(progress[0]);
      try {
        journal::writer j(path, *d.rules);
        for (;;) {
          j.append(d.app, decision, k % 4 == 0 ? journal::durability::synced : journal::durability::buffered);
          if (::write(progress[1], "+", 1) != 1) ::_exit(4);
        }
      } catch (...) {
        ::_exit(3);
      }
    }
    ::close(progress[1]);
    char first = 0;
    REQUIRE(::read(progress[0], &first, 1) == 1);  // at least one record written
    std::this_thread::sleep_for(std::chrono::microseconds(next() % 5000));
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);
    ::close(progress[0]);
    REQUIRE(WIFSIGNALED(status));  // killed while writing, not failed on its own
    auto v = journal::verify(path);
    INFO("kill " << k << ": " << journal::to_string(v.found) << " " << v.detail);
    CHECK((v.ok() || v.found == journal::verification::problem::torn_tail));
    CHECK(v.records >= before);  // no complete record is ever lost
    if (v.found == journal::verification::problem::torn_tail) {
      ++torn;
      journal::verification r;
      CHECK(journal::repair(path, path.string() + ".bak", r));
      CHECK(journal::verify(path).ok());
    }
    before = journal::verify(path).records;
  }
  MESSAGE(before << " records after " << kills << " kills, " << torn << " torn tails repaired");
  CHECK(before >= static_cast<std::uint64_t>(kills));  // each round wrote at least one whole record
}
