// The EfficientSAM family as two inference sessions: a ViT image encoder on a stretched
// square input and a point-prompted decoder with several mask outputs.
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "engine/inference_session.hpp"

namespace medsam {

class EfficientSAMModel {
 public:
  static constexpr int64_t kEmbeddingElements = 256 * 64 * 64;  // one (1,256,64,64) embedding

  // `input_size`: the encoder's square input side; `num_masks`: masks per prompt.
  EfficientSAMModel(const std::string& encoder_path, const std::string& decoder_path,
                    const EngineSettings& settings, int input_size, int num_masks);

  int input_size() const { return input_size_; }
  int num_masks() const { return num_masks_; }

  // image (1,3,S,S), already normalised -> embedding (1,256,64,64)
  void encode(const float* image, float* embedding) const;
  // n prompts of p points: coords (n,p,2) in the S frame, labels (n,p) (1 a point, 2 and
  // 3 a box's corners, -1 padding) -> logits (n,K,256,256) and predicted IoU (n,K).
  void decode(const float* embedding, const float* coords, const float* labels, int64_t n,
              int64_t p, float* logits, float* iou) const;

 private:
  std::unique_ptr<InferenceSession> encoder_;
  std::unique_ptr<InferenceSession> decoder_;
  int input_size_;
  int num_masks_;
};

}  // namespace medsam
