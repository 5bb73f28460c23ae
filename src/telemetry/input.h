// Byte sources for the scan loop: a file (plain, gzip or zstd, recognised by
// magic bytes, not by name) or stdin ("-"), read sequentially in blocks.
//
// Thread-safety: one ByteSource is used by one thread.
#ifndef RAMPART_TELEMETRY_INPUT_H_
#define RAMPART_TELEMETRY_INPUT_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "base/result.h"

namespace rampart::telemetry {

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Reads up to `n` decompressed bytes into `buf`; 0 at end of input.
  // IoError on read failure, Corruption on a broken compressed stream.
  virtual Result<size_t> Read(char* buf, size_t n) = 0;
  // Bytes consumed from the underlying file (compressed size), for progress.
  virtual uint64_t raw_bytes_read() const = 0;
  // "plain", "gzip" or "zstd".
  virtual const char* encoding() const = 0;
};

// Opens `path` ("-" = stdin). NotFound / IoError when it cannot be opened.
Result<std::unique_ptr<ByteSource>> OpenByteSource(const std::string& path);

// Size of the file in bytes (0 for stdin or unknown), for progress bars.
uint64_t InputSizeHint(const std::string& path);

}  // namespace rampart::telemetry

#endif  // RAMPART_TELEMETRY_INPUT_H_
