// A ruleset store: every ruleset version that ever decided, kept under its digest, so that a
// journal can be replayed years later with exactly the rules each record names (DESIGN §7).
//
//   STORE/sha256-<64 hex>/ruleset.yaml, items/…, calendars/…   (a copy of the ruleset's files)
//
// A stored version is written to a temporary directory and renamed into place, so a reader
// never sees half a copy; it is never changed afterwards. Loading checks that the files still
// have the digest they are stored under.
#pragma once

#include <evenhand/digest.hpp>
#include <evenhand/standard/loader.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <unistd.h>

namespace evenhand::journal {

class ruleset_store {
 public:
  explicit ruleset_store(std::filesystem::path root) : root_(std::move(root)) {}

  const std::filesystem::path& root() const noexcept { return root_; }

  /// The directory a version is stored in: `sha256:abc…` → STORE/sha256-abc….
  std::filesystem::path directory_of(std::string_view digest) const {
    std::string name(digest);
    if (auto colon = name.find(':'); colon != std::string::npos) name[colon] = '-';
    return root_ / name;
  }

  /// What `snapshot` did.
  struct snapshot_result {
    std::string digest;
    std::filesystem::path directory;
    bool already_stored = false;
    std::size_t files = 0;
  };

  /// Copies the ruleset at `ruleset_dir` into the store under its digest. The ruleset must load
  /// without errors (a version that cannot decide has no place here): std::runtime_error with
  /// the first diagnostic otherwise, and std::system_error when files cannot be read or written.
  snapshot_result snapshot(const std::filesystem::path& ruleset_dir) const {
    namespace fs = std::filesystem;
    auto loaded = standard::load_ruleset(ruleset_dir);
    if (!loaded.rules) {
      throw std::runtime_error(ruleset_dir.string() + " does not load: " + first_error(loaded.problems));
    }
    std::string error;
    auto files = read_ruleset_files(ruleset_dir, loaded.rules->calendar_name, error);
    if (!files) throw std::system_error(std::make_error_code(std::errc::io_error), error);
    snapshot_result r;
    r.digest = ruleset_digest(*files);
    if (r.digest != loaded.rules->digest)  // changed while it was being read
      throw std::runtime_error(ruleset_dir.string() + " changed while it was being stored; try again");
    r.directory = directory_of(r.digest);
    r.files = files->size();
    std::error_code ec;
    if (fs::is_directory(r.directory, ec)) {
      std::string e2;
      auto stored = read_ruleset_files(r.directory, loaded.rules->calendar_name, e2);
      if (!stored || ruleset_digest(*stored) != r.digest)
        throw std::runtime_error(r.directory.string() + " exists but does not hold " + r.digest +
                                 "; the store is damaged: move that directory aside and snapshot again");
      r.already_stored = true;
      return r;
    }
    fs::create_directories(root_);
    fs::path temp = root_ / (".incoming-" + std::to_string(::getpid()) + "-" + r.digest.substr(7, 16));
    fs::remove_all(temp);
    for (const auto& f : *files) {
      fs::path target = temp / fs::path(f.path);
      fs::create_directories(target.parent_path());
      std::ofstream out(target, std::ios::binary | std::ios::trunc);
      out.write(f.bytes.data(), static_cast<std::streamsize>(f.bytes.size()));
      out.close();
      if (!out) throw std::system_error(std::make_error_code(std::errc::io_error), target.string() + ": cannot write");
    }
    fs::rename(temp, r.directory, ec);
    if (ec) {
      fs::remove_all(temp);
      if (fs::is_directory(r.directory)) {  // stored meanwhile by another snapshot
        r.already_stored = true;
        return r;
      }
      throw std::system_error(ec, r.directory.string());
    }
    return r;
  }

  /// A stored version, loaded once and then shared; null (with `why`) when the store does not
  /// hold it, or holds files that no longer have its digest. Safe to call from many threads.
  std::shared_ptr<const standard::ruleset> find(std::string_view digest, std::string* why = nullptr) const {
    std::lock_guard lock(mutex_);
    auto it = cache_.find(std::string(digest));
    if (it == cache_.end()) it = cache_.emplace(std::string(digest), load(digest)).first;
    if (!it->second.rules && why) *why = it->second.why;
    return it->second.rules;
  }

 private:
  struct entry {
    std::shared_ptr<const standard::ruleset> rules;
    std::string why;
  };

  entry load(std::string_view digest) const {
    namespace fs = std::filesystem;
    entry e;
    fs::path dir = directory_of(digest);
    std::error_code ec;
    if (digest.size() != 71 || !digest.starts_with("sha256:") || !fs::is_directory(dir, ec)) {
      e.why = "ruleset " + std::string(digest) + " is not in the store " + root_.string();
      return e;
    }
    auto loaded = standard::load_ruleset(dir);
    if (!loaded.rules) {
      e.why = "ruleset " + std::string(digest) + " in the store does not load: " + first_error(loaded.problems);
      return e;
    }
    if (loaded.rules->digest != digest) {
      e.why = "the store's copy of " + std::string(digest) + " has been changed (its files now digest to " +
              loaded.rules->digest + ")";
      return e;
    }
    e.rules = std::move(loaded.rules);
    return e;
  }

  std::filesystem::path root_;
  mutable std::mutex mutex_;
  mutable std::map<std::string, entry, std::less<>> cache_;
};

}  // namespace evenhand::journal
