#include "embedding_cache.hpp"

#include <algorithm>
#include <stdexcept>

namespace medsam {

EmbeddingCache::EmbeddingCache(size_t capacity, size_t embedding_elements, Encoder encode)
    : capacity_(std::max<size_t>(capacity, 1)),
      elements_(embedding_elements),
      encode_(std::move(encode)) {}

const float* EmbeddingCache::get(int slice) {
  ++clock_;
  auto it = entries_.find(slice);
  if (it != entries_.end()) {
    it->second.last_used = clock_;
    return it->second.data.data();
  }
  if (entries_.size() >= capacity_) {
    auto oldest = std::min_element(entries_.begin(), entries_.end(), [](const auto& a, const auto& b) {
      return a.second.last_used < b.second.last_used;
    });
    entries_.erase(oldest);
  }
  Entry entry{std::vector<float>(elements_), clock_};
  encode_(slice, entry.data.data());
  ++encoded_;
  auto [pos, inserted] = entries_.emplace(slice, std::move(entry));
  peak_ = std::max(peak_, entries_.size());
  return pos->second.data.data();
}

void EmbeddingCache::release(int slice) { entries_.erase(slice); }

}  // namespace medsam
