namespace Serval.Symbolic;

/// <summary>The operator at the root of a <see cref="Term"/>; names follow SMT-LIB2.</summary>
public enum Op
{
    /// <summary>A boolean or bitvector constant (<see cref="Term.Value"/>).</summary>
    Const,
    /// <summary>A named free variable (an SMT-LIB2 constant) or a quantifier's bound variable.</summary>
    Var,
    /// <summary>Boolean negation.</summary>
    Not,
    /// <summary>Boolean conjunction.</summary>
    And,
    /// <summary>Boolean disjunction.</summary>
    Or,
    /// <summary>Boolean exclusive or.</summary>
    Xor,
    /// <summary>Equality of two terms of one sort.</summary>
    Eq,
    /// <summary>If-then-else: <c>(ite c a b)</c>.</summary>
    Ite,
    /// <summary>Bitwise complement.</summary>
    BvNot,
    /// <summary>Two's complement negation.</summary>
    BvNeg,
    /// <summary>Addition modulo 2^width.</summary>
    BvAdd,
    /// <summary>Subtraction modulo 2^width.</summary>
    BvSub,
    /// <summary>Multiplication modulo 2^width.</summary>
    BvMul,
    /// <summary>Unsigned division; division by zero gives all ones.</summary>
    BvUDiv,
    /// <summary>Signed division truncating toward zero (SMT-LIB2 <c>bvsdiv</c>).</summary>
    BvSDiv,
    /// <summary>Unsigned remainder; remainder by zero gives the dividend.</summary>
    BvURem,
    /// <summary>Signed remainder with the dividend's sign (SMT-LIB2 <c>bvsrem</c>).</summary>
    BvSRem,
    /// <summary>Signed modulus with the divisor's sign (SMT-LIB2 <c>bvsmod</c>).</summary>
    BvSMod,
    /// <summary>Bitwise and.</summary>
    BvAnd,
    /// <summary>Bitwise or.</summary>
    BvOr,
    /// <summary>Bitwise exclusive or.</summary>
    BvXor,
    /// <summary>Shift left; amounts of width or more give zero.</summary>
    BvShl,
    /// <summary>Logical shift right.</summary>
    BvLShr,
    /// <summary>Arithmetic shift right.</summary>
    BvAShr,
    /// <summary>Unsigned less than.</summary>
    BvUlt,
    /// <summary>Unsigned less than or equal.</summary>
    BvUle,
    /// <summary>Signed less than.</summary>
    BvSlt,
    /// <summary>Signed less than or equal.</summary>
    BvSle,
    /// <summary>Bits <see cref="Term.High"/> down to <see cref="Term.Low"/> of the argument.</summary>
    Extract,
    /// <summary>Concatenation; the first argument supplies the high bits.</summary>
    Concat,
    /// <summary>Zero extension by <see cref="Term.High"/> bits.</summary>
    ZeroExtend,
    /// <summary>Sign extension by <see cref="Term.High"/> bits.</summary>
    SignExtend,
    /// <summary>Application of an uninterpreted function (<see cref="Term.Function"/>).</summary>
    Apply,
    /// <summary>Universal quantification over the bound variables <see cref="Term.Bound"/>.</summary>
    ForAll,
    /// <summary>Existential quantification over the bound variables <see cref="Term.Bound"/>.</summary>
    Exists,
}
