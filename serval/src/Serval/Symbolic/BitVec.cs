using System.Numerics;
using System.Runtime.CompilerServices;

namespace Serval.Symbolic;

/// <summary>
/// A bitvector value of a fixed width. Up to 64 bits a concrete value is a plain <see cref="ulong"/> (the operators
/// then cost a few instructions and allocate nothing); otherwise it holds a <see cref="Term"/>, which the operators
/// combine through the simplifying term builders. An interpreter written against this type runs concretely or
/// symbolically with the same code. Operands of binary operators must have the same width.
/// </summary>
public readonly struct BitVec : IMergeable<BitVec>, IEquatable<BitVec>
{
    private readonly ulong _bits;
    private readonly Term? _term;
    private readonly int _width;

    private BitVec(ulong bits, int width)
    {
        _bits = bits;
        _term = null;
        _width = width;
    }

    private BitVec(Term term)
    {
        _bits = 0;
        _term = term;
        _width = term.Width;
    }

    /// <summary>The width in bits.</summary>
    public int Width => _width;

    /// <summary>Whether the value is concrete (also true for constants wider than 64 bits).</summary>
    public bool IsConcrete => _term is null || _term.Op == Op.Const;

    /// <summary>Whether the value is symbolic.</summary>
    public bool IsSymbolic => !IsConcrete;

    /// <summary>The concrete value of a bitvector of up to 64 bits.</summary>
    /// <exception cref="InvalidOperationException">The value is symbolic or wider than 64 bits.</exception>
    public ulong Value => _term is null ? _bits : throw new InvalidOperationException(
        _term.Op == Op.Const ? $"The {_width}-bit value is wider than 64 bits; use BigValue." : $"The value is symbolic: {_term}.");

    /// <summary>The concrete value, at any width.</summary>
    /// <exception cref="InvalidOperationException">The value is symbolic.</exception>
    public BigInteger BigValue => _term is null ? _bits
        : _term.Op == Op.Const ? _term.Value : throw new InvalidOperationException($"The value is symbolic: {_term}.");

    /// <summary>The concrete value as a signed number of up to 64 bits.</summary>
    public long SignedValue => BitMath.ToSigned(Value, _width);

    /// <summary>The constant <paramref name="value"/> modulo 2^<paramref name="width"/>.</summary>
    public static BitVec Of(ulong value, int width)
    {
        if (width is <= 0 or > 64)
        {
            return width <= 0 ? throw new ArgumentOutOfRangeException(nameof(width), width, "A bitvector has at least one bit.")
                : new BitVec(Term.BvConst(value, width));
        }
        return new BitVec(value & BitMath.Mask64(width), width);
    }

    /// <summary>The constant <paramref name="value"/> modulo 2^<paramref name="width"/>, at any width.</summary>
    public static BitVec Of(BigInteger value, int width) => FromTerm(Term.BvConst(value, width));

    /// <summary>The constant <paramref name="value"/> modulo 2^<paramref name="width"/>, e.g. a 128-bit value.</summary>
    public static BitVec Of(UInt128 value, int width) => FromTerm(Term.BvConst((BigInteger)value, width));

    /// <summary>A bitvector variable named <paramref name="name"/>.</summary>
    public static BitVec Var(string name, int width) => new(Term.Var(name, Sort.BitVec(width)));

    /// <summary>A new bitvector variable, distinct from all others.</summary>
    public static BitVec Fresh(string prefix, int width) => new(Term.Fresh(prefix, Sort.BitVec(width)));

    /// <summary>Wraps a bitvector term (concrete when it is a constant of up to 64 bits).</summary>
    public static BitVec FromTerm(Term term)
    {
        ArgumentNullException.ThrowIfNull(term);
        if (!term.Sort.IsBitVec)
        {
            throw new ArgumentException("Expected a bitvector term, got a boolean.", nameof(term));
        }
        return term.Op == Op.Const && term.Width <= 64 ? new BitVec((ulong)term.Value, term.Width) : new BitVec(term);
    }

    /// <summary>The value as a term.</summary>
    public Term ToTerm() => _term ?? Term.BvConst(_bits, _width);

    /// <summary>The concrete value of up to 64 bits, if there is one.</summary>
    public bool TryGetValue(out ulong value)
    {
        value = _bits;
        return _term is null;
    }

    /// <summary>Addition modulo 2^width.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static BitVec operator +(BitVec a, BitVec b) => a._term is null && b._term is null && a._width == b._width
        ? new BitVec((a._bits + b._bits) & BitMath.Mask64(a._width), a._width) : Binary(Op.BvAdd, a, b);

    /// <summary>Subtraction modulo 2^width.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static BitVec operator -(BitVec a, BitVec b) => a._term is null && b._term is null && a._width == b._width
        ? new BitVec((a._bits - b._bits) & BitMath.Mask64(a._width), a._width) : Binary(Op.BvSub, a, b);

    /// <summary>Multiplication modulo 2^width.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static BitVec operator *(BitVec a, BitVec b) => a._term is null && b._term is null && a._width == b._width
        ? new BitVec((a._bits * b._bits) & BitMath.Mask64(a._width), a._width) : Binary(Op.BvMul, a, b);

    /// <summary>Bitwise and.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static BitVec operator &(BitVec a, BitVec b) => a._term is null && b._term is null && a._width == b._width
        ? new BitVec(a._bits & b._bits, a._width) : Binary(Op.BvAnd, a, b);

    /// <summary>Bitwise or.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static BitVec operator |(BitVec a, BitVec b) => a._term is null && b._term is null && a._width == b._width
        ? new BitVec(a._bits | b._bits, a._width) : Binary(Op.BvOr, a, b);

    /// <summary>Bitwise exclusive or.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static BitVec operator ^(BitVec a, BitVec b) => a._term is null && b._term is null && a._width == b._width
        ? new BitVec(a._bits ^ b._bits, a._width) : Binary(Op.BvXor, a, b);

    /// <summary>Bitwise complement.</summary>
    public static BitVec operator ~(BitVec a) =>
        a._term is null ? new BitVec(~a._bits & BitMath.Mask64(a._width), a._width) : FromTerm(Term.BvNot(a._term));

    /// <summary>Two's complement negation.</summary>
    public static BitVec operator -(BitVec a) =>
        a._term is null ? new BitVec((0 - a._bits) & BitMath.Mask64(a._width), a._width) : FromTerm(Term.Neg(a._term));

    /// <summary>Shift left by an amount of the same width (amounts of width or more give zero).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static BitVec operator <<(BitVec a, BitVec b) => a._term is null && b._term is null && a._width == b._width
        ? new BitVec(b._bits >= (ulong)a._width ? 0 : (a._bits << (int)b._bits) & BitMath.Mask64(a._width), a._width)
        : Binary(Op.BvShl, a, b);

    /// <summary>Logical shift right by an amount of the same width.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static BitVec operator >>>(BitVec a, BitVec b) => a._term is null && b._term is null && a._width == b._width
        ? new BitVec(b._bits >= (ulong)a._width ? 0 : a._bits >> (int)b._bits, a._width) : Binary(Op.BvLShr, a, b);

    /// <summary>Shift left by a constant amount.</summary>
    public static BitVec operator <<(BitVec a, int amount) => a << a.Constant((ulong)amount);

    /// <summary>Logical shift right by a constant amount.</summary>
    public static BitVec operator >>>(BitVec a, int amount) => a >>> a.Constant((ulong)amount);

    /// <summary>Adds a constant of this width.</summary>
    public static BitVec operator +(BitVec a, ulong b) => a + a.Constant(b);

    /// <summary>Subtracts a constant of this width.</summary>
    public static BitVec operator -(BitVec a, ulong b) => a - a.Constant(b);

    /// <summary>Ands with a constant of this width.</summary>
    public static BitVec operator &(BitVec a, ulong b) => a & a.Constant(b);

    /// <summary>Symbolic equality.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Bool operator ==(BitVec a, BitVec b) => a._term is null && b._term is null && a._width == b._width
        ? a._bits == b._bits : Compare(Op.Eq, a, b);

    /// <summary>Symbolic inequality.</summary>
    public static Bool operator !=(BitVec a, BitVec b) => !(a == b);

    /// <summary>Symbolic equality with a constant of this width.</summary>
    public static Bool operator ==(BitVec a, ulong b) => a == a.Constant(b);

    /// <summary>Symbolic inequality with a constant of this width.</summary>
    public static Bool operator !=(BitVec a, ulong b) => !(a == a.Constant(b));

    /// <summary>Addition (named alternative to <c>+</c>).</summary>
    public static BitVec Add(BitVec a, BitVec b) => a + b;

    /// <summary>Subtraction (named alternative to <c>-</c>).</summary>
    public static BitVec Subtract(BitVec a, BitVec b) => a - b;

    /// <summary>Multiplication (named alternative to <c>*</c>).</summary>
    public static BitVec Multiply(BitVec a, BitVec b) => a * b;

    /// <summary>Bitwise and (named alternative to <c>&amp;</c>).</summary>
    public static BitVec BitwiseAnd(BitVec a, BitVec b) => a & b;

    /// <summary>Bitwise or (named alternative to <c>|</c>).</summary>
    public static BitVec BitwiseOr(BitVec a, BitVec b) => a | b;

    /// <summary>Bitwise exclusive or (named alternative to <c>^</c>).</summary>
    public static BitVec Xor(BitVec a, BitVec b) => a ^ b;

    /// <summary>Bitwise complement (named alternative to <c>~</c>).</summary>
    public static BitVec OnesComplement(BitVec a) => ~a;

    /// <summary>Negation (named alternative to unary <c>-</c>).</summary>
    public static BitVec Negate(BitVec a) => -a;

    /// <summary>Shift left (named alternative to <c>&lt;&lt;</c>).</summary>
    public static BitVec LeftShift(BitVec a, BitVec b) => a << b;

    /// <summary>Logical shift right (named alternative to <c>&gt;&gt;&gt;</c>).</summary>
    public static BitVec UnsignedRightShift(BitVec a, BitVec b) => a >>> b;

    /// <summary>Shift left.</summary>
    public BitVec Shl(BitVec amount) => this << amount;

    /// <summary>Logical shift right.</summary>
    public BitVec LShr(BitVec amount) => this >>> amount;

    /// <summary>Arithmetic shift right (amounts of width or more give all sign bits).</summary>
    public BitVec AShr(BitVec amount) => Binary(Op.BvAShr, this, amount);

    /// <summary>Unsigned division; by zero gives all ones.</summary>
    public BitVec UDiv(BitVec divisor) => Binary(Op.BvUDiv, this, divisor);

    /// <summary>Signed division truncating toward zero; by zero gives -1 for a non-negative dividend, else 1.</summary>
    public BitVec SDiv(BitVec divisor) => Binary(Op.BvSDiv, this, divisor);

    /// <summary>Unsigned remainder; by zero gives the dividend.</summary>
    public BitVec URem(BitVec divisor) => Binary(Op.BvURem, this, divisor);

    /// <summary>Signed remainder with the dividend's sign; by zero gives the dividend.</summary>
    public BitVec SRem(BitVec divisor) => Binary(Op.BvSRem, this, divisor);

    /// <summary>Signed modulus with the divisor's sign; by zero gives the dividend.</summary>
    public BitVec SMod(BitVec divisor) => Binary(Op.BvSMod, this, divisor);

    /// <summary>Rotate left by <paramref name="amount"/> modulo the width.</summary>
    public BitVec RotateLeft(BitVec amount)
    {
        if (_term is null && amount._term is null && _width == amount._width)
        {
            var n = (int)(amount._bits % (ulong)_width);
            return n == 0 ? this : new BitVec(((_bits << n) | (_bits >> (_width - n))) & BitMath.Mask64(_width), _width);
        }
        return FromTerm(Term.RotateLeft(ToTerm(), amount.ToTerm()));
    }

    /// <summary>Rotate right by <paramref name="amount"/> modulo the width.</summary>
    public BitVec RotateRight(BitVec amount)
    {
        if (_term is null && amount._term is null && _width == amount._width)
        {
            var n = (int)(amount._bits % (ulong)_width);
            return n == 0 ? this : new BitVec(((_bits >> n) | (_bits << (_width - n))) & BitMath.Mask64(_width), _width);
        }
        return FromTerm(Term.RotateRight(ToTerm(), amount.ToTerm()));
    }

    /// <summary>Unsigned less than.</summary>
    public Bool Ult(BitVec other) => _term is null && other._term is null && _width == other._width ? _bits < other._bits : Compare(Op.BvUlt, this, other);

    /// <summary>Unsigned less than or equal.</summary>
    public Bool Ule(BitVec other) => _term is null && other._term is null && _width == other._width ? _bits <= other._bits : Compare(Op.BvUle, this, other);

    /// <summary>Unsigned greater than.</summary>
    public Bool Ugt(BitVec other) => other.Ult(this);

    /// <summary>Unsigned greater than or equal.</summary>
    public Bool Uge(BitVec other) => other.Ule(this);

    /// <summary>Signed less than.</summary>
    public Bool Slt(BitVec other) => _term is null && other._term is null && _width == other._width
        ? BitMath.ToSigned(_bits, _width) < BitMath.ToSigned(other._bits, _width) : Compare(Op.BvSlt, this, other);

    /// <summary>Signed less than or equal.</summary>
    public Bool Sle(BitVec other) => _term is null && other._term is null && _width == other._width
        ? BitMath.ToSigned(_bits, _width) <= BitMath.ToSigned(other._bits, _width) : Compare(Op.BvSle, this, other);

    /// <summary>Signed greater than.</summary>
    public Bool Sgt(BitVec other) => other.Slt(this);

    /// <summary>Signed greater than or equal.</summary>
    public Bool Sge(BitVec other) => other.Sle(this);

    /// <summary>Bits <paramref name="high"/> down to <paramref name="low"/>.</summary>
    public BitVec Extract(int high, int low)
    {
        if (_term is null && low >= 0 && high >= low && high < _width)
        {
            var width = high - low + 1;
            return new BitVec((_bits >> low) & BitMath.Mask64(width), width);
        }
        return FromTerm(Term.Extract(high, low, ToTerm()));
    }

    /// <summary>This value as the high bits followed by <paramref name="low"/>.</summary>
    public BitVec Concat(BitVec low) => _term is null && low._term is null && _width + low._width <= 64
        ? new BitVec((_bits << low._width) | low._bits, _width + low._width)
        : FromTerm(Term.Concat(ToTerm(), low.ToTerm()));

    /// <summary>Extended with <paramref name="bits"/> zero bits.</summary>
    public BitVec ZeroExtend(int bits) => _term is null && bits >= 0 && _width + bits <= 64
        ? new BitVec(_bits, _width + bits) : FromTerm(Term.ZeroExtend(ToTerm(), bits));

    /// <summary>Extended with <paramref name="bits"/> copies of the sign bit.</summary>
    public BitVec SignExtend(int bits) => _term is null && bits >= 0 && _width + bits <= 64
        ? new BitVec((ulong)BitMath.ToSigned(_bits, _width) & BitMath.Mask64(_width + bits), _width + bits)
        : FromTerm(Term.SignExtend(ToTerm(), bits));

    /// <summary>Zero-extended (or kept) to <paramref name="width"/> bits.</summary>
    public BitVec ZeroExtendTo(int width) => ZeroExtend(width - _width);

    /// <summary>Sign-extended (or kept) to <paramref name="width"/> bits.</summary>
    public BitVec SignExtendTo(int width) => SignExtend(width - _width);

    /// <summary><c>condition ? then : else</c> on bitvectors of one width.</summary>
    public static BitVec Ite(Bool condition, BitVec then, BitVec @else)
    {
        if (condition.TryGetValue(out var value))
        {
            return value ? then : @else;
        }
        if (then.Equals(@else))
        {
            return then;
        }
        return FromTerm(Term.Ite(condition.ToTerm(), then.ToTerm(), @else.ToTerm()));
    }

    /// <inheritdoc />
    public BitVec Merge(Bool condition, BitVec other) => Ite(condition, this, other);

    /// <summary>Whether both hold the same representation (same width and concrete value, or the same term).</summary>
    public bool Equals(BitVec other) => _bits == other._bits && _width == other._width && ReferenceEquals(_term, other._term);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is BitVec other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => _term?.GetHashCode() ?? HashCode.Combine(_bits, _width);

    /// <inheritdoc />
    public override string ToString() => _term?.ToString() ?? TermPrinter.Constant(_bits, Sort.BitVec(_width));

    private BitVec Constant(ulong value) => Of(value, _width);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static BitVec Binary(Op op, BitVec a, BitVec b)
    {
        if (a._term is null && b._term is null && a._width == b._width)
        {
            return new BitVec(BitMath.Apply(op, a._bits, b._bits, a._width), a._width);
        }
        var (x, y) = (a.ToTerm(), b.ToTerm());
        return FromTerm(op switch
        {
            Op.BvAdd => Term.Add(x, y),
            Op.BvSub => Term.Sub(x, y),
            Op.BvMul => Term.Mul(x, y),
            Op.BvUDiv => Term.UDiv(x, y),
            Op.BvSDiv => Term.SDiv(x, y),
            Op.BvURem => Term.URem(x, y),
            Op.BvSRem => Term.SRem(x, y),
            Op.BvSMod => Term.SMod(x, y),
            Op.BvAnd => Term.BvAnd(x, y),
            Op.BvOr => Term.BvOr(x, y),
            Op.BvXor => Term.BvXor(x, y),
            Op.BvShl => Term.Shl(x, y),
            Op.BvLShr => Term.LShr(x, y),
            _ => Term.AShr(x, y),
        });
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Bool Compare(Op op, BitVec a, BitVec b)
    {
        var (x, y) = (a.ToTerm(), b.ToTerm());
        return Bool.FromTerm(op switch
        {
            Op.Eq => Term.Eq(x, y),
            Op.BvUlt => Term.Ult(x, y),
            Op.BvUle => Term.Ule(x, y),
            Op.BvSlt => Term.Slt(x, y),
            _ => Term.Sle(x, y),
        });
    }
}
