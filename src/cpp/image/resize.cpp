#include "image/resize.hpp"

#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

namespace medsam {
namespace {

// One source sample's share of a destination sample along one axis.
struct AreaTap {
  int dst, src;
  float weight;
};

// OpenCV's decimation table: each destination cell covers `scale` source cells and
// takes their overlap-weighted average; partial cells count by their covered fraction.
std::vector<AreaTap> area_taps(int src_size, int dst_size) {
  const double scale = 1.0 / (static_cast<double>(dst_size) / src_size);  // as OpenCV forms it
  std::vector<AreaTap> taps;
  for (int d = 0; d < dst_size; ++d) {
    const double f1 = d * scale, f2 = f1 + scale;
    const double cell = std::min(scale, src_size - f1);
    int s1 = static_cast<int>(std::ceil(f1)), s2 = static_cast<int>(std::floor(f2));
    s2 = std::min(s2, src_size - 1);
    s1 = std::min(s1, s2);
    // OpenCV stores the weights as float; keep that rounding.
    if (s1 - f1 > 1e-3) taps.push_back({d, s1 - 1, static_cast<float>((s1 - f1) / cell)});
    for (int s = s1; s < s2; ++s) taps.push_back({d, s, static_cast<float>(1.0 / cell)});
    if (f2 - s2 > 1e-3) {
      taps.push_back({d, s2, static_cast<float>(std::min(std::min(f2 - s2, 1.0), cell) / cell)});
    }
  }
  return taps;
}

// Callers round with std::lrint: half to even, as cvRound.
uint8_t to_uint8(long r) { return static_cast<uint8_t>(r < 0 ? 0 : (r > 255 ? 255 : r)); }

// Accumulates in float in OpenCV's order so that ties round as cv2's do.
void shrink_area(const uint8_t* src, int sh, int sw, int cn, int64_t stride, uint8_t* dst, int dh,
                 int dw) {
  const auto xt = area_taps(sw, dw);
  const auto yt = area_taps(sh, dh);
  std::vector<float> row(static_cast<size_t>(dw) * cn), acc(static_cast<size_t>(dw) * cn, 0.f);
  size_t k = 0;
  while (k < yt.size()) {
    const int dy = yt[k].dst;
    std::fill(acc.begin(), acc.end(), 0.f);
    for (; k < yt.size() && yt[k].dst == dy; ++k) {
      const uint8_t* s = src + yt[k].src * stride;
      std::fill(row.begin(), row.end(), 0.f);
      for (const AreaTap& t : xt) {
        for (int c = 0; c < cn; ++c) row[t.dst * cn + c] += s[t.src * cn + c] * t.weight;
      }
      for (size_t i = 0; i < row.size(); ++i) acc[i] += yt[k].weight * row[i];
    }
    uint8_t* d = dst + static_cast<int64_t>(dy) * dw * cn;
    for (size_t i = 0; i < acc.size(); ++i) d[i] = to_uint8(std::lrint(acc[i]));
  }
}

// OpenCV's shortcut when both scales are whole numbers: a plain block sum, rounded the
// way cv2 rounds it (half up for 2x2 blocks, which its SIMD loop handles; otherwise the
// float product rounded half to even).
bool integer_scales(int sh, int sw, int dh, int dw) { return sh % dh == 0 && sw % dw == 0; }

void shrink_blocks(const uint8_t* src, int sh, int sw, int cn, int64_t stride, uint8_t* dst, int dh,
                   int dw) {
  const int by = sh / dh, bx = sw / dw;
  const float inv_area = 1.f / static_cast<float>(bx * by);
  const bool two_by_two = bx == 2 && by == 2;
  for (int y = 0; y < dh; ++y) {
    uint8_t* d = dst + static_cast<int64_t>(y) * dw * cn;
    for (int x = 0; x < dw; ++x) {
      for (int c = 0; c < cn; ++c) {
        int sum = 0;
        for (int j = 0; j < by; ++j) {
          const uint8_t* row = src + static_cast<int64_t>(y * by + j) * stride;
          for (int i = 0; i < bx; ++i) sum += row[(x * bx + i) * cn + c];
        }
        d[x * cn + c] = two_by_two ? static_cast<uint8_t>((sum + 2) >> 2)
                                   : to_uint8(std::lrint(static_cast<float>(sum) * inv_area));
      }
    }
  }
}

// OpenCV's INTER_AREA when enlarging: linear interpolation whose fraction is the part of
// the destination cell that lies past the source cell boundary, in OpenCV's 8-bit fixed
// point (11-bit weights), so results match cv2 to the grey level.
constexpr int kCoefScale = 2048;

struct LinearAreaTap {
  int s0, s1;
  int w0, w1;  // fixed-point weights of s0 and s1
};

std::vector<LinearAreaTap> linear_area_taps(int src_size, int dst_size) {
  const double inv = static_cast<double>(dst_size) / src_size;
  const double scale = 1.0 / inv;
  std::vector<LinearAreaTap> taps(dst_size);
  for (int d = 0; d < dst_size; ++d) {
    int s = static_cast<int>(std::floor(d * scale));
    float f = static_cast<float>((d + 1) - (s + 1) * inv);
    f = f <= 0 ? 0.f : f - std::floor(f);
    int s1 = s + 1;
    if (s1 >= src_size) {  // past the last sample: OpenCV repeats it with full weight
      s = s1 = src_size - 1;
      f = 0.f;
    }
    taps[d] = {s, s1, static_cast<int>(std::lrint((1.f - f) * kCoefScale)),
               static_cast<int>(std::lrint(f * kCoefScale))};
  }
  return taps;
}

// OpenCV's vertical pass, as its SIMD loop computes it (through 16-bit intermediates)
// for every element of a row: this is what cv2 returns, to the grey level.
inline uint8_t vertical_blend(int a, int b, int w0, int w1) {
  int v = ((((a >> 4) * w0) >> 16) + (((b >> 4) * w1) >> 16) + 2) >> 2;
  return static_cast<uint8_t>(v < 0 ? 0 : (v > 255 ? 255 : v));
}

void enlarge_area(const uint8_t* src, int sh, int sw, int cn, int64_t stride, uint8_t* dst, int dh,
                  int dw) {
  const auto xt = linear_area_taps(sw, dw);
  const auto yt = linear_area_taps(sh, dh);
  const int width = dw * cn;
  std::vector<int> h0(width), h1(width);
  auto horizontal = [&](const uint8_t* row, std::vector<int>& out) {
    for (int x = 0; x < dw; ++x) {
      const LinearAreaTap& t = xt[x];
      for (int c = 0; c < cn; ++c) {
        out[x * cn + c] = row[t.s0 * cn + c] * t.w0 + row[t.s1 * cn + c] * t.w1;
      }
    }
  };
  for (int y = 0; y < dh; ++y) {
    const LinearAreaTap& t = yt[y];
    horizontal(src + t.s0 * stride, h0);
    horizontal(src + t.s1 * stride, h1);
    uint8_t* d = dst + static_cast<int64_t>(y) * width;
    for (int i = 0; i < width; ++i) d[i] = vertical_blend(h0[i], h1[i], t.w0, t.w1);
  }
}

}  // namespace

Extent longest_side_extent(int h, int w, int target) {
  if (h <= 0 || w <= 0) throw std::invalid_argument("image has an empty side");
  const double scale = target * 1.0 / std::max(h, w);
  // int(x + 0.5) as in the reference, for positive sizes a round-half-up.
  int nh = static_cast<int>(h * scale + 0.5), nw = static_cast<int>(w * scale + 0.5);
  return {std::max(nh, 1), std::max(nw, 1)};
}

void resize_area(const uint8_t* src, int sh, int sw, int channels, int64_t src_row_stride,
                 uint8_t* dst, int dh, int dw) {
  if (sh <= 0 || sw <= 0 || dh <= 0 || dw <= 0 || channels <= 0) {
    throw std::invalid_argument("resize_area: sizes must be positive");
  }
  if (dh <= sh && dw <= sw && integer_scales(sh, sw, dh, dw)) {
    shrink_blocks(src, sh, sw, channels, src_row_stride, dst, dh, dw);
  } else if (dh <= sh && dw <= sw) {
    shrink_area(src, sh, sw, channels, src_row_stride, dst, dh, dw);
  } else {
    enlarge_area(src, sh, sw, channels, src_row_stride, dst, dh, dw);
  }
}

}  // namespace medsam
