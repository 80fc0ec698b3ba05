namespace Serval.Symbolic;

/// <summary>
/// An uninterpreted function symbol from bitvectors/booleans to a bitvector or boolean, e.g. a memory
/// <c>(bitvector 64) ~&gt; (bitvector 8)</c>. Compared by reference: two declarations with one name are different
/// functions (the printer keeps their SMT-LIB2 names apart).
/// </summary>
public sealed class Function
{
    private static long _counter;

    /// <summary>Declares a function named <paramref name="name"/> (a readable base; the SMT name is made unique).</summary>
    public Function(string name, IReadOnlyList<Sort> domain, Sort range)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(domain);
        ArgumentNullException.ThrowIfNull(range);
        if (domain.Count == 0)
        {
            throw new ArgumentException("A function takes at least one argument; use a variable for a constant.", nameof(domain));
        }
        Name = name;
        Domain = [.. domain];
        Range = range;
        Id = Interlocked.Increment(ref _counter);
    }

    /// <summary>The name given at declaration.</summary>
    public string Name { get; }

    /// <summary>The argument sorts.</summary>
    public IReadOnlyList<Sort> Domain { get; }

    /// <summary>The result sort.</summary>
    public Sort Range { get; }

    /// <summary>A process-unique number, used to keep SMT-LIB2 names of same-named functions apart.</summary>
    public long Id { get; }

    /// <summary>A function from one bitvector width to another, as Serval's memory and spec maps use.</summary>
    public static Function BitVecMap(string name, int argumentWidth, int resultWidth) =>
        new(name, [Sort.BitVec(argumentWidth)], Sort.BitVec(resultWidth));

    /// <summary>The application of this function to <paramref name="arguments"/>.</summary>
    public Term Apply(params ReadOnlySpan<Term> arguments) => Term.Apply(this, arguments);

    /// <summary>The application of this function to one bitvector value.</summary>
    public BitVec Apply(BitVec argument) => BitVec.FromTerm(Term.Apply(this, [argument.ToTerm()]));

    /// <inheritdoc />
    public override string ToString() => Name;
}
