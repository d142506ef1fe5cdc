// Debian's zlib1g-dev: deflate for the PNG pictures and CRC-32 for PNG chunks and checkpoints.
#ifndef FLOWKIT_CZLIB_SHIM_H
#define FLOWKIT_CZLIB_SHIM_H
#include <zlib.h>
#endif
