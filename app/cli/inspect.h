// app/cli/inspect.h — `aotviz inspect SESSION.json`: what a saved session holds, read without LibTorch: every
// stage's status, time, result and notes, and each part of the file that could not be read, naming its field.
#pragma once

#include <string>

namespace aotviz::cli {

struct InspectOptions {
  std::string session;
  bool json = false;
};

/// Exit code 0 when the session loads and every stage in it ran; 1 when the file cannot be loaded (the error names
/// the file and the field) or a stage in it failed (its diagnostic is printed: a numerics failure names the
/// tensor). Unreadable parts of a stage do not fail the command: each is printed as a warning naming the field.
int runInspect(const InspectOptions& o);

}  // namespace aotviz::cli
