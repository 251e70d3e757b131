// LiteMedSAM as two inference sessions: the image encoder and the box-prompted decoder.
#pragma once
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "engine/inference_session.hpp"

namespace medsam {

constexpr int64_t kEmbeddingElements = 256 * 64 * 64;  // one (256,64,64) embedding
constexpr int64_t kLogitElements = 256 * 256;          // one (1,256,256) low-res mask

class LiteMedSAMModel {
 public:
  LiteMedSAMModel(const std::string& encoder_path, const std::string& decoder_path,
                  const EngineSettings& settings);

  // images (batch,3,256,256) -> embeddings (batch,256,64,64)
  void encode(const float* images, int64_t batch, float* embeddings) const;
  // one embedding (1,256,64,64) and n boxes (n,4) in the 256 frame -> logits (n,1,256,256)
  // and, when `iou` is given, the decoder's predicted IoU of each mask (n)
  void decode(const float* embedding, const float* boxes, int64_t n, float* logits,
              float* iou = nullptr) const;
  // Whether the decoder outputs its predicted IoU (conversions before format 2 do not).
  bool has_iou() const { return has_iou_; }

  // The same model on sessions with half the threads, for running two encodes (or an
  // encode and a decode) at once: created on first use; nullptr with fewer than 2 threads.
  // OpenVINO gets one stream per caller.
  const LiteMedSAMModel* half_threaded() const;

 private:
  std::string encoder_path_, decoder_path_;
  EngineSettings settings_;
  std::unique_ptr<InferenceSession> encoder_;
  std::unique_ptr<InferenceSession> decoder_;
  bool has_iou_ = false;
  mutable std::once_flag half_once_;
  mutable std::unique_ptr<LiteMedSAMModel> half_;
};

}  // namespace medsam
