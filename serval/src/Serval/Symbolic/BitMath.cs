using System.Numerics;

namespace Serval.Symbolic;

/// <summary>
/// Bit-precise SMT-LIB2 semantics of the bitvector operators on unsigned values: on <see cref="BigInteger"/> for any
/// width (constant folding) and on <see cref="ulong"/> for widths up to 64 (the concrete fast path of
/// <see cref="BitVec"/>). Values are unsigned, below 2^width.
/// </summary>
public static class BitMath
{
    private static readonly BigInteger[] Masks = CreateMasks();

    /// <summary>2^width - 1 for widths 1 to 64 (all ones).</summary>
    public static ulong Mask64(int width) => ulong.MaxValue >> (64 - width);

    /// <summary>2^width - 1 (all ones).</summary>
    public static BigInteger Mask(int width) => width < Masks.Length ? Masks[width] : (BigInteger.One << width) - 1;

    /// <summary><paramref name="value"/> modulo 2^width, as an unsigned value.</summary>
    public static BigInteger Normalize(BigInteger value, int width) => value & Mask(width);

    /// <summary>The two's complement reading of an unsigned value.</summary>
    public static BigInteger ToSigned(BigInteger value, int width) =>
        value.IsZero || (value >> (width - 1)).IsZero ? value : value - (BigInteger.One << width);

    /// <summary>The two's complement reading of an unsigned value of up to 64 bits.</summary>
    public static long ToSigned(ulong value, int width) => width == 64 ? (long)value : (long)(value << (64 - width)) >> (64 - width);

    /// <summary>Applies the binary bitvector operator <paramref name="op"/> to constants of <paramref name="width"/> bits.</summary>
    public static BigInteger Apply(Op op, BigInteger a, BigInteger b, int width)
    {
        var mask = Mask(width);
        return op switch
        {
            Op.BvAdd => (a + b) & mask,
            Op.BvSub => (a - b) & mask,
            Op.BvMul => (a * b) & mask,
            Op.BvAnd => a & b,
            Op.BvOr => a | b,
            Op.BvXor => a ^ b,
            Op.BvUDiv => b.IsZero ? mask : a / b,
            Op.BvURem => b.IsZero ? a : a % b,
            Op.BvSDiv => SignedDivide(a, b, width),
            Op.BvSRem => SignedRemainder(a, b, width),
            Op.BvSMod => SignedModulus(a, b, width),
            Op.BvShl => b >= width ? BigInteger.Zero : (a << (int)b) & mask,
            Op.BvLShr => b >= width ? BigInteger.Zero : a >> (int)b,
            Op.BvAShr => (ToSigned(a, width) >> (int)BigInteger.Min(b, width)) & mask,
            _ => throw new ArgumentException($"{op} is not a binary bitvector operator.", nameof(op)),
        };
    }

    /// <summary>Applies the binary bitvector operator <paramref name="op"/> to values of up to 64 bits.</summary>
    public static ulong Apply(Op op, ulong a, ulong b, int width)
    {
        var mask = Mask64(width);
        return op switch
        {
            Op.BvAdd => (a + b) & mask,
            Op.BvSub => (a - b) & mask,
            Op.BvMul => (a * b) & mask,
            Op.BvAnd => a & b,
            Op.BvOr => a | b,
            Op.BvXor => a ^ b,
            Op.BvUDiv => b == 0 ? mask : a / b,
            Op.BvURem => b == 0 ? a : a % b,
            Op.BvSDiv => SignedDivide(a, b, width),
            Op.BvSRem => SignedRemainder(a, b, width),
            Op.BvSMod => SignedModulus(a, b, width),
            Op.BvShl => b >= (ulong)width ? 0 : (a << (int)b) & mask,
            Op.BvLShr => b >= (ulong)width ? 0 : a >> (int)b,
            Op.BvAShr => (ulong)(ToSigned(a, width) >> (int)Math.Min(b, 63)) & mask,
            _ => throw new ArgumentException($"{op} is not a binary bitvector operator.", nameof(op)),
        };
    }

    /// <summary>Applies the comparison <paramref name="op"/> to constants of <paramref name="width"/> bits.</summary>
    public static bool Compare(Op op, BigInteger a, BigInteger b, int width) => op switch
    {
        Op.BvUlt => a < b,
        Op.BvUle => a <= b,
        Op.BvSlt => ToSigned(a, width) < ToSigned(b, width),
        Op.BvSle => ToSigned(a, width) <= ToSigned(b, width),
        _ => throw new ArgumentException($"{op} is not a bitvector comparison.", nameof(op)),
    };

    private static bool Negative(BigInteger value, int width) => !(value >> (width - 1)).IsZero;

    private static BigInteger Negate(BigInteger value, int width) => (-value) & Mask(width);

    private static BigInteger SignedDivide(BigInteger a, BigInteger b, int width)
    {
        var mask = Mask(width);
        var (na, nb) = (Negative(a, width), Negative(b, width));
        var ua = na ? Negate(a, width) : a;
        var ub = nb ? Negate(b, width) : b;
        var q = ub.IsZero ? mask : ua / ub;
        return na != nb ? Negate(q, width) : q;
    }

    private static BigInteger SignedRemainder(BigInteger a, BigInteger b, int width)
    {
        var na = Negative(a, width);
        var ua = na ? Negate(a, width) : a;
        var ub = Negative(b, width) ? Negate(b, width) : b;
        var r = ub.IsZero ? ua : ua % ub;
        return na ? Negate(r, width) : r;
    }

    private static BigInteger SignedModulus(BigInteger a, BigInteger b, int width)
    {
        var (na, nb) = (Negative(a, width), Negative(b, width));
        var ua = na ? Negate(a, width) : a;
        var ub = nb ? Negate(b, width) : b;
        var u = ub.IsZero ? ua : ua % ub;
        if (u.IsZero)
        {
            return u;
        }
        return (na, nb) switch
        {
            (false, false) => u,
            (true, false) => (Negate(u, width) + b) & Mask(width),
            (false, true) => (u + b) & Mask(width),
            _ => Negate(u, width),
        };
    }

    private static bool Negative(ulong value, int width) => (value >> (width - 1) & 1) != 0;

    private static ulong Negate(ulong value, int width) => (0 - value) & Mask64(width);

    private static ulong SignedDivide(ulong a, ulong b, int width)
    {
        var (na, nb) = (Negative(a, width), Negative(b, width));
        var ua = na ? Negate(a, width) : a;
        var ub = nb ? Negate(b, width) : b;
        var q = ub == 0 ? Mask64(width) : ua / ub;
        return na != nb ? Negate(q, width) : q;
    }

    private static ulong SignedRemainder(ulong a, ulong b, int width)
    {
        var na = Negative(a, width);
        var ua = na ? Negate(a, width) : a;
        var ub = Negative(b, width) ? Negate(b, width) : b;
        var r = ub == 0 ? ua : ua % ub;
        return na ? Negate(r, width) : r;
    }

    private static ulong SignedModulus(ulong a, ulong b, int width)
    {
        var (na, nb) = (Negative(a, width), Negative(b, width));
        var ua = na ? Negate(a, width) : a;
        var ub = nb ? Negate(b, width) : b;
        var u = ub == 0 ? ua : ua % ub;
        if (u == 0)
        {
            return u;
        }
        return (na, nb) switch
        {
            (false, false) => u,
            (true, false) => (Negate(u, width) + b) & Mask64(width),
            (false, true) => (u + b) & Mask64(width),
            _ => Negate(u, width),
        };
    }

    private static BigInteger[] CreateMasks()
    {
        var masks = new BigInteger[257];
        for (var i = 0; i < masks.Length; i++)
        {
            masks[i] = (BigInteger.One << i) - 1;
        }
        return masks;
    }
}
