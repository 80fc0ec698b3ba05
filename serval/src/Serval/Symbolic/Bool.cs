namespace Serval.Symbolic;

/// <summary>
/// A boolean that is either concrete (no allocation, plain <see cref="bool"/> logic) or symbolic (a boolean
/// <see cref="Term"/>). Operators fold to a concrete result when their operands are concrete.
/// </summary>
public readonly struct Bool : IMergeable<Bool>, IEquatable<Bool>
{
    private readonly Term? _term;
    private readonly bool _value;

    private Bool(bool value)
    {
        _value = value;
        _term = null;
    }

    private Bool(Term term)
    {
        _term = term;
        _value = false;
    }

    /// <summary>Concrete true.</summary>
    public static Bool True => new(true);

    /// <summary>Concrete false.</summary>
    public static Bool False => new(false);

    /// <summary>Whether the value is concrete.</summary>
    public bool IsConcrete => _term is null;

    /// <summary>Whether the value is symbolic.</summary>
    public bool IsSymbolic => _term is not null;

    /// <summary>Whether this is concrete true.</summary>
    public bool IsTrue => _term is null && _value;

    /// <summary>Whether this is concrete false.</summary>
    public bool IsFalse => _term is null && !_value;

    /// <summary>The concrete value.</summary>
    /// <exception cref="InvalidOperationException">The value is symbolic.</exception>
    public bool Value => _term is null ? _value : throw new InvalidOperationException($"The boolean is symbolic: {_term}.");

    /// <summary>A boolean variable named <paramref name="name"/>.</summary>
    public static Bool Var(string name) => new(Term.Var(name, Sort.Bool));

    /// <summary>A new boolean variable, distinct from all others.</summary>
    public static Bool Fresh(string prefix = "b") => new(Term.Fresh(prefix, Sort.Bool));

    /// <summary>Wraps a boolean term (concrete when it is a constant).</summary>
    public static Bool FromTerm(Term term)
    {
        ArgumentNullException.ThrowIfNull(term);
        if (!term.Sort.IsBool)
        {
            throw new ArgumentException($"Expected a boolean term, got {term.Sort}.", nameof(term));
        }
        return term.Op == Op.Const ? new Bool(term.IsTrue) : new Bool(term);
    }

    /// <summary>The value as a term.</summary>
    public Term ToTerm() => _term ?? Term.BoolConst(_value);

    /// <summary>The concrete value, if there is one.</summary>
    public bool TryGetValue(out bool value)
    {
        value = _value;
        return _term is null;
    }

    /// <summary>A concrete boolean.</summary>
    public static implicit operator Bool(bool value) => new(value);

    /// <summary>
    /// Whether the value is concretely true. Together with <see cref="op_False(Bool)"/> this makes <c>a &amp;&amp; b</c> and
    /// <c>a || b</c> short-circuit on concrete operands and build a term otherwise. Beware: <c>if (b)</c> on a
    /// symbolic <c>b</c> takes the else branch; branch on symbolic values with <see cref="Sym.If{T}(Bool, Func{T}, Func{T}, string, string, int)"/>.
    /// </summary>
    public static bool operator true(Bool a) => a.IsTrue;

    /// <summary>Whether the value is concretely false (see <see cref="op_True(Bool)"/>).</summary>
    public static bool operator false(Bool a) => a.IsFalse;

    /// <summary>Negation.</summary>
    public static Bool operator !(Bool a) => a._term is null ? new Bool(!a._value) : new Bool(Term.Not(a._term));

    /// <summary>Conjunction (both operands are evaluated).</summary>
    public static Bool operator &(Bool a, Bool b)
    {
        if (a._term is null)
        {
            return a._value ? b : False;
        }
        if (b._term is null)
        {
            return b._value ? a : False;
        }
        return FromTerm(Term.And(a._term, b._term));
    }

    /// <summary>Disjunction (both operands are evaluated).</summary>
    public static Bool operator |(Bool a, Bool b)
    {
        if (a._term is null)
        {
            return a._value ? True : b;
        }
        if (b._term is null)
        {
            return b._value ? True : a;
        }
        return FromTerm(Term.Or(a._term, b._term));
    }

    /// <summary>Exclusive or.</summary>
    public static Bool operator ^(Bool a, Bool b) =>
        a._term is null && b._term is null ? new Bool(a._value ^ b._value) : FromTerm(Term.Xor(a.ToTerm(), b.ToTerm()));

    /// <summary>Symbolic equality (if and only if).</summary>
    public static Bool operator ==(Bool a, Bool b) =>
        a._term is null && b._term is null ? new Bool(a._value == b._value) : FromTerm(Term.Eq(a.ToTerm(), b.ToTerm()));

    /// <summary>Symbolic inequality.</summary>
    public static Bool operator !=(Bool a, Bool b) => !(a == b);

    /// <summary>Logical negation (named alternative to <c>!</c>).</summary>
    public static Bool LogicalNot(Bool a) => !a;

    /// <summary>Conjunction (named alternative to <c>&amp;</c>).</summary>
    public static Bool BitwiseAnd(Bool a, Bool b) => a & b;

    /// <summary>Disjunction (named alternative to <c>|</c>).</summary>
    public static Bool BitwiseOr(Bool a, Bool b) => a | b;

    /// <summary>Exclusive or (named alternative to <c>^</c>).</summary>
    public static Bool Xor(Bool a, Bool b) => a ^ b;

    /// <summary>Implication: <c>!this | other</c>.</summary>
    public Bool Implies(Bool other) => !this | other;

    /// <summary><c>condition ? then : else</c> on booleans.</summary>
    public static Bool Ite(Bool condition, Bool then, Bool @else)
    {
        if (condition._term is null)
        {
            return condition._value ? then : @else;
        }
        return FromTerm(Term.Ite(condition._term, then.ToTerm(), @else.ToTerm()));
    }

    /// <inheritdoc />
    public Bool Merge(Bool condition, Bool other) => Ite(condition, this, other);

    /// <summary>Whether both hold the same representation (the same concrete value or the same term).</summary>
    public bool Equals(Bool other) => _value == other._value && ReferenceEquals(_term, other._term);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is Bool other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => _term?.GetHashCode() ?? _value.GetHashCode();

    /// <inheritdoc />
    public override string ToString() => _term?.ToString() ?? (_value ? "true" : "false");
}
