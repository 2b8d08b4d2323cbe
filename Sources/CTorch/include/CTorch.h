// CTorch: the flat C ABI over libtorch. The only module that includes libtorch headers (in its
// C++ sources); this umbrella header is plain C.
#ifndef CTORCH_H
#define CTORCH_H
#include "ctorch_core.h"
#include "ctorch_generated.h"
#include "ctorch_serialization.h"
#include "ctorch_distributed.h"
#endif
