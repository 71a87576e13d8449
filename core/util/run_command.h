// core/util/run_command.h — runs a shell command and collects its standard output.
#pragma once

#include <string>

namespace aotviz::util {

struct CommandResult {
  int exit_code = -1;  // the command's exit status; -1 when it could not be started or was killed by a signal
  std::string out;     // everything it wrote to standard output
};

/// `sh -c cmd` through popen, reading its stdout to the end.
CommandResult runCommand(const std::string& cmd);

}  // namespace aotviz::util
