using System.Collections.Immutable;

namespace Serval.Symbolic;

/// <summary>
/// A guarded union: a value that is <c>Value_i</c> where <c>Guard_i</c> holds, for values that have no symbolic
/// encoding of their own (objects, delegates, concrete program counters). Guards are mutually exclusive; on every
/// feasible path exactly one holds. Members with equal values share one entry.
/// </summary>
/// <typeparam name="T">The member type.</typeparam>
public sealed class Union<T> : IMergeable<Union<T>>
{
    internal Union(ImmutableArray<(Bool Guard, T Value)> members) => Members = members;

    /// <summary>The members with their guards.</summary>
    public ImmutableArray<(Bool Guard, T Value)> Members { get; }

    /// <summary>The number of members.</summary>
    public int Count => Members.Length;

    /// <summary>Whether the union has a single member (then its value holds on every path).</summary>
    public bool IsSingle => Members.Length == 1;

    /// <inheritdoc />
    public Union<T> Merge(Bool condition, Union<T> other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (condition.TryGetValue(out var value))
        {
            return value ? this : other;
        }
        var builder = new List<(Bool Guard, T Value)>(Members.Length + other.Members.Length);
        foreach (var (guard, member) in Members)
        {
            Add(builder, condition & guard, member);
        }
        foreach (var (guard, member) in other.Members)
        {
            Add(builder, !condition & guard, member);
        }
        Profiling.Profiler.OnUnion(builder.Count);
        return new Union<T>([.. builder]);
    }

    /// <inheritdoc />
    public override string ToString() =>
        "{" + string.Join(", ", Members.Select(m => $"[{m.Guard}] {m.Value}")) + "}";

    internal static void Add(List<(Bool Guard, T Value)> builder, Bool guard, T value)
    {
        if (guard.IsFalse)
        {
            return;
        }
        for (var i = 0; i < builder.Count; i++)
        {
            if (EqualityComparer<T>.Default.Equals(builder[i].Value, value))
            {
                builder[i] = (builder[i].Guard | guard, value);
                return;
            }
        }
        builder.Add((guard, value));
    }
}

/// <summary>Builds unions.</summary>
public static class Union
{
    /// <summary>A union of one value.</summary>
    public static Union<T> Of<T>(T value) => new([(Bool.True, value)]);

    /// <summary>A union of explicit members (guards must be mutually exclusive and cover every feasible path).</summary>
    public static Union<T> FromMembers<T>(IEnumerable<(Bool Guard, T Value)> members)
    {
        ArgumentNullException.ThrowIfNull(members);
        var builder = new List<(Bool Guard, T Value)>();
        foreach (var (guard, value) in members)
        {
            Union<T>.Add(builder, guard, value);
        }
        return new Union<T>([.. builder]);
    }

    /// <summary>
    /// Splits a bitvector into the union of the concrete values its if-then-else tree can take (Serval's split-pc):
    /// <c>ite(c, 4, ite(d, 8, 12))</c> becomes {[c] 4, [!c &amp; d] 8, [!c &amp; !d] 12}. Leaves that are not constants
    /// stay symbolic members.
    /// </summary>
    public static Union<BitVec> Split(BitVec value)
    {
        var members = new List<(Bool Guard, BitVec Value)>();
        Collect(value.ToTerm(), Bool.True, members);
        return FromMembers(members);
    }

    private static void Collect(Term term, Bool guard, List<(Bool Guard, BitVec Value)> members)
    {
        if (term.Op == Op.Ite)
        {
            var condition = Bool.FromTerm(term[0]);
            Collect(term[1], guard & condition, members);
            Collect(term[2], guard & !condition, members);
            return;
        }
        members.Add((guard, BitVec.FromTerm(term)));
    }
}
