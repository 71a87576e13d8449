// core/util/run_command.cpp — see run_command.h.
#include "core/util/run_command.h"

#include <sys/wait.h>

#include <array>
#include <cstdio>

namespace aotviz::util {

CommandResult runCommand(const std::string& cmd) {
  CommandResult r;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf{};
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  const int status = pclose(p);
  if (status != -1 && WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  return r;
}

}  // namespace aotviz::util
