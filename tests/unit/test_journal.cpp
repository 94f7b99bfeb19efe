#include <evenhand/journal/journal.hpp>
#include <evenhand/journal/replay.hpp>  // read_recorded
#include <evenhand/standard/loader.hpp>

#include <doctest/doctest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <numeric>
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
    // Repair removes only the torn line, keeping a backup of the file as it was.
    auto bad = scratch("torn.jsonl");
    spit(bad, torn);
    auto r = journal::repair(bad);
    CHECK(r.done == journal::repair_result::action::torn_tail_removed);
    CHECK(r.bytes_removed == lines[4].size() - 37);
    CHECK(slurp(bad) == lines[0] + lines[1] + lines[2] + lines[3]);
    CHECK(r.backup == fs::path(bad.string() + ".bak.1"));
    CHECK(slurp(r.backup) == torn);
    CHECK(journal::verify(bad).ok());
    journal::writer again(bad, *d.rules);
    CHECK(again.append(d.app, decision) == 5);
  }
  SUBCASE("garbage in the middle is not repaired") {
    auto bad = scratch("garbage.jsonl");
    spit(bad, lines[0] + "not a record\n" + lines[1]);
    auto r = journal::repair(bad);
    CHECK(r.done == journal::repair_result::action::refused);
    CHECK(r.found.found == journal::verification::problem::malformed);
    CHECK(r.found.line == 2);
    CHECK(r.backup.empty());
    CHECK(slurp(bad) == lines[0] + "not a record\n" + lines[1]);
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
    CHECK((v.ok() || v.found == journal::verification::problem::torn_tail || v.found == journal::verification::problem::unterminated));
    CHECK(v.records >= before);  // no complete record is ever lost
    if (!v.ok()) {
      ++torn;
      auto r = journal::repair(path);
      CHECK((r.done == journal::repair_result::action::torn_tail_removed || r.done == journal::repair_result::action::newline_added));
      CHECK(journal::verify(path).ok());
    }
    before = journal::verify(path).records;
  }
  MESSAGE(before << " records after " << kills << " kills, " << torn << " torn tails repaired");
  CHECK(before >= static_cast<std::uint64_t>(kills));  // each round wrote at least one whole record
}

// --- Many writers, repairs that keep records, streams ---------------------------------------

namespace {

/// The application `d.app` under another id: each append of a test is known by its id.
eval::application tagged(const demo& d, const std::string& id) {
  eval::application a = d.app;
  a.id = id;
  return a;
}

/// In a child process: opens its own writer on `path` and appends `count` records (forever
/// when negative), telling "SEQ ID\n" on `ack` once each append has returned.
[[noreturn]] void child_appends(const demo& d, const fs::path& path, int worker, int count, int ack, bool synced) {
  try {
    journal::writer j(path, *d.rules);
    for (int i = 0; count < 0 || i < count; ++i) {
      std::string id = "w" + std::to_string(worker) + "-" + std::to_string(i);
      auto app = tagged(d, id);
      auto seq = j.append(app, eval::evaluate(*d.rules, app), synced ? journal::durability::synced : journal::durability::buffered);
      std::string line = std::to_string(seq) + " " + id + "\n";
      if (::write(ack, line.data(), line.size()) != static_cast<ssize_t>(line.size())) ::_exit(4);
    }
  } catch (...) {
    ::_exit(3);
  }
  ::_exit(0);
}

/// Each record's seq → its application's id, from a journal that verifies up to `records`.
std::map<std::uint64_t, std::string> ids_by_seq(const fs::path& path) {
  std::map<std::uint64_t, std::string> out;
  for (const auto& line : lines_of(slurp(path))) {
    if (line.empty() || line.back() != '\n') continue;
    auto r = journal::parse_record(std::string_view(line).substr(0, line.size() - 1));
    REQUIRE(r);
    out[r->seq] = journal::detail::string_of(journal::detail::member(r->application, "id")).value_or("");
  }
  return out;
}

/// Reads what is in `fd` now (non-blocking) onto `acks`, whole lines only.
void drain(int fd, std::string& pending, std::map<std::uint64_t, std::string>& acks) {
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    pending.append(buf, static_cast<std::size_t>(n));
  }
  for (std::size_t nl; (nl = pending.find('\n')) != std::string::npos; pending.erase(0, nl + 1)) {
    auto space = pending.find(' ');
    std::uint64_t seq = std::stoull(pending.substr(0, space));
    auto [it, fresh] = acks.emplace(seq, pending.substr(space + 1, nl - space - 1));
    CHECK_MESSAGE(fresh, "sequence number " << seq << " acknowledged twice");
  }
}

}  // namespace

TEST_CASE("journal: several writers in one process make one chain") {
  demo d;
  auto path = scratch("handles.jsonl");
  auto decision = eval::evaluate(*d.rules, d.app);
  SUBCASE("interleaved") {
    journal::writer a(path, *d.rules), b(path, *d.rules);
    CHECK(a.append(d.app, decision) == 1);
    CHECK(b.append(d.app, decision) == 2);  // b chains onto a's record, not onto what it saw at open
    CHECK(a.append(d.app, decision) == 3);
    CHECK(b.append(d.app, decision) == 4);
    auto v = journal::verify(path);
    CHECK(v.ok());
    CHECK(v.records == 4);
  }
  SUBCASE("on threads, each with its own writer") {
    std::vector<std::thread> threads;
    std::mutex m;
    std::vector<std::uint64_t> seqs;
    for (int t = 0; t < 3; ++t)
      threads.emplace_back([&, t] {
        journal::writer j(path, *d.rules);
        for (int i = 0; i < 50; ++i) {
          auto seq = j.append(d.app, decision, t == 0 ? journal::durability::synced : journal::durability::buffered);
          std::lock_guard lock(m);
          seqs.push_back(seq);
        }
      });
    for (auto& t : threads) t.join();
    std::sort(seqs.begin(), seqs.end());
    std::vector<std::uint64_t> expected(150);
    std::iota(expected.begin(), expected.end(), 1);
    CHECK(seqs == expected);
    auto v = journal::verify(path);
    CHECK(v.ok());
    CHECK(v.records == 150);
  }
}

TEST_CASE("journal: N processes x M appends make one chain with every acknowledged record") {
  demo d;
  auto path = scratch("processes.jsonl");
  constexpr int processes = 4, appends = 40;
  std::vector<std::pair<pid_t, int>> children;
  for (int k = 0; k < processes; ++k) {
    int ack[2];
    REQUIRE(::pipe(ack) == 0);
    pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      ::close(ack[0]);
      child_appends(d, path, k, appends, ack[1], k % 2 == 0);
    }
    ::close(ack[1]);
    children.emplace_back(child, ack[0]);
  }
  std::map<std::uint64_t, std::string> acks;
  for (auto [pid, fd] : children) {
    std::string pending, all;
    char buf[4096];
    for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) all.append(buf, static_cast<std::size_t>(n));
    ::close(fd);
    drain(-1, all, acks);
    int status = 0;
    ::waitpid(pid, &status, 0);
    CHECK((WIFEXITED(status) && WEXITSTATUS(status) == 0));
  }
  auto v = journal::verify(path);
  INFO(journal::to_string(v.found) << " at line " << v.line << ": " << v.detail);
  CHECK(v.ok());
  CHECK(v.records == processes * appends);
  CHECK(acks.size() == processes * appends);
  auto ids = ids_by_seq(path);
  for (const auto& [seq, id] : acks) CHECK_MESSAGE(ids[seq] == id, "record " << seq);
}

TEST_CASE("journal: 100 kills among processes appending at once lose no acknowledged record") {
  demo d;
  auto path = scratch("kills.jsonl");
  std::uint64_t seed = 0xdecaf;
  auto next = [&] {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return seed >> 33;
  };
  struct worker {
    pid_t pid = -1;
    int ack = -1;
    std::string pending;
  };
  std::map<std::uint64_t, std::string> acks;
  int spawned = 0;
  auto spawn = [&](worker& w) {
    int ack[2];
    REQUIRE(::pipe(ack) == 0);
    int number = spawned++;
    pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      ::close(ack[0]);
      child_appends(d, path, number, -1, ack[1], number % 3 == 0);
    }
    ::close(ack[1]);
    ::fcntl(ack[0], F_SETFL, O_NONBLOCK);
    w = worker{child, ack[0], {}};
  };
  auto stop = [&](worker& w) {
    ::kill(w.pid, SIGKILL);
    int status = 0;
    ::waitpid(w.pid, &status, 0);
    drain(w.ack, w.pending, acks);
    ::close(w.ack);
    CHECK_MESSAGE(WIFSIGNALED(status), "a writer stopped on its own, status " << status);
  };
  std::vector<worker> workers(3);
  for (auto& w : workers) spawn(w);
  const int kills = 100;
  for (int k = 0; k < kills; ++k) {
    for (auto& w : workers) drain(w.ack, w.pending, acks);
    std::this_thread::sleep_for(std::chrono::microseconds(next() % 3000));
    auto& victim = workers[next() % workers.size()];
    stop(victim);
    spawn(victim);
  }
  for (auto& w : workers) stop(w);
  // The last kill may have torn the last line: the next writer mends it, as repair does.
  auto v = journal::verify(path);
  INFO(journal::to_string(v.found) << " at line " << v.line << ": " << v.detail);
  if (!v.ok()) {
    CHECK((v.found == journal::verification::problem::torn_tail || v.found == journal::verification::problem::unterminated));
    journal::writer mend(path, *d.rules);
    CHECK(mend.recoveries().size() == 1);
    v = journal::verify(path);
  }
  CHECK(v.ok());
  auto ids = ids_by_seq(path);
  CHECK(ids.size() == v.records);
  CHECK(acks.size() > static_cast<std::size_t>(kills));
  std::size_t lost = 0;
  for (const auto& [seq, id] : acks)
    if (ids[seq] != id) ++lost;
  CHECK(lost == 0);
  MESSAGE(v.records << " records from " << spawned << " writers, " << acks.size() << " acknowledged, after " << kills << " kills");
}

TEST_CASE("journal: repair keeps a whole last record that lacks only its newline, and every backup") {
  demo d;
  auto path = scratch("unterminated.jsonl");
  auto decision = eval::evaluate(*d.rules, d.app);
  {
    journal::writer j(path, *d.rules);
    for (int i = 0; i < 3; ++i) j.append(d.app, decision);
  }
  const std::string whole = slurp(path);
  spit(path, whole.substr(0, whole.size() - 1));
  auto v = journal::verify(path);
  CHECK(v.found == journal::verification::problem::unterminated);
  CHECK(v.records == 2);
  CHECK(v.line == 3);
  // Backups already there are kept: the new one takes the next number.
  spit(path.string() + ".bak", "an old backup");
  spit(path.string() + ".bak.1", "an older backup");
  auto r = journal::repair(path);
  CHECK(r.done == journal::repair_result::action::newline_added);
  CHECK(r.bytes_removed == 0);
  CHECK(slurp(path) == whole);
  CHECK(journal::verify(path).records == 3);
  CHECK(r.backup == fs::path(path.string() + ".bak.2"));
  CHECK(slurp(r.backup) == whole.substr(0, whole.size() - 1));
  CHECK(slurp(path.string() + ".bak") == "an old backup");
  CHECK(slurp(path.string() + ".bak.1") == "an older backup");
  auto json = journal::to_json(r, "j.jsonl");
  CHECK(json.find("\"action\":\"newline_added\"") != std::string::npos);
  CHECK(json.find("\"backup\":\"" + path.string() + ".bak.2\"") != std::string::npos);
  // Nothing to repair: no backup.
  auto again = journal::repair(path);
  CHECK(again.done == journal::repair_result::action::nothing);
  CHECK(again.backup.empty());
  CHECK_FALSE(fs::exists(path.string() + ".bak.3"));
  for (const char* suffix : {".bak", ".bak.1", ".bak.2"}) fs::remove(path.string() + suffix);
}

TEST_CASE("journal: a writer mends a crash's leftover at the end, and keeps the bytes it cuts") {
  demo d;
  auto decision = eval::evaluate(*d.rules, d.app);
  auto path = scratch("mend.jsonl");
  {
    journal::writer j(path, *d.rules);
    for (int i = 0; i < 3; ++i) j.append(d.app, decision);
  }
  const std::string whole = slurp(path);
  const auto lines = lines_of(whole);
  SUBCASE("a torn line is moved aside") {
    std::string torn = whole.substr(0, whole.size() - 100);
    spit(path, torn);
    journal::writer j(path, *d.rules);
    auto rec = j.recoveries();
    REQUIRE(rec.size() == 1);
    CHECK(rec[0].what == journal::recovery::kind::torn_tail_removed);
    CHECK(rec[0].offset == lines[0].size() + lines[1].size());
    CHECK(rec[0].bytes == lines[2].size() - 100);
    CHECK(slurp(rec[0].saved_to) == torn.substr(rec[0].offset));
    CHECK(j.records() == 2);
    CHECK(j.append(d.app, decision) == 3);
    CHECK(journal::verify(path).records == 3);
    fs::remove(rec[0].saved_to);
  }
  SUBCASE("a whole record without its newline is kept") {
    spit(path, whole.substr(0, whole.size() - 1));
    journal::writer j(path, *d.rules);
    auto rec = j.recoveries();
    REQUIRE(rec.size() == 1);
    CHECK(rec[0].what == journal::recovery::kind::newline_added);
    CHECK(j.records() == 3);
    CHECK(j.append(d.app, decision) == 4);
    CHECK(slurp(path).substr(0, whole.size()) == whole);
    CHECK(journal::verify(path).records == 4);
  }
  SUBCASE("a writer that finds another's torn line while appending mends it") {
    journal::writer j(path, *d.rules);
    std::ofstream(path, std::ios::binary | std::ios::app) << "{\"application\":{\"id\":";  // a writer died here
    CHECK(j.append(d.app, decision) == 4);
    REQUIRE(j.recoveries().size() == 1);
    CHECK(journal::verify(path).records == 4);
    fs::remove(j.recoveries()[0].saved_to);
  }
  SUBCASE("a last record that is not sound is refused, not extended") {
    std::string edited = whole;
    auto at = edited.rfind("\"grant\"");
    REQUIRE(at != std::string::npos);
    edited.replace(at, 7, "\"deny\"");
    spit(path, edited);
    CHECK_THROWS_AS(journal::writer(path, *d.rules), journal::damaged_journal);
    CHECK(slurp(path) == edited);
  }
  SUBCASE("opening reads only the tail: damage further back is for verify to find") {
    std::string edited = lines[0];
    edited.replace(edited.find("\"grant\""), 7, "\"deny\"");
    spit(path, edited + lines[1] + lines[2]);
    journal::writer j(path, *d.rules);
    CHECK(j.append(d.app, decision) == 4);
    auto v = journal::verify(path);
    CHECK(v.found == journal::verification::problem::edited);
    CHECK(v.line == 1);
  }
}

TEST_CASE("journal: verify reads a stream in blocks, the same at any block size") {
  demo d;
  auto decision = eval::evaluate(*d.rules, d.app);
  auto path = scratch("blocks.jsonl");
  {
    journal::writer j(path, *d.rules);
    for (int i = 0; i < 20; ++i) j.append(d.app, decision);
  }
  std::string text = slurp(path);
  for (std::string candidate : {text, text.substr(0, text.size() - 1), text.substr(0, text.size() - 50)}) {
    spit(path, candidate);
    auto expected = journal::verify_text(candidate);
    for (std::size_t block : {std::size_t{1}, std::size_t{64}, std::size_t{5000}, std::size_t{1} << 20}) {
      journal::detail::line_source from_text(candidate, block);
      auto a = journal::detail::verify_lines(from_text);
      journal::detail::file_descriptor fd(path, O_RDONLY);
      journal::detail::line_source from_file(fd.get(), path, block);
      auto b = journal::detail::verify_lines(from_file);
      for (const auto* v : {&a, &b}) {
        CHECK(v->found == expected.found);
        CHECK(v->records == expected.records);
        CHECK(v->line == expected.line);
        CHECK(v->good_bytes == expected.good_bytes);
        CHECK(v->last_hash == expected.last_hash);
      }
    }
  }
}

TEST_CASE("journal: a line longer than any record is malformed, read no further") {
  std::string text = std::string(journal::max_record_bytes + 10, 'x') + "\nmore\n";
  auto v = journal::verify_text(text);
  CHECK(v.found == journal::verification::problem::malformed);
  CHECK(v.line == 1);
  CHECK(v.detail.find("longer than") != std::string::npos);
  auto path = scratch("long.jsonl");
  spit(path, text);
  auto f = journal::verify(path);
  CHECK(f.found == journal::verification::problem::malformed);
  CHECK(f.line == 1);
  fs::remove(path);
}
