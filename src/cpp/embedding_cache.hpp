// Slice embeddings of one volume, each computed at most once while any box still needs
// it, and bounded so that a long volume never holds thousands of 4 MiB embeddings.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <vector>

namespace medsam {

class EmbeddingCache {
 public:
  using Encoder = std::function<void(int slice, float* embedding)>;

  EmbeddingCache(size_t capacity, size_t embedding_elements, Encoder encode);

  // The embedding of `slice`, encoding it on a miss.  The pointer stays valid until the
  // next call to get() or release().
  const float* get(int slice);
  // No remaining box needs `slice`: free it now rather than when the cache fills.
  void release(int slice);

  size_t encoded() const { return encoded_; }  // encoder runs, re-encodes included
  size_t peak_entries() const { return peak_; }

 private:
  struct Entry {
    std::vector<float> data;
    uint64_t last_used;
  };
  size_t capacity_;
  size_t elements_;
  Encoder encode_;
  std::map<int, Entry> entries_;
  uint64_t clock_ = 0;
  size_t encoded_ = 0;
  size_t peak_ = 0;
};

}  // namespace medsam
