#include "telemetry/input.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace rampart::telemetry {
namespace {

constexpr size_t kRawBlock = 1 << 20;

class FdSource : public ByteSource {
 public:
  FdSource(int fd, bool owned) : fd_(fd), owned_(owned) {}
  ~FdSource() override {
    if (owned_) close(fd_);
  }
  // Raw read with a small look-ahead buffer so the magic bytes can be peeked.
  Result<size_t> RawRead(char* buf, size_t n) {
    if (!peek_.empty()) {
      size_t k = std::min(n, peek_.size());
      std::memcpy(buf, peek_.data(), k);
      peek_.erase(peek_.begin(), peek_.begin() + k);
      return k;
    }
    for (;;) {
      ssize_t r = ::read(fd_, buf, n);
      if (r >= 0) {
        raw_ += static_cast<uint64_t>(r);
        return static_cast<size_t>(r);
      }
      if (errno == EINTR) continue;
      return Status::IoError(std::string("read: ") + std::strerror(errno));
    }
  }
  Result<std::string> Peek(size_t n) {
    while (peek_.size() < n) {
      char tmp[64];
      ssize_t r = ::read(fd_, tmp, n - peek_.size());
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) return Status::IoError(std::string("read: ") + std::strerror(errno));
      if (r == 0) break;
      raw_ += static_cast<uint64_t>(r);
      peek_.insert(peek_.end(), tmp, tmp + r);
    }
    return std::string(peek_.begin(), peek_.end());
  }
  Result<size_t> Read(char* buf, size_t n) override { return RawRead(buf, n); }
  uint64_t raw_bytes_read() const override { return raw_; }
  const char* encoding() const override { return "plain"; }

 private:
  int fd_;
  bool owned_;
  uint64_t raw_ = 0;
  std::vector<char> peek_;
};

class GzipSource : public ByteSource {
 public:
  explicit GzipSource(std::unique_ptr<FdSource> in) : in_(std::move(in)), buf_(kRawBlock) {
    std::memset(&zs_, 0, sizeof zs_);
    inflateInit2(&zs_, 16 + MAX_WBITS);
  }
  ~GzipSource() override { inflateEnd(&zs_); }
  Result<size_t> Read(char* out, size_t n) override {
    zs_.next_out = reinterpret_cast<Bytef*>(out);
    zs_.avail_out = static_cast<uInt>(n);
    while (zs_.avail_out == n) {
      if (zs_.avail_in == 0) {
        if (eof_) return size_t{0};
        RAMPART_ASSIGN_OR_RETURN(size_t got, in_->RawRead(buf_.data(), buf_.size()));
        if (got == 0) {
          eof_ = true;
          if (mid_member_) return Status::Corruption("gzip stream truncated");
          return size_t{0};
        }
        zs_.next_in = reinterpret_cast<Bytef*>(buf_.data());
        zs_.avail_in = static_cast<uInt>(got);
      }
      mid_member_ = true;
      int rc = inflate(&zs_, Z_NO_FLUSH);
      if (rc == Z_STREAM_END) {
        mid_member_ = false;
        inflateReset(&zs_);  // concatenated gzip members
      } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
        return Status::Corruption(std::string("gzip: ") + (zs_.msg ? zs_.msg : "inflate failed"));
      }
    }
    return n - zs_.avail_out;
  }
  uint64_t raw_bytes_read() const override { return in_->raw_bytes_read(); }
  const char* encoding() const override { return "gzip"; }

 private:
  std::unique_ptr<FdSource> in_;
  std::vector<char> buf_;
  z_stream zs_;
  bool eof_ = false;
  bool mid_member_ = false;
};

class ZstdSource : public ByteSource {
 public:
  explicit ZstdSource(std::unique_ptr<FdSource> in) : in_(std::move(in)), buf_(kRawBlock) {
    ds_ = ZSTD_createDStream();
    ZSTD_initDStream(ds_);
  }
  ~ZstdSource() override { ZSTD_freeDStream(ds_); }
  Result<size_t> Read(char* out, size_t n) override {
    ZSTD_outBuffer ob{out, n, 0};
    while (ob.pos == 0) {
      if (ib_.pos == ib_.size) {
        if (eof_) return size_t{0};
        RAMPART_ASSIGN_OR_RETURN(size_t got, in_->RawRead(buf_.data(), buf_.size()));
        if (got == 0) {
          eof_ = true;
          if (last_ != 0) return Status::Corruption("zstd stream truncated");
          return size_t{0};
        }
        ib_ = ZSTD_inBuffer{buf_.data(), got, 0};
      }
      last_ = ZSTD_decompressStream(ds_, &ob, &ib_);
      if (ZSTD_isError(last_)) return Status::Corruption(std::string("zstd: ") + ZSTD_getErrorName(last_));
    }
    return ob.pos;
  }
  uint64_t raw_bytes_read() const override { return in_->raw_bytes_read(); }
  const char* encoding() const override { return "zstd"; }

 private:
  std::unique_ptr<FdSource> in_;
  std::vector<char> buf_;
  ZSTD_DStream* ds_;
  ZSTD_inBuffer ib_{nullptr, 0, 0};
  size_t last_ = 0;
  bool eof_ = false;
};

}  // namespace

Result<std::unique_ptr<ByteSource>> OpenByteSource(const std::string& path) {
  std::unique_ptr<FdSource> fd;
  if (path == "-") {
    fd = std::make_unique<FdSource>(0, false);
  } else {
    int f = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (f < 0) {
      if (errno == ENOENT) return Status::NotFound("no such file: " + path);
      return Status::IoError("cannot open " + path + ": " + std::strerror(errno));
    }
    struct stat st;
    if (fstat(f, &st) == 0 && S_ISDIR(st.st_mode)) {
      close(f);
      return Status::IoError(path + " is a directory");
    }
    posix_fadvise(f, 0, 0, POSIX_FADV_SEQUENTIAL);
    fd = std::make_unique<FdSource>(f, true);
  }
  RAMPART_ASSIGN_OR_RETURN(std::string magic, fd->Peek(4));
  if (magic.size() >= 2 && static_cast<unsigned char>(magic[0]) == 0x1f &&
      static_cast<unsigned char>(magic[1]) == 0x8b) {
    return std::unique_ptr<ByteSource>(new GzipSource(std::move(fd)));
  }
  if (magic.size() >= 4 && static_cast<unsigned char>(magic[0]) == 0x28 &&
      static_cast<unsigned char>(magic[1]) == 0xb5 && static_cast<unsigned char>(magic[2]) == 0x2f &&
      static_cast<unsigned char>(magic[3]) == 0xfd) {
    return std::unique_ptr<ByteSource>(new ZstdSource(std::move(fd)));
  }
  return std::unique_ptr<ByteSource>(std::move(fd));
}

uint64_t InputSizeHint(const std::string& path) {
  if (path == "-") return 0;
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return 0;
  return static_cast<uint64_t>(st.st_size);
}

}  // namespace rampart::telemetry
