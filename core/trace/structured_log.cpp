// core/trace/structured_log.cpp — see structured_log.h.
#include "core/trace/structured_log.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string_view>
#include <utility>

#include "core/util/diagnostic.h"
#include "core/util/digest.h"

namespace aotviz::trace {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr std::string_view kLogPrefix = "dedicated_log_torch_trace_";
constexpr std::string_view kLogSuffix = ".log";

/// The envelope keys trace_structured adds next to the record kind (torch/_logging/_internal.py:1430-1477).
bool isContextKey(std::string_view k) {
  return k == "rank" || k == "stack" || k == "compiled_autograd_id" || k == "frame_id" || k == "frame_compile_id" ||
         k == "attempt" || k == "has_payload";
}

bool isDigit(char c) { return c >= '0' && c <= '9'; }

/// Whether `line` starts like a record prefix: a level letter and MMDD, then a space (`V1202 05:59:23.764000 …`).
bool looksLikePrefix(const std::string& line) {
  if (line.size() < 6) return false;
  const char l = line[0];
  if (l != 'V' && l != 'I' && l != 'W' && l != 'E' && l != 'C') return false;
  return isDigit(line[1]) && isDigit(line[2]) && isDigit(line[3]) && isDigit(line[4]) && line[5] == ' ';
}

/// nlohmann's what() without its "[json.exception.parse_error.101] " tag.
std::string jsonMessage(const std::exception& e) {
  std::string m = e.what();
  if (!m.empty() && m[0] == '[') {
    const auto close = m.find("] ");
    if (close != std::string::npos) m.erase(0, close + 2);
  }
  const auto context = m.find("; last read: ");  // nlohmann quotes the whole line read so far: keep 80 characters
  if (context != std::string::npos && m.size() > context + 13 + 80) m = m.substr(0, context + 13 + 80) + "...'";
  return m;
}

/// rank_<R>_ in a file name dedicated_log_torch_trace_rank_<R>_<random>.log.
std::optional<int64_t> rankFromName(const std::string& path) {
  const std::string name = fs::path(path).filename().string();
  const std::string want = std::string(kLogPrefix) + "rank_";
  if (name.compare(0, want.size(), want) != 0) return std::nullopt;
  size_t i = want.size();
  int64_t r = 0;
  size_t digits = 0;
  while (i < name.size() && isDigit(name[i]) && digits < 18) {
    r = r * 10 + (name[i] - '0');
    ++i;
    ++digits;
  }
  if (digits == 0 || i >= name.size() || name[i] != '_') return std::nullopt;
  return r;
}

class Reader {
 public:
  explicit Reader(LogFile& out) : out_(out) {}

  void line(size_t n, const std::string& text) {
    if (text.empty()) {  // never written by torch; tlparse skips them. It ends a payload.
      finishRecord();
      state_ = State::Idle;
      return;
    }
    if (text[0] == '\t') {
      payloadLine(n, text);
      return;
    }
    finishRecord();
    if (looksLikePrefix(text)) {
      const size_t at = text.find("] {");
      if (at != std::string::npos) {
        header(n, text, at + 2);
        return;
      }
    }
    problem(n, "line " + std::to_string(n) + " is neither a record header nor a payload line");
    state_ = State::Idle;
  }

  /// The rank of the first record that carries one.
  std::optional<int64_t> firstRank() const { return firstRank_; }

  void end(size_t lastLine, bool readError) {
    finishRecord();
    if (readError) problem(lastLine, "reading stopped after line " + std::to_string(lastLine) + ": a read error");
  }

 private:
  enum class State {
    Idle,     // after a record without payload (or the start of the file)
    Payload,  // collecting cur_'s payload
    Skip,     // after a header that could not be read: its payload lines are skipped quietly
    Stray,    // inside a run of payload lines that belong to no record (already reported)
  };

  void problem(size_t n, std::string message) { out_.problems.push_back(Problem{out_.path, n, std::move(message)}); }

  void payloadLine(size_t n, const std::string& text) {
    switch (state_) {
      case State::Payload:
        if (payloadLines_++ > 0) scratch_ += '\n';
        scratch_.append(text, 1, std::string::npos);
        return;
      case State::Skip:
      case State::Stray:
        return;
      case State::Idle:
        problem(n, "line " + std::to_string(n) +
                       " is a payload line, but the record before it has no payload; it and the payload lines right "
                       "after it are skipped");
        state_ = State::Stray;
        return;
    }
  }

  void finishRecord() {
    if (state_ != State::Payload) return;
    state_ = State::Idle;
    cur_.payload.assign(scratch_);  // one exact allocation; scratch_ keeps its capacity for the next payload
    scratch_.clear();
    if (util::md5Hex(cur_.payload) != expectedMd5_) {
      cur_.payload_ok = false;
      problem(cur_.line, "the payload of the " + (cur_.artifact.empty() ? cur_.kind : cur_.artifact) +
                             " record at line " + std::to_string(cur_.line) +
                             " does not match its MD5 (has_payload): the file is damaged or was cut short");
    }
    out_.records.push_back(std::move(cur_));
    cur_ = Record{};
  }

  void header(size_t n, const std::string& text, size_t jsonAt) {
    state_ = State::Skip;
    const std::string where = "line " + std::to_string(n);
    json j;
    try {
      j = json::parse(text.begin() + static_cast<std::ptrdiff_t>(jsonAt), text.end());
    } catch (const std::exception& e) {
      problem(n, where + ": the record header is not valid JSON: " + jsonMessage(e));
      return;
    }
    if (!j.is_object()) {
      problem(n, where + ": the record header is not a JSON object");
      return;
    }
    Record r;
    r.line = n;
    auto kindIt = j.end();
    size_t kinds = 0;
    for (auto it = j.begin(); it != j.end(); ++it) {
      const std::string& k = it.key();
      if (!isContextKey(k)) {
        if (kinds++ == 0) kindIt = it;
        continue;
      }
      if (k == "stack") continue;
      if (k == "has_payload") {
        r.has_payload = true;
        expectedMd5_ = it->is_string() ? it->get<std::string>() : std::string();
        continue;
      }
      std::optional<int64_t>* slot = k == "rank"                   ? &r.rank
                                     : k == "compiled_autograd_id" ? &r.compiled_autograd_id
                                     : k == "frame_id"             ? &r.frame_id
                                     : k == "frame_compile_id"     ? &r.frame_compile_id
                                                                   : &r.attempt;
      if (it->is_number_integer())
        *slot = it->get<int64_t>();
      else
        problem(n, where + ": \"" + k + "\" is not an integer");
    }
    if (kindIt == j.end()) {
      problem(n, where + ": the record header has no record kind, only context keys");
      return;
    }
    if (kinds > 1) {  // json sorts its keys; the kind is the first key torch wrote, which ordered_json keeps
      const auto ordered = nlohmann::ordered_json::parse(text.begin() + static_cast<std::ptrdiff_t>(jsonAt), text.end());
      for (auto it = ordered.begin(); it != ordered.end(); ++it)
        if (!isContextKey(it.key())) {
          kindIt = j.find(it.key());
          break;
        }
    }
    r.kind = kindIt.key();
    r.metadata = std::move(*kindIt);
    if (r.kind == "artifact") {
      const auto name = r.metadata.is_object() ? r.metadata.find("name") : r.metadata.end();
      if (r.metadata.is_object() && name != r.metadata.end() && name->is_string())
        r.artifact = name->get<std::string>();
      else
        problem(n, where + ": the artifact record has no name");
    }
    if (!firstRank_ && r.rank) firstRank_ = r.rank;
    if (r.has_payload) {
      cur_ = std::move(r);
      payloadLines_ = 0;
      state_ = State::Payload;
    } else {
      out_.records.push_back(std::move(r));
      state_ = State::Idle;
    }
  }

 private:
  LogFile& out_;
  State state_ = State::Idle;
  Record cur_;
  std::string expectedMd5_;
  std::string scratch_;  // the payload being collected
  size_t payloadLines_ = 0;
  std::optional<int64_t> firstRank_;
};

}  // namespace

std::string Record::compileId() const {
  std::string s;
  if (compiled_autograd_id) {
    s = "!" + std::to_string(*compiled_autograd_id);
    if (frame_id) s += "/";
  } else if (!frame_id) {
    return {};
  }
  if (frame_id) s += std::to_string(*frame_id) + "/" + (frame_compile_id ? std::to_string(*frame_compile_id) : "-");
  if (attempt && *attempt != 0) s += "_" + std::to_string(*attempt);
  return s;
}

LogFile readLogFile(const std::string& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) fail("trace", path, "this is a directory, not a log file");
  std::vector<char> buffer(size_t(1) << 20);
  std::ifstream in;
  in.rdbuf()->pubsetbuf(buffer.data(), static_cast<std::streamsize>(buffer.size()));
  errno = 0;
  in.open(path, std::ios::in | std::ios::binary);
  if (!in.is_open()) {
    const int err = errno;
    fail("trace", path,
         std::string("cannot open the log file") + (err != 0 ? std::string(": ") + std::strerror(err) : std::string()));
  }
  LogFile out;
  out.path = path;
  out.rank = rankFromName(path);
  Reader reader(out);
  std::string text;
  text.reserve(size_t(1) << 16);
  size_t n = 0;
  while (std::getline(in, text)) reader.line(++n, text);
  reader.end(n, in.bad());
  if (!out.rank) out.rank = reader.firstRank();
  return out;
}

std::vector<LogFile> readTraceDirectory(const std::string& dir) {
  const std::string hint = "run the script with TORCH_TRACE=DIR set before torch is imported, then give DIR";
  std::error_code ec;
  const auto st = fs::status(dir, ec);
  if (fs::is_regular_file(st)) return {readLogFile(dir)};
  if (!fs::exists(st)) fail("trace", dir, "the trace directory does not exist", hint);
  if (!fs::is_directory(st)) fail("trace", dir, "this is neither a trace directory nor a log file", hint);
  std::vector<std::string> files;
  try {
    for (const auto& entry : fs::directory_iterator(dir)) {
      const std::string name = entry.path().filename().string();
      if (name.size() < kLogPrefix.size() + kLogSuffix.size()) continue;
      if (name.compare(0, kLogPrefix.size(), kLogPrefix) != 0) continue;
      if (name.compare(name.size() - kLogSuffix.size(), kLogSuffix.size(), kLogSuffix) != 0) continue;
      std::error_code fileEc;
      if (!entry.is_regular_file(fileEc)) continue;
      files.push_back(entry.path().string());
    }
  } catch (const fs::filesystem_error& e) {
    fail("trace", dir, std::string("cannot list the trace directory: ") + e.code().message());
  }
  if (files.empty())
    fail("trace", dir, "the directory holds no TORCH_TRACE log: no dedicated_log_torch_trace_*.log file in it", hint);
  std::sort(files.begin(), files.end());
  std::vector<LogFile> logs;
  logs.reserve(files.size());
  for (const auto& f : files) logs.push_back(readLogFile(f));
  return logs;
}

}  // namespace aotviz::trace
