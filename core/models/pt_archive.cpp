// core/models/pt_archive.cpp — see pt_archive.h. Zip layout: PKWARE APPNOTE 6.3, sections 4.3.12 (central
// directory header), 4.3.14-4.3.16 (zip64 end of central directory record and locator, end of central directory).
#include "core/models/pt_archive.h"

#include <caffe2/serialize/inline_container.h>
#if AOTVIZ_WITH_ZLIB
#include <zlib.h>
#else
#include <boost/crc.hpp>
#endif

#include <algorithm>
#include <cstdint>
#include <optional>
#include <filesystem>
#include <fstream>
#include <vector>

#include "core/util/diagnostic.h"

namespace aotviz::models {

namespace {

constexpr const char* kStage = "inputs";
constexpr const char* kDamaged = "the file is damaged (a bad copy or download?); ";

uint64_t le(const std::string& b, size_t at, size_t n) {
  uint64_t v = 0;
  for (size_t i = n; i-- > 0;) v = v << 8 | static_cast<unsigned char>(b[at + i]);
  return v;
}

std::string readAt(std::istream& in, uint64_t at, uint64_t n) {
  std::string b(n, '\0');
  in.clear();
  in.seekg(static_cast<std::streamoff>(at));
  in.read(b.data(), static_cast<std::streamsize>(n));
  if (static_cast<uint64_t>(in.gcount()) != n) b.clear();
  return b;
}

/// CRC-32 (zip's) computed piece by piece.
class Crc32 {
 public:
  void add(const void* data, size_t n) {
#if AOTVIZ_WITH_ZLIB
    crc_ = ::crc32(crc_, static_cast<const Bytef*>(data), static_cast<uInt>(n));  // n ≤ kChunk
#else
    crc_.process_bytes(data, n);
#endif
  }
  uint32_t value() const {
#if AOTVIZ_WITH_ZLIB
    return static_cast<uint32_t>(crc_);
#else
    return crc_.checksum();
#endif
  }

 private:
#if AOTVIZ_WITH_ZLIB
  uLong crc_ = ::crc32(0L, Z_NULL, 0);
#else
  boost::crc_32_type crc_;
#endif
};

constexpr size_t kChunk = size_t(1) << 20;

/// The CRC-32 of `n` bytes of `in` from `at`, read in chunks (a stored record is read in place, not copied whole).
/// nullopt when the file ends first.
std::optional<uint32_t> crcOfRange(std::istream& in, uint64_t at, uint64_t n) {
  Crc32 crc;
  std::vector<char> buf(std::min<uint64_t>(n, kChunk));
  in.clear();
  in.seekg(static_cast<std::streamoff>(at));
  for (uint64_t done = 0; done < n;) {
    const size_t len = static_cast<size_t>(std::min<uint64_t>(n - done, kChunk));
    in.read(buf.data(), static_cast<std::streamsize>(len));
    if (static_cast<size_t>(in.gcount()) != len) return std::nullopt;
    crc.add(buf.data(), len);
    done += len;
  }
  return crc.value();
}

struct Entry {
  std::string name;
  uint32_t crc;
  uint64_t size;  // uncompressed
  uint64_t method = 0;  // 0 stored, 8 deflate
};

/// The central directory's entries (name, CRC-32), or an error message.
std::vector<Entry> centralDirectory(std::istream& in, uint64_t size, std::string& error) {
  // The end of central directory record is in the last 22 + 65535 (its comment) bytes.
  const uint64_t tail_len = std::min<uint64_t>(size, 22 + 65535);
  const std::string tail = readAt(in, size - tail_len, tail_len);
  size_t eocd = std::string::npos;
  for (size_t i = tail.size() >= 22 ? tail.size() - 22 + 1 : 0; i-- > 0;)
    if (le(tail, i, 4) == 0x06054b50) {
      eocd = i;
      break;
    }
  if (eocd == std::string::npos) {
    error = "it is not a zip archive (no end of central directory record)";
    return {};
  }
  uint64_t count = le(tail, eocd + 10, 2), cd_size = le(tail, eocd + 12, 4), cd_offset = le(tail, eocd + 16, 4);
  if (eocd >= 20 && le(tail, eocd - 20, 4) == 0x07064b50) {  // zip64 locator → zip64 end of central directory
    const uint64_t z_at = le(tail, eocd - 20 + 8, 8);
    const std::string z = z_at <= size ? readAt(in, z_at, 56) : std::string();
    if (z.size() != 56 || le(z, 0, 4) != 0x06064b50) {
      error = "its zip64 end of central directory record is damaged";
      return {};
    }
    count = le(z, 32, 8), cd_size = le(z, 40, 8), cd_offset = le(z, 48, 8);
  }
  if (cd_offset > size || cd_size > size - cd_offset) {
    error = "its central directory lies outside the file (truncated?)";
    return {};
  }
  const std::string cd = readAt(in, cd_offset, cd_size);
  std::vector<Entry> out;
  size_t at = 0;
  for (uint64_t k = 0; k < count; ++k) {
    if (at + 46 > cd.size() || le(cd, at, 4) != 0x02014b50) {
      error = "its central directory is damaged at entry " + std::to_string(k);
      return {};
    }
    const size_t name_len = le(cd, at + 28, 2), extra_len = le(cd, at + 30, 2), comment_len = le(cd, at + 32, 2);
    if (at + 46 + name_len > cd.size()) {
      error = "its central directory is damaged at entry " + std::to_string(k);
      return {};
    }
    Entry e{cd.substr(at + 46, name_len), static_cast<uint32_t>(le(cd, at + 16, 4)), le(cd, at + 24, 4), le(cd, at + 10, 2)};
    const uint64_t method = e.method;
    uint64_t packed = le(cd, at + 20, 4);
    // Sizes of 0xFFFFFFFF are in the zip64 extra field (id 1): the uncompressed size first, then the compressed.
    if (e.size == 0xFFFFFFFF || packed == 0xFFFFFFFF) {
      size_t x = at + 46 + name_len;
      const size_t x_end = std::min(x + extra_len, cd.size());
      while (x + 4 <= x_end && le(cd, x, 2) != 1) x += 4 + le(cd, x + 2, 2);
      size_t f = x + 4;
      if (x + 4 <= x_end && e.size == 0xFFFFFFFF && f + 8 <= x_end) e.size = le(cd, f, 8), f += 8;
      if (x + 4 <= x_end && packed == 0xFFFFFFFF && f + 8 <= x_end) packed = le(cd, f, 8);
    }
    // What the reader would allocate and produce must be possible for a file of this size: stored records are as
    // large as their data, deflate expands at most 1032 times. (A forged size makes LibTorch allocate it.)
    const bool possible = packed <= size && ((method == 0 && e.size == packed) || (method == 8 && e.size <= 1032 * packed + 1024));
    if (!possible) {
      error = "the record '" + e.name + "' has impossible sizes (" + std::to_string(packed) + " bytes stored, " +
              std::to_string(e.size) + " bytes unpacked, method " + std::to_string(method) + ")";
      return {};
    }
    out.push_back(std::move(e));
    at += 46 + name_len + extra_len + comment_len;
  }
  return out;
}

}  // namespace

void verifyArchive(const std::string& pt_path, uint64_t max_bytes, const ArchiveKind& kind) {
  std::error_code ec;
  const uint64_t size = std::filesystem::file_size(pt_path, ec);
  if (ec) fail(kStage, pt_path, "cannot read it: " + ec.message(), "check the path and its permissions");
  if (size > max_bytes)
    fail(kStage, pt_path, "the file is " + std::to_string(size) + " bytes, more than the limit of " + std::to_string(max_bytes),
         "is this the right file?");
  std::ifstream in(pt_path, std::ios::binary);
  if (!in) fail(kStage, pt_path, "cannot open it", "check the path and its permissions");
  verifyArchive(in, size, pt_path, kind);
}

/// Runs `f`; LibTorch's and the standard library's errors become an AotError naming `pt_path`: `what` + theirs.
void rethrowNamed(const std::string& pt_path, const std::string& what, const std::string& hint, const std::function<void()>& f) {
  try {
    f();
  } catch (const AotError&) {
    throw;
  } catch (const c10::Error& e) {
    fail(kStage, pt_path, what + e.what_without_backtrace(), hint);
  } catch (const std::exception& e) {
    fail(kStage, pt_path, what + e.what(), hint);
  }
}

void asLoadError(const std::string& pt_path, const std::string& hint, const std::function<void()>& f) {
  rethrowNamed(pt_path, "cannot load it as a TorchScript module: ", hint, f);
}

void verifyArchive(std::istream& in, uint64_t size, const std::string& pt_path, const ArchiveKind& kind) {
  const std::string what = "cannot load it as " + kind.what + ": ";
  const std::string hint = kDamaged + kind.save_hint;
  std::string error;
  const std::vector<Entry> entries = centralDirectory(in, size, error);
  if (!error.empty()) fail(kStage, pt_path, what + error, hint);
  rethrowNamed(pt_path, what, hint, [&] {
    in.clear();
    in.seekg(0);
    caffe2::serialize::PyTorchStreamReader reader(&in);
    for (const Entry& e : entries) {
      // Records are named "<archive>/<record>" in the directory and "<record>" by the reader.
      const size_t slash = e.name.find('/');
      if (slash == std::string::npos || e.name.back() == '/') continue;
      const std::string record = e.name.substr(slash + 1);
      if (!reader.hasRecord(record)) continue;  // e.g. a second archive directory that LibTorch ignores
      std::optional<uint32_t> crc;
      if (e.method == 0) {  // stored: read in place
        crc = crcOfRange(in, reader.getRecordOffset(record), e.size);
      } else {  // deflated (small: code and pickles): the reader inflates it
        auto [data, n] = reader.getRecord(record);
        Crc32 c;
        for (size_t done = 0; done < n; done += kChunk) c.add(static_cast<const char*>(data.get()) + done, std::min(kChunk, n - done));
        if (n == e.size) crc = c.value();
      }
      if (crc != e.crc)
        fail(kStage, pt_path, what + "the record '" + e.name + "' does not match its CRC-32", hint);
    }
  });
}

}  // namespace aotviz::models
