// core/util/diagnostic.h — user-facing errors as data: stage, node, message, what to do.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace aotviz {

enum class Severity { Note, Warning, Error };

/// A problem a user can act on (bad input, unsupported model), as opposed to an internal invariant.
/// Messages are lower-case sentences; `hint` says what to do about it.
struct Diagnostic {
  Severity severity = Severity::Error;
  std::string stage;  // pipeline stage, e.g. "capture"
  std::string node;   // node name or op ("aten::nonzero"), "" when not about a node
  int32_t node_id = -1;
  std::string message;
  std::string hint;
  std::vector<std::string> notes;

  /// "[capture] aten::nonzero: … (hint: …)".
  std::string format() const;
};

/// The exception that carries a Diagnostic across API boundaries. Stages throw it; the pipeline catches it and
/// turns it into a failed stage status.
class AotError : public std::runtime_error {
 public:
  explicit AotError(Diagnostic d) : std::runtime_error(d.format()), diag_(std::move(d)) {}
  const Diagnostic& diagnostic() const { return diag_; }

 private:
  Diagnostic diag_;
};

/// Throws an AotError for `stage` about `node` (may be empty).
[[noreturn]] void fail(const std::string& stage, const std::string& node, const std::string& message,
                       const std::string& hint = {});

/// Whether an error message is an allocation failure: LibTorch's CPU allocator ("can't allocate memory", "not
/// enough memory"), CUDA's caching allocator ("CUDA out of memory"), std::bad_alloc.
bool isOutOfMemory(const std::string& message);

/// Throws std::logic_error marked as an aotviz bug. For broken invariants only, never for user input.
[[noreturn]] void internalError(const std::string& message);

#define AOTVIZ_INTERNAL_ASSERT(cond, msg)                                                 \
  do {                                                                                    \
    if (!(cond)) ::aotviz::internalError(std::string(__FILE__ ":") + std::to_string(__LINE__) + ": " + (msg)); \
  } while (0)

}  // namespace aotviz
