// Intentionally empty: CLibTorch only carries libtorch's compiler and linker flags (pkg-config).
