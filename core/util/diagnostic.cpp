// core/util/diagnostic.cpp — formatting and throwing of diagnostics.
#include "core/util/diagnostic.h"

namespace aotviz {

std::string Diagnostic::format() const {
  std::string s;
  if (!stage.empty()) s += "[" + stage + "] ";
  if (!node.empty()) s += node + ": ";
  s += message;
  if (!hint.empty()) s += " (hint: " + hint + ")";
  for (const auto& n : notes) s += "\n  note: " + n;
  return s;
}

void fail(const std::string& stage, const std::string& node, const std::string& message, const std::string& hint) {
  Diagnostic d;
  d.stage = stage;
  d.node = node;
  d.message = message;
  d.hint = hint;
  throw AotError(std::move(d));
}

bool isOutOfMemory(const std::string& message) {
  for (const char* s : {"out of memory", "can't allocate memory", "not enough memory", "bad_alloc"})
    if (message.find(s) != std::string::npos) return true;
  return false;
}

void internalError(const std::string& message) {
  throw std::logic_error("internal error (this is an aotviz bug, please report it): " + message);
}

}  // namespace aotviz
