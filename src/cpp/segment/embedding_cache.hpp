// Slice embeddings of one volume, each freed once no box needs it, and bounded so that a
// long volume never holds thousands of 4 MiB embeddings: when full, the cache gives up
// the slice the pass's plan needs furthest ahead.
//
// With encode_ahead(), a helper thread encodes the slices in the order the pass will ask
// for them while the caller decodes, and the caller, instead of idling while the helper
// finishes the slice it needs, encodes the next planned one itself: on 2 cores both stay
// busy with single-threaded runs, which measured faster than one 2-thread session doing
// encodes and decodes in turn (the decoder gains little from a second thread).
#pragma once
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

namespace medsam {

class EmbeddingCache {
 public:
  // Encodes `slice` into `embedding`; `worker` is 0 on the caller's thread, 1 on the
  // helper's (so each can keep its own buffers).  Called from both threads at once after
  // encode_ahead().
  using Encoder = std::function<void(int slice, float* embedding, int worker)>;

  EmbeddingCache(size_t capacity, size_t embedding_elements, Encoder encode);
  ~EmbeddingCache();  // stops the helper (after its current slice)
  EmbeddingCache(const EmbeddingCache&) = delete;
  EmbeddingCache& operator=(const EmbeddingCache&) = delete;

  // The slices get() will be asked for, one entry per call and in call order.  A full
  // cache evicts the slice whose next use is furthest ahead: for a known order, the
  // fewest re-encodes.
  void plan(std::vector<int> order);

  // Starts the helper on the plan (std::invalid_argument below a capacity of 3): it
  // encodes the planned slices in order while the caller decodes once per get().  While
  // the helper finishes a slice the caller needs, the caller encodes the next planned one
  // itself if that keeps the two threads' remaining work balanced: the unclaimed encodes
  // must outweigh its remaining steps (what it does between two get() calls).  A step's
  // cost in encodes is measured as the pass runs; until then it is `decode_cost`.
  void encode_ahead(double decode_cost);

  // The embedding of `slice`, encoding it on a miss.  The pointer stays valid until the
  // next call to get() or release() (only the caller's thread evicts).
  const float* get(int slice);
  // No remaining box needs `slice`: free it now rather than when the cache fills.
  void release(int slice);

  size_t encoded() const;  // encoder runs, re-encodes included
  size_t peak_entries() const;

 private:
  struct Entry {
    std::vector<float> data;
    bool ready = false;
  };
  using Lock = std::unique_lock<std::mutex>;

  const float* find_or_encode(Lock& lock, int slice);
  float* encode_into_new_entry(Lock& lock, int slice, int worker);
  bool encode_next_planned(Lock& lock, int worker);
  bool caller_should_encode() const;
  double step_cost() const;
  size_t next_use(int slice) const;
  void make_room();
  void helper_loop();
  void rethrow_helper_error() const;

  size_t capacity_;
  size_t elements_;
  Encoder encode_;
  std::map<int, Entry> entries_;
  std::set<int> claimed_;  // planned slices someone has encoded (or is encoding)
  std::vector<int> order_;
  std::map<int, std::vector<size_t>> uses_;  // each planned slice's positions in order_
  std::set<int> planned_;                    // the distinct slices of order_
  size_t cursor_ = 0;                        // into order_: everything before it is claimed
  double decode_cost_ = 0;                   // one caller step, in encodes, until measured
  size_t gets_ = 0;                          // get() calls so far: decodes the caller has started
  std::chrono::steady_clock::time_point last_return_;  // of get()
  double step_seconds_ = 0;    // the caller's, between a get()'s return and the next get()
  double encode_seconds_ = 0;  // both threads'
  size_t timed_encodes_ = 0;
  size_t unclaimed_ = 0;  // distinct planned slices nobody has claimed yet
  size_t encoded_ = 0;
  size_t peak_ = 0;
  bool stop_ = false;
  std::exception_ptr helper_error_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;  // an entry became ready, room appeared, or stop
  std::thread helper_;
};

}  // namespace medsam
