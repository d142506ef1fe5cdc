/// Philox-4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC 2011), the
/// counter-based generator behind every random number in flowkit.
///
/// Value `i` of a fill with `(seed, counter)` comes from block `n = counter + i / 4`, word `i % 4`
/// (for normals, words 0 and 1 give values 0 and 1 — `r cos θ`, `r sin θ` — and words 2 and 3
/// give values 2 and 3);
/// the block's counter words are `(lo(n), hi(n), 0, 0)` and its key is `(lo(seed), hi(seed))`. A fill
/// of `count` values consumes `ceil(count / 4)` blocks.
///
/// The conversions to floats use only IEEE-exact operations (+, −, ×, bit manipulation) in a fixed
/// order, mirrored operation for operation in `Kernels/random.cl` (compiled with FP_CONTRACT OFF),
/// so uniforms *and* normals are bit-identical on the CPU and every OpenCL device.
public enum Philox {
    @usableFromInline static let multiplier0: UInt32 = 0xD251_1F53
    @usableFromInline static let multiplier1: UInt32 = 0xCD9E_8D57
    @usableFromInline static let weyl0: UInt32 = 0x9E37_79B9
    @usableFromInline static let weyl1: UInt32 = 0xBB67_AE85

    /// The four 32-bit words of block `n` under key `seed`.
    @inlinable
    public static func block(_ n: UInt64, seed: UInt64) -> (UInt32, UInt32, UInt32, UInt32) {
        block(
            counter: (UInt32(truncatingIfNeeded: n), UInt32(truncatingIfNeeded: n >> 32), 0, 0),
            key: (UInt32(truncatingIfNeeded: seed), UInt32(truncatingIfNeeded: seed >> 32)))
    }

    /// Block with a full 128-bit counter and key (also used to check the published known-answer vectors).
    @inlinable @inline(__always)
    public static func block(counter: (UInt32, UInt32, UInt32, UInt32), key: (UInt32, UInt32))
        -> (UInt32, UInt32, UInt32, UInt32)
    {
        var (c0, c1, c2, c3) = counter
        var (k0, k1) = key
        for round in 0..<10 {
            if round > 0 {
                k0 &+= weyl0
                k1 &+= weyl1
            }
            let p0 = UInt64(multiplier0) &* UInt64(c0)
            let p1 = UInt64(multiplier1) &* UInt64(c2)
            (c0, c1, c2, c3) = (
                UInt32(truncatingIfNeeded: p1 >> 32) ^ c1 ^ k0, UInt32(truncatingIfNeeded: p1),
                UInt32(truncatingIfNeeded: p0 >> 32) ^ c3 ^ k1, UInt32(truncatingIfNeeded: p0)
            )
        }
        return (c0, c1, c2, c3)
    }

    /// Uniform on [0, 1) from the top 24 bits.
    @inlinable @inline(__always)
    public static func uniform(_ word: UInt32) -> Float {
        Float(word >> 8) * 0x1p-24
    }

    /// Two standard normals from two words by Box–Muller: `r·cos θ`, `r·sin θ` with
    /// `r = sqrt(−2 log u1)`, `u1 ∈ (0, 1]`, `θ = 2π u2`.
    @inlinable @inline(__always)
    public static func normalPair(_ w0: UInt32, _ w1: UInt32) -> (Float, Float) {
        let u1 = Float((w0 >> 8) + 1) * 0x1p-24
        let u2 = Float(w1 >> 8) * 0x1p-24
        let radius = ExactMath.sqrt(-2 * ExactMath.log(u1))
        let (sine, cosine) = ExactMath.sinCosTwoPi(u2)
        return (radius * cosine, radius * sine)
    }
}

/// Elementary functions from +, −, × and bit operations only, so they round identically on every
/// IEEE-754 device. Accurate to a few ulps: enough for sampling, not a libm replacement.
@usableFromInline
enum ExactMath {
    /// Natural log for x in (0, 1]: `x = m·2^e` with m in [√½, √2), `log m = 2 atanh((m−1)/(m+1))`.
    @inlinable @inline(__always)
    static func log(_ x: Float) -> Float {
        let bits = x.bitPattern
        var exponent = Int32((bits >> 23) & 0xFF) - 127
        var mantissa = Float(bitPattern: (bits & 0x7F_FFFF) | 0x3F80_0000)
        if mantissa > 1.41421356 {
            mantissa = mantissa * 0.5
            exponent = exponent + 1
        }
        let f = (mantissa - 1) * reciprocal(mantissa + 1)
        let f2 = f * f
        var p: Float = 0.222222222
        p = p * f2 + 0.285714286
        p = p * f2 + 0.4
        p = p * f2 + 0.666666667
        p = p * f2 + 2
        let e = Float(exponent)
        return e * 0.693145751953125 + (f * p + e * 1.42860676533e-06)
    }

    /// 1/d for d in [1.7, 2.5] by Newton's iteration from 0.5.
    @inlinable @inline(__always)
    static func reciprocal(_ d: Float) -> Float {
        var r: Float = 0.5
        for _ in 0..<5 { r = r * (2 - d * r) }
        return r
    }

    /// √a for a ≥ 0 from the classic bit-level reciprocal-square-root estimate and three Newton steps.
    @inlinable @inline(__always)
    static func sqrt(_ a: Float) -> Float {
        if a <= 0 { return 0 }
        var y = Float(bitPattern: 0x5F37_59DF &- (a.bitPattern >> 1))
        for _ in 0..<3 { y = y * (1.5 - 0.5 * a * y * y) }
        return a * y
    }

    /// (sin 2πu, cos 2πu) for u in [0, 1): quadrant from 4u, then Taylor polynomials on [0, π/4].
    @inlinable @inline(__always)
    static func sinCosTwoPi(_ u: Float) -> (Float, Float) {
        let scaled = u * 4
        let quadrant = Int32(scaled)
        let r = scaled - Float(quadrant)
        var s: Float
        var c: Float
        if r <= 0.5 {
            let x = r * 1.57079632679
            s = sinPoly(x)
            c = cosPoly(x)
        } else {
            let x = (1 - r) * 1.57079632679
            s = cosPoly(x)
            c = sinPoly(x)
        }
        switch quadrant {
        case 0: return (s, c)
        case 1: return (c, -s)
        case 2: return (-s, -c)
        default: return (-c, s)
        }
    }

    @inlinable @inline(__always)
    static func sinPoly(_ x: Float) -> Float {
        let x2 = x * x
        var p: Float = 2.75573192e-06
        p = p * x2 - 1.98412698e-04
        p = p * x2 + 8.33333333e-03
        p = p * x2 - 1.66666667e-01
        return x + x * x2 * p
    }

    @inlinable @inline(__always)
    static func cosPoly(_ x: Float) -> Float {
        let x2 = x * x
        var p: Float = -2.75573192e-07
        p = p * x2 + 2.48015873e-05
        p = p * x2 - 1.38888889e-03
        p = p * x2 + 4.16666667e-02
        p = p * x2 - 0.5
        return 1 + x2 * p
    }
}
