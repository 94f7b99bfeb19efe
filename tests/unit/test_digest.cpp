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

TEST_CASE("ruleset digest: order-independent, framed, dot-files excluded") {
  fs::path root = fs::temp_directory_path() / "evenhand-digest-test";
  fs::remove_all(root);
  write(root / "ruleset.yaml", "id: demo\n");
  write(root / "items/b.yaml", "item: b\n");
  write(root / "items/a.yaml", "item: a\n");
  std::string error;
  auto files = read_ruleset_files(root, error);
  REQUIRE(files);
  REQUIRE(files->size() == 3);
  CHECK((*files)[0].path == "items/a.yaml");
  CHECK((*files)[2].path == "ruleset.yaml");
  std::string d1 = ruleset_digest(*files);
  std::reverse(files->begin(), files->end());
  CHECK(ruleset_digest(*files) == d1);

  write(root / ".editor-swap", "noise");
  write(root / ".git/config", "noise");
  CHECK(ruleset_digest(*read_ruleset_files(root, error)) == d1);

  // Moving bytes from one file to another changes the digest.
  write(root / "items/a.yaml", "item: a\nitem: b\n");
  write(root / "items/b.yaml", "");
  CHECK(ruleset_digest(*read_ruleset_files(root, error)) != d1);
  fs::remove_all(root);
  CHECK_FALSE(read_ruleset_files(root, error));
  CHECK(error.find("not a directory") != std::string::npos);
}
