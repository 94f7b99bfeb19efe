/* The C API of evenhand: load a ruleset once, evaluate applications on any thread, keep a
 * decision journal. Plain C11; every text in and out is UTF-8 JSON (or YAML for applications).
 *
 *   evenhand_ruleset* rules = NULL;
 *   evenhand_error* err = NULL;
 *   if (evenhand_ruleset_load("rulesets/cn-demo", &rules, &err) != EVENHAND_OK) {
 *     fprintf(stderr, "%s:%u:%u: %s\n", evenhand_error_file(err), evenhand_error_line(err),
 *             evenhand_error_column(err), evenhand_error_message(err));
 *     evenhand_error_free(err);
 *     return 1;
 *   }
 *   char* decision = NULL;
 *   if (evenhand_evaluate(rules, text, strlen(text), "app.json", NULL, &decision, &err) == EVENHAND_OK) {
 *     puts(decision);                    // canonical decision JSON, as `evenhand eval` prints it
 *     evenhand_string_free(decision);
 *   }
 *   evenhand_ruleset_free(rules);
 *
 * Conventions. Functions that can fail return an evenhand_status and, on failure, set
 * `*error` to a new error object when `error` is not NULL (free it with evenhand_error_free);
 * on success `*error` is left untouched. Output strings are NUL-terminated, allocated by the
 * library and freed with evenhand_string_free; on failure output pointers are set to NULL.
 * No C++ exception ever leaves a function of this header: every failure, out of memory
 * included, is a status.
 *
 * Threads. A loaded ruleset is immutable: any number of threads may evaluate against one
 * ruleset at once, with no locking. A journal handle may be shared too: appends from several
 * threads are serialised inside (records get consecutive sequence numbers) and concurrent
 * synced appends share one disk sync. Freeing a handle must wait until no other thread uses
 * it. Error objects and strings belong to the caller that received them.
 *
 * ABI promise. EVENHAND_ABI_VERSION changes only when a release breaks binary compatibility;
 * within one ABI version: functions are only added, never removed or changed in signature;
 * handles stay opaque (their layout is not part of the ABI); enum values are never
 * renumbered, and new ones may be added (treat an unknown status as a failure). The JSON
 * documents gain keys only in ways their schemas allow (schema/decision.schema.json).
 */
#ifndef EVENHAND_C_EVENHAND_H
#define EVENHAND_C_EVENHAND_H

#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32)
#  define EVENHAND_C_API
#elif defined(__GNUC__)
#  define EVENHAND_C_API __attribute__((visibility("default")))
#else
#  define EVENHAND_C_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/** The ABI version this header describes; compare with evenhand_abi_version() at run time. */
#define EVENHAND_ABI_VERSION 1

/** What a call came to. 0 is success; the values are fixed forever. */
typedef enum evenhand_status {
  EVENHAND_OK = 0,
  EVENHAND_INVALID_ARGUMENT = 1, /**< a NULL where a value is needed, a bad as_of, an unknown enum */
  EVENHAND_UNREADABLE = 2,       /**< a file or directory could not be read */
  EVENHAND_RULESET_INVALID = 3,  /**< the ruleset has errors: see the diagnostics */
  EVENHAND_APPLICATION_INVALID = 4, /**< the application does not fit its item (E40x): see the diagnostics */
  EVENHAND_JOURNAL_DAMAGED = 5,  /**< the journal's chain is broken or its last line torn */
  EVENHAND_IO_ERROR = 6,         /**< writing or syncing the journal failed */
  EVENHAND_OUT_OF_MEMORY = 7,
  EVENHAND_INTERNAL_ERROR = 8,   /**< a bug in evenhand: please report it with the message */
  EVENHAND_CASE_INVALID = 9,     /**< a supervision case is malformed (E5xx): see the diagnostics */
  EVENHAND_CALENDAR_NOT_COVERED = 10, /**< the decision's deadlines reach a year the ruleset's calendar has no
                                           published schedule for: the message names it; no decision is given */
  EVENHAND_STATUS_MAX_ENUM = 0x7FFFFFFF /**< not a status: keeps the enum the size of an int */
} evenhand_status;

/** How far an appended record is taken before the append returns. */
typedef enum evenhand_durability {
  EVENHAND_BUFFERED = 0, /**< written to the file: survives a crash of the process, not a power cut */
  EVENHAND_SYNCED = 1,   /**< on disk */
  EVENHAND_DURABILITY_MAX_ENUM = 0x7FFFFFFF /**< not a value: keeps the enum the size of an int, and
                                                 any int a value C++ may hold, so a wrong one is reported */
} evenhand_durability;

/** How an application's or a case's text is written (the *_format functions). A declared
 *  format is never second-guessed: JSON with a trailing comma is an error, though YAML would
 *  read it. */
typedef enum evenhand_format {
  EVENHAND_FORMAT_DETECT = 0, /**< not declared: JSON when its first non-blank byte is '{', else YAML */
  EVENHAND_FORMAT_JSON = 1,
  EVENHAND_FORMAT_YAML = 2,
  EVENHAND_FORMAT_MAX_ENUM = 0x7FFFFFFF /**< not a value: keeps the enum the size of an int */
} evenhand_format;

typedef struct evenhand_ruleset evenhand_ruleset; /**< a loaded, checked ruleset; immutable */
typedef struct evenhand_journal evenhand_journal; /**< an open decision journal */
typedef struct evenhand_error evenhand_error;     /**< what went wrong, where */

/* ---- Versions (thread-safe) ---- */

/** The library's version, e.g. "0.1.0"; a static string. */
EVENHAND_C_API const char* evenhand_version(void);
/** The ABI version of the library linked at run time (EVENHAND_ABI_VERSION when it was built). */
EVENHAND_C_API int evenhand_abi_version(void);

/* ---- Errors (an error object belongs to one thread at a time) ---- */

EVENHAND_C_API evenhand_status evenhand_error_code(const evenhand_error* error);
/** One line: for a located problem, the first error's message. Never NULL. */
EVENHAND_C_API const char* evenhand_error_message(const evenhand_error* error);
/** Where the first error is: file ("" when unknown), 1-based line and column (0 when unknown). */
EVENHAND_C_API const char* evenhand_error_file(const evenhand_error* error);
EVENHAND_C_API uint32_t evenhand_error_line(const evenhand_error* error);
EVENHAND_C_API uint32_t evenhand_error_column(const evenhand_error* error);
/** Every diagnostic as a JSON array of {severity, code, message, file, line, column, length,
 *  hint?}; "[]" when the failure is not about what someone wrote. Never NULL. */
EVENHAND_C_API const char* evenhand_error_diagnostics(const evenhand_error* error);
/** Frees an error object; NULL is allowed. */
EVENHAND_C_API void evenhand_error_free(evenhand_error* error);

/** Frees a string this library returned; NULL is allowed. */
EVENHAND_C_API void evenhand_string_free(char* text);

/* ---- Rulesets ---- */

/** Loads and checks the ruleset in directory `dir` (thread-safe; items load in parallel).
 *  EVENHAND_RULESET_INVALID with every diagnostic in the error when it has errors,
 *  EVENHAND_UNREADABLE when the directory or its ruleset.yaml cannot be read. */
EVENHAND_C_API evenhand_status evenhand_ruleset_load(const char* dir, evenhand_ruleset** out, evenhand_error** error);

/** Frees a ruleset. Journals opened with it keep what they need and stay usable. */
EVENHAND_C_API void evenhand_ruleset_free(evenhand_ruleset* rules);

/** The loaded ruleset's diagnostics (warnings: a loaded ruleset has no errors) as a JSON array,
 *  as in evenhand_error_diagnostics (thread-safe). */
EVENHAND_C_API evenhand_status evenhand_ruleset_lint(const evenhand_ruleset* rules, char** diagnostics_json,
                                                     evenhand_error** error);

/** The ruleset's id and digest ("sha256:…"); valid until the ruleset is freed (thread-safe). */
EVENHAND_C_API const char* evenhand_ruleset_id(const evenhand_ruleset* rules);
EVENHAND_C_API const char* evenhand_ruleset_digest(const evenhand_ruleset* rules);

/* ---- Evaluation (thread-safe on a shared ruleset) ---- */

/** Evaluates an application (JSON or YAML text of `length` bytes, at most 4 MiB; `name` names
 *  it in diagnostics, NULL for "application") as of `as_of` (RFC 3339, e.g.
 *  "2026-03-02T09:30:00+08:00"; NULL for its submission time). `*decision_json` receives the
 *  canonical decision, byte for byte what the C++ API's eval::to_json(eval::evaluate(…)) and
 *  `evenhand eval` give. EVENHAND_APPLICATION_INVALID with located diagnostics when the
 *  application does not fit its item (E40x; E406 larger than 4 MiB; the first 100 diagnostics
 *  and one counting the rest); EVENHAND_INVALID_ARGUMENT for a malformed as_of, or one before
 *  the application's submitted_at;
 *  EVENHAND_CALENDAR_NOT_COVERED (and no decision) when its deadlines reach a year without a
 *  published working-day schedule (the message names the year, in Chinese and English). The text's
 *  format is detected as EVENHAND_FORMAT_DETECT says; evenhand_evaluate_format declares it. */
EVENHAND_C_API evenhand_status evenhand_evaluate(const evenhand_ruleset* rules, const char* application,
                                                 size_t length, const char* name, const char* as_of,
                                                 char** decision_json, evenhand_error** error);

/** evenhand_evaluate with the text's format declared (e.g. by the file's extension):
 *  EVENHAND_FORMAT_JSON, EVENHAND_FORMAT_YAML or EVENHAND_FORMAT_DETECT (as evenhand_evaluate);
 *  EVENHAND_INVALID_ARGUMENT for another value. */
EVENHAND_C_API evenhand_status evenhand_evaluate_format(const evenhand_ruleset* rules, const char* application,
                                                        size_t length, const char* name, evenhand_format format,
                                                        const char* as_of, char** decision_json, evenhand_error** error);

/* ---- Supervision (thread-safe on a shared ruleset) ---- */

/** Measures a running case against its deadlines as of `now` (RFC 3339; required: the library
 *  never reads the clock). The case is JSON or YAML text of `length` bytes: item,
 *  application, received_at, accepted_on, steps, events (see the README); `name` names it in
 *  diagnostics (NULL for "case"). `*status_json` receives the canonical status — working days
 *  used, each deadline with what remains, late steps, the light green/yellow/red/overdue — as
 *  `evenhand supervise` prints it. EVENHAND_CASE_INVALID with located diagnostics when the case
 *  is malformed; EVENHAND_INVALID_ARGUMENT for a missing or malformed `now`. A status may
 *  carry "errors" (e.g. a year without a published calendar) and still be EVENHAND_OK. */
EVENHAND_C_API evenhand_status evenhand_supervise(const evenhand_ruleset* rules, const char* case_text, size_t length,
                                                  const char* name, const char* now, char** status_json,
                                                  evenhand_error** error);

/** evenhand_supervise with the case's format declared, as evenhand_evaluate_format. A case has
 *  at most 10,000 events and 4 MiB (E510). */
EVENHAND_C_API evenhand_status evenhand_supervise_format(const evenhand_ruleset* rules, const char* case_text,
                                                         size_t length, const char* name, evenhand_format format,
                                                         const char* now, char** status_json, evenhand_error** error);

/* ---- The decision journal ---- */

/** Opens the journal file at `path` (created when absent) for decisions under `rules`. Only the
 *  file's tail is read: a last line that is not a sound record is refused
 *  (EVENHAND_JOURNAL_DAMAGED) rather than extended; a torn last line left by a crashed writer
 *  is mended (moved to PATH.torn.N). The whole chain is checked by evenhand_journal_verify, on
 *  demand. `salt` (NULL: the ruleset's) is mixed into the digests that replace personal data;
 *  a hall should give its own secret. Several handles, in one process or many, may append to
 *  one file: each append locks the file and chains onto its last record, whoever wrote it. */
EVENHAND_C_API evenhand_status evenhand_journal_open(const char* path, const evenhand_ruleset* rules,
                                                     const char* salt, evenhand_journal** out,
                                                     evenhand_error** error);

/** Evaluates the application as evenhand_evaluate does and appends the record (thread-safe).
 *  `*seq` (may be NULL) receives the record's sequence number, `*decision_json` (may be NULL)
 *  the decision. When the application is invalid, or its deadlines reach a year the calendar
 *  does not cover (EVENHAND_CALENDAR_NOT_COVERED), nothing is appended. */
EVENHAND_C_API evenhand_status evenhand_journal_append(evenhand_journal* journal, const char* application,
                                                       size_t length, const char* name, const char* as_of,
                                                       evenhand_durability durability, uint64_t* seq,
                                                       char** decision_json, evenhand_error** error);

/** evenhand_journal_append with the application's format declared, as evenhand_evaluate_format. */
EVENHAND_C_API evenhand_status evenhand_journal_append_format(evenhand_journal* journal, const char* application,
                                                              size_t length, const char* name, evenhand_format format,
                                                              const char* as_of, evenhand_durability durability,
                                                              uint64_t* seq, char** decision_json, evenhand_error** error);

/** Makes every record appended so far durable (thread-safe). */
EVENHAND_C_API evenhand_status evenhand_journal_sync(evenhand_journal* journal, evenhand_error** error);

/** Syncs and closes the journal; NULL is allowed. */
EVENHAND_C_API void evenhand_journal_close(evenhand_journal* journal);

/** Verifies the hash chain of the journal at `path` (thread-safe). `*report_json` receives
 *  {"detail","file","line","ok","problem","records","seq"} whenever the file could be read;
 *  the status is EVENHAND_OK when the chain is sound, EVENHAND_JOURNAL_DAMAGED (located at the
 *  first bad line) when not, EVENHAND_UNREADABLE when the file cannot be read. */
EVENHAND_C_API evenhand_status evenhand_journal_verify(const char* path, char** report_json, evenhand_error** error);

#ifdef __cplusplus
}
#endif

#endif /* EVENHAND_C_EVENHAND_H */
