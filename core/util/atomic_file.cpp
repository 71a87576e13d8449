// core/util/atomic_file.cpp — atomic writes and bounded reads.
#include "core/util/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>

#include "core/util/diagnostic.h"

namespace aotviz::util {

void writeFileAtomic(const std::filesystem::path& path, const std::string& contents) {
  std::random_device rd;
  std::filesystem::path tmp = path;
  tmp += ".tmp." + std::to_string(::getpid()) + "." + std::to_string(rd());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) fail("write", path.string(), std::string("cannot create a temporary file: ") + std::strerror(errno), "check that the directory exists and is writable");
  size_t done = 0;
  while (done < contents.size()) {
    ssize_t n = ::write(fd, contents.data() + done, contents.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      fail("write", path.string(), std::string("write failed: ") + std::strerror(err), "check free disk space");
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    fail("write", path.string(), std::string("could not flush the file: ") + std::strerror(err), "check free disk space");
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    fail("write", path.string(), std::string("could not replace the file: ") + std::strerror(err), "check permissions");
  }
  // The rename itself is durable once the directory is flushed (best effort: not every file system allows it).
  const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    (void)::fsync(dfd);
    ::close(dfd);
  }
}

std::string readFile(const std::filesystem::path& path, size_t max_bytes) {
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  if (ec) fail("load", path.string(), "cannot read the file: " + ec.message(), "check the path");
  if (size > max_bytes)
    fail("load", path.string(), "the file is " + std::to_string(size) + " bytes, more than the limit of " + std::to_string(max_bytes), "is this the right file?");
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("load", path.string(), "cannot open the file", "check the path and permissions");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace aotviz::util
