// The journal file: appending records, verifying the chain, repairing a torn tail.
//
//   journal::writer j("decisions.jsonl", rules);          // opens or creates; checks the tail
//   j.append(app, decision, journal::durability::synced);  // whole line, then fdatasync
//
// Appends are serialised across threads and each is one write(2) of a whole line to a file
// opened O_APPEND, so a reader never sees half a record except after a crash, as a torn last
// line, which `verify` reports as such and `repair` removes (keeping a backup). A synced append
// returns once the record is on disk; concurrent synced appends share one fdatasync (group
// commit), so durability costs one sync per batch, not per record.
//
// POSIX only (open/write/fdatasync): halls run Linux.
#pragma once

#include <evenhand/journal/record.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <stdexcept>
#include <string>
#include <system_error>

namespace evenhand::journal {

enum class durability : std::uint8_t {
  buffered,  ///< written to the file (the OS holds it); survives a process crash, not a power cut
  synced,    ///< on disk when append returns
};

/// What `verify` found.
struct verification {
  enum class problem : std::uint8_t { none, torn_tail, malformed, edited, removed_or_reordered, bad_sequence };
  std::uint64_t records = 0;       ///< complete, sound records before the first problem
  problem found = problem::none;
  std::uint64_t line = 0;          ///< 1-based line of the problem
  std::uint64_t seq = 0;           ///< the sequence number the bad record carries (or should carry)
  std::string detail;
  std::string last_hash = std::string(genesis);  ///< of the last sound record
  std::uint64_t good_bytes = 0;    ///< length of the sound prefix of the file

  bool ok() const noexcept { return found == problem::none; }
};

constexpr std::string_view to_string(verification::problem p) noexcept {
  switch (p) {
    case verification::problem::none: return "none";
    case verification::problem::torn_tail: return "torn";
    case verification::problem::malformed: return "malformed";
    case verification::problem::edited: return "edited";
    case verification::problem::removed_or_reordered: return "removed or reordered";
    case verification::problem::bad_sequence: return "bad sequence";
  }
  return "none";
}

/// A verification as canonical JSON; `file`, when given, names the journal.
inline std::string to_json(const verification& v, std::string_view file = {}) {
  std::string out = "{\"detail\":";
  evenhand::detail::append_json_string(out, v.detail);
  if (!file.empty()) {
    out += ",\"file\":";
    evenhand::detail::append_json_string(out, file);
  }
  out += ",\"line\":" + std::to_string(v.line) + ",\"ok\":" + (v.ok() ? "true" : "false") + ",\"problem\":";
  evenhand::detail::append_json_string(out, v.ok() ? "" : std::string(to_string(v.found)));
  out += ",\"records\":" + std::to_string(v.records) + ",\"seq\":" + std::to_string(v.seq) + "}";
  return out;
}

/// Follows a journal's chain record by record and stops at the first problem. `verify_text`
/// feeds it line by line; replay feeds it records it parsed in parallel.
class chain_checker {
 public:
  /// The next complete line (1-based `line_no`, ending before byte `end_offset` + its newline),
  /// parsed or not (`why`). False once a problem is found: later lines are not looked at.
  bool add(std::uint64_t line_no, const std::optional<parsed_record>& r, std::string_view why, std::uint64_t next_offset) {
    return add(line_no, r ? &*r : nullptr, why, next_offset);
  }
  /// The same with what the chain needs of the record; null when the line did not parse.
  bool add(std::uint64_t line_no, const chain_link* r, std::string_view why, std::uint64_t next_offset) {
    if (!v_.ok()) return false;
    auto stop = [&](verification::problem p, std::string detail) {
      v_.found = p;
      v_.line = line_no;
      v_.detail = std::move(detail);
      return false;
    };
    if (!r) {
      v_.seq = expected_;
      return stop(verification::problem::malformed, std::string(why));
    }
    v_.seq = r->seq;
    if (!r->hash_ok) return stop(verification::problem::edited, "the record's hash does not match its content");
    if (r->prev != v_.last_hash)
      return stop(verification::problem::removed_or_reordered,
                  "the record does not follow the one before it (its prev is not that record's hash)");
    if (r->seq != expected_)
      return stop(verification::problem::bad_sequence,
                  "sequence number " + std::to_string(r->seq) + " where " + std::to_string(expected_) + " belongs");
    v_.last_hash = r->hash;
    ++v_.records;
    ++expected_;
    v_.good_bytes = next_offset;
    return true;
  }

  /// A last line without its newline, `bytes` long: the write did not complete.
  void torn(std::uint64_t line_no, std::uint64_t bytes) {
    if (!v_.ok()) return;
    v_.found = verification::problem::torn_tail;
    v_.line = line_no;
    v_.seq = expected_;
    v_.detail = "the last line is incomplete (" + std::to_string(bytes) + " bytes without a newline)";
  }

  const verification& result() const noexcept { return v_; }

 private:
  verification v_;
  std::uint64_t expected_ = 1;
};

/// Checks every record's hash and sequence number, from the first, and names the first problem.
inline verification verify_text(std::string_view text) {
  chain_checker chain;
  std::size_t at = 0;
  std::uint64_t line_no = 0;
  parsed_record r;  // one, reused: a long journal is verified without an allocation per record
  while (at < text.size()) {
    ++line_no;
    auto nl = text.find('\n', at);
    if (nl == std::string_view::npos) {
      chain.torn(line_no, text.size() - at);
      break;
    }
    std::string why;
    bool parsed = parse_record_into(r, text.substr(at, nl - at), &why);
    at = nl + 1;
    if (!chain.add(line_no, parsed ? &r : nullptr, why, at)) break;
  }
  return chain.result();
}

/// The whole file. Throws std::system_error when it cannot be read.
inline std::string read_whole_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::system_error(errno ? errno : ENOENT, std::generic_category(), "cannot read " + path.string());
  return std::string(std::istreambuf_iterator<char>(in), {});
}

inline verification verify(const std::filesystem::path& path) { return verify_text(read_whole_file(path)); }

/// Removes a torn last line, after copying the file to `backup`. Only a torn tail is removed:
/// any other problem is left for a person to look at (false, with the verification).
inline bool repair(const std::filesystem::path& path, const std::filesystem::path& backup, verification& v) {
  v = verify(path);
  if (v.found != verification::problem::torn_tail) return false;
  std::filesystem::copy_file(path, backup, std::filesystem::copy_options::overwrite_existing);
  std::filesystem::resize_file(path, v.good_bytes);
  return true;
}

/// Appends records to a journal file; shareable across threads.
class writer {
 public:
  /// Opens `path` (created when absent) after verifying it: a journal with any problem, a torn
  /// tail included, is refused (std::runtime_error naming it) rather than extended.
  writer(const std::filesystem::path& path, masking m) : path_(path), masking_(std::move(m)) {
    if (std::filesystem::exists(path)) {
      verification v = verify(path);
      if (!v.ok())
        throw std::runtime_error(path.string() + ":" + std::to_string(v.line) + ": " + std::string(to_string(v.found)) +
                                 ": " + v.detail + (v.found == verification::problem::torn_tail ? " (run `evenhand journal repair`)" : ""));
      next_seq_ = v.records + 1;
      last_hash_ = v.last_hash;
    }
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "cannot open " + path.string());
  }
  writer(const std::filesystem::path& path, const standard::ruleset& rules) : writer(path, masking::of(rules)) {}
  writer(const writer&) = delete;
  writer& operator=(const writer&) = delete;
  ~writer() {
    if (fd_ >= 0) {
      ::fdatasync(fd_);
      ::close(fd_);
    }
  }

  /// Appends the decision for `app`; returns its sequence number. Throws std::system_error when
  /// the write fails (nothing of the record is then counted; the chain continues from the last
  /// record written whole).
  std::uint64_t append(const eval::application& app, const eval::decision& d, durability how = durability::buffered) {
    masked_pair p = mask(masking_, app, d);  // outside the lock: the costly part
    std::uint64_t seq = 0, my_write = 0;
    {
      std::lock_guard lock(write_mutex_);
      seq = next_seq_;
      record_line r = make_record(seq, last_hash_, p);
      r.line += '\n';
      write_all(r.line);
      last_hash_ = std::move(r.hash);
      ++next_seq_;
      my_write = ++writes_;
    }
    if (how == durability::synced) sync_through(my_write);
    return seq;
  }

  /// Makes every record appended so far durable.
  void sync() {
    std::uint64_t upto;
    {
      std::lock_guard lock(write_mutex_);
      upto = writes_;
    }
    sync_through(upto);
  }

  std::uint64_t records() const {
    std::lock_guard lock(write_mutex_);
    return next_seq_ - 1;
  }

 private:
  void write_all(std::string_view bytes) {
    // One write(2) for the whole line: with O_APPEND, a regular file gets it contiguously.
    std::size_t done = 0;
    while (done < bytes.size()) {
      ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
      if (n < 0) {
        if (errno == EINTR) continue;
        int err = errno;
        if (done > 0) ::ftruncate(fd_, static_cast<off_t>(::lseek(fd_, 0, SEEK_END) - static_cast<off_t>(done)));
        throw std::system_error(err, std::generic_category(), "cannot append to " + path_.string());
      }
      done += static_cast<std::size_t>(n);
    }
  }

  /// Group commit: the first waiter syncs for everyone written before it started.
  void sync_through(std::uint64_t write) {
    std::unique_lock lock(sync_mutex_);
    while (synced_ < write) {
      if (syncing_) {
        sync_done_.wait(lock);
        continue;
      }
      syncing_ = true;
      std::uint64_t target;
      {
        std::lock_guard w(write_mutex_);
        target = writes_;
      }
      lock.unlock();
      int rc = ::fdatasync(fd_);
      int err = errno;
      lock.lock();
      syncing_ = false;
      if (rc == 0 && target > synced_) synced_ = target;
      sync_done_.notify_all();
      if (rc != 0) throw std::system_error(err, std::generic_category(), "cannot sync " + path_.string());
    }
  }

  std::filesystem::path path_;
  masking masking_;
  int fd_ = -1;
  mutable std::mutex write_mutex_;
  std::uint64_t next_seq_ = 1;
  std::string last_hash_ = std::string(genesis);
  std::uint64_t writes_ = 0;  // lines written by this writer
  std::mutex sync_mutex_;
  std::condition_variable sync_done_;
  bool syncing_ = false;
  std::uint64_t synced_ = 0;
};

}  // namespace evenhand::journal
