import Torch

// The Swift side of every PyTorch parity case (Tools/parity/generate_fixtures.py): case name →
// the outputs, in PyTorch's order, computed with the Swift Torch API. Each entry mirrors the Python
// expression of the case of the same name; `c.x` is the fixture input named "x", `c.dtype` the
// dtype of the variant.

/// The table of Swift implementations, by case name.
enum OpTable {
    static let implementations: [String: OpImplementation] = {
        var t: [String: OpImplementation] = [:]
        unary(&t)
        binary(&t)
        compare(&t)
        reduce(&t)
        shape(&t)
        index(&t)
        matmul(&t)
        activation(&t)
        nn(&t)
        loss(&t)
        linalg(&t)
        factory(&t)
        random(&t)
        semantics(&t)
        return t
    }()

    static func unary(_ t: inout [String: OpImplementation]) {
        t["abs"] = { c in [try c.x.abs()] }
        t["neg"] = { c in [try c.x.neg()] }
        t["exp"] = { c in [try c.x.exp()] }
        t["exp2"] = { c in [try c.x.exp2()] }
        t["expm1"] = { c in [try c.x.expm1()] }
        t["sin"] = { c in [try c.x.sin()] }
        t["cos"] = { c in [try c.x.cos()] }
        t["tan"] = { c in [try c.x.tan()] }
        t["atan"] = { c in [try c.x.atan()] }
        t["sinh"] = { c in [try c.x.sinh()] }
        t["cosh"] = { c in [try c.x.cosh()] }
        t["tanh"] = { c in [try c.x.tanh()] }
        t["asinh"] = { c in [try c.x.asinh()] }
        t["sigmoid"] = { c in [try c.x.sigmoid()] }
        t["square"] = { c in [try c.x.square()] }
        t["ceil"] = { c in [try c.x.ceil()] }
        t["floor"] = { c in [try c.x.floor()] }
        t["round"] = { c in [try c.x.round()] }
        t["round_decimals"] = { c in [try c.x.round(decimals: 2)] }
        t["trunc"] = { c in [try c.x.trunc()] }
        t["frac"] = { c in [try c.x.frac()] }
        t["sign"] = { c in [try c.x.sign()] }
        t["sgn"] = { c in [try c.x.sgn()] }
        t["erf"] = { c in [try c.x.erf()] }
        t["erfc"] = { c in [try c.x.erfc()] }
        t["sinc"] = { c in [try c.x.sinc()] }
        t["deg2rad"] = { c in [try c.x.deg2rad()] }
        t["rad2deg"] = { c in [try c.x.rad2deg()] }
        t["positive"] = { c in [try c.x.positive()] }
        t["i0"] = { c in [try c.x.i0()] }
        t["special_entr"] = { c in [try c.x.specialEntr()] }
        t["clone"] = { c in [try c.x.clone()] }
        t["log"] = { c in [try c.x.log()] }
        t["log2"] = { c in [try c.x.log2()] }
        t["log10"] = { c in [try c.x.log10()] }
        t["sqrt"] = { c in [try c.x.sqrt()] }
        t["rsqrt"] = { c in [try c.x.rsqrt()] }
        t["reciprocal"] = { c in [try c.x.reciprocal()] }
        t["lgamma"] = { c in [try c.x.lgamma()] }
        t["digamma"] = { c in [try c.x.digamma()] }
        t["log1p"] = { c in [try c.x.log1p()] }
        t["acosh"] = { c in [try c.x.acosh()] }
        t["asin"] = { c in [try c.x.asin()] }
        t["acos"] = { c in [try c.x.acos()] }
        t["atanh"] = { c in [try c.x.atanh()] }
        t["erfinv"] = { c in [try c.x.erfinv()] }
        t["logit"] = { c in [try c.x.logit()] }
        t["logit_eps"] = { c in [try c.x.logit(eps: 0.1)] }
        t["nan_to_num"] = { c in [try c.x.nanToNum(nan: 0.5, posinf: 9.0, neginf: -9.0)] }
        t["isnan"] = { c in [try c.x.isnan()] }
        t["isinf"] = { c in [try c.x.isinf()] }
        t["isfinite"] = { c in [try c.x.isfinite()] }
    }

    static func binary(_ t: inout [String: OpImplementation]) {
        t["add"] = { c in [try c.x.add(c.y)] }
        t["add_alpha"] = { c in [try c.x.add(c.y, alpha: 2.5)] }
        t["add_broadcast"] = { c in [try c.x.add(c.y)] }
        t["add_scalar"] = { c in [try c.x.add(1.5)] }
        t["sub"] = { c in [try c.x.sub(c.y)] }
        t["sub_broadcast"] = { c in [try c.x.sub(c.y)] }
        t["rsub_scalar"] = { c in [try c.x.rsub(2.0)] }
        t["mul"] = { c in [try c.x.mul(c.y)] }
        t["mul_broadcast"] = { c in [try c.x.mul(c.y)] }
        t["mul_scalar"] = { c in [try c.x.mul(-3)] }
        t["div"] = { c in [try c.x.div(c.y)] }
        t["div_scalar"] = { c in [try c.x.div(4.0)] }
        t["div_floor"] = { c in [try c.x.div(c.y, roundingMode: "floor")] }
        t["div_trunc"] = { c in [try c.x.div(c.y, roundingMode: "trunc")] }
        t["floor_divide"] = { c in [try c.x.floorDivide(c.y)] }
        t["pow"] = { c in [try c.x.pow(c.y)] }
        t["pow_scalar"] = { c in [try c.x.pow(3)] }
        t["pow_scalar_base"] = { c in [try Tensor.pow(self: 2.0, exponent: c.x)] }
        t["float_power"] = { c in [try c.x.floatPower(c.y)] }
        t["atan2"] = { c in [try c.x.atan2(c.y)] }
        t["maximum"] = { c in [try c.x.maximum(c.y)] }
        t["minimum"] = { c in [try c.x.minimum(c.y)] }
        t["fmax"] = { c in [try c.x.fmax(c.y)] }
        t["fmin"] = { c in [try c.x.fmin(c.y)] }
        t["fmod"] = { c in [try c.x.fmod(c.y)] }
        t["remainder"] = { c in [try c.x.remainder(c.y)] }
        t["remainder_scalar"] = { c in [try c.x.remainder(1.5)] }
        t["hypot"] = { c in [try c.x.hypot(c.y)] }
        t["copysign"] = { c in [try c.x.copysign(c.y)] }
        t["xlogy"] = { c in [try c.x.xlogy(c.y)] }
        t["logaddexp"] = { c in [try c.x.logaddexp(c.y)] }
        t["logaddexp2"] = { c in [try c.x.logaddexp2(c.y)] }
        t["lerp"] = { c in [try c.x.lerp(end: c.y, weight: 0.3)] }
        t["lerp_tensor"] = { c in [try c.x.lerp(end: c.y, weight: c.w)] }
        t["addcmul"] = { c in [try c.x.addcmul(tensor1: c.a, tensor2: c.b, value: 0.5)] }
        t["addcdiv"] = { c in [try c.x.addcdiv(tensor1: c.a, tensor2: c.b, value: 0.5)] }
        t["clamp"] = { c in [try c.x.clamp(min: -0.5, max: 0.8)] }
        t["clamp_tensor"] = { c in [try c.x.clampTensor(min: c.lo, max: c.hi)] }
        t["clamp_min"] = { c in [try c.x.clampMin(min: 0.1)] }
        t["clamp_max"] = { c in [try c.x.clampMax(max: 0.1)] }
        t["heaviside"] = { c in [try c.x.heaviside(values: c.v)] }
        t["gcd"] = { c in [try c.x.gcd(c.y)] }
        t["lcm"] = { c in [try c.x.lcm(c.y)] }
        t["add_int"] = { c in [try c.x.add(c.y)] }
        t["mul_int_scalar"] = { c in [try c.x.mul(3)] }
        t["div_int_promotes"] = { c in [try c.x.div(c.y)] }
        t["remainder_int"] = { c in [try c.x.remainder(c.y)] }
        t["floor_divide_int"] = { c in [try c.x.floorDivide(c.y)] }
    }

    static func compare(_ t: inout [String: OpImplementation]) {
        t["eq"] = { c in [try c.x.eq(c.y)] }
        t["ne"] = { c in [try c.x.ne(c.y)] }
        t["lt"] = { c in [try c.x.lt(c.y)] }
        t["le"] = { c in [try c.x.le(c.y)] }
        t["gt"] = { c in [try c.x.gt(c.y)] }
        t["ge"] = { c in [try c.x.ge(c.y)] }
        t["eq_scalar"] = { c in [try c.x.eq(1)] }
        t["gt_scalar"] = { c in [try c.x.gt(0.25)] }
        t["le_broadcast"] = { c in [try c.x.le(c.y)] }
        t["isclose"] = { c in [try c.x.isclose(c.y, rtol: 0.1, atol: 0.05)] }
        t["logical_and"] = { c in [try c.a.logicalAnd(c.b)] }
        t["logical_or"] = { c in [try c.a.logicalOr(c.b)] }
        t["logical_xor"] = { c in [try c.a.logicalXor(c.b)] }
        t["logical_not"] = { c in [try c.a.logicalNot()] }
        t["bitwise_and"] = { c in [try c.x.bitwiseAnd(c.y)] }
        t["bitwise_or"] = { c in [try c.x.bitwiseOr(c.y)] }
        t["bitwise_xor"] = { c in [try c.x.bitwiseXor(c.y)] }
        t["bitwise_not"] = { c in [try c.x.bitwiseNot()] }
        t["bitwise_left_shift"] = { c in [try c.x.bitwiseLeftShift(c.y)] }
        t["any"] = { c in [try c.a.any()] }
        t["all"] = { c in [try c.a.all()] }
        t["any_dim"] = { c in [try c.a.any(dim: 1)] }
        t["all_dim"] = { c in [try c.a.all(dim: 0)] }
        t["where"] = { c in [try Tensor.where(c.c, self: c.x, other: c.y)] }
        t["where_broadcast"] = { c in [try Tensor.where(c.c, self: c.x, other: c.y)] }
        t["where_scalar"] = { c in [try Tensor.where(c.c, self: c.x, other: 0.0)] }
        t["maximum_int"] = { c in [try c.x.maximum(c.y)] }
    }

    static func reduce(_ t: inout [String: OpImplementation]) {
        t["sum"] = { c in [try c.x.sum()] }
        t["sum_dim"] = { c in [try c.x.sum(dim: [1])] }
        t["sum_dims_keepdim"] = { c in [try c.x.sum(dim: [0, 2], keepdim: true)] }
        t["sum_int"] = { c in [try c.x.sum()] }
        t["mean"] = { c in [try c.x.mean()] }
        t["mean_dim"] = { c in [try c.x.mean(dim: [-1], keepdim: true)] }
        t["prod"] = { c in [try c.x.prod()] }
        t["prod_dim"] = { c in [try c.x.prod(dim: 1)] }
        t["max"] = { c in [try c.x.max()] }
        t["max_dim"] = { c in let r = try c.x.max(dim: 1); return [r.values, r.indices] }
        t["max_dim_keepdim"] = { c in let r = try c.x.max(dim: 0, keepdim: true); return [r.values, r.indices] }
        t["min"] = { c in [try c.x.min()] }
        t["min_dim"] = { c in let r = try c.x.min(dim: 2); return [r.values, r.indices] }
        t["amax"] = { c in [try c.x.amax(dim: [0, 2])] }
        t["amin"] = { c in [try c.x.amin(dim: [1])] }
        t["aminmax"] = { c in let r = try c.x.aminmax(dim: 1); return [r.min, r.max] }
        t["argmax"] = { c in [try c.x.argmax()] }
        t["argmax_dim"] = { c in [try c.x.argmax(dim: 1)] }
        t["argmin"] = { c in [try c.x.argmin(dim: 2, keepdim: true)] }
        t["std"] = { c in [try c.x.std()] }
        t["std_dim_correction0"] = { c in [try c.x.stdCorrection(dim: [1], correction: 0)] }
        t["var"] = { c in [try c.x.var()] }
        t["var_dim_unbiased_false"] = { c in [try c.x.var(dim: [0, 1], unbiased: false, keepdim: true)] }
        t["var_mean"] = { c in let r = try c.x.varMean(dim: [1]); return [r.0, r.1] }
        t["std_mean"] = { c in let r = try c.x.stdMeanCorrection(dim: [2], correction: 0); return [r.0, r.1] }
        t["norm"] = { c in [try c.x.norm()] }
        t["norm_p1_dim"] = { c in [try c.x.norm(p: 1, dim: [1])] }
        t["linalg_vector_norm"] = { c in [try c.x.linalgVectorNorm(ord: 3, dim: [-1])] }
        t["logsumexp"] = { c in [try c.x.logsumexp(dim: [1])] }
        t["cumsum"] = { c in [try c.x.cumsum(dim: 1)] }
        t["cumprod"] = { c in [try c.x.cumprod(dim: 2)] }
        t["cummax"] = { c in let r = try c.x.cummax(dim: 1); return [r.values, r.indices] }
        t["cummin"] = { c in let r = try c.x.cummin(dim: 2); return [r.values, r.indices] }
        t["logcumsumexp"] = { c in [try c.x.logcumsumexp(dim: 1)] }
        t["median"] = { c in [try c.x.median()] }
        t["median_dim"] = { c in let r = try c.x.median(dim: 1); return [r.values, r.indices] }
        t["nanmedian"] = { c in let r = try c.x.nanmedian(dim: 1); return [r.values, r.indices] }
        t["nansum"] = { c in [try c.x.nansum()] }
        t["nanmean"] = { c in [try c.x.nanmean(dim: [1])] }
        t["count_nonzero"] = { c in [try c.x.countNonzero(dim: 1)] }
        t["sort"] = { c in let r = try c.x.sort(dim: 1); return [r.values, r.indices] }
        t["sort_descending"] = { c in let r = try c.x.sort(dim: -1, descending: true); return [r.values, r.indices] }
        t["argsort"] = { c in [try c.x.argsort(dim: 1)] }
        t["topk"] = { c in let r = try c.x.topk(k: 2, dim: -1); return [r.values, r.indices] }
        t["topk_smallest"] = { c in let r = try c.x.topk(k: 3, dim: 1, largest: false); return [r.values, r.indices] }
        t["kthvalue"] = { c in let r = try c.x.kthvalue(k: 2, dim: 1); return [r.values, r.indices] }
        t["trace"] = { c in [try c.x.trace()] }
        t["dist"] = { c in [try c.x.dist(c.y, p: 3)] }
        t["diff"] = { c in [try c.x.diff(dim: 1)] }
        t["renorm"] = { c in [try c.x.renorm(p: 2, dim: 0, maxnorm: 1.0)] }
        t["histc"] = { c in [try c.x.histc(bins: 5, min: -2, max: 2)] }
        t["bincount"] = { c in [try c.x.bincount()] }
        t["bincount_weights"] = { c in [try c.x.bincount(weights: c.w)] }
        t["unique"] = { c in
            let r = try c.x._unique2(sorted: true, returnInverse: true, returnCounts: true)
            return [r.0, r.1, r.2]
        }
        t["unique_consecutive"] = { c in let r = try c.x.uniqueConsecutive(returnCounts: true); return [r.0, r.2] }
        t["searchsorted"] = { c in [try Tensor.searchsorted(c.s, self: c.x)] }
        t["bucketize"] = { c in [try c.x.bucketize(boundaries: c.b, right: true)] }
    }

    static func shape(_ t: inout [String: OpImplementation]) {
        t["reshape"] = { c in [try c.x.reshape([4, -1])] }
        t["view"] = { c in [try c.x.view([6, 4])] }
        t["permute"] = { c in [try c.x.permute([2, 0, 1])] }
        t["transpose"] = { c in [try c.x.transpose(dim0: 0, dim1: 2)] }
        t["t"] = { c in [try c.x.t()] }
        t["squeeze"] = { c in [try c.x.squeeze()] }
        t["squeeze_dim"] = { c in [try c.x.squeeze(dim: 1)] }
        t["unsqueeze"] = { c in [try c.x.unsqueeze(dim: 1)] }
        t["flatten"] = { c in [try c.x.flatten()] }
        t["flatten_range"] = { c in [try c.x.flatten(startDim: 1, endDim: 2)] }
        t["unflatten"] = { c in [try c.x.unflatten(dim: 2, sizes: [2, 2])] }
        t["expand"] = { c in [try c.x.expand([3, 2, 4])] }
        t["expand_as"] = { c in [try c.x.expandAs(c.y)] }
        t["broadcast_to"] = { c in [try c.x.broadcastTo([2, 3, 4])] }
        t["broadcast_tensors"] = { c in try Tensor.broadcastTensors([c.x, c.y]) }
        t["cat"] = { c in [try Tensor.cat([c.x, c.y], dim: 1)] }
        t["stack"] = { c in [try Tensor.stack([c.x, c.y], dim: 1)] }
        t["hstack"] = { c in [try Tensor.hstack([c.x, c.y])] }
        t["vstack"] = { c in [try Tensor.vstack([c.x, c.y])] }
        t["split"] = { c in try c.x.split(splitSize: 2, dim: 2) }
        t["split_sizes"] = { c in try c.x.splitWithSizes(splitSizes: [1, 3], dim: 2) }
        t["chunk"] = { c in try c.x.chunk(chunks: 3, dim: 1) }
        t["unbind"] = { c in try c.x.unbind(dim: 1) }
        t["narrow"] = { c in [try c.x.narrow(dim: 2, start: 1, length: 2)] }
        t["select"] = { c in [try c.x.select(dim: 1, index: 2)] }
        t["slice"] = { c in [try c.x[.all, 1..<3, .slice(step: 2)]] }
        t["roll"] = { c in [try c.x.roll(shifts: [1, -1], dims: [0, 2])] }
        t["flip"] = { c in [try c.x.flip([0, 2])] }
        t["rot90"] = { c in [try c.x.rot90(k: 1, dims: [1, 2])] }
        t["tril"] = { c in [try c.x.tril(diagonal: -1)] }
        t["triu"] = { c in [try c.x.triu(diagonal: 1)] }
        t["diag"] = { c in [try c.x.diag()] }
        t["diagonal"] = { c in [try c.x.diagonal(offset: 1, dim1: 1, dim2: 2)] }
        t["diag_embed"] = { c in [try c.x.diagEmbed()] }
        t["repeat"] = { c in [try c.x.repeat(repeats: [2, 1, 3])] }
        t["repeat_interleave"] = { c in [try c.x.repeatInterleave(repeats: 2, dim: 1)] }
        t["tile"] = { c in [try c.x.tile([2, 2])] }
        t["movedim"] = { c in [try c.x.movedim(source: 0, destination: 2)] }
        t["swapaxes"] = { c in [try c.x.swapaxes(axis0: 0, axis1: 1)] }
        t["unfold"] = { c in [try c.x.unfold(dimension: 1, size: 3, step: 2)] }
        t["atleast_2d"] = { c in [try c.x.atleast2d()] }
        t["block_diag"] = { c in [try Tensor.blockDiag([c.x, c.y])] }
        t["cartesian_prod"] = { c in [try Tensor.cartesianProd([c.x, c.y])] }
        t["contiguous"] = { c in [try c.x.transpose(dim0: 0, dim1: 1).contiguous()] }
    }

    static func index(_ t: inout [String: OpImplementation]) {
        t["gather"] = { c in [try c.x.gather(dim: 1, index: c.i)] }
        t["scatter"] = { c in [try c.x.scatter(dim: 1, index: c.i, src: c.s)] }
        t["scatter_value"] = { c in [try c.x.scatter(dim: 1, index: c.i, value: 2.5)] }
        t["scatter_add"] = { c in [try c.x.scatterAdd(dim: 1, index: c.i, src: c.s)] }
        t["scatter_reduce"] = { c in [try c.x.scatterReduce(dim: 0, index: c.i, src: c.s, reduce: "amax", includeSelf: false)] }
        t["index_select"] = { c in [try c.x.indexSelect(dim: 1, index: c.i)] }
        t["index_add"] = { c in [try c.x.indexAdd(dim: 0, index: c.i, source: c.s, alpha: 2.0)] }
        t["index_copy"] = { c in [try c.x.indexCopy(dim: 1, index: c.i, source: c.s)] }
        t["index_fill"] = { c in [try c.x.indexFill(dim: 1, index: c.i, value: -1.0)] }
        t["index"] = { c in [try c.x[c.i]] }
        t["index_2d"] = { c in [try c.x.index([c.i, c.j])] }
        t["index_put"] = { c in [try c.x.indexPut([c.i], values: c.v, accumulate: true)] }
        t["masked_fill"] = { c in [try c.x.maskedFill(mask: c.m, value: -0.5)] }
        t["masked_select"] = { c in [try c.x.maskedSelect(mask: c.m)] }
        t["masked_scatter"] = { c in [try c.x.maskedScatter(mask: c.m, source: c.s)] }
        t["take"] = { c in [try c.x.take(index: c.i)] }
        t["take_along_dim"] = { c in [try c.x.takeAlongDim(c.i, dim: 1)] }
        t["nonzero"] = { c in [try c.x.nonzero()] }
        t["isin"] = { c in [try Tensor.isin(c.x, testElements: c.t)] }
        t["one_hot"] = { c in [try c.x.oneHot(numClasses: 5)] }
    }

    static func matmul(_ t: inout [String: OpImplementation]) {
        t["matmul"] = { c in [try c.a.matmul(c.b)] }
        t["matmul_vector"] = { c in [try c.a.matmul(c.b)] }
        t["mm"] = { c in [try c.a.mm(c.b)] }
        t["bmm"] = { c in [try c.a.bmm(c.b)] }
        t["mv"] = { c in [try c.a.mv(c.v)] }
        t["dot"] = { c in [try c.a.dot(c.b)] }
        t["inner"] = { c in [try c.a.inner(c.b)] }
        t["outer"] = { c in [try c.a.outer(c.b)] }
        t["kron"] = { c in [try c.a.kron(c.b)] }
        t["einsum"] = { c in [try Tensor.einsum(equation: "bij,bjk->bik", tensors: [c.a, c.b])] }
        t["einsum_trace_outer"] = { c in [try Tensor.einsum(equation: "ii,j->j", tensors: [c.a, c.b])] }
        t["tensordot"] = { c in [try c.a.tensordot(c.b, dimsSelf: [1, 2], dimsOther: [0, 1])] }
        t["linear"] = { c in [try c.x.linear(weight: c.w, bias: c.b)] }
        t["linear_nobias"] = { c in [try c.x.linear(weight: c.w)] }
        t["bilinear"] = { c in [try Tensor.bilinear(c.x1, input2: c.x2, weight: c.w, bias: c.b)] }
        t["addmm"] = { c in [try c.c.addmm(c.a, mat2: c.b, beta: 0.5, alpha: 2.0)] }
        t["addmv"] = { c in [try c.c.addmv(c.a, vec: c.v)] }
        t["baddbmm"] = { c in [try c.c.baddbmm(batch1: c.a, batch2: c.b)] }
        t["addbmm"] = { c in [try c.c.addbmm(batch1: c.a, batch2: c.b)] }
        t["cross"] = { c in [try c.a.linalgCross(c.b, dim: 1)] }
        t["cdist"] = { c in [try Tensor.cdist(c.a, x2: c.b)] }
        t["multi_dot"] = { c in [try Tensor.linalgMultiDot([c.a, c.b, c.c])] }
        t["matrix_power"] = { c in [try c.a.linalgMatrixPower(n: 3)] }
    }

    static func activation(_ t: inout [String: OpImplementation]) {
        t["relu"] = { c in [try c.x.relu()] }
        t["relu6"] = { c in [try c.x.mul(3).relu6()] }
        t["gelu"] = { c in [try c.x.gelu()] }
        t["gelu_tanh"] = { c in [try c.x.gelu(approximate: "tanh")] }
        t["silu"] = { c in [try c.x.silu()] }
        t["mish"] = { c in [try c.x.mish()] }
        t["selu"] = { c in [try c.x.selu()] }
        t["hardsigmoid"] = { c in [try c.x.hardsigmoid()] }
        t["hardswish"] = { c in [try c.x.hardswish()] }
        t["log_sigmoid"] = { c in [try c.x.logSigmoid()] }
        t["softplus"] = { c in [try c.x.softplus(beta: 2.0, threshold: 4.0)] }
        t["elu"] = { c in [try c.x.elu(alpha: 0.7)] }
        t["celu"] = { c in [try c.x.celu(alpha: 1.3)] }
        t["leaky_relu"] = { c in [try c.x.leakyRelu(negativeSlope: 0.2)] }
        t["hardtanh"] = { c in [try c.x.hardtanh(minVal: -1.5, maxVal: 2.0)] }
        t["hardshrink"] = { c in [try c.x.hardshrink(lambd: 0.7)] }
        t["softshrink"] = { c in [try c.x.softshrink(lambd: 0.7)] }
        t["threshold"] = { c in [try c.x.threshold(threshold: 0.5, value: -1.0)] }
        t["rrelu_eval"] = { c in [try c.x.rrelu(lower: 0.1, upper: 0.3, training: false)] }
        t["prelu"] = { c in [try c.x.prelu(weight: c.w)] }
        t["glu"] = { c in [try c.x.glu(dim: -1)] }
        t["softmax"] = { c in [try c.x.softmax(dim: 1)] }
        t["softmax_dim0"] = { c in [try c.x.softmax(dim: 0)] }
        t["log_softmax"] = { c in [try c.x.logSoftmax(dim: -1)] }
    }

    static func nn(_ t: inout [String: OpImplementation]) {
        t["conv1d"] = { c in [try c.x.conv1d(weight: c.w, bias: c.b, stride: [1], padding: [1])] }
        t["conv2d"] = { c in [try c.x.conv2d(weight: c.w, bias: c.b, stride: [1, 1], padding: [1, 1])] }
        t["conv2d_stride_dilation_groups"] = { c in
            [try c.x.conv2d(weight: c.w, bias: nil, stride: [2, 2], padding: [2, 2], dilation: [2, 2], groups: 2)]
        }
        t["conv3d"] = { c in [try c.x.conv3d(weight: c.w, bias: c.b, padding: [1, 1, 1])] }
        t["conv_transpose1d"] = { c in [try c.x.convTranspose1d(weight: c.w, bias: c.b, stride: [2], padding: [1])] }
        t["conv_transpose2d"] = { c in
            [try c.x.convTranspose2d(weight: c.w, bias: c.b, stride: [2, 2], padding: [1, 1], outputPadding: [1, 1])]
        }
        t["max_pool1d"] = { c in [try c.x.maxPool1d(kernelSize: [3], stride: [2], padding: [1])] }
        t["max_pool2d"] = { c in [try c.x.maxPool2d(kernelSize: [2, 2])] }
        t["max_pool2d_padded_ceil"] = { c in
            [try c.x.maxPool2d(kernelSize: [3, 3], stride: [2, 2], padding: [1, 1], ceilMode: true)]
        }
        t["max_pool2d_with_indices"] = { c in let r = try c.x.maxPool2dWithIndices(kernelSize: [2, 2]); return [r.0, r.1] }
        t["avg_pool1d"] = { c in [try c.x.avgPool1d(kernelSize: [3], stride: [2])] }
        t["avg_pool2d"] = { c in [try c.x.avgPool2d(kernelSize: [2, 2])] }
        t["avg_pool2d_padded"] = { c in
            [try c.x.avgPool2d(kernelSize: [3, 3], stride: [2, 2], padding: [1, 1], countIncludePad: false)]
        }
        t["adaptive_avg_pool1d"] = { c in [try c.x.adaptiveAvgPool1d(outputSize: [3])] }
        t["adaptive_avg_pool2d"] = { c in [try c.x.adaptiveAvgPool2d(outputSize: [2, 3])] }
        t["adaptive_max_pool2d"] = { c in let r = try c.x.adaptiveMaxPool2d(outputSize: [2, 2]); return [r.0, r.1] }
        t["batch_norm_eval"] = { c in
            [try c.x.batchNorm(weight: c.w, bias: c.b, runningMean: c.m, runningVar: c.v, training: false,
                               momentum: 0.1, eps: 1e-5, cudnnEnabled: true)]
        }
        t["batch_norm_train"] = { c in
            let y = try c.x.batchNorm(weight: c.w, bias: c.b, runningMean: c.m, runningVar: c.v, training: true,
                                      momentum: 0.2, eps: 1e-5, cudnnEnabled: true)
            return [y, try c.m, try c.v]  // the running statistics are updated in place
        }
        t["instance_norm"] = { c in
            [try c.x.instanceNorm(weight: c.w, bias: c.b, runningMean: nil, runningVar: nil, useInputStats: true,
                                  momentum: 0.1, eps: 1e-5, cudnnEnabled: true)]
        }
        t["layer_norm"] = { c in [try c.x.layerNorm(normalizedShape: [4], weight: c.w, bias: c.b)] }
        t["layer_norm_2d_noaffine"] = { c in [try c.x.layerNorm(normalizedShape: [3, 4], eps: 1e-3)] }
        t["group_norm"] = { c in [try c.x.groupNorm(numGroups: 2, weight: c.w, bias: c.b)] }
        t["rms_norm"] = { c in [try c.x.rmsNorm(normalizedShape: [4], weight: c.w, eps: 1e-6)] }
        t["embedding"] = { c in [try Tensor.embedding(c.w, indices: c.i)] }
        t["embedding_padding_idx"] = { c in [try Tensor.embedding(c.w, indices: c.i, paddingIdx: 0)] }
        t["embedding_bag"] = { c in
            let r = try Tensor.embeddingBag(c.w, indices: c.i, offsets: c.o, scaleGradByFreq: false, mode: 1, sparse: false,
                                            perSampleWeights: nil, includeLastOffset: false, paddingIdx: nil)
            return [r.0]
        }
        t["dropout_eval"] = { c in [try c.x.dropout(p: 0.5, train: false)] }
        t["dropout_p0"] = { c in [try c.x.dropout(p: 0.0, train: true)] }
        t["sdpa"] = { c in [try Tensor.scaledDotProductAttention(c.q, key: c.k, value: c.v)] }
        t["sdpa_causal_scale"] = { c in
            [try Tensor.scaledDotProductAttention(c.q, key: c.k, value: c.v, isCausal: true, scale: 0.3)]
        }
        t["sdpa_mask"] = { c in [try Tensor.scaledDotProductAttention(c.q, key: c.k, value: c.v, attnMask: c.m)] }
        t["pad_constant"] = { c in [try c.x.pad(pad: [1, 2, 0, 1], value: 0.5)] }
        t["pad_reflect"] = { c in [try c.x.pad(pad: [2, 1, 1, 2], mode: "reflect")] }
        t["pad_replicate"] = { c in [try c.x.pad(pad: [2, 1], mode: "replicate")] }
        t["pad_circular"] = { c in [try c.x.pad(pad: [1, 1, 1, 1], mode: "circular")] }
        t["interpolate_nearest"] = { c in [try c.x.upsampleNearest2d(outputSize: [4, 6], scaleFactors: nil)] }
        t["interpolate_bilinear"] = { c in
            [try c.x.upsampleBilinear2d(outputSize: [5, 4], alignCorners: false, scaleFactors: nil)]
        }
        t["interpolate_bilinear_align"] = { c in
            [try c.x.upsampleBilinear2d(outputSize: [5, 4], alignCorners: true, scaleFactors: nil)]
        }
        t["pixel_shuffle"] = { c in [try c.x.pixelShuffle(upscaleFactor: 2)] }
        t["pixel_unshuffle"] = { c in [try c.x.pixelUnshuffle(downscaleFactor: 2)] }
        t["unfold_im2col"] = { c in [try c.x.im2col(kernelSize: [2, 3], dilation: [1, 1], padding: [1, 1], stride: [2, 2])] }
        t["fold_col2im"] = { c in
            [try c.x.col2im(outputSize: [4, 5], kernelSize: [2, 2], dilation: [1, 1], padding: [0, 0], stride: [1, 1])]
        }
        t["cosine_similarity"] = { c in [try Tensor.cosineSimilarity(c.a, x2: c.b, dim: 1)] }
        t["pairwise_distance"] = { c in [try Tensor.pairwiseDistance(c.a, x2: c.b)] }
        t["grid_sample"] = { c in [try c.x.gridSampler(grid: c.g, interpolationMode: 0, paddingMode: 0, alignCorners: false)] }
        t["affine_grid"] = { c in [try Tensor.affineGridGenerator(c.t, size: [1, 1, 3, 4], alignCorners: false)] }
    }

    static func loss(_ t: inout [String: OpImplementation]) {
        t["cross_entropy"] = { c in [try c.x.crossEntropyLoss(target: c.y)] }
        t["cross_entropy_weight"] = { c in [try c.x.crossEntropyLoss(target: c.y, weight: c.w)] }
        t["cross_entropy_ignore_index"] = { c in [try c.x.crossEntropyLoss(target: c.y, ignoreIndex: 3)] }
        t["cross_entropy_label_smoothing"] = { c in
            [try c.x.crossEntropyLoss(target: c.y, weight: c.w, labelSmoothing: 0.1)]
        }
        t["cross_entropy_sum"] = { c in [try c.x.crossEntropyLoss(target: c.y, reduction: .sum)] }
        t["cross_entropy_none_2d"] = { c in [try c.x.crossEntropyLoss(target: c.y, reduction: .none)] }
        t["cross_entropy_probs"] = { c in [try c.x.crossEntropyLoss(target: c.p, labelSmoothing: 0.05)] }
        t["nll_loss"] = { c in [try c.x.logSoftmax(dim: 1).nllLoss(target: c.y)] }
        t["nll_loss_weight_ignore"] = { c in
            [try c.x.nllLoss(target: c.y, weight: c.w, reduction: .sum, ignoreIndex: 1)]
        }
        t["mse_loss"] = { c in [try c.x.mseLoss(target: c.y)] }
        t["mse_loss_sum"] = { c in [try c.x.mseLoss(target: c.y, reduction: .sum)] }
        t["l1_loss"] = { c in [try c.x.l1Loss(target: c.y)] }
        t["l1_loss_none"] = { c in [try c.x.l1Loss(target: c.y, reduction: .none)] }
        t["smooth_l1_loss"] = { c in [try c.x.smoothL1Loss(target: c.y, beta: 0.5)] }
        t["huber_loss"] = { c in [try c.x.huberLoss(target: c.y, delta: 0.8)] }
        t["binary_cross_entropy"] = { c in [try c.x.binaryCrossEntropy(target: c.y)] }
        t["binary_cross_entropy_weight"] = { c in
            [try c.x.binaryCrossEntropy(target: c.y, weight: c.w, reduction: .sum)]
        }
        t["binary_cross_entropy_with_logits"] = { c in [try c.x.binaryCrossEntropyWithLogits(target: c.y)] }
        t["binary_cross_entropy_with_logits_pos_weight"] = { c in
            [try c.x.binaryCrossEntropyWithLogits(target: c.y, posWeight: c.p)]
        }
        t["kl_div"] = { c in [try c.x.klDiv(target: c.y, reduction: .sum)] }
        t["kl_div_log_target"] = { c in [try c.x.klDiv(target: c.y, reduction: .none, logTarget: true)] }
        t["cosine_embedding_loss"] = { c in [try Tensor.cosineEmbeddingLoss(c.a, input2: c.b, target: c.y, margin: 0.1)] }
        t["margin_ranking_loss"] = { c in [try Tensor.marginRankingLoss(c.a, input2: c.b, target: c.y, margin: 0.2)] }
        t["hinge_embedding_loss"] = { c in [try c.x.hingeEmbeddingLoss(target: c.y, margin: 1.5)] }
        t["soft_margin_loss"] = { c in [try c.x.softMarginLoss(target: c.y)] }
        t["multi_margin_loss"] = { c in [try c.x.multiMarginLoss(target: c.y, margin: 0.8)] }
        t["multilabel_margin_loss"] = { c in [try c.x.multilabelMarginLoss(target: c.y)] }
        t["triplet_margin_loss"] = { c in [try Tensor.tripletMarginLoss(c.a, positive: c.p, negative: c.n)] }
        t["poisson_nll_loss"] = { c in
            [try c.x.poissonNllLoss(target: c.y, logInput: true, full: true, eps: 1e-8, reduction: .mean)]
        }
        t["ctc_loss"] = { c in
            [try Tensor.ctcLoss(c.lp, targets: c.t, inputLengths: c.il, targetLengths: c.tl, blank: 0, reduction: .mean)]
        }
    }

    static func linalg(_ t: inout [String: OpImplementation]) {
        t["det"] = { c in [try c.a.det()] }
        t["det_batched"] = { c in [try Tensor.linalgDet(c.a)] }
        t["inverse"] = { c in [try c.a.inverse()] }
        t["linalg_inv"] = { c in [try Tensor.linalgInv(c.a)] }
        t["logdet"] = { c in [try c.a.logdet()] }
        t["slogdet"] = { c in let r = try c.a.slogdet(); return [r.sign, r.logabsdet] }
        t["linalg_solve"] = { c in [try Tensor.linalgSolve(c.a, B: c.b)] }
        t["linalg_cholesky"] = { c in [try c.a.linalgCholesky()] }
        t["cholesky_solve"] = { c in [try c.b.choleskySolve(input2: c.l)] }
        t["linalg_solve_triangular"] = { c in [try c.a.linalgSolveTriangular(B: c.b, upper: true)] }
        t["linalg_qr"] = { c in let r = try Tensor.linalgQr(c.a); return [r.Q, r.R] }
        t["linalg_svd"] = { c in let r = try Tensor.linalgSvd(c.a, fullMatrices: false); return [r.U, r.S, r.Vh] }
        t["linalg_svdvals"] = { c in [try Tensor.linalgSvdvals(c.a)] }
        t["linalg_eigh"] = { c in let r = try c.a.linalgEigh(); return [r.eigenvalues, r.eigenvectors] }
        t["linalg_eigvalsh"] = { c in [try c.a.linalgEigvalsh()] }
        t["linalg_pinv"] = { c in [try c.a.linalgPinv()] }
        t["linalg_matrix_norm"] = { c in [try c.a.linalgMatrixNorm()] }
        t["linalg_norm"] = { c in [try c.a.linalgNorm(dim: [1])] }
        t["linalg_lu_factor"] = { c in let r = try Tensor.linalgLuFactor(c.a); return [r.LU, r.pivots] }
        t["linalg_matrix_exp"] = { c in [try c.a.linalgMatrixExp()] }
    }

    static func factory(_ t: inout [String: OpImplementation]) {
        t["arange"] = { _ in [try Tensor.arange(end: 5)] }
        t["arange_start_step"] = { c in [try Tensor.arangeStartStep(start: 1, end: 3, step: 0.25, dtype: c.dtype)] }
        t["linspace"] = { c in [try Tensor.linspace(start: -1, end: 2, steps: 7, dtype: c.dtype)] }
        t["logspace"] = { c in [try Tensor.logspace(start: -1, end: 2, steps: 5, base: 2.0, dtype: c.dtype)] }
        t["eye"] = { c in [try Tensor.eye(n: 3, m: 4, dtype: c.dtype)] }
        t["zeros"] = { c in [try Tensor.zeros([2, 3], dtype: c.dtype)] }
        t["ones"] = { c in [try Tensor.ones([2, 3], dtype: c.dtype)] }
        t["full"] = { c in [try Tensor.full([2, 3], fillValue: 1.75, dtype: c.dtype)] }
        t["zeros_like"] = { c in [try c.x.zerosLike()] }
        t["ones_like"] = { c in [try c.x.onesLike()] }
        t["full_like"] = { c in [try c.x.fullLike(fillValue: -2.5)] }
        t["tril_indices"] = { _ in [try Tensor.trilIndices(row: 3, col: 4, offset: 1)] }
        t["triu_indices"] = { _ in [try Tensor.triuIndices(row: 4, col: 3, offset: -1)] }
    }

    /// Random cases: the harness calls manualSeed(seed) right before each of these.
    static func random(_ t: inout [String: OpImplementation]) {
        t["randn"] = { c in [try Tensor.randn([3, 4], dtype: c.dtype)] }
        t["randn_vectorized"] = { c in [try Tensor.randn([5, 7], dtype: c.dtype)] }
        t["rand"] = { c in [try Tensor.rand([3, 5], dtype: c.dtype)] }
        t["randint"] = { _ in [try Tensor.randint(low: 0, high: 10, size: [4, 5])] }
        t["randint_high"] = { _ in [try Tensor.randint(high: 1000, size: [20])] }
        t["randperm"] = { _ in [try Tensor.randperm(n: 10)] }
        t["randperm_large"] = { _ in [try Tensor.randperm(n: 50)] }
        t["normal_tensors"] = { c in [try Tensor.normal(c.m, std: c.s)] }
        t["normal_size"] = { c in [try Tensor.normal(mean: 2.0, std: 0.5, size: [4, 5], dtype: c.dtype)] }
        t["randn_like"] = { c in [try c.x.randnLike()] }
        t["rand_like"] = { c in [try c.x.randLike()] }
        t["bernoulli"] = { c in [try c.p.bernoulli()] }
        t["bernoulli_p"] = { c in [try c.x.bernoulli(p: 0.3)] }
        t["dropout_train"] = { c in [try c.x.dropout(p: 0.4, train: true)] }
        t["dropout_train_large"] = { c in [try c.x.dropout(p: 0.5, train: true)] }
        t["multinomial"] = { c in [try c.p.multinomial(numSamples: 3)] }
        t["multinomial_replacement"] = { c in [try c.p.multinomial(numSamples: 8, replacement: true)] }
        t["uniform_"] = { c in [try c.x.uniform_(from: -2.0, to: 3.0)] }
        t["normal_"] = { c in [try c.x.normal_(mean: 1.0, std: 2.0)] }
        t["exponential_"] = { c in [try c.x.exponential_(lambd: 1.5)] }
        t["rrelu_train"] = { c in [try c.x.rrelu(lower: 0.1, upper: 0.3, training: true)] }
        t["randn_sequence"] = { c in
            [try Tensor.cat([Tensor.randn([3], dtype: c.dtype), Tensor.rand([2], dtype: c.dtype),
                             Tensor.randn([17], dtype: c.dtype)])]
        }
    }

    /// Type promotion, 0-dim, empty and non-contiguous tensors: the binding's plumbing.
    static func semantics(_ t: inout [String: OpImplementation]) {
        t["add_int_float_scalar"] = { c in [try c.x.add(1.5)] }
        t["div_int_scalar"] = { c in [try c.x.div(2)] }
        t["mul_int_float_tensor"] = { c in [try c.x.mul(c.y)] }
        t["add_f32_f64"] = { c in [try c.x.add(c.y)] }
        t["add_zero_dim_keeps_dtype"] = { c in [try c.x.add(c.y)] }
        t["mul_bool_int"] = { c in [try c.m.mul(c.x)] }
        t["add_bool_scalar"] = { c in [try c.m.add(2)] }
        t["where_int_float"] = { c in [try Tensor.where(c.c, self: c.x, other: c.y)] }
        t["sum_zero_dim"] = { c in [try c.x.sum()] }
        t["mul_zero_dim"] = { c in [try c.x.mul(c.y)] }
        t["sum_empty"] = { c in [try c.x.sum(dim: [0])] }
        t["cat_empty"] = { c in [try Tensor.cat([c.x, c.y])] }
        t["matmul_transposed"] = { c in [try c.a.t().matmul(c.b)] }
        t["exp_noncontiguous"] = { c in [try c.x[.all, .slice(step: 2)].exp()] }
        t["add_expanded"] = { c in [try c.x.expand([3, 4]).add(c.y)] }
        t["softmax_negative_dim"] = { c in [try c.x.softmax(dim: -2)] }
    }
}
