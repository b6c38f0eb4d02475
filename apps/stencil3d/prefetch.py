"""Software prefetch for the Numba kernels (kernels.py): `ask_for(array, index)`
asks the CPU for the cache line holding array[index] ahead of the loads that
need it, as C++'s __builtin_prefetch does (the C++ sweep's, stencil3d.h, is
the same). Numba has no such function; this one emits LLVM's llvm.prefetch
(a read, kept in every cache level), which never faults, whatever the index.

Why: a sweep reads the x-plane after the one it computes from memory, and the
hardware prefetchers follow a stream only once it has run a while and start
again at each 4 KiB page; a 48^3 block's x-plane is 20 KB, so most of its lines
came on demand (kernels._span_from).
"""
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

AHEAD = 768   # doubles (6 KiB) ahead of the loads
CHUNK = 64    # doubles (8 cache lines) swept between two rounds of asking


@intrinsic
def ask_for(typingctx, array, index):
    def codegen(context, builder, signature, args):
        view = context.make_array(signature.args[0])(context, builder, args[0])
        address = builder.bitcast(builder.gep(view.data, [args[1]]), ir.IntType(8).as_pointer())
        i32 = ir.IntType(32)
        prefetch = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(ir.VoidType(), [address.type, i32, i32, i32]),
            'llvm.prefetch.p0i8')
        builder.call(prefetch, [address, i32(0), i32(3), i32(1)])   # read, keep everywhere, data
        return context.get_dummy_value()
    return types.void(array, index), codegen
