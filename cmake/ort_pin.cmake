# The ONNX Runtime release the build takes its C API header from, in one place.
#
# The core asks the loaded library for exactly this API version, so the header may be newer
# but never older, and the oldest onnxruntime pyproject.toml accepts (">=1.<API>") must
# serve it; tests/test_ort_headers.py holds the three together.
#
# The header is one self-contained file, the same on every platform, so we fetch that file
# from the release's tag rather than one binary archive per platform.  Its SHA-256 equals
# that of onnxruntime_c_api.h in Debian's libonnxruntime-dev 1.21.0+dfsg-1, which is how it
# was checked on machines that cannot reach the release itself.
set(MEDSAM_FAST_ORT_VERSION "1.21.0")
set(MEDSAM_FAST_ORT_API_VERSION 21)
set(MEDSAM_FAST_ORT_RELEASE_HEADER_URL
    "https://raw.githubusercontent.com/microsoft/onnxruntime/v${MEDSAM_FAST_ORT_VERSION}/include/onnxruntime/core/session/onnxruntime_c_api.h")
set(MEDSAM_FAST_ORT_RELEASE_HEADER_SHA256
    "7783e9664bdb0b1b36145b5c8587dd1bc9a399aa000edf2e3dd03003cafc6882")
