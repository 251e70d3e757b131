#include "segment/efficientsam_2d.hpp"

#include <algorithm>
#include <stdexcept>

#include "segment/boxes.hpp"
#include "image/torch_resample.hpp"

namespace medsam {

void prepare_stretched_input(const uint8_t* img, int h, int w, int channels, int size,
                             const PointPromptSettings& settings, float* out) {
  const int64_t pixels = static_cast<int64_t>(h) * w;
  float scale = 255.0f;
  if (settings.scale_by_max) {
    const uint8_t top = *std::max_element(img, img + pixels * channels);
    scale = top > 0 ? top : 1.0f;  // an all-black image stays black, not NaN
  }
  std::vector<float> plane(pixels);
  const int64_t frame = static_cast<int64_t>(size) * size;
  for (int c = 0; c < 3; ++c) {
    const int source = channels == 3 ? c : 0;
    for (int64_t i = 0; i < pixels; ++i) plane[i] = img[i * channels + source] / scale;
    float* dst = out + c * frame;
    torch_bilinear(plane.data(), h, w, dst, size, size);
    const float mean = settings.mean[c], inv_std = 1.0f / settings.std[c];
    for (int64_t i = 0; i < frame; ++i) dst[i] = (dst[i] - mean) * inv_std;
  }
}

int point_prompts(const double* boxes, int64_t n, int h, int w, int size, bool center_point,
                  std::vector<float>& coords, std::vector<float>& labels) {
  const int p = center_point ? 3 : 2;
  const double sx = static_cast<double>(size) / w, sy = static_cast<double>(size) / h;
  coords.assign(n * p * 2, 0.0f);
  labels.assign(n * p, 0.0f);
  for (int64_t i = 0; i < n; ++i) {
    const double* b = boxes + 4 * i;
    const double xs[3] = {b[0], b[2], (b[0] + b[2]) / 2};
    const double ys[3] = {b[1], b[3], (b[1] + b[3]) / 2};
    const float point_labels[3] = {2.0f, 3.0f, 1.0f};  // top-left, bottom-right, inside
    for (int k = 0; k < p; ++k) {
      coords[(i * p + k) * 2] = static_cast<float>(xs[k] * sx);
      coords[(i * p + k) * 2 + 1] = static_cast<float>(ys[k] * sy);
      labels[i * p + k] = point_labels[k];
    }
  }
  return p;
}

namespace {

int chosen_mask(const float* iou, int k, int mask_output) {
  if (mask_output >= 0) return mask_output;
  return static_cast<int>(std::max_element(iou, iou + k) - iou);
}

void check_box(const double* b, int64_t i) {
  check_box_values(b, 4, i);
  if (b[2] < b[0] || b[3] < b[1]) throw std::invalid_argument("box " + std::to_string(i) + " is inverted");
}

}  // namespace

template <typename Label>
void segment_2d_points(const EfficientSAMModel& model, const Image2D& image, const double* boxes,
                       int64_t n, const PointPromptSettings& settings, Label* segs,
                       SegmentStats& stats) {
  for (int64_t i = 0; i < n; ++i) check_box(boxes + 4 * i, i);
  const int k = model.num_masks();
  if (settings.mask_output >= k) {
    throw std::invalid_argument("mask_output " + std::to_string(settings.mask_output) +
                                " but the decoder gives " + std::to_string(k) + " masks");
  }
  const int size = model.input_size();
  std::vector<float> input(3 * static_cast<size_t>(size) * size), embedding(256 * 64 * 64);
  {
    ScopedTimer t(stats.preprocess_seconds);
    prepare_stretched_input(image.data, image.h, image.w, image.channels, size, settings,
                            input.data());
  }
  {
    ScopedTimer t(stats.encode_seconds);
    model.encode(input.data(), embedding.data());
    stats.slices_encoded += 1;
  }
  std::vector<float> coords, labels, logits, iou, upsampled(static_cast<size_t>(image.h) * image.w);
  const int p = point_prompts(boxes, n, image.h, image.w, size, settings.center_point, coords, labels);
  constexpr int64_t kLowRes = 256 * 256;
  for (int64_t first = 0; first < n; first += kDecodeBatch) {
    const int64_t count = std::min(kDecodeBatch, n - first);
    logits.resize(count * k * kLowRes);
    iou.resize(count * k);
    {
      ScopedTimer t(stats.decode_seconds);
      model.decode(embedding.data(), coords.data() + first * p * 2, labels.data() + first * p,
                   count, p, logits.data(), iou.data());
      stats.decoder_runs += 1;
      stats.masks_decoded += count;
    }
    ScopedTimer t(stats.postprocess_seconds);
    for (int64_t i = 0; i < count; ++i) {
      const float* chosen = logits.data() + (i * k + chosen_mask(iou.data() + i * k, k, settings.mask_output)) * kLowRes;
      if (settings.bicubic) {
        torch_bicubic(chosen, 256, 256, upsampled.data(), image.h, image.w);
      } else {
        torch_bilinear(chosen, 256, 256, upsampled.data(), image.h, image.w);
      }
      const Label label = static_cast<Label>(first + i + 1);
      for (size_t px = 0; px < upsampled.size(); ++px) {
        if (upsampled[px] > 0.0f) segs[px] = label;
      }
    }
  }
}

template void segment_2d_points<uint8_t>(const EfficientSAMModel&, const Image2D&, const double*,
                                         int64_t, const PointPromptSettings&, uint8_t*, SegmentStats&);
template void segment_2d_points<uint16_t>(const EfficientSAMModel&, const Image2D&, const double*,
                                          int64_t, const PointPromptSettings&, uint16_t*, SegmentStats&);

}  // namespace medsam
