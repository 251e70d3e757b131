// Decoding many boxes on one encoded image: batched decoder calls, masks in box order.
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

#include "image/masks.hpp"
#include "models/litemedsam_model.hpp"
#include "segment/segment_types.hpp"

namespace medsam {

// Decoder calls hold at most this many boxes. Larger batches gain nothing per box (each
// box's intermediates are ~4 MiB a tensor and leave the caches), and at 64 OpenVINO ran
// 113 boxes 2x slower in a process where ONNX Runtime had decoded the same batch.
constexpr int64_t kDecodeBatch = 8;

// One decoder call on `embedding` for `n` prompts (256 frame), timed and counted in
// `stats`: logits (n, 256, 256) and, when `iou` is given, each mask's predicted IoU (n).
void decode_counted(const LiteMedSAMModel& model, const float* embedding, const Box* prompts,
                    int64_t n, float* logits, SegmentStats& stats, float* iou = nullptr);

// Decodes `boxes` (256 frame) against `embedding` and calls emit(i, mask, region) for box
// i in order, mask being (h, w) 0/1 upsampled from the resized extent and zero outside
// `region`.
using EmitMask = std::function<void(size_t, const uint8_t*, MaskRegion)>;
void decode_boxes(const LiteMedSAMModel& model, const float* embedding,
                  const std::vector<Box>& boxes, Extent resized, int h, int w, SegmentStats& stats,
                  const EmitMask& emit);

}  // namespace medsam
