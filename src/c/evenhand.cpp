// The C API over the C++ library: handles own shared C++ objects; every entry point catches
// everything and turns it into a status, since an exception crossing into C is undefined.
#include <evenhand/c/evenhand.h>

#include <evenhand/eval/decision_json.hpp>
#include <evenhand/journal/journal.hpp>
#include <evenhand/standard/loader.hpp>
#include <evenhand/supervise/supervise.hpp>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <system_error>

struct evenhand_ruleset {
  std::shared_ptr<const evenhand::standard::ruleset> rules;
  std::string diagnostics_json;
};

struct evenhand_journal {
  std::shared_ptr<const evenhand::standard::ruleset> rules;  // outlives the writer, which masks by it
  std::unique_ptr<evenhand::journal::writer> writer;
};

struct evenhand_error {
  evenhand_status code = EVENHAND_INTERNAL_ERROR;
  std::string message;
  std::string file;
  std::uint32_t line = 0;
  std::uint32_t column = 0;
  std::string diagnostics = "[]";
};

namespace {

using namespace evenhand;

// Reporting running out of memory must not need memory: this one is never freed. Its strings
// fit the small-string buffer, so building it at load time allocates nothing either.
evenhand_error out_of_memory_error{EVENHAND_OUT_OF_MEMORY, "out of memory", "", 0, 0, "[]"};

/// A failure on its way out to C, raised inside the C++ part of an entry point.
struct failure {
  failure(evenhand_status c, std::string m, std::string f = {}, std::uint32_t l = 0)
      : code(c), message(std::move(m)), file(std::move(f)), line(l) {}
  evenhand_status code;
  std::string message;
  std::string file;
  std::uint32_t line = 0;
  std::uint32_t column = 0;
  std::string diagnostics = "[]";
};

/// A failure located at the first error of `ds`, carrying all of them.
failure located(evenhand_status code, const diagnostics& ds, std::string fallback) {
  failure f{code, std::move(fallback)};
  for (const auto& d : ds)
    if (d.level == severity::error) {
      f.message = (d.code.empty() ? "" : d.code + ": ") + d.message;
      f.file = d.where.file;
      f.line = d.where.line;
      f.column = d.where.column;
      break;
    }
  f.diagnostics = render_json(ds);
  return f;
}

evenhand_status report(evenhand_error** error, failure&& f) noexcept {
  if (error) {
    try {
      *error = new evenhand_error{f.code, std::move(f.message), std::move(f.file), f.line, f.column, std::move(f.diagnostics)};
    } catch (...) {
      *error = &out_of_memory_error;
    }
  }
  return f.code;
}

evenhand_status report(evenhand_error** error, evenhand_status code, const char* message) noexcept {
  try {
    return report(error, failure{code, message});
  } catch (...) {
    if (error) *error = &out_of_memory_error;
    return code;
  }
}

/// Runs `body`, turning whatever it throws into a status and an error object.
template <class Body>
evenhand_status guarded(evenhand_error** error, Body&& body) noexcept {
  try {
    body();
    return EVENHAND_OK;
  } catch (failure& f) {
    return report(error, std::move(f));
  } catch (const eval::as_of_before_submission& e) {  // the caller's as_of
    return report(error, EVENHAND_INVALID_ARGUMENT, e.what());
  } catch (const std::bad_alloc&) {
    if (error) *error = &out_of_memory_error;
    return EVENHAND_OUT_OF_MEMORY;
  } catch (const std::system_error& e) {
    return report(error, EVENHAND_IO_ERROR, e.what());
  } catch (const std::exception& e) {
    return report(error, EVENHAND_INTERNAL_ERROR, e.what());
  } catch (...) {
    return report(error, EVENHAND_INTERNAL_ERROR, "unknown exception");
  }
}

char* copy_out(const std::string& s) {
  char* p = static_cast<char*>(std::malloc(s.size() + 1));
  if (!p) throw std::bad_alloc();
  std::memcpy(p, s.data(), s.size() + 1);
  return p;
}

void require(bool ok, const char* what) {
  if (!ok) throw failure{EVENHAND_INVALID_ARGUMENT, what};
}

std::optional<timestamp> read_time(const char* text, const char* what) {
  if (!text) return std::nullopt;
  auto t = timestamp::parse(text);
  if (!t)
    throw failure{EVENHAND_INVALID_ARGUMENT,
                  std::string(what) + " is not an RFC 3339 time such as 2026-03-02T09:30:00+08:00: '" + text + "'"};
  return t;
}

std::optional<timestamp> read_as_of(const char* as_of) { return read_time(as_of, "as_of"); }

input_format read_format(evenhand_format format) {
  switch (format) {
    case EVENHAND_FORMAT_DETECT: return input_format::detect;
    case EVENHAND_FORMAT_JSON: return input_format::json;
    case EVENHAND_FORMAT_YAML: return input_format::yaml;
    default: break;
  }
  throw failure{EVENHAND_INVALID_ARGUMENT, "unknown format " + std::to_string(static_cast<int>(format)) +
                                               ": EVENHAND_FORMAT_DETECT, _JSON or _YAML"};
}

eval::application read(const standard::ruleset& rules, const char* text, std::size_t length, const char* name,
                       evenhand_format format) {
  diagnostics problems;
  auto app = eval::read_application(std::string_view(text, length), name ? name : "application", rules, problems,
                                    read_format(format));
  if (!app) throw located(EVENHAND_APPLICATION_INVALID, problems, "the application does not fit its item");
  return std::move(*app);
}

/// The decision, refused when its deadlines reach a year the calendar does not cover.
const eval::decision& with_deadlines(const eval::decision& d) {
  try {
    eval::require_deadlines(d);
  } catch (const eval::calendar_not_covered& e) {
    throw failure{EVENHAND_CALENDAR_NOT_COVERED, e.what()};
  }
  return d;
}

failure damaged(const journal::verification& v, const std::string& path) {
  return failure{EVENHAND_JOURNAL_DAMAGED,
                 std::string(journal::to_string(v.found)) + ": " + v.detail +
                     (v.found == journal::verification::problem::torn_tail ? " (run `evenhand journal repair`)" : ""),
                 path, static_cast<std::uint32_t>(v.line)};
}

}  // namespace

extern "C" {

const char* evenhand_version(void) { return EVENHAND_VERSION_STRING; }
int evenhand_abi_version(void) { return EVENHAND_ABI_VERSION; }

evenhand_status evenhand_error_code(const evenhand_error* e) { return e ? e->code : EVENHAND_INVALID_ARGUMENT; }
const char* evenhand_error_message(const evenhand_error* e) { return e ? e->message.c_str() : ""; }
const char* evenhand_error_file(const evenhand_error* e) { return e ? e->file.c_str() : ""; }
uint32_t evenhand_error_line(const evenhand_error* e) { return e ? e->line : 0; }
uint32_t evenhand_error_column(const evenhand_error* e) { return e ? e->column : 0; }
const char* evenhand_error_diagnostics(const evenhand_error* e) { return e ? e->diagnostics.c_str() : "[]"; }
void evenhand_error_free(evenhand_error* e) {
  if (e != &out_of_memory_error) delete e;
}

void evenhand_string_free(char* text) { std::free(text); }

evenhand_status evenhand_ruleset_load(const char* dir, evenhand_ruleset** out, evenhand_error** error) {
  if (out) *out = nullptr;
  return guarded(error, [&] {
    require(dir && out, "evenhand_ruleset_load needs a directory and a place for the ruleset");
    auto loaded = standard::load_ruleset(dir);
    if (!loaded.rules)
      throw located(loaded.unreadable ? EVENHAND_UNREADABLE : EVENHAND_RULESET_INVALID, loaded.problems,
                    std::string("cannot load the ruleset in ") + dir);
    auto r = std::make_unique<evenhand_ruleset>();
    r->rules = std::move(loaded.rules);
    r->diagnostics_json = render_json(loaded.problems);
    *out = r.release();
  });
}

void evenhand_ruleset_free(evenhand_ruleset* rules) { delete rules; }

evenhand_status evenhand_ruleset_lint(const evenhand_ruleset* rules, char** diagnostics_json, evenhand_error** error) {
  if (diagnostics_json) *diagnostics_json = nullptr;
  return guarded(error, [&] {
    require(rules && diagnostics_json, "evenhand_ruleset_lint needs a ruleset and a place for the diagnostics");
    *diagnostics_json = copy_out(rules->diagnostics_json);
  });
}

const char* evenhand_ruleset_id(const evenhand_ruleset* rules) { return rules ? rules->rules->id.c_str() : ""; }
const char* evenhand_ruleset_digest(const evenhand_ruleset* rules) { return rules ? rules->rules->digest.c_str() : ""; }

evenhand_status evenhand_evaluate(const evenhand_ruleset* rules, const char* application, size_t length,
                                  const char* name, const char* as_of, char** decision_json, evenhand_error** error) {
  return evenhand_evaluate_format(rules, application, length, name, EVENHAND_FORMAT_DETECT, as_of, decision_json, error);
}

evenhand_status evenhand_evaluate_format(const evenhand_ruleset* rules, const char* application, size_t length,
                                         const char* name, evenhand_format format, const char* as_of,
                                         char** decision_json, evenhand_error** error) {
  if (decision_json) *decision_json = nullptr;
  return guarded(error, [&] {
    require(rules && application && decision_json, "evenhand_evaluate needs a ruleset, an application and a place for the decision");
    auto when = read_as_of(as_of);
    auto app = read(*rules->rules, application, length, name, format);
    *decision_json = copy_out(eval::to_json(with_deadlines(eval::evaluate(*rules->rules, app, when))));
  });
}

evenhand_status evenhand_supervise(const evenhand_ruleset* rules, const char* case_text, size_t length,
                                   const char* name, const char* now, char** status_json, evenhand_error** error) {
  return evenhand_supervise_format(rules, case_text, length, name, EVENHAND_FORMAT_DETECT, now, status_json, error);
}

evenhand_status evenhand_supervise_format(const evenhand_ruleset* rules, const char* case_text, size_t length,
                                          const char* name, evenhand_format format, const char* now, char** status_json,
                                          evenhand_error** error) {
  if (status_json) *status_json = nullptr;
  return guarded(error, [&] {
    require(rules && case_text && status_json, "evenhand_supervise needs a ruleset, a case and a place for the status");
    require(now, "evenhand_supervise needs `now`: the library never reads the clock");
    timestamp when = *read_time(now, "now");
    diagnostics problems;
    auto c = supervise::read_case(std::string_view(case_text, length), name ? name : "case", *rules->rules, problems,
                                  read_format(format));
    if (!c) throw located(EVENHAND_CASE_INVALID, problems, "the case is not a valid supervision case");
    *status_json = copy_out(supervise::to_json(supervise::supervise(*rules->rules, *c->standard, *c, when)));
  });
}

evenhand_status evenhand_journal_open(const char* path, const evenhand_ruleset* rules, const char* salt,
                                      evenhand_journal** out, evenhand_error** error) {
  if (out) *out = nullptr;
  return guarded(error, [&] {
    require(path && rules && out, "evenhand_journal_open needs a path, a ruleset and a place for the journal");
    journal::masking m = journal::masking::of(*rules->rules);
    if (salt) m.salt = salt;
    auto j = std::make_unique<evenhand_journal>();
    j->rules = rules->rules;
    try {
      j->writer = std::make_unique<journal::writer>(path, std::move(m));
    } catch (const std::system_error& e) {
      throw failure{EVENHAND_UNREADABLE, e.what(), path};
    } catch (const journal::damaged_journal& e) {  // its last line is not a sound record
      throw failure{EVENHAND_JOURNAL_DAMAGED, e.what(), path};
    }
    *out = j.release();
  });
}

evenhand_status evenhand_journal_append(evenhand_journal* journal, const char* application, size_t length,
                                        const char* name, const char* as_of, evenhand_durability durability,
                                        uint64_t* seq, char** decision_json, evenhand_error** error) {
  return evenhand_journal_append_format(journal, application, length, name, EVENHAND_FORMAT_DETECT, as_of, durability,
                                        seq, decision_json, error);
}

evenhand_status evenhand_journal_append_format(evenhand_journal* journal, const char* application, size_t length,
                                               const char* name, evenhand_format format, const char* as_of,
                                               evenhand_durability durability, uint64_t* seq, char** decision_json,
                                               evenhand_error** error) {
  if (decision_json) *decision_json = nullptr;
  return guarded(error, [&] {
    require(journal && application, "evenhand_journal_append needs a journal and an application");
    require(durability == EVENHAND_BUFFERED || durability == EVENHAND_SYNCED, "unknown durability");
    auto when = read_as_of(as_of);
    auto app = read(*journal->rules, application, length, name, format);
    auto d = eval::evaluate(*journal->rules, app, when);
    with_deadlines(d);
    std::string text = decision_json ? eval::to_json(d) : std::string();
    char* out = decision_json ? copy_out(text) : nullptr;  // before appending: then nothing can fail after it
    std::uint64_t n = 0;
    try {
      n = journal->writer->append(app, d, durability == EVENHAND_SYNCED ? journal::durability::synced : journal::durability::buffered);
    } catch (const journal::damaged_journal& e) {
      std::free(out);
      throw failure{EVENHAND_JOURNAL_DAMAGED, e.what(), journal->writer->path().string()};
    } catch (...) {
      std::free(out);
      throw;
    }
    if (seq) *seq = n;
    if (decision_json) *decision_json = out;
  });
}

evenhand_status evenhand_journal_sync(evenhand_journal* journal, evenhand_error** error) {
  return guarded(error, [&] {
    require(journal, "evenhand_journal_sync needs a journal");
    journal->writer->sync();
  });
}

void evenhand_journal_close(evenhand_journal* journal) {
  try {
    delete journal;  // the writer syncs and closes its file
  } catch (...) {
  }
}

evenhand_status evenhand_journal_verify(const char* path, char** report_json, evenhand_error** error) {
  if (report_json) *report_json = nullptr;
  return guarded(error, [&] {
    require(path && report_json, "evenhand_journal_verify needs a path and a place for the report");
    journal::verification v;
    try {
      v = journal::verify(path);
    } catch (const std::system_error& e) {
      throw failure{EVENHAND_UNREADABLE, e.what(), path};
    }
    *report_json = copy_out(journal::to_json(v, path));
    if (!v.ok()) throw damaged(v, path);
  });
}

}  // extern "C"
