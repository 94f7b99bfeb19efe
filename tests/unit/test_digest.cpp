#include <evenhand/digest.hpp>

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

using namespace evenhand;
namespace fs = std::filesystem;

namespace {
void write(const fs::path& p, std::string_view bytes) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << bytes;
}
}  // namespace

TEST_CASE("sha256 of known inputs") {
  CHECK(sha256_digest("") == "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256_digest("abc") == "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // In parts, the digest of the parts one after another.
  CHECK(sha256_digest({"a", "", "bc"}) == sha256_digest("abc"));
  CHECK(sha256_digest({}) == sha256_digest(""));
  CHECK(sha256_digest({std::string_view("x\0y", 3)}) == sha256_digest({"x", std::string_view("", 1), "y"}));
  CHECK(sha256_digest({"x", "y"}) != sha256_digest({"x", std::string_view("", 1), "y"}));
  CHECK(sha256().update("a").update("bc").hex() == sha256().update("abc").hex());
}

TEST_CASE("ruleset digest: exactly the files that decide, order-independent, framed") {
  fs::path root = fs::temp_directory_path() / "evenhand-digest-test";
  fs::remove_all(root);
  write(root / "ruleset.yaml", "id: demo\n");
  write(root / "items/b.yaml", "item: b\n");
  write(root / "items/a.yml", "item: a\n");
  write(root / "calendars/cn/2026.yaml", "year: 2026\n");
  std::string error;
  auto files = read_ruleset_files(root, "cn", error);
  REQUIRE(files);
  REQUIRE(files->size() == 4);
  CHECK((*files)[0].path == "calendars/cn/2026.yaml");
  CHECK((*files)[1].path == "items/a.yml");
  CHECK((*files)[3].path == "ruleset.yaml");
  std::string d1 = ruleset_digest(*files);
  std::reverse(files->begin(), files->end());
  CHECK(ruleset_digest(*files) == d1);

  // What does not decide leaves the digest alone: notes, READMEs, the ruleset's tests, another
  // calendar the ruleset does not name, editors' backups, version control.
  write(root / "NOTES.txt", "ask the legal office about art. 12");
  write(root / "calendars/cn/README.md", "source: gov.cn");
  write(root / "calendars/other/2026.yaml", "year: 2026\n");
  write(root / "tests/a.yaml", "cases: []\n");
  write(root / "items/a.yml~", "item: old\n");
  write(root / "items/drafts/c.yaml", "item: c\n");
  write(root / ".git/config", "noise");
  CHECK(ruleset_digest(*read_ruleset_files(root, "cn", error)) == d1);

  // The calendar is part of what decides: its name and its files.
  CHECK(ruleset_digest(*read_ruleset_files(root, "other", error)) != d1);
  write(root / "calendars/cn/2027.yaml", "year: 2027\n");
  CHECK(ruleset_digest(*read_ruleset_files(root, "cn", error)) != d1);
  fs::remove(root / "calendars/cn/2027.yaml");
  CHECK(ruleset_digest(*read_ruleset_files(root, "cn", error)) == d1);

  // Moving bytes from one file to another changes the digest.
  write(root / "items/a.yml", "item: a\nitem: b\n");
  write(root / "items/b.yaml", "");
  CHECK(ruleset_digest(*read_ruleset_files(root, "cn", error)) != d1);
  fs::remove_all(root);
  CHECK_FALSE(read_ruleset_files(root, "cn", error));
  CHECK(error.find("not a directory") != std::string::npos);
}
