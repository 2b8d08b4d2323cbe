#!/usr/bin/env bash
# Sets up libtorch for SwiftLightning. Safe to run again: a second run downloads nothing.
#
# Where libtorch comes from, in this order (as tch-rs does):
#   LIBTORCH=/path/to/torch        a torch folder holding include/ and lib/ (for example site-packages/torch)
#   LIBTORCH_USE_PYTORCH=1         the torch that `python3 -c "import torch"` finds
#   otherwise                      torch==2.11.0 + nvidia-cuda-runtime + nvidia-cuda-cupti wheels,
#                                  installed with pip --no-deps into the cache below
# Cache: $SWIFTLIGHTNING_CACHE (default ~/.cache/swiftlightning), never inside the work tree.
#
# Results:
#   $CACHE/pkgconfig/swiftlightning-libtorch.pc   (also copied to /usr/local/lib/pkgconfig when writable)
#   /etc/ld.so.conf.d/zz-swiftlightning-libtorch.conf + ldconfig (when writable), so binaries find
#   libtorch at run time without LD_LIBRARY_PATH
#   $CACHE/env.sh                                  variables the other scripts source
set -euo pipefail

TORCH_VERSION="2.11.0"
CUDA_RUNTIME_VERSION="13.0.96"
CUDA_CUPTI_VERSION="13.0.85"
CACHE="${SWIFTLIGHTNING_CACHE:-$HOME/.cache/swiftlightning}"
PY="${PYTHON:-python3}"

say() { printf '[setup] %s\n' "$*" >&2; }
fail() { printf '[setup] error: %s\n' "$*" >&2; exit 1; }

mkdir -p "$CACHE"

if [[ -n "${LIBTORCH:-}" ]]; then
    TORCH_DIR="$(cd "$LIBTORCH" && pwd)" || fail "LIBTORCH=$LIBTORCH is not a folder"
    say "using LIBTORCH=$TORCH_DIR"
elif [[ "${LIBTORCH_USE_PYTORCH:-0}" == "1" ]]; then
    TORCH_DIR="$("$PY" -c 'import os, torch; print(os.path.dirname(torch.__file__))')" \
        || fail "LIBTORCH_USE_PYTORCH=1 but '$PY -c \"import torch\"' failed"
    say "using the torch of $PY: $TORCH_DIR"
else
    SITE="$CACHE/site-$TORCH_VERSION"
    TORCH_DIR="$SITE/torch"
    if [[ ! -f "$SITE/.complete" ]]; then
        WHEELS="$CACHE/wheels"
        mkdir -p "$WHEELS"
        have_wheel() { compgen -G "$WHEELS/$1" > /dev/null; }
        if ! have_wheel "torch-$TORCH_VERSION-*.whl" \
            || ! have_wheel "nvidia_cuda_runtime-$CUDA_RUNTIME_VERSION-*.whl" \
            || ! have_wheel "nvidia_cuda_cupti-$CUDA_CUPTI_VERSION-*.whl"; then
            say "downloading torch==$TORCH_VERSION and the CUDA runtime wheels into $WHEELS (about 545 MB, once)"
            "$PY" -m pip download --quiet --no-deps --only-binary=:all: --dest "$WHEELS" \
                --platform manylinux_2_28_x86_64 --platform manylinux_2_25_x86_64 --platform manylinux_2_17_x86_64 \
                --python-version 3.11 \
                "torch==$TORCH_VERSION" "nvidia-cuda-runtime==$CUDA_RUNTIME_VERSION" "nvidia-cuda-cupti==$CUDA_CUPTI_VERSION" \
                || fail "pip could not download torch==$TORCH_VERSION; check the network or set LIBTORCH"
        fi
        say "unpacking into $SITE"
        rm -rf "$SITE.partial" && mkdir -p "$SITE.partial"
        # Only what a C++ consumer needs: headers, libraries, the version file and the op schema.
        unzip -q -o "$(compgen -G "$WHEELS/torch-$TORCH_VERSION-*.whl" | head -1)" \
            'torch/include/*' 'torch/lib/*' 'torch/version.py' 'torchgen/packaged/*' \
            -x 'torch/lib/libtorch_python.so' -d "$SITE.partial"
        for w in "$WHEELS"/nvidia_cuda_runtime-"$CUDA_RUNTIME_VERSION"-*.whl "$WHEELS"/nvidia_cuda_cupti-"$CUDA_CUPTI_VERSION"-*.whl; do
            unzip -q -o "$w" 'nvidia/*' -d "$SITE.partial"
        done
        touch "$SITE.partial/.complete"
        rm -rf "$SITE" && mv "$SITE.partial" "$SITE"
    fi
fi

# Checks: version and C++ ABI. A mismatch fails loudly, as a wrong libtorch gives link errors later.
[[ -f "$TORCH_DIR/lib/libtorch_cpu.so" && -d "$TORCH_DIR/include/ATen" ]] \
    || fail "$TORCH_DIR does not hold lib/libtorch_cpu.so and include/ATen; point LIBTORCH at a torch folder"
FOUND_VERSION="$(sed -n "s/^__version__ = '\([^']*\)'.*/\1/p" "$TORCH_DIR/version.py" 2>/dev/null || true)"
if [[ "${FOUND_VERSION%%+*}" != "$TORCH_VERSION" && "${LIBTORCH_BYPASS_VERSION_CHECK:-0}" != "1" ]]; then
    fail "SwiftLightning is built for torch $TORCH_VERSION but $TORCH_DIR is '${FOUND_VERSION:-unknown}'. Install torch==$TORCH_VERSION, or set LIBTORCH_BYPASS_VERSION_CHECK=1 at your own risk."
fi
if ! grep -q -a '__cxx11' "$TORCH_DIR/lib/libc10.so"; then
    fail "$TORCH_DIR/lib/libc10.so is built with the pre-C++11 ABI (_GLIBCXX_USE_CXX11_ABI=0); SwiftLightning needs a cxx11-ABI libtorch (the PyPI wheels since torch 2.7 are)."
fi

# pkg-config file: the only way the build learns where libtorch is.
mkdir -p "$CACHE/pkgconfig"
PC="$CACHE/pkgconfig/swiftlightning-libtorch.pc"
PC_TEXT="prefix=$TORCH_DIR
Name: swiftlightning-libtorch
Description: libtorch (torch $FOUND_VERSION) for SwiftLightning
Version: ${FOUND_VERSION%%+*}
Cflags: -I\${prefix}/include -I\${prefix}/include/torch/csrc/api/include
Libs: -L\${prefix}/lib -ltorch_cpu -lc10"
if [[ ! -f "$PC" || "$(cat "$PC")" != "$PC_TEXT" ]]; then printf '%s\n' "$PC_TEXT" > "$PC"; fi
SYSTEM_PC_DIR=/usr/local/lib/pkgconfig
if mkdir -p "$SYSTEM_PC_DIR" 2>/dev/null && [[ -w "$SYSTEM_PC_DIR" ]]; then
    cmp -s "$PC" "$SYSTEM_PC_DIR/swiftlightning-libtorch.pc" || cp "$PC" "$SYSTEM_PC_DIR/"
fi

# Run-time loader: register the torch lib folder last, so system libraries keep precedence for
# everything else; libtorch finds its own bundled libraries (libgomp, cudart) through its RPATH.
LD_CONF=/etc/ld.so.conf.d/zz-swiftlightning-libtorch.conf
LOADER_READY=0
if [[ -f "$LD_CONF" && "$(cat "$LD_CONF")" == "$TORCH_DIR/lib" ]] && ldconfig -p | grep -q "$TORCH_DIR/lib/libtorch_cpu.so"; then
    LOADER_READY=1
elif [[ -w /etc/ld.so.conf.d ]] && command -v ldconfig > /dev/null; then
    printf '%s\n' "$TORCH_DIR/lib" > "$LD_CONF" && ldconfig && LOADER_READY=1
fi

{
    echo "export SWIFTLIGHTNING_TORCH_DIR='$TORCH_DIR'"
    echo "export PKG_CONFIG_PATH='$CACHE/pkgconfig'\${PKG_CONFIG_PATH:+:\$PKG_CONFIG_PATH}"
    if [[ "$LOADER_READY" != 1 ]]; then
        echo "export LD_LIBRARY_PATH='$TORCH_DIR/lib'\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}"
    fi
} > "$CACHE/env.sh"

if [[ "$LOADER_READY" != 1 ]]; then
    say "could not register $TORCH_DIR/lib with the dynamic loader (not root?)."
    say "binaries outside these scripts need: export LD_LIBRARY_PATH=$TORCH_DIR/lib"
fi
say "libtorch $FOUND_VERSION ready at $TORCH_DIR"
