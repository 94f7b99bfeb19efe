// The journal file: appending records, verifying the chain, repairing a torn tail.
//
//   journal::writer j("decisions.jsonl", rules);          // opens or creates; reads only its tail
//   j.append(app, decision, journal::durability::synced);  // whole line, then fdatasync
//
// Many writers may share one file: threads of one writer, several writers in one process, and
// several processes. Each append holds an advisory lock on the file (flock) while it checks that
// the file still ends with the record this writer last saw, chains onto whatever record is last
// (another writer's, if one appended meanwhile), and writes its line with one write(2). So the
// file is always one chain with consecutive sequence numbers, whoever wrote it.
//
// Opening and appending read only the file's tail: their cost does not grow with the journal.
// `verify`, `repair` and replay read the file as a stream, in blocks, so their memory does not
// grow with it either (only with the longest record, at most `max_record_bytes`).
//
// After a crash (a writer killed, a power cut) the file may end with a torn line. The next
// writer to take the lock sees it and recovers: a last record that is whole but lacks only its
// newline gets the newline (the record is kept); anything else after the last whole record is
// moved to FILE.torn.N (never overwritten) and cut. A torn line was never acknowledged: its
// append had not returned. `repair` does the same by hand, keeping a backup of the whole file.
//
// A synced append returns once the record is on disk; concurrent synced appends of one writer
// share one fdatasync (group commit), so durability costs one sync per batch, not per record.
//
// POSIX only (open/pread/write/flock/fdatasync): halls run Linux. The lock is advisory: every
// writer of a file must be an evenhand writer. A process that forks while holding a writer
// shares that writer's lock with its child: open writers after forking.
#pragma once

#include <evenhand/journal/record.hpp>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

namespace evenhand::journal {

enum class durability : std::uint8_t {
  buffered,  ///< written to the file (the OS holds it); survives a process crash, not a power cut
  synced,    ///< on disk when append returns
};

/// What `verify` found.
struct verification {
  enum class problem : std::uint8_t { none, torn_tail, malformed, edited, removed_or_reordered, bad_sequence, unterminated };
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
    case verification::problem::unterminated: return "unterminated";
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
  out += ",\"last_hash\":";
  evenhand::detail::append_json_string(out, v.last_hash);
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

  /// The last line, `bytes`, lacks its newline. When it is a whole record that chains, only
  /// the newline is missing (`unterminated`: repair adds it); otherwise the write did not
  /// complete (`torn_tail`: repair cuts it).
  void tail(std::uint64_t line_no, std::string_view bytes) {
    if (!v_.ok()) return;
    v_.line = line_no;
    v_.seq = expected_;
    parsed_record r;
    if (parse_record_into(r, bytes) && r.hash_ok && r.prev == v_.last_hash && r.seq == expected_) {
      v_.found = verification::problem::unterminated;
      v_.detail = "the last record is whole but lacks its final newline";
      return;
    }
    v_.found = verification::problem::torn_tail;
    v_.detail = "the last line is incomplete (" + std::to_string(bytes.size()) + " bytes without a newline)";
  }

  const verification& result() const noexcept { return v_; }

 private:
  verification v_;
  std::uint64_t expected_ = 1;
};

/// The longest line a journal may hold: a longer one is malformed, and nothing reading a
/// journal holds more than this of it at once. An application is at most 4 MiB; its decision
/// and the record's members are a fraction of that.
inline constexpr std::uint64_t max_record_bytes = std::uint64_t{64} << 20;

/// A journal whose tail is not a sound record: it cannot be extended as it stands.
class damaged_journal : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

namespace detail {

/// One complete line of a journal: its text (without the newline), 1-based number, and the
/// offset just past its newline. `oversized`: longer than max_record_bytes (no text kept).
struct journal_line {
  std::string_view text;
  std::uint64_t number = 0, next_offset = 0;
  bool oversized = false;
};

/// Why an oversized line is not a record.
inline std::string oversized_line() { return "the line is longer than " + std::to_string(max_record_bytes) + " bytes"; }

[[noreturn]] inline void throw_errno(int err, const std::string& what) {
  throw std::system_error(err, std::generic_category(), what);
}

/// An open file descriptor, closed when it goes.
class file_descriptor {
 public:
  file_descriptor() = default;
  file_descriptor(const std::filesystem::path& path, int flags, mode_t mode = 0644) : fd_(::open(path.c_str(), flags | O_CLOEXEC, mode)) {
    if (fd_ < 0) throw_errno(errno, ((flags & O_ACCMODE) == O_RDONLY ? "cannot read " : "cannot open ") + path.string());
  }
  file_descriptor(file_descriptor&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  file_descriptor& operator=(file_descriptor&& o) noexcept {
    std::swap(fd_, o.fd_);
    return *this;
  }
  ~file_descriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const noexcept { return fd_; }

 private:
  int fd_ = -1;
};

/// Holds an exclusive flock on a file for a scope. flock locks belong to the open file, so two
/// writers of one file in one process exclude each other as two processes do.
class exclusive_lock {
 public:
  exclusive_lock(int fd, const std::filesystem::path& path) : fd_(fd) {
    while (::flock(fd_, LOCK_EX) != 0)
      if (errno != EINTR) throw_errno(errno, "cannot lock " + path.string());
  }
  exclusive_lock(const exclusive_lock&) = delete;
  exclusive_lock& operator=(const exclusive_lock&) = delete;
  ~exclusive_lock() { ::flock(fd_, LOCK_UN); }

 private:
  int fd_;
};

inline std::uint64_t file_size(int fd, const std::filesystem::path& path) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) throw_errno(errno, "cannot stat " + path.string());
  return static_cast<std::uint64_t>(st.st_size);
}

/// Reads `n` bytes at `at` into `out`.
inline void read_at(int fd, char* out, std::size_t n, std::uint64_t at, const std::filesystem::path& path) {
  while (n > 0) {
    ssize_t got = ::pread(fd, out, n, static_cast<off_t>(at));
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) throw_errno(errno, "cannot read " + path.string());
    if (got == 0) throw std::runtime_error("cannot read " + path.string() + ": the file is shorter than it was");
    out += got;
    n -= static_cast<std::size_t>(got);
    at += static_cast<std::uint64_t>(got);
  }
}

/// Writes all of `bytes` (to an O_APPEND file: at its end).
inline void write_all(int fd, std::string_view bytes, const std::filesystem::path& path) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_errno(errno, "cannot write " + path.string());
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

/// A file beside `path` named `path` + `suffix` + ".N", for the first N from 1 that does not
/// exist, created (O_EXCL: an existing file is never overwritten, even by a concurrent caller)
/// and holding `fill`'s bytes, synced.
template <class Fill>
std::filesystem::path create_numbered(const std::filesystem::path& path, std::string_view suffix, Fill&& fill) {
  for (unsigned n = 1;; ++n) {
    std::filesystem::path candidate = path.string() + std::string(suffix) + "." + std::to_string(n);
    int fd = ::open(candidate.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0 && errno == EEXIST) continue;
    if (fd < 0) throw_errno(errno, "cannot create " + candidate.string());
    struct closer {
      int fd;
      ~closer() { ::close(fd); }
    } close_it{fd};
    fill(fd, candidate);
    if (::fsync(fd) != 0) throw_errno(errno, "cannot sync " + candidate.string());
    return candidate;
  }
}

/// The offset where the line that ends just before `end` begins: after the last newline
/// before `end`, or 0. Reads backwards in blocks; a line longer than max_record_bytes is
/// damage (nullopt).
inline std::optional<std::uint64_t> line_start(int fd, std::uint64_t end, const std::filesystem::path& path) {
  constexpr std::uint64_t block = 64 * 1024;
  std::string buf(static_cast<std::size_t>(std::min(block, end)), '\0');  // on the heap: worker threads have small stacks
  std::uint64_t at = end;
  while (at > 0) {
    std::uint64_t n = std::min(block, at);
    read_at(fd, buf.data(), n, at - n, path);
    for (std::uint64_t i = n; i > 0; --i)
      if (buf[i - 1] == '\n') return at - n + i;
    at -= n;
    if (end - at > max_record_bytes) return std::nullopt;
  }
  return 0;
}

/// The bytes [from, to) of the file.
inline std::string read_range(int fd, std::uint64_t from, std::uint64_t to, const std::filesystem::path& path) {
  std::string out(to - from, '\0');
  read_at(fd, out.data(), out.size(), from, path);
  return out;
}

/// The complete lines of a journal, a block at a time: from text in memory, or read from a
/// file into one buffer that grows only to hold the longest line. Memory is bounded by the
/// block size and the longest record, never by the journal's size.
class line_source {
 public:
  static constexpr std::size_t default_block = 8u << 20;

  explicit line_source(std::string_view text, std::size_t block = default_block) : text_(text), block_(block) {}
  line_source(int fd, const std::filesystem::path& path, std::size_t block = default_block) : fd_(fd), path_(path), block_(block) {
    // A small file gets a small buffer: the block is for long journals.
    struct stat st {};
    std::uint64_t size = ::fstat(fd, &st) == 0 ? static_cast<std::uint64_t>(st.st_size) : block_;
    buf_.resize(static_cast<std::size_t>(std::clamp<std::uint64_t>(size + 1, std::min<std::size_t>(block_, 4096), block_)));
  }

  /// The next block of complete lines into `out` (views valid until the next call); false
  /// when none is left. A line longer than max_record_bytes comes alone, `oversized`, and
  /// ends the reading.
  bool next(std::vector<journal_line>& out) {
    out.clear();
    if (done_) return false;
    return fd_ >= 0 ? next_from_file(out) : next_from_text(out);
  }

  /// After the last block: the unterminated bytes after the last newline (empty when none).
  std::string_view tail() const noexcept { return tail_; }
  std::uint64_t lines() const noexcept { return line_no_; }

 private:
  bool next_from_text(std::vector<journal_line>& out) {
    const std::size_t stop = at_ + std::min(block_, text_.size() - at_);
    while (at_ < text_.size()) {
      auto nl = text_.find('\n', at_);
      std::size_t length = (nl == std::string_view::npos ? text_.size() : nl) - at_;
      if (length > max_record_bytes) {
        if (!out.empty()) return true;  // the oversized line comes alone, next time
        out.push_back({{}, ++line_no_, 0, true});
        done_ = true;
        return true;
      }
      if (nl == std::string_view::npos) {
        if (!out.empty()) return true;
        tail_ = text_.substr(at_);
        done_ = true;
        return false;
      }
      out.push_back({text_.substr(at_, length), ++line_no_, nl + 1});
      at_ = nl + 1;
      if (at_ >= stop) break;
    }
    if (out.empty()) done_ = true;
    return !out.empty();
  }

  bool next_from_file(std::vector<journal_line>& out) {
    if (begin_ > 0) {  // keep the unfinished line, at the front
      std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
      end_ -= begin_;
      offset_ += begin_;
      begin_ = 0;
    }
    for (;;) {
      while (end_ < buf_.size() && !eof_) {
        ssize_t n = ::read(fd_, buf_.data() + end_, buf_.size() - end_);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw_errno(errno, "cannot read " + path_.string());
        if (n == 0) eof_ = true;
        end_ += static_cast<std::size_t>(n);
      }
      const char* base = buf_.data();
      std::size_t at = begin_;
      while (at < end_) {
        const void* nl = std::memchr(base + at, '\n', end_ - at);
        if (!nl) break;
        std::size_t nl_at = static_cast<std::size_t>(static_cast<const char*>(nl) - base);
        if (nl_at - at > max_record_bytes) break;
        out.push_back({std::string_view(base + at, nl_at - at), ++line_no_, offset_ + nl_at + 1});
        at = nl_at + 1;
      }
      begin_ = at;
      if (!out.empty()) return true;
      if (end_ - begin_ > max_record_bytes) {
        out.push_back({{}, ++line_no_, 0, true});
        done_ = true;
        return true;
      }
      if (eof_) {
        tail_ = std::string_view(buf_.data() + begin_, end_ - begin_);
        done_ = true;
        return false;
      }
      buf_.resize(std::min<std::size_t>(buf_.size() * 2, max_record_bytes + 1));  // a line longer than the buffer
    }
  }

  std::string_view text_;
  std::size_t at_ = 0;
  int fd_ = -1;
  std::filesystem::path path_;
  std::string buf_;
  std::size_t begin_ = 0, end_ = 0;
  std::uint64_t offset_ = 0;  // of buf_[0] in the file
  bool eof_ = false;
  std::size_t block_;
  std::string_view tail_;
  std::uint64_t line_no_ = 0;
  bool done_ = false;
};

/// Follows the chain over a whole source, record by record.
inline verification verify_lines(line_source& source) {
  chain_checker chain;
  parsed_record r;  // one, reused: a long journal is verified without an allocation per record
  std::vector<journal_line> lines;
  std::string why;
  while (source.next(lines))
    for (const auto& l : lines) {
      bool parsed = !l.oversized && parse_record_into(r, l.text, &why);
      if (l.oversized) why = oversized_line();
      if (!chain.add(l.number, parsed ? &r : nullptr, why, l.next_offset)) return chain.result();
    }
  if (!source.tail().empty()) chain.tail(source.lines() + 1, source.tail());
  return chain.result();
}

}  // namespace detail

/// Checks every record's hash and sequence number, from the first, and names the first problem.
inline verification verify_text(std::string_view text) {
  detail::line_source source(text);
  return detail::verify_lines(source);
}

/// The same for a file, read as a stream: memory does not grow with the journal. Throws
/// std::system_error when it cannot be read.
inline verification verify(const std::filesystem::path& path) {
  detail::file_descriptor fd(path, O_RDONLY);
  detail::line_source source(fd.get(), path);
  return detail::verify_lines(source);
}

/// The whole file. Throws std::system_error when it cannot be read.
inline std::string read_whole_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::system_error(errno ? errno : ENOENT, std::generic_category(), "cannot read " + path.string());
  return std::string(std::istreambuf_iterator<char>(in), {});
}

/// What `repair` did.
struct repair_result {
  enum class action : std::uint8_t {
    nothing,            ///< the chain was sound
    newline_added,      ///< the last record was whole but for its newline: added, record kept
    torn_tail_removed,  ///< the bytes after the last whole record were cut
    refused,            ///< another problem: left for a person to look at
  };
  action done = action::nothing;
  verification found;           ///< what verify found before repairing
  std::filesystem::path backup;  ///< the copy of the file as it was (FILE.bak.N), when changed
  std::uint64_t bytes_removed = 0;
};

constexpr std::string_view to_string(repair_result::action a) noexcept {
  constexpr std::string_view names[] = {"nothing", "newline_added", "torn_tail_removed", "refused"};
  return names[static_cast<std::size_t>(a)];
}

/// A repair as canonical JSON.
inline std::string to_json(const repair_result& r, std::string_view file = {}) {
  std::string out = "{\"action\":";
  evenhand::detail::append_json_string(out, to_string(r.done));
  out += ",\"backup\":";
  evenhand::detail::append_json_string(out, r.backup.string());
  out += ",\"bytes_removed\":" + std::to_string(r.bytes_removed) + ",\"found\":" + to_json(r.found, file) + "}";
  return out;
}

/// Repairs what a crash can leave at a journal's end, under the writers' lock, after copying
/// the whole file to FILE.bak.N (the first N free: no backup is ever overwritten). A last
/// record lacking only its newline gets it and is kept; a torn last line is cut. Any other
/// problem is refused, for a person to look at: repair never removes a whole record.
inline repair_result repair(const std::filesystem::path& path) {
  repair_result r;
  detail::file_descriptor fd(path, O_RDWR | O_APPEND);
  detail::exclusive_lock lock(fd.get(), path);
  {
    detail::file_descriptor reading(path, O_RDONLY);
    detail::line_source source(reading.get(), path);
    r.found = detail::verify_lines(source);
  }
  using problem = verification::problem;
  if (r.found.ok()) return r;
  if (r.found.found != problem::torn_tail && r.found.found != problem::unterminated) {
    r.done = repair_result::action::refused;
    return r;
  }
  const std::uint64_t size = detail::file_size(fd.get(), path);
  r.backup = detail::create_numbered(path, ".bak", [&](int out, const std::filesystem::path& name) {
    std::string buf(1 << 20, '\0');
    for (std::uint64_t at = 0; at < size;) {
      std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(buf.size(), size - at));
      detail::read_at(fd.get(), buf.data(), n, at, path);
      detail::write_all(out, std::string_view(buf.data(), n), name);
      at += n;
    }
  });
  if (r.found.found == problem::unterminated) {
    detail::write_all(fd.get(), "\n", path);
    r.done = repair_result::action::newline_added;
  } else {
    if (::ftruncate(fd.get(), static_cast<off_t>(r.found.good_bytes)) != 0) detail::throw_errno(errno, "cannot truncate " + path.string());
    r.bytes_removed = size - r.found.good_bytes;
    r.done = repair_result::action::torn_tail_removed;
  }
  if (::fdatasync(fd.get()) != 0) detail::throw_errno(errno, "cannot sync " + path.string());
  return r;
}

/// What a writer found and mended at the journal's end, left there by a writer that crashed.
struct recovery {
  enum class kind : std::uint8_t { newline_added, torn_tail_removed };
  kind what = kind::newline_added;
  std::uint64_t offset = 0;       ///< where in the file
  std::uint64_t bytes = 0;        ///< added (the newline) or removed
  std::filesystem::path saved_to;  ///< the removed bytes, kept (FILE.torn.N)
};

/// Appends records to a journal file; shareable across threads, and many writers (in this
/// process or others) may append to one file at once.
class writer {
 public:
  /// Opens `path` (created when absent) and reads its last record, mending a crash's torn tail
  /// (see recoveries()). Throws damaged_journal when the last line is not a sound record: the
  /// file is not extended then. Does not verify the whole chain: `verify` does, on demand.
  writer(const std::filesystem::path& path, masking m) : path_(path), masking_(std::move(m)) {
    bool existed = std::filesystem::exists(path);
    fd_ = detail::file_descriptor(path, O_RDWR | O_CREAT | O_APPEND);
    if (!existed) sync_directory();
    std::lock_guard lock(write_mutex_);
    detail::exclusive_lock file_lock(fd_.get(), path_);
    catch_up();
  }
  writer(const std::filesystem::path& path, const standard::ruleset& rules) : writer(path, masking::of(rules)) {}
  writer(const writer&) = delete;
  writer& operator=(const writer&) = delete;
  ~writer() {
    if (fd_.get() >= 0) ::fdatasync(fd_.get());
  }

  /// Appends the decision for `app`; returns its sequence number. Throws std::system_error
  /// when the write fails (nothing of the record stays in the file), damaged_journal when the
  /// file no longer ends with a sound record.
  std::uint64_t append(const eval::application& app, const eval::decision& d, durability how = durability::buffered) {
    masked_pair p = mask(masking_, app, d);  // outside the locks: the costly part
    std::uint64_t seq = 0, my_write = 0;
    {
      std::lock_guard lock(write_mutex_);
      detail::exclusive_lock file_lock(fd_.get(), path_);
      catch_up();
      seq = tail_.seq + 1;
      record_line r = make_record(seq, tail_.hash, p);
      r.line += '\n';
      try {
        detail::write_all(fd_.get(), r.line, path_);
      } catch (...) {
        // Nothing of a record that failed stays: the next record would chain onto half a line.
        if (::ftruncate(fd_.get(), static_cast<off_t>(tail_.end)) != 0) known_ = false;
        throw;
      }
      tail_.end += r.line.size();
      tail_.seq = seq;
      tail_.hash = std::move(r.hash);
      tail_.suffix.assign(std::string_view(r.line).substr(r.line.size() - std::min<std::size_t>(r.line.size(), suffix_bytes)));
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

  /// The sequence number of the last record this writer saw: its own last append, or the
  /// file's last record when it last looked (other writers may have appended since).
  std::uint64_t records() const {
    std::lock_guard lock(write_mutex_);
    return tail_.seq;
  }

  /// The crashes' leftovers this writer mended, in order.
  std::vector<recovery> recoveries() const {
    std::lock_guard lock(write_mutex_);
    return recoveries_;
  }

  const std::filesystem::path& path() const noexcept { return path_; }

 private:
  /// The last bytes of the last record: with the file's size, they tell whether the file still
  /// ends with the record this writer last saw (they hold its `prev` hash and `seq`).
  static constexpr std::size_t suffix_bytes = 128;

  struct tail_state {
    std::uint64_t end = 0;  ///< the file's size when it ends with the last record
    std::uint64_t seq = 0;
    std::string hash = std::string(genesis);
    std::string suffix;
  };

  /// Under both locks: makes `tail_` the file's last record, reading it again when another
  /// writer appended (or anything else changed the file) since this writer last looked.
  void catch_up() {
    const std::uint64_t size = detail::file_size(fd_.get(), path_);
    if (known_ && size == tail_.end) {
      std::string now(tail_.suffix.size(), '\0');
      detail::read_at(fd_.get(), now.data(), now.size(), size - now.size(), path_);
      if (now == tail_.suffix) return;
    }
    known_ = false;
    tail_ = read_tail(size);
    known_ = true;
  }

  /// The last sound record of a file of `size` bytes, mending a torn end.
  tail_state read_tail(std::uint64_t size) {
    if (size == 0) return {};
    const int fd = fd_.get();
    char last = 0;
    detail::read_at(fd, &last, 1, size - 1, path_);
    if (last == '\n') return record_ending_at(size);
    // No newline at the end: a writer died mid-line. The record before is where to chain from.
    auto start = detail::line_start(fd, size, path_);
    if (!start) throw damaged("its last line is longer than any record");
    tail_state before = *start == 0 ? tail_state{} : record_ending_at(*start);
    std::string partial = detail::read_range(fd, *start, size, path_);
    parsed_record r;
    if (parse_record_into(r, partial) && r.hash_ok && r.prev == before.hash && r.seq == before.seq + 1) {
      detail::write_all(fd, "\n", path_);  // whole but for its newline: kept
      recoveries_.push_back({recovery::kind::newline_added, size, 1, {}});
      return record_ending_at(size + 1);
    }
    auto saved = detail::create_numbered(path_, ".torn", [&](int out, const std::filesystem::path& name) {
      detail::write_all(out, partial, name);
    });
    if (::ftruncate(fd, static_cast<off_t>(*start)) != 0) detail::throw_errno(errno, "cannot truncate " + path_.string());
    recoveries_.push_back({recovery::kind::torn_tail_removed, *start, size - *start, saved});
    return before;
  }

  /// The record whose line ends (with its newline) at byte `end`; damaged_journal when it is
  /// not a sound record.
  tail_state record_ending_at(std::uint64_t end) {
    auto start = detail::line_start(fd_.get(), end - 1, path_);
    if (!start) throw damaged("its last line is longer than any record");
    std::string line = detail::read_range(fd_.get(), *start, end - 1, path_);
    parsed_record r;
    std::string why;
    if (!parse_record_into(r, line, &why)) throw damaged("the record ending at byte " + std::to_string(end) + " is malformed: " + why);
    if (!r.hash_ok) throw damaged("the record ending at byte " + std::to_string(end) + " was edited (its hash does not match)");
    tail_state t;
    t.end = end;
    t.seq = r.seq;
    t.hash = std::move(r.hash);
    line += '\n';
    t.suffix = line.substr(line.size() - std::min(line.size(), suffix_bytes));
    return t;
  }

  damaged_journal damaged(const std::string& why) const {
    return damaged_journal(path_.string() + ": " + why + " (run `evenhand journal verify`)");
  }

  void sync_directory() {
    auto dir = path_.parent_path().empty() ? std::filesystem::path(".") : path_.parent_path();
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
      ::fsync(fd);  // the new file's name is durable too
      ::close(fd);
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
      int rc = ::fdatasync(fd_.get());
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
  detail::file_descriptor fd_;
  mutable std::mutex write_mutex_;
  tail_state tail_;
  bool known_ = false;  // tail_ is what the file ended with when this writer last held the lock
  std::vector<recovery> recoveries_;
  std::uint64_t writes_ = 0;  // lines written by this writer
  std::mutex sync_mutex_;
  std::condition_variable sync_done_;
  bool syncing_ = false;
  std::uint64_t synced_ = 0;
};

}  // namespace evenhand::journal
