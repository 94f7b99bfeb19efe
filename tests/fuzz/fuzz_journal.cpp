// Fuzzes the journal's readers and mending with arbitrary bytes as a journal file: verify in
// memory and as a stream (any block size gives the same answer), repair (what it mends then
// verifies; what it refuses it leaves untouched), and a writer opening the file (it reads the
// tail only, and agrees with verify on a sound journal). Never a crash, a hang, a leak or an
// exception past the API other than the documented ones.
#include <evenhand/journal/journal.hpp>

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

namespace {

namespace fs = std::filesystem;
namespace journal = evenhand::journal;

void require(bool ok) {
  if (!ok) __builtin_trap();
}

void spit(const fs::path& p, std::string_view bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

void remove_side_files(const fs::path& p) {
  for (const char* kind : {".bak.", ".torn."})
    for (int n = 1; n <= 4; ++n) fs::remove(p.string() + kind + std::to_string(n));
}

bool same(const journal::verification& a, const journal::verification& b) {
  return a.found == b.found && a.records == b.records && a.line == b.line && a.good_bytes == b.good_bytes &&
         a.last_hash == b.last_hash && a.seq == b.seq;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const fs::path path = fs::temp_directory_path() / ("evenhand-fuzz-journal-" + std::to_string(::getpid()) + ".jsonl");
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  using problem = journal::verification::problem;
  using action = journal::repair_result::action;

  const auto v = journal::verify_text(bytes);
  for (std::size_t block : {std::size_t{1}, std::size_t{13}}) {
    journal::detail::line_source source(bytes, block);
    require(same(journal::detail::verify_lines(source), v));
  }
  spit(path, bytes);
  require(same(journal::verify(path), v));

  // A writer reads the tail only: on a sound journal it continues the chain verify follows.
  // After a crash's leftover (the first problem is at the end), it mends the file and the chain
  // verifies again, every whole record kept.
  try {
    journal::writer w(path, journal::masking{});
    if (v.ok()) require(w.records() == v.records && w.recoveries().empty());
    if (v.found == problem::torn_tail || v.found == problem::unterminated) {
      auto after = journal::verify(path);
      const std::uint64_t kept = v.records + (v.found == problem::unterminated ? 1 : 0);
      require(after.ok() && after.records == kept && w.records() == kept && w.recoveries().size() == 1);
    }
  } catch (const journal::damaged_journal&) {
    // a sound journal, or one whose only fault is at its end, always opens
    require(!v.ok() && v.found != problem::torn_tail && v.found != problem::unterminated);
  }
  remove_side_files(path);

  spit(path, bytes);
  auto r = journal::repair(path);
  require(same(r.found, v));
  std::ifstream in(path, std::ios::binary);
  std::string after((std::istreambuf_iterator<char>(in)), {});
  switch (r.done) {
    case action::nothing: require(v.ok() && after == bytes); break;
    case action::refused: require(after == bytes && r.backup.empty()); break;
    case action::newline_added:
      require(v.found == problem::unterminated && after == std::string(bytes) + "\n" && journal::verify(path).ok());
      require(journal::verify(path).records == v.records + 1);
      break;
    case action::torn_tail_removed:
      require(v.found == problem::torn_tail && after == bytes.substr(0, v.good_bytes) && journal::verify(path).ok());
      break;
  }
  remove_side_files(path);
  fs::remove(path);
  return 0;
}
