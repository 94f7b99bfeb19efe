// The Python module evenhand._evenhand over the C++ API. Applications go in as dicts (written
// to JSON here, exactly: Decimal and str numbers keep their text) or as JSON/YAML text; decisions
// come out as their canonical JSON, from which dicts are built on demand. The GIL is released
// for everything that touches no Python object, so threads evaluate in parallel.
#include <evenhand/eval/decision_json.hpp>
#include <evenhand/journal/journal.hpp>
#include <evenhand/standard/loader.hpp>
#include <evenhand/supervise/supervise.hpp>

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <system_error>

namespace py = pybind11;
using namespace evenhand;

namespace {

// ---- Python objects → JSON text ----

/// Types looked up once; the references are kept for the life of the process.
struct python_types {
  PyObject* decimal;
  PyObject* datetime;
  PyObject* date;
};

const python_types& types() {
  static const python_types t = [] {
    py::module_ decimal = py::module_::import("decimal");
    py::module_ datetime = py::module_::import("datetime");
    auto keep = [](py::object o) { return o.release().ptr(); };
    return python_types{keep(decimal.attr("Decimal")), keep(datetime.attr("datetime")), keep(datetime.attr("date"))};
  }();
  return t;
}

constexpr int max_depth = 64;  // as the YAML reader allows; also stops a list that contains itself

std::string_view utf8(PyObject* s) {
  Py_ssize_t n = 0;
  const char* p = PyUnicode_AsUTF8AndSize(s, &n);
  if (!p) throw py::error_already_set();
  return {p, static_cast<std::size_t>(n)};
}

void put_text_of(std::string& out, PyObject* o, bool quoted) {
  py::object s = py::reinterpret_steal<py::object>(PyObject_Str(o));
  if (!s) throw py::error_already_set();
  if (quoted) evenhand::detail::append_json_string(out, utf8(s.ptr()));
  else out += utf8(s.ptr());
}

/// Writes `o` as JSON. Numbers keep their exact text: an int as its digits, a Decimal as its
/// string, a float as its shortest repr (35.5 stays 35.5); dates as ISO 8601 strings.
void put_json(std::string& out, PyObject* o, int depth) {
  if (depth > max_depth) throw py::value_error("the application nests deeper than " + std::to_string(max_depth) + " levels");
  if (o == Py_None) {
    out += "null";
  } else if (o == Py_True) {
    out += "true";
  } else if (o == Py_False) {
    out += "false";
  } else if (PyUnicode_Check(o)) {
    evenhand::detail::append_json_string(out, utf8(o));
  } else if (PyDict_Check(o)) {
    out += '{';
    PyObject *k, *v;
    Py_ssize_t pos = 0;
    bool first = true;
    while (PyDict_Next(o, &pos, &k, &v)) {
      if (!PyUnicode_Check(k)) throw py::type_error("application keys must be str, not " + std::string(Py_TYPE(k)->tp_name));
      if (!first) out += ',';
      first = false;
      evenhand::detail::append_json_string(out, utf8(k));
      out += ':';
      put_json(out, v, depth + 1);
    }
    out += '}';
  } else if (PyList_Check(o) || PyTuple_Check(o)) {
    out += '[';
    py::object seq = py::reinterpret_steal<py::object>(PySequence_Fast(o, "a list"));
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq.ptr());
    PyObject** items = PySequence_Fast_ITEMS(seq.ptr());
    for (Py_ssize_t i = 0; i < n; ++i) {
      if (i) out += ',';
      put_json(out, items[i], depth + 1);
    }
    out += ']';
  } else if (PyLong_Check(o)) {
    int overflow = 0;
    long long i = PyLong_AsLongLongAndOverflow(o, &overflow);
    if (overflow) {
      put_text_of(out, o, false);  // a big int: its digits, exactly
    } else {
      if (i == -1 && PyErr_Occurred()) throw py::error_already_set();
      char buf[24];
      auto [end, ec] = std::to_chars(buf, buf + sizeof buf, i);
      out.append(buf, end);
    }
  } else if (PyFloat_Check(o)) {
    double d = PyFloat_AS_DOUBLE(o);
    if (!std::isfinite(d)) throw py::value_error("an application holds no infinite or NaN numbers");
    py::object r = py::reinterpret_steal<py::object>(PyObject_Repr(o));
    if (!r) throw py::error_already_set();
    out += utf8(r.ptr());
  } else if (PyObject_IsInstance(o, types().decimal) == 1) {
    py::object finite = py::reinterpret_steal<py::object>(PyObject_CallMethod(o, "is_finite", nullptr));
    if (!finite) throw py::error_already_set();
    if (finite.ptr() != Py_True) throw py::value_error("an application holds no infinite or NaN numbers");
    put_text_of(out, o, false);
  } else if (PyObject_IsInstance(o, types().datetime) == 1 || PyObject_IsInstance(o, types().date) == 1) {
    py::object iso = py::reinterpret_steal<py::object>(PyObject_CallMethod(o, "isoformat", nullptr));
    if (!iso) throw py::error_already_set();
    evenhand::detail::append_json_string(out, utf8(iso.ptr()));
  } else {
    throw py::type_error("an application holds dicts, lists, str, int, float, Decimal, bool, None, date and "
                         "datetime; not " + std::string(Py_TYPE(o)->tp_name));
  }
}

// ---- JSON text → Python objects ----

/// Member names of decisions, as Python strings made once: the names come from the decision's
/// schema and the ruleset's ids and fields, a small set, and a dict hashes a reused string only
/// once. Direct-mapped, so it stays small whatever it sees. Values are never kept here: they
/// may be applicants' personal data. Used with the GIL held, which serialises access.
class key_cache {
 public:
  PyObject* get(std::string_view name) {
    if (name.size() > max_key_bytes) return decode(name);
    std::uint32_t h = 2166136261u;  // FNV-1a: short keys, no division, no pointer chasing
    for (unsigned char c : name) h = (h ^ c) * 16777619u;
    slot& s = slots_[h % slots_.size()];
    if (s.str && s.name == name) return Py_NewRef(s.str);
    PyObject* str = decode(name);
    PyUnicode_InternInPlace(&str);
    Py_XDECREF(s.str);
    s.name.assign(name);
    s.str = Py_NewRef(str);
    return str;
  }

 private:
  static PyObject* decode(std::string_view name) {
    PyObject* s = PyUnicode_DecodeUTF8(name.data(), static_cast<Py_ssize_t>(name.size()), "strict");
    if (!s) throw py::error_already_set();
    return s;
  }
  static constexpr std::size_t max_key_bytes = 64;
  struct slot {
    std::string name;
    PyObject* str = nullptr;
  };
  std::array<slot, 1024> slots_;
};

key_cache& keys() {
  static key_cache* cache = new key_cache;  // never destroyed: it would outlive the interpreter
  return *cache;
}

/// Reads JSON this library wrote (decisions, diagnostics, reports) into dicts and lists.
/// Numbers with a fraction or exponent become Decimal, so they stay exact.
class json_reader {
 public:
  explicit json_reader(std::string_view text) : p_(text.data()), end_(text.data() + text.size()) {}

  py::object read() {
    py::object v = value();
    skip_space();
    if (p_ != end_) fail();
    return v;
  }

 private:
  [[noreturn]] static void fail() { throw std::runtime_error("malformed JSON from evenhand"); }
  static py::object checked(PyObject* o) {
    if (!o) throw py::error_already_set();
    return py::reinterpret_steal<py::object>(o);
  }
  void skip_space() {
    while (p_ != end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\t' || *p_ == '\r')) ++p_;
  }
  void expect(char c) {
    skip_space();
    if (p_ == end_ || *p_ != c) fail();
    ++p_;
  }
  bool take(char c) {
    skip_space();
    if (p_ != end_ && *p_ == c) {
      ++p_;
      return true;
    }
    return false;
  }
  bool take_word(std::string_view w) {
    if (static_cast<std::size_t>(end_ - p_) >= w.size() && std::string_view(p_, w.size()) == w) {
      p_ += w.size();
      return true;
    }
    return false;
  }

  py::object value() {
    skip_space();
    if (p_ == end_) fail();
    switch (*p_) {
      case '{': {
        ++p_;
        py::object d = checked(PyDict_New());
        if (take('}')) return d;
        do {
          skip_space();
          py::object k = key();
          expect(':');
          py::object v = value();
          if (PyDict_SetItem(d.ptr(), k.ptr(), v.ptr()) != 0) throw py::error_already_set();
        } while (take(','));
        expect('}');
        return d;
      }
      case '[': {
        ++p_;
        py::object l = checked(PyList_New(0));
        if (take(']')) return l;
        do {
          py::object v = value();
          if (PyList_Append(l.ptr(), v.ptr()) != 0) throw py::error_already_set();
        } while (take(','));
        expect(']');
        return l;
      }
      case '"': return string();
      case 't':
        if (take_word("true")) return py::reinterpret_borrow<py::object>(Py_True);
        fail();
      case 'f':
        if (take_word("false")) return py::reinterpret_borrow<py::object>(Py_False);
        fail();
      case 'n':
        if (take_word("null")) return py::none();
        fail();
      default: return number();
    }
  }

  py::object number() {
    const char* start = p_;
    bool exact_int = true;
    while (p_ != end_ && (std::isdigit(static_cast<unsigned char>(*p_)) || *p_ == '-' || *p_ == '+' || *p_ == '.' ||
                          *p_ == 'e' || *p_ == 'E')) {
      if (*p_ == '.' || *p_ == 'e' || *p_ == 'E') exact_int = false;
      ++p_;
    }
    if (p_ == start) fail();
    std::string_view text(start, static_cast<std::size_t>(p_ - start));
    if (exact_int) {
      long long i = 0;
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), i);
      if (ec == std::errc() && end == text.data() + text.size()) return checked(PyLong_FromLongLong(i));
      return checked(PyLong_FromString(std::string(text).c_str(), nullptr, 10));
    }
    py::object s = checked(PyUnicode_FromStringAndSize(text.data(), static_cast<Py_ssize_t>(text.size())));
    return checked(PyObject_CallOneArg(types().decimal, s.ptr()));
  }

  static void append_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  std::uint32_t hex4() {
    if (end_ - p_ < 4) fail();
    std::uint32_t v = 0;
    auto [end, ec] = std::from_chars(p_, p_ + 4, v, 16);
    if (ec != std::errc() || end != p_ + 4) fail();
    p_ += 4;
    return v;
  }

  /// A member name: unescaped ones (all of a decision's) come from the cache.
  py::object key() {
    if (p_ == end_ || *p_ != '"') fail();
    const char* start = p_ + 1;
    const char* q = start;
    while (q != end_ && *q != '"' && *q != '\\') ++q;
    if (q != end_ && *q == '"') {
      p_ = q + 1;
      return py::reinterpret_steal<py::object>(keys().get(std::string_view(start, static_cast<std::size_t>(q - start))));
    }
    return string();
  }

  py::object string() {
    if (p_ == end_ || *p_ != '"') fail();
    const char* start = ++p_;
    while (p_ != end_ && *p_ != '"' && *p_ != '\\') ++p_;
    if (p_ == end_) fail();
    if (*p_ == '"') {  // the common case: nothing escaped
      py::object s = checked(PyUnicode_DecodeUTF8(start, p_ - start, "strict"));
      ++p_;
      return s;
    }
    std::string buf(start, p_);
    while (p_ != end_ && *p_ != '"') {
      if (*p_ != '\\') {
        buf += *p_++;
        continue;
      }
      if (++p_ == end_) fail();
      char c = *p_++;
      switch (c) {
        case '"': buf += '"'; break;
        case '\\': buf += '\\'; break;
        case '/': buf += '/'; break;
        case 'b': buf += '\b'; break;
        case 'f': buf += '\f'; break;
        case 'n': buf += '\n'; break;
        case 'r': buf += '\r'; break;
        case 't': buf += '\t'; break;
        case 'u': {
          std::uint32_t cp = hex4();
          if (cp >= 0xD800 && cp < 0xDC00 && end_ - p_ >= 6 && p_[0] == '\\' && p_[1] == 'u') {
            p_ += 2;
            std::uint32_t low = hex4();
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          }
          append_utf8(buf, cp);
          break;
        }
        default: fail();
      }
    }
    if (p_ == end_) fail();
    ++p_;
    return checked(PyUnicode_DecodeUTF8(buf.data(), static_cast<Py_ssize_t>(buf.size()), "strict"));
  }

  const char* p_;
  const char* end_;
};

py::object from_json(std::string_view text) { return json_reader(text).read(); }

// ---- Errors ----

[[noreturn]] void raise(const char* error_class, const std::string& message, const diagnostics& ds) {
  py::object cls = py::module_::import("evenhand._errors").attr(error_class);
  py::object e = cls(message, from_json(render_json(ds)));
  PyErr_SetObject(cls.ptr(), e.ptr());
  throw py::error_already_set();
}

std::string first_error(const diagnostics& ds, std::string fallback) {
  for (const auto& d : ds)
    if (d.level == severity::error)
      return d.where.file + ":" + std::to_string(d.where.line) + ":" + std::to_string(d.where.column) + ": " +
             (d.code.empty() ? "" : d.code + ": ") + d.message;
  return fallback;
}

[[noreturn]] void raise_os_error(const std::system_error& e, const std::string& path) {
  py::object err = py::reinterpret_steal<py::object>(
      PyObject_CallFunction(PyExc_OSError, "isS", e.code().value(), e.what(), py::str(path).ptr()));
  if (!err) throw py::error_already_set();
  PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(err.ptr())), err.ptr());
  throw py::error_already_set();
}

std::optional<timestamp> read_time(const py::object& when, const char* what) {
  if (when.is_none()) return std::nullopt;
  std::string text;
  if (PyUnicode_Check(when.ptr())) text = std::string(utf8(when.ptr()));
  else if (PyObject_IsInstance(when.ptr(), types().datetime) == 1) text = when.attr("isoformat")().cast<std::string>();
  else throw py::type_error(std::string(what) + " is an RFC 3339 str or an aware datetime");
  auto t = timestamp::parse(text);
  if (!t) throw py::value_error(std::string(what) + " is not an RFC 3339 time such as 2026-03-02T09:30:00+08:00: '" + text + "'");
  return t;
}

std::optional<timestamp> read_as_of(const py::object& as_of) { return read_time(as_of, "as_of"); }

/// An application given as text (str) or as a dict, and the name its diagnostics use.
struct application_text {
  py::object keep;  // the str whose UTF-8 buffer `text` points into
  std::string owned;
  std::string_view text;
  input_format format = input_format::detect;
};

/// format="json" | "yaml" | None (None: JSON when the text starts with '{', else YAML).
input_format format_of(const py::object& format) {
  if (format.is_none()) return input_format::detect;
  if (PyUnicode_Check(format.ptr()))
    if (auto f = parse_input_format(utf8(format.ptr()))) return *f;
  throw py::value_error("format is \"json\", \"yaml\" or None, not " + py::repr(format).cast<std::string>());
}

application_text text_of(const py::object& application, const char* what, const py::object& format = py::none()) {
  application_text a;
  a.format = format_of(format);
  if (PyUnicode_Check(application.ptr())) {
    a.keep = application;
    a.text = utf8(application.ptr());
  } else if (PyDict_Check(application.ptr())) {
    a.owned.reserve(2048);
    put_json(a.owned, application.ptr(), 0);
    a.text = a.owned;
    a.format = input_format::json;  // written here, as JSON
  } else {
    throw py::type_error(std::string("a ") + what + " is a dict or its JSON/YAML text (str)");
  }
  return a;
}

// ---- The classes ----

using ruleset_ptr = std::shared_ptr<const standard::ruleset>;

struct py_decision {
  std::string json;
  eval::outcome outcome{};
  eval::decision_stage stage{};

  py::object part(const char* key) const {
    py::object all = from_json(json);
    return all[key];
  }
};

struct py_case_status {
  std::string json;
  std::optional<supervise::light> light;
};

struct py_ruleset {
  ruleset_ptr rules;
  diagnostics warnings;
};

/// Reads and evaluates without the GIL; raises ApplicationError with its diagnostics.
template <class Then>
py_decision evaluate_released(const ruleset_ptr& rules, const py::object& application, const py::object& as_of,
                              const std::string& name, const py::object& format, Then&& then) {
  auto when = read_as_of(as_of);
  application_text a = text_of(application, "application", format);
  py_decision out;
  diagnostics problems;
  bool ok = false;
  std::optional<eval::calendar_not_covered> uncovered;
  {
    py::gil_scoped_release unlocked;
    auto app = eval::read_application(a.text, name, *rules, problems, a.format);
    if (app) {
      ok = true;
      eval::decision d = eval::evaluate(*rules, *app, when);
      out.json = eval::to_json(d);
      out.outcome = d.outcome;
      out.stage = d.stage;
      try {
        eval::require_deadlines(d);
        then(*app, d);  // e.g. the journal's append: never for a decision without deadlines
      } catch (const eval::calendar_not_covered& e) {
        uncovered = e;
      }
    }
  }
  if (!ok) raise("ApplicationError", first_error(problems, "the application does not fit its item"), problems);
  if (uncovered) {
    py::object cls = py::module_::import("evenhand._errors").attr("CalendarNotCoveredError");
    py::object e = cls(uncovered->what(), py::cast(uncovered->years()), py::cast(std::move(out)));
    PyErr_SetObject(cls.ptr(), e.ptr());
    throw py::error_already_set();
  }
  return out;
}

[[noreturn]] void raise_journal_error(const std::exception& e) {
  py::object cls = py::module_::import("evenhand._errors").attr("JournalError");
  PyErr_SetObject(cls.ptr(), cls(e.what()).ptr());
  throw py::error_already_set();
}

struct py_journal {
  ruleset_ptr rules;
  std::string path;
  std::unique_ptr<journal::writer> writer;

  journal::writer& open() {
    if (!writer) throw py::value_error("the journal is closed");
    return *writer;
  }
};

py::dict item_dict(const standard::item& i) {
  py::dict d;
  d["code"] = i.code;
  d["name"] = i.name;
  d["version"] = i.version;
  d["effective_from"] = i.effective_from.to_string();
  d["effective_to"] = i.effective_to ? py::object(py::str(i.effective_to->to_string())) : py::object(py::none());
  d["digest"] = i.digest;
  d["file"] = i.file;
  return d;
}

}  // namespace

PYBIND11_MODULE(_evenhand, m) {
  m.doc() = "evenhand: deterministic evaluation of licence applications against a ruleset";
  m.attr("__version__") = EVENHAND_VERSION_STRING;
  types();

  py::class_<py_decision>(m, "Decision", "The decision on one application; its JSON is canonical.")
      .def_property_readonly("outcome", [](const py_decision& d) { return std::string(eval::to_string(d.outcome)); })
      .def_property_readonly("stage", [](const py_decision& d) { return std::string(eval::to_string(d.stage)); })
      .def_property_readonly("stages", [](const py_decision& d) { return d.part("stages"); })
      .def_property_readonly("notice", [](const py_decision& d) { return d.part("notice"); })
      .def_property_readonly("schedule", [](const py_decision& d) { return d.part("schedule"); })
      .def("to_json", [](const py_decision& d) { return d.json; }, "The canonical decision JSON, as `evenhand eval` prints it.")
      .def("to_dict", [](const py_decision& d) { return from_json(d.json); },
           "The decision as a new dict; exact decimals as decimal.Decimal.")
      .def("__eq__", [](const py_decision& a, const py_decision& b) { return a.json == b.json; })
      .def("__hash__", [](const py_decision& d) { return std::hash<std::string>{}(d.json); })
      .def("__repr__", [](const py_decision& d) {
        return "<Decision outcome=" + std::string(eval::to_string(d.outcome)) + " stage=" + std::string(eval::to_string(d.stage)) + ">";
      });

  py::class_<py_case_status>(m, "CaseStatus", "Where a running case stands against its deadlines; its JSON is canonical.")
      .def_property_readonly("light", [](const py_case_status& c) {
        return c.light ? py::object(py::str(std::string(supervise::to_string(*c.light)))) : py::object(py::none());
      })
      .def("to_json", [](const py_case_status& c) { return c.json; }, "The canonical status JSON, as `evenhand supervise` prints it.")
      .def("to_dict", [](const py_case_status& c) { return from_json(c.json); }, "The status as a new dict.")
      .def("__eq__", [](const py_case_status& a, const py_case_status& b) { return a.json == b.json; })
      .def("__hash__", [](const py_case_status& c) { return std::hash<std::string>{}(c.json); })
      .def("__repr__", [](const py_case_status& c) {
        return "<CaseStatus light=" + (c.light ? std::string(supervise::to_string(*c.light)) : std::string("None")) + ">";
      });

  py::class_<py_ruleset>(m, "Ruleset", "A loaded, checked ruleset: immutable, shared by any number of threads.")
      .def_property_readonly("id", [](const py_ruleset& r) { return r.rules->id; })
      .def_property_readonly("name", [](const py_ruleset& r) { return r.rules->name; })
      .def_property_readonly("digest", [](const py_ruleset& r) { return r.rules->digest; })
      .def_property_readonly("items", [](const py_ruleset& r) {
        py::list l;
        for (const auto& i : r.rules->items) l.append(item_dict(i));
        return l;
      })
      .def("lint", [](const py_ruleset& r) { return from_json(render_json(r.warnings)); },
           "The ruleset's diagnostics (warnings; a loaded ruleset has no errors), as dicts.")
      .def(
          "evaluate",
          [](const py_ruleset& r, const py::object& application, const py::object& as_of, const std::string& name,
             const py::object& format) {
            return evaluate_released(r.rules, application, as_of, name, format, [](const auto&, const auto&) {});
          },
          py::arg("application"), py::arg("as_of") = py::none(), py::arg("name") = "application",
          py::arg("format") = py::none(),
          "Evaluates an application (dict, or JSON/YAML text) as of `as_of` (default: its submission). "
          "`format` declares the text's: \"json\", \"yaml\", or None to go by its first byte ('{': JSON).")
      .def(
          "supervise",
          [](const py_ruleset& r, const py::object& case_record, const py::object& now, const std::string& name,
             const py::object& format) {
            if (now.is_none()) throw py::value_error("supervise needs `now`: evenhand never reads the clock");
            timestamp when = *read_time(now, "now");
            application_text c = text_of(case_record, "case", format);
            diagnostics problems;
            py_case_status out;
            bool ok = false;
            {
              py::gil_scoped_release unlocked;
              auto parsed = supervise::read_case(c.text, name, *r.rules, problems, c.format);
              if (parsed) {
                ok = true;
                supervise::status st = supervise::supervise(*r.rules, *parsed->standard, *parsed, when);
                out.json = supervise::to_json(st);
                out.light = st.light;
              }
            }
            if (!ok) raise("CaseError", first_error(problems, "the case is not a valid supervision case"), problems);
            return out;
          },
          py::arg("case"), py::arg("now"), py::arg("name") = "case", py::arg("format") = py::none(),
          "Measures a running case (dict, or JSON/YAML text, `format` as for evaluate) against its deadlines as of `now`.")
      .def("__repr__", [](const py_ruleset& r) { return "<Ruleset " + r.rules->id + " " + r.rules->digest + ">"; });

  m.def(
      "load",
      [](const std::filesystem::path& path) {
        standard::load_result loaded;
        {
          py::gil_scoped_release unlocked;
          loaded = standard::load_ruleset(path);
        }
        if (!loaded.rules) raise("RulesetError", first_error(loaded.problems, "cannot load the ruleset in " + path.string()), loaded.problems);
        return py_ruleset{std::move(loaded.rules), std::move(loaded.problems)};
      },
      py::arg("path"), "Loads and checks the ruleset in directory `path`; raises RulesetError with its diagnostics.");

  py::class_<py_journal>(m, "Journal", "A hash-chained decision journal open for appending; shareable across threads.")
      .def(py::init([](const std::filesystem::path& path, const py_ruleset& r, const std::optional<std::string>& salt) {
             std::string p = path.string();
             journal::masking mask = journal::masking::of(*r.rules);
             if (salt) mask.salt = *salt;
             auto j = std::make_unique<py_journal>(py_journal{r.rules, p, nullptr});
             try {
               py::gil_scoped_release unlocked;
               j->writer = std::make_unique<journal::writer>(p, std::move(mask));
             } catch (const std::system_error& e) {
               raise_os_error(e, p);
             } catch (const journal::damaged_journal& e) {
               raise_journal_error(e);
             }
             return j;
           }),
           py::arg("path"), py::arg("ruleset"), py::arg("salt") = py::none())
      .def_property_readonly("path", [](const py_journal& j) { return j.path; })
      .def_property_readonly("records", [](py_journal& j) { return j.open().records(); },
                             "The sequence number of the last record this handle saw.")
      .def_property_readonly(
          "recoveries",
          [](py_journal& j) {
            py::list out;
            for (const auto& r : j.open().recoveries()) {
              py::dict d;
              d["what"] = r.what == journal::recovery::kind::newline_added ? "newline_added" : "torn_tail_removed";
              d["offset"] = r.offset;
              d["bytes"] = r.bytes;
              d["saved_to"] = r.saved_to.empty() ? py::object(py::none()) : py::object(py::str(r.saved_to.string()));
              out.append(std::move(d));
            }
            return out;
          },
          "What this handle mended at the file's end, left by a writer that crashed: "
          "[{'what': 'newline_added'|'torn_tail_removed', 'offset', 'bytes', 'saved_to'}].")
      .def(
          "append",
          [](py_journal& j, const py::object& application, const py::object& as_of, bool synced, const std::string& name,
             const py::object& format) {
            journal::writer& w = j.open();
            std::uint64_t seq = 0;
            try {
              py_decision d = evaluate_released(j.rules, application, as_of, name, format, [&](const auto& app, const auto& decision) {
                seq = w.append(app, decision, synced ? journal::durability::synced : journal::durability::buffered);
              });
              return py::make_tuple(seq, std::move(d));
            } catch (const std::system_error& e) {
              raise_os_error(e, j.path);
            } catch (const journal::damaged_journal& e) {
              raise_journal_error(e);
            }
          },
          py::arg("application"), py::arg("as_of") = py::none(), py::arg("synced") = true, py::arg("name") = "application",
          py::arg("format") = py::none(),
          "Evaluates the application (`format` as for Ruleset.evaluate) and appends the record; returns (seq, Decision).")
      .def("sync", [](py_journal& j) {
            journal::writer& w = j.open();
            try {
              py::gil_scoped_release unlocked;
              w.sync();
            } catch (const std::system_error& e) {
              raise_os_error(e, j.path);
            }
          }, "Makes every record appended so far durable.")
      .def("close", [](py_journal& j) {
            py::gil_scoped_release unlocked;
            j.writer.reset();
          }, "Syncs and closes the file.")
      .def("__enter__", [](py::object self) { return self; })
      .def("__exit__", [](py_journal& j, const py::args&) {
        py::gil_scoped_release unlocked;
        j.writer.reset();
      });

  m.def(
      "verify_journal",
      [](const std::filesystem::path& path) {
        std::string p = path.string();
        journal::verification v;
        try {
          py::gil_scoped_release unlocked;
          v = journal::verify(p);
        } catch (const std::system_error& e) {
          raise_os_error(e, p);
        }
        return from_json(journal::to_json(v, p));
      },
      py::arg("path"),
      "Verifies a journal's hash chain: {'ok', 'records', 'problem', 'line', 'seq', 'detail', 'file', 'last_hash'}.");
}
